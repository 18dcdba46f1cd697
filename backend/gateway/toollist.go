package gateway

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/upstream"
)

// ToolInfo is one tool of one server, with how /mcp shows it.
type ToolInfo struct {
	Server string
	Tool   mcp.Tool // as the server lists it, under its own name
	// Name is the tool's name on /mcp ({prefix}__{tool}), which it has
	// whether or not it is exposed there now.
	Name     string
	Disabled bool // in the server's disabled_tools
	Exposed  bool // listed on /mcp now
	Hidden   string
	State    upstream.State
	Tags     []string // the server's tags
}

// ErrNoTool means the server does not list a tool of that name.
var ErrNoTool = errors.New("no such tool")

// Tools lists the tools of every server (disabled ones too) in server and
// tool order. A server that has never been started has none yet.
func (g *Gateway) Tools() []ToolInfo {
	rt := g.agg.routes.Load()
	var out []ToolInfo
	for _, u := range g.Upstreams() {
		out = append(out, toolsOf(u, rt)...)
	}
	return out
}

// ServerTools lists one server's tools.
func (g *Gateway) ServerTools(name string) ([]ToolInfo, error) {
	u, err := g.mustServer(name)
	if err != nil {
		return nil, err
	}
	return toolsOf(u, g.agg.routes.Load()), nil
}

// ServerTool returns one tool of a server by its own name.
func (g *Gateway) ServerTool(server, tool string) (ToolInfo, error) {
	u, err := g.mustServer(server)
	if err != nil {
		return ToolInfo{}, err
	}
	for _, t := range toolsOf(u, g.agg.routes.Load()) {
		if t.Tool.Name == tool {
			return t, nil
		}
	}
	return ToolInfo{}, fmt.Errorf("%w: server %q (%s) lists no tool named %q", ErrNoTool, server, u.State(), tool)
}

func toolsOf(u *upstream.Upstream, rt *routes) []ToolInfo {
	cfg := u.Config()
	state := u.State()
	prefix := cfg.ToolPrefix(u.Name())
	tools := slices.Clone(u.Catalog().Tools)
	slices.SortFunc(tools, func(a, b mcp.Tool) int { return strings.Compare(a.Name, b.Name) })
	out := make([]ToolInfo, 0, len(tools))
	for _, t := range tools {
		ti := ToolInfo{Server: u.Name(), Tool: t, Name: ExposedName(prefix, t.Name),
			Disabled: slices.Contains(cfg.DisabledTools, t.Name), State: state, Tags: cfg.Tags}
		ti.Exposed = rt.tools[ti.Name] == target{server: u.Name(), name: t.Name}
		if !ti.Exposed {
			ti.Hidden = hiddenReason(ti, u, rt)
		}
		out = append(out, ti)
	}
	return out
}

// hiddenReason says why a tool is not on /mcp.
func hiddenReason(t ToolInfo, u *upstream.Upstream, rt *routes) string {
	cfg := u.Config()
	switch {
	case !cfg.IsEnabled():
		return fmt.Sprintf("server %q is disabled", t.Server)
	case cfg.Quarantined:
		return fmt.Sprintf("server %q is quarantined until it is approved", t.Server)
	case t.Disabled:
		return "the tool is in the server's disabled_tools"
	}
	if h, ok := rt.held[t.Name]; ok && h.target == (target{server: t.Server, name: t.Tool.Name}) {
		return h.reason
	}
	if group := rt.memberOf[t.Server]; group != "" {
		return fmt.Sprintf("server %q is a member of group %q, which shows its tools on /mcp as %s (hide_members)",
			t.Server, group, ExposedName(group, t.Tool.Name))
	}
	if p := NameProblem(t.Name); p != "" {
		return p
	}
	if owner, taken := rt.tools[t.Name]; taken {
		return Collision{"tool", t.Name, owner.owner(), t.Server}.String()
	}
	return "not on /mcp yet: the tool list is being updated"
}
