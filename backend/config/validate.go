package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong in the config: where (a dotted path such as
// mcpServers.github.command) and what is expected there.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// ValidationError lists every problem found, in a stable order.
type ValidationError struct {
	Problems []Problem `json:"problems"`
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

var (
	serverNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,48}$`)
	prefixRe     = regexp.MustCompile(`^[A-Za-z0-9_-]{0,32}$`)
)

// Separator joins a server's prefix and a tool's name in aggregated names.
const Separator = "__"

// Validate checks the whole config and returns a *ValidationError listing
// every problem, or nil.
func (c *Config) Validate() error {
	v := &validator{}
	if c == nil {
		v.add("", "config is missing")
		return v.err()
	}
	if c.Listen != "" {
		if msg := checkListen(c.Listen); msg != "" {
			v.add("listen", msg)
		}
	}
	if c.ActivityRetentionDays < 0 {
		v.add("activity_retention_days", fmt.Sprintf("must be 0 (default, %d days) or a positive number of days, got %d", DefaultActivityRetentionDays, c.ActivityRetentionDays))
	}
	switch c.ToolExposure {
	case "", ExposureDirect, ExposureSearch:
	default:
		v.add("tool_exposure", fmt.Sprintf("must be %q (every tool listed, the default) or %q (retrieve_tools, describe_tool and call_tool stand in for them), got %q", ExposureDirect, ExposureSearch, c.ToolExposure))
	}
	for i, o := range c.CORSOrigins {
		if strings.TrimSpace(o) == "" {
			v.add(fmt.Sprintf("cors_origins[%d]", i), "must be an origin such as http://localhost:5173, got an empty string")
		}
	}

	if c.UpdateURL != "" {
		if msg := checkURL(c.UpdateURL); msg != "" {
			v.add("update_url", msg)
		}
	}

	names := slices.Sorted(maps.Keys(c.Servers))
	prefixOwner := map[string]string{}
	for _, name := range names {
		s := c.Servers[name]
		base := "mcpServers" + pathKey(name)
		if s == nil {
			v.add(base, "is null; expected an object with a command or a url")
			continue
		}
		validateName(v, base, name)
		validateServer(v, base, s)
		validateIsolation(v, base, s)
		if s.Prefix != nil && !prefixRe.MatchString(*s.Prefix) {
			v.add(base+".prefix", fmt.Sprintf("must be 0-32 letters, digits, '_' or '-', got %q", *s.Prefix))
		} else if s.Prefix != nil && strings.Contains(*s.Prefix, Separator) {
			v.add(base+".prefix", fmt.Sprintf("must not contain %q, which separates the prefix from tool names, got %q", Separator, *s.Prefix))
		}
	}
	// Servers using their name as prefix claim it first, so a clash is
	// reported on the prefix someone wrote.
	for _, explicit := range []bool{false, true} {
		for _, name := range names {
			s := c.Servers[name]
			if s == nil || (s.Prefix != nil) != explicit {
				continue
			}
			p := s.ToolPrefix(name)
			if p == "" {
				continue // no prefix: clashes are per tool, found at run time
			}
			if other, taken := prefixOwner[p]; taken {
				v.add("mcpServers"+pathKey(name)+".prefix", fmt.Sprintf("tool prefix %q is already used by server %q; set a different prefix on one of them", p, other))
			} else {
				prefixOwner[p] = name
			}
		}
	}
	validateProfiles(v, c)
	validateGroups(v, c, prefixOwner)
	return v.err()
}

// validateProfiles checks each profile's name, that its servers are
// configured and that its tool patterns can match a tool name.
func validateProfiles(v *validator, c *Config) {
	for _, name := range slices.Sorted(maps.Keys(c.Profiles)) {
		p := c.Profiles[name]
		base := "profiles" + pathKey(name)
		if !ProfileNameRe.MatchString(name) {
			v.add(base, fmt.Sprintf("profile name must be 1-64 letters, digits, '_' or '-', got %q", name))
		}
		if p == nil {
			v.add(base, `is null; expected an object such as {"servers": ["github"]}`)
			continue
		}
		for i, s := range p.Servers {
			if _, ok := c.Servers[s]; !ok {
				v.add(fmt.Sprintf("%s.servers[%d]", base, i), fmt.Sprintf("profile %q names server %q, which is not in mcpServers", name, s))
			}
		}
		for i, g := range p.Groups {
			if c.Groups[g] == nil {
				v.add(fmt.Sprintf("%s.groups[%d]", base, i), fmt.Sprintf("profile %q names group %q, which is not in groups", name, g))
			}
		}
		for i, t := range p.Tools {
			if strings.TrimSpace(t) == "" || !toolPatternRe.MatchString(t) {
				v.add(fmt.Sprintf("%s.tools[%d]", base, i), fmt.Sprintf("profile %q: a tool pattern is an exposed name or server__tool of letters, digits, '_' and '-', with * for any run of them, got %q", name, t))
			}
		}
	}
}

// toolPatternRe is what a profile's tool pattern may hold: the characters
// of exposed names, and *.
var toolPatternRe = regexp.MustCompile(`^[A-Za-z0-9_*-]+$`)

func validateName(v *validator, base, name string) {
	switch {
	case !serverNameRe.MatchString(name):
		v.add(base, fmt.Sprintf("server name must be 1-48 letters, digits, '_' or '-', got %q", name))
	case strings.Contains(name, Separator):
		v.add(base, fmt.Sprintf("server name must not contain %q, which separates server and tool in aggregated names, got %q", Separator, name))
	}
}

func validateServer(v *validator, base string, s *Server) {
	switch s.Type {
	case "", TypeStdio, TypeHTTP, TypeSSE:
	default:
		v.add(base+".type", fmt.Sprintf("must be %q, %q or %q, got %q", TypeStdio, TypeHTTP, TypeSSE, s.Type))
	}

	switch {
	case s.Type == "" && s.Command != "" && s.URL != "":
		v.add(base, `has both command and url; remove one, or set type to "stdio" or "http"/"sse" to say which is used`)
	case s.Type == "" && s.Command == "" && s.URL == "":
		v.add(base, "needs a command (a local program) or a url (a remote server)")
	case s.TransportType() == TypeStdio && strings.TrimSpace(s.Command) == "":
		v.add(base+".command", `is required for type "stdio": the program to run, such as "npx"`)
	case s.TransportType() == TypeHTTP || s.TransportType() == TypeSSE:
		if s.URL == "" {
			v.add(base+".url", fmt.Sprintf("is required for type %q: the server's address, such as https://example.com/mcp", s.TransportType()))
		} else if msg := checkURL(s.URL); msg != "" {
			v.add(base+".url", msg)
		}
	}

	for _, f := range []struct {
		key string
		val int
	}{
		{"connect_timeout_s", s.ConnectTimeoutS},
		{"call_timeout_s", s.CallTimeoutS},
		{"health_check_interval_s", s.HealthCheckIntervalS},
		{"idle_ttl_s", s.IdleTTLS},
	} {
		if f.val < 0 {
			v.add(base+"."+f.key, fmt.Sprintf("must be 0 (default) or a positive number of seconds, got %d", f.val))
		}
	}

	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		switch {
		case k == "":
			v.add(base+".env", "has an empty variable name")
		case strings.ContainsAny(k, "=\x00"):
			v.add(base+".env"+pathKey(k), "variable name must not contain '=' or NUL")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		if strings.TrimSpace(k) == "" {
			v.add(base+".headers", "has an empty header name")
		}
	}
}

// checkListen wants host:port with a numeric port; the host may be empty
// (all interfaces) but then the user wrote ":port" on purpose.
func checkListen(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("must be host:port such as %s, got %q", DefaultListen, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port must be a number from 0 to 65535, got %q", port)
	}
	return ""
}

// checkURL wants an absolute http(s) URL. References such as ${env:HOST}
// are checked once expanded; here they stand in as a plain host name.
func checkURL(raw string) string {
	if loc := refRe.FindStringIndex(raw); loc != nil && loc[0] == 0 {
		return "" // the scheme itself comes from a reference
	}
	u, err := url.Parse(refRe.ReplaceAllString(raw, "ref"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The message is logged and returned: no user or password in it.
		shown := userInfoRe.ReplaceAllString(raw, "//***@")
		return fmt.Sprintf("must be an absolute http:// or https:// URL such as https://example.com/mcp, got %q", shown)
	}
	return ""
}

var userInfoRe = regexp.MustCompile(`//[^/@]*@`)

type validator struct{ problems []Problem }

func (v *validator) add(path, msg string) {
	v.problems = append(v.problems, Problem{Path: path, Message: msg})
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// pathKey renders a map key as a path segment: ".name" when it is a plain
// word, else ["..."] so dots or spaces in it cannot be misread.
func pathKey(k string) string {
	if k != "" && plainKeyRe.MatchString(k) {
		return "." + k
	}
	return fmt.Sprintf("[%q]", k)
}

var plainKeyRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
