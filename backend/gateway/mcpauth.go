package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
)

// GuardError is why a guard refused an MCP request.
type GuardError struct {
	Status  int
	Code    string
	Message string
}

// Guard decides whether an MCP request may go on; the context it returns
// (which may carry who the caller is) replaces the request's.
type Guard func(r *http.Request) (context.Context, *GuardError)

// Guarded runs guard before next: the API's key check for /mcp, kept out
// of the gateway, which knows nothing of keys.
func Guarded(next http.Handler, guard Guard) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, gerr := guard(r)
		if gerr != nil {
			if gerr.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			}
			writeError(w, gerr.Status, gerr.Code, gerr.Message)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ToolScope says whether the caller may see and call a server's tool (by
// its own name), and why not.
type ToolScope func(server, tool string) (bool, string)

type toolScopeKey struct{}

// WithToolScope limits the tools an MCP request sees and calls; a guard
// sets it for a key whose scope is limited.
func WithToolScope(ctx context.Context, f ToolScope) context.Context {
	return context.WithValue(ctx, toolScopeKey{}, f)
}

type calledKey struct{}

// withCalledTools notes the tools (by their names on this endpoint) that a
// tools/call request names. A tool outside the caller's scope is then let
// through the filter for that call alone, so that the call guard refuses
// it: the client gets a result that says why, and the refusal is recorded
// (as "denied" in the activity log, and as a security event), which a
// filtered-out "unknown tool" would not be. Without a call guard the
// filter hides it all the same.
func withCalledTools(ctx context.Context, names []string) context.Context {
	return context.WithValue(ctx, calledKey{}, names)
}

// CalledTools reads an MCP request body: whether it calls a tool, and the
// names of the tools it calls when it lists none (a request that also
// lists tools must not see hidden ones). A body that is not JSON-RPC calls
// nothing; the gateway answers it.
func CalledTools(body []byte) (calls bool, names []string) {
	if !bytes.Contains(body, []byte(mcp.MethodToolsCall)) && bytes.IndexByte(body, '\\') < 0 {
		// A call spells its method, unless escapes spell it ("tools\/call"
		// is tools/call too): only a body with neither is skipped unparsed.
		return false, nil
	}
	type message struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	var msgs []message
	var one message
	if json.Unmarshal(body, &one) == nil {
		msgs = []message{one}
	} else if json.Unmarshal(body, &msgs) != nil {
		return false, nil
	}
	lists := false
	for _, m := range msgs {
		switch m.Method {
		case string(mcp.MethodToolsCall):
			calls = true
			names = append(names, m.Params.Name)
		case string(mcp.MethodToolsList):
			lists = true
		}
	}
	if lists {
		names = nil
	}
	return calls, names
}

// scopeFilter drops the tools outside the caller's scope. mcp-go applies
// tool filters to tools/list and to tools/call alike, so a tool hidden here
// cannot be called by name either: it is refused by the call guard or, with
// none, not found.
func (e *endpoint) scopeFilter(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	f, _ := ctx.Value(toolScopeKey{}).(ToolScope)
	if f == nil {
		return tools
	}
	var called []string
	if e.g.callGuard != nil {
		called, _ = ctx.Value(calledKey{}).([]string)
	}
	rt := e.routes.Load()
	out := make([]mcp.Tool, 0, len(tools))
	for _, t := range tools {
		tg, routed := rt.tools[t.Name]
		if !routed {
			// Switchboard's own tools (search mode's three), which apply the
			// scope themselves to what they find and call.
			out = append(out, t)
			continue
		}
		if ok, _ := e.g.scopeAllows(f, tg); ok || slices.Contains(called, t.Name) {
			out = append(out, t)
		}
	}
	return out
}
