package config

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"time"
)

// TransportType is the type as written, else stdio when a command is set,
// else http when a url is set. It is "" when the entry has neither.
func (s *Server) TransportType() string {
	switch {
	case s.Type != "":
		return s.Type
	case s.Command != "":
		return TypeStdio
	case s.URL != "":
		return TypeHTTP
	}
	return ""
}

// IsEnabled is true unless the file says "enabled": false.
func (s *Server) IsEnabled() bool {
	return s.Enabled == nil || *s.Enabled
}

// ToolPrefix is what goes before "__" in aggregated names: the server's
// prefix when set (possibly empty, meaning no prefix), else its name.
func (s *Server) ToolPrefix(name string) string {
	if s.Prefix != nil {
		return *s.Prefix
	}
	return name
}

// ConnectTimeout bounds starting the server and its initialize handshake.
func (s *Server) ConnectTimeout() time.Duration {
	return seconds(s.ConnectTimeoutS, DefaultConnectTimeoutS)
}

// CallTimeout bounds one request to the server.
func (s *Server) CallTimeout() time.Duration {
	return seconds(s.CallTimeoutS, DefaultCallTimeoutS)
}

// HealthCheckInterval is the time between pings of a running server.
func (s *Server) HealthCheckInterval() time.Duration {
	return seconds(s.HealthCheckIntervalS, DefaultHealthCheckIntervalS)
}

// IdleTTL is how long the server may sit unused before it is stopped;
// zero means never.
func (s *Server) IdleTTL() time.Duration {
	return seconds(s.IdleTTLS, DefaultIdleTTLS)
}

func seconds(v, def int) time.Duration {
	if v == 0 {
		v = def
	}
	return time.Duration(v) * time.Second
}

// Clone returns a deep copy; nil stays nil.
func (s *Server) Clone() *Server {
	if s == nil {
		return nil
	}
	c := *s
	c.Args = slices.Clone(s.Args)
	c.Env = maps.Clone(s.Env)
	c.Headers = maps.Clone(s.Headers)
	c.DisabledTools = slices.Clone(s.DisabledTools)
	c.Tags = slices.Clone(s.Tags)
	if s.Enabled != nil {
		v := *s.Enabled
		c.Enabled = &v
	}
	if s.Prefix != nil {
		v := *s.Prefix
		c.Prefix = &v
	}
	c.Docker = s.Docker.Clone()
	c.Extra = cloneExtra(s.Extra)
	return &c
}

// Equal reports whether both entries would be written to the file the same
// way, Extra included. Empty and missing lists or maps are equal, as they
// are in the file.
func (s *Server) Equal(o *Server) bool {
	if s == nil || o == nil {
		return s == o
	}
	return sameJSON(s, o)
}

// Clone returns a deep copy; nil stays nil.
func (c *Config) Clone() *Config {
	if c == nil {
		return nil
	}
	n := *c
	n.CORSOrigins = slices.Clone(c.CORSOrigins)
	if c.UpdateCheck != nil {
		v := *c.UpdateCheck
		n.UpdateCheck = &v
	}
	if c.Servers != nil {
		n.Servers = make(map[string]*Server, len(c.Servers))
		for name, s := range c.Servers {
			n.Servers[name] = s.Clone()
		}
	}
	if c.Profiles != nil {
		n.Profiles = make(map[string]*Profile, len(c.Profiles))
		for name, p := range c.Profiles {
			if p != nil {
				p = &Profile{Servers: slices.Clone(p.Servers), Groups: slices.Clone(p.Groups), Tools: slices.Clone(p.Tools), Description: p.Description}
			}
			n.Profiles[name] = p
		}
	}
	n.Groups = cloneGroups(c.Groups)
	n.Extra = cloneExtra(c.Extra)
	return &n
}

// ProfileNameRe is what a profile name must match: it is a path segment of
// /mcp/profiles/{name}, kept to the characters clients accept in names.
var ProfileNameRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// MatchesTool reports whether the profile keeps a tool of a server: every
// tool when Tools is empty, else a tool whose exposed name or
// {server}__{tool} matches one of the patterns.
func (p *Profile) MatchesTool(server, tool, exposed string) bool {
	if len(p.Tools) == 0 {
		return true
	}
	full := server + Separator + tool
	for _, pat := range p.Tools {
		if globMatch(pat, exposed) || globMatch(pat, full) {
			return true
		}
	}
	return false
}

// globMatch matches s against a pattern in which * stands for any run of
// characters (including none) and every other character for itself.
func globMatch(pat, s string) bool {
	star, next := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(pat) && pat[i] == '*':
			star, next = i, j
			i++
		case i < len(pat) && pat[i] == s[j]:
			i++
			j++
		case star >= 0:
			next++
			i, j = star+1, next
		default:
			return false
		}
	}
	for i < len(pat) && pat[i] == '*' {
		i++
	}
	return i == len(pat)
}

// Equal reports whether both configs would be written the same way.
func (c *Config) Equal(o *Config) bool {
	if c == nil || o == nil {
		return c == o
	}
	return sameJSON(c, o)
}

// ListenAddr is the address to serve on, the default when unset.
func (c *Config) ListenAddr() string {
	if c.Listen == "" {
		return DefaultListen
	}
	return c.Listen
}

// Exposure is the tool exposure mode, "direct" when unset.
func (c *Config) Exposure() string {
	if c.ToolExposure == "" {
		return ExposureDirect
	}
	return c.ToolExposure
}

// UpdateCheckEnabled is true unless the file says "update_check": false.
func (c *Config) UpdateCheckEnabled() bool {
	return c.UpdateCheck == nil || *c.UpdateCheck
}

// RetentionDays is how many days of activity are kept.
func (c *Config) RetentionDays() int {
	if c.ActivityRetentionDays == 0 {
		return DefaultActivityRetentionDays
	}
	return c.ActivityRetentionDays
}

// sameJSON compares by encoding: the encoding is deterministic (fixed key
// order, sorted maps), and it is exactly what "the same file" means.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// cloneExtra deep-copies values decoded from JSON (maps, arrays, scalars).
func cloneExtra(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return cloneExtra(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}
