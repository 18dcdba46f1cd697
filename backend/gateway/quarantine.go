package gateway

import (
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/upstream"
)

// TrustFilter decides what of each server reaches clients: quarantine of
// servers that were never approved, and tool pinning. Check is asked on
// every recomputation of an endpoint and before each test call, with the
// server's current tools; it answers why the whole server is held ("" when
// it is not) and why each held tool is, by the tool's own name.
type TrustFilter interface {
	Check(name string, cfg *config.Server, tools []mcp.Tool) (serverReason string, toolReasons map[string]string)
}

// heldTool is a tool kept from clients by the trust filter, and why.
type heldTool struct {
	target
	reason string
}

// trustCheck asks the filter about a server; with no filter everything is
// trusted.
func (g *Gateway) trustCheck(name string, u *upstream.Upstream) (string, map[string]string) {
	if g.trust == nil {
		return "", nil
	}
	return g.trust.Check(name, u.Config(), u.Catalog().Tools)
}

// holdServer asks the filter about a server this endpoint includes. A held
// server's tools are all noted as held (so a call by name says why) and
// nothing else of it is exposed; otherwise the reasons of its held tools
// are returned.
func (e *endpoint) holdServer(rt *routes, name string, u *upstream.Upstream) (map[string]string, bool) {
	reason, tools := e.g.trustCheck(name, u)
	if reason == "" {
		return tools, false
	}
	prefix := e.prefixFor(name, u)
	for _, t := range u.Catalog().Tools {
		rt.held[ExposedName(prefix, t.Name)] = heldTool{target{server: name, name: t.Name}, reason}
	}
	return nil, true
}

// heldReason says why a tool of a server is kept from clients, or "".
func (g *Gateway) heldReason(u *upstream.Upstream, tool string) string {
	reason, tools := g.trustCheck(u.Name(), u)
	if reason != "" {
		return reason
	}
	return tools[tool]
}

// TrustChanged recomputes every endpoint after a trust decision, so the
// request that made it answers with its effect.
func (g *Gateway) TrustChanged() { g.syncNow() }
