package config

import (
	"encoding/json"
	"maps"
	"slices"
)

// DiffResult is what changed between two configs. Server lists hold sorted
// server names; Settings holds the sorted top-level keys that changed
// (such as "listen"), Extra keys included.
type DiffResult struct {
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
	Changed  []string `json:"changed"`
	Settings []string `json:"settings"`
}

// Empty is true when nothing changed.
func (d DiffResult) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Settings) == 0
}

// Diff compares two configs; nil counts as a config without servers.
func Diff(old, new *Config) DiffResult {
	if old == nil {
		old = &Config{}
	}
	if new == nil {
		new = &Config{}
	}
	var d DiffResult
	for _, name := range slices.Sorted(maps.Keys(new.Servers)) {
		o, ok := old.Servers[name]
		switch {
		case !ok:
			d.Added = append(d.Added, name)
		case !o.Equal(new.Servers[name]):
			d.Changed = append(d.Changed, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(old.Servers)) {
		if _, ok := new.Servers[name]; !ok {
			d.Removed = append(d.Removed, name)
		}
	}
	d.Settings = changedSettings(old, new)
	return d
}

// changedSettings compares the top-level keys other than mcpServers, by
// their encoded values.
func changedSettings(old, new *Config) []string {
	strip := func(c *Config) map[string]json.RawMessage {
		s := *c
		s.Servers = nil
		var m map[string]json.RawMessage
		data, err := json.Marshal(s)
		if err == nil {
			err = json.Unmarshal(data, &m)
		}
		if err != nil {
			return nil
		}
		delete(m, "mcpServers")
		return m
	}
	a, b := strip(old), strip(new)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if string(a[k]) != string(b[k]) {
			out = append(out, k)
		}
	}
	return out
}

// LiveChange says whether two configs of a server differ only in keys that
// take effect without reconnecting it: which tools are shown, how it is
// named, described, tagged or quarantined, and its call, health-check and
// idle timings. Such a change is applied to the running server.
func LiveChange(old, new *Server) bool {
	if old == nil || new == nil {
		return false
	}
	strip := func(s *Server) *Server {
		c := s.Clone()
		c.DisabledTools, c.Description, c.Tags, c.Prefix, c.Quarantined = nil, "", nil, nil, false
		c.AutoApproveChanges = false
		c.CallTimeoutS, c.HealthCheckIntervalS, c.IdleTTLS = 0, 0, 0
		return c
	}
	return strip(old).Equal(strip(new))
}
