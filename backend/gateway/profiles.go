package gateway

import (
	"slices"
	"sort"
)

// ProfileInfo is one profile as its endpoint serves it now.
type ProfileInfo struct {
	Name        string
	Description string
	// Servers are the servers the profile names; Exposed those of them
	// whose tools reach its clients now (enabled, approved, not held).
	Servers []string
	Exposed []string
	// Groups are the groups the profile names, shown as on /mcp.
	Groups []string
	// Tools are the profile's tool patterns; ToolCount the tools its
	// clients see in direct mode.
	Tools     []string
	ToolCount int
	Path      string
}

// Profiles lists the configured profiles, sorted by name.
func (g *Gateway) Profiles() []ProfileInfo {
	g.mu.RLock()
	names := make([]string, 0, len(g.profiles))
	for n := range g.profiles {
		names = append(names, n)
	}
	g.mu.RUnlock()
	sort.Strings(names)
	out := make([]ProfileInfo, 0, len(names))
	for _, n := range names {
		if p, ok := g.Profile(n); ok {
			out = append(out, p)
		}
	}
	return out
}

// Profile returns one configured profile.
func (g *Gateway) Profile(name string) (ProfileInfo, bool) {
	g.mu.RLock()
	e := g.profiles[name]
	p := g.cfg.Profiles[name]
	g.mu.RUnlock()
	if e == nil || p == nil {
		return ProfileInfo{}, false
	}
	rt := e.routes.Load()
	return ProfileInfo{Name: name, Description: p.Description, Servers: slices.Clone(p.Servers), Groups: slices.Clone(p.Groups),
		Exposed: slices.Clone(rt.servers), Tools: slices.Clone(p.Tools), ToolCount: len(rt.tools),
		Path: e.path()}, true
}
