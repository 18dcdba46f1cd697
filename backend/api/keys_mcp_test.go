package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/api"
	"switchboard/backend/auth"
	"switchboard/backend/config"
)

const mcpInitialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// mcpToolsWithKey lists /mcp's tools with a key (none when key is "").
func (h *harness) mcpToolsWithKey(t *testing.T, path, key string) ([]mcp.Tool, error) {
	t.Helper()
	tools, _, err := h.mcpWithKey(t, path, key, "", nil)
	return tools, err
}

// mcpWithKey lists /mcp's tools with a key and, when tool is given, calls it.
func (h *harness) mcpWithKey(t *testing.T, path, key, tool string, args map[string]any) ([]mcp.Tool, *mcp.CallToolResult, error) {
	t.Helper()
	var opts []transport.StreamableHTTPCOption
	if key != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + key}))
	}
	tr, err := transport.NewStreamableHTTP("http://"+h.d.Addr()+path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		return nil, nil, err
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo: mcp.Implementation{Name: "t", Version: "1"}}}); err != nil {
		return nil, nil, err
	}
	res, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return nil, nil, err
	}
	if tool == "" {
		return res.Tools, nil, nil
	}
	var call mcp.CallToolRequest
	call.Params.Name, call.Params.Arguments = tool, args
	out, err := c.CallTool(ctx, call)
	return res.Tools, out, err
}

func TestMCPKeyScopeLimitsToolsListAndCall(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	if _, err := h.d.Config().Update(func(c *config.Config) error { c.MCPRequireKey = true; return nil }); err != nil {
		t.Fatal(err)
	}
	all, err := h.mcpToolsWithKey(t, "/mcp", h.key)
	if err != nil {
		t.Fatal(err)
	}
	var alphaEcho, betaEcho string
	for _, tl := range all {
		switch {
		case strings.Contains(tl.Name, "alpha") && strings.HasSuffix(tl.Name, "echo"):
			alphaEcho = tl.Name
		case strings.Contains(tl.Name, "beta") && strings.HasSuffix(tl.Name, "echo"):
			betaEcho = tl.Name
		}
	}
	if alphaEcho == "" || betaEcho == "" {
		t.Fatalf("exposed tools: %v", all)
	}
	agent := h.createKey(t, api.KeyCreate{Name: "bot", Role: auth.RoleAgent,
		Scope: &auth.Scope{Servers: []string{"alpha"}, Tools: []string{"echo"}}})
	args := map[string]any{"text": "hi"}
	tools, res, err := h.mcpWithKey(t, "/mcp", agent.Key, alphaEcho, args)
	if err != nil || res.IsError {
		t.Fatalf("in scope: %v %+v", err, res)
	}
	if len(tools) != 1 || tools[0].Name != alphaEcho {
		t.Fatalf("scoped tools/list: %v", tools)
	}
	// The activity log says who made the call, and can be filtered by it.
	if recs := h.activityWhere(t, "principal=bot", 1); len(recs) != 1 || recs[0].Principal != "bot" || recs[0].Server != "alpha" || recs[0].Tool != "echo" {
		t.Fatalf("bot's activity: %+v", recs)
	}
	// Hidden tools cannot be called by name.
	if _, res, err := h.mcpWithKey(t, "/mcp", agent.Key, betaEcho, args); err == nil && !res.IsError {
		t.Fatalf("out of scope call answered: %+v", res)
	}
	// A viewer sees tools but cannot call them.
	viewer := h.createKey(t, api.KeyCreate{Name: "eyes", Role: auth.RoleViewer})
	if tools, err := h.mcpToolsWithKey(t, "/mcp", viewer.Key); err != nil || len(tools) != len(all) {
		t.Fatalf("viewer list: %v (%d tools)", err, len(tools))
	}
	if _, _, err := h.mcpWithKey(t, "/mcp", viewer.Key, alphaEcho, args); err == nil {
		t.Fatal("viewer's tools/call was answered")
	}
}

func TestMCPRequireKey(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	// Off by default: a client with no key lists tools.
	if tools, err := h.mcpToolsWithKey(t, "/mcp", ""); err != nil || len(tools) == 0 {
		t.Fatalf("no key, default: %v (%d tools)", err, len(tools))
	}
	if _, err := h.d.Config().Update(func(c *config.Config) error { c.MCPRequireKey = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if !h.fileConfig().MCPRequireKey {
		t.Fatal("mcp_require_key was not saved")
	}
	post := func(path string, headers ...string) response {
		return h.send(h.tcp, "http://"+h.d.Addr(), "POST", path, mcpInitialize,
			append([]string{"Accept: application/json, text/event-stream"}, headers...)...)
	}
	msg := post("/mcp").envelope(t, http.StatusUnauthorized, "Unauthorized")
	if !strings.Contains(msg, "mcp_require_key") {
		t.Fatalf("no key: %s", msg)
	}
	post("/mcp", "X-API-Key: sb_nonsense").envelope(t, http.StatusUnauthorized, "Unauthorized")
	post("/mcp/servers/alpha").envelope(t, http.StatusUnauthorized, "Unauthorized")

	if tools, err := h.mcpToolsWithKey(t, "/mcp", h.key); err != nil || len(tools) == 0 {
		t.Fatalf("admin key: %v (%d tools)", err, len(tools))
	}
	agent := h.createKey(t, api.KeyCreate{Name: "bot", Role: auth.RoleAgent, Scope: &auth.Scope{Servers: []string{"alpha"}}})
	if tools, err := h.mcpToolsWithKey(t, "/mcp/servers/alpha", agent.Key); err != nil || len(tools) == 0 {
		t.Fatalf("agent key in scope: %v (%d tools)", err, len(tools))
	}
	msg = post("/mcp/servers/beta", "X-API-Key: "+agent.Key).envelope(t, http.StatusForbidden, "Forbidden")
	if !strings.Contains(msg, "beta") {
		t.Fatalf("agent key out of scope: %s", msg)
	}
	// A role without tools:read cannot use /mcp at all.
	r := h.req("POST", "/api/v1/auth/roles", auth.Role{Name: "auditor", Permissions: []string{auth.ActivityRead}})
	if r.Status != http.StatusCreated {
		t.Fatalf("role: %d %s", r.Status, r.Body)
	}
	auditor := h.createKey(t, api.KeyCreate{Name: "aud", Role: "auditor"})
	post("/mcp", "X-API-Key: "+auditor.Key).envelope(t, http.StatusForbidden, "Forbidden")

	revoked := h.createKey(t, api.KeyCreate{Name: "gone", Role: auth.RoleViewer})
	h.req("POST", "/api/v1/auth/keys/"+revoked.ID+"/revoke", api.KeyRevoke{Reason: "rotated"})
	msg = post("/mcp", "X-API-Key: "+revoked.Key).envelope(t, http.StatusUnauthorized, "Unauthorized")
	if !strings.Contains(msg, "rotated") {
		t.Fatalf("revoked: %s", msg)
	}
	// The control socket's owner needs no key.
	if r := h.sock("POST", "/mcp", mcpInitialize, "Accept: application/json, text/event-stream"); r.Status != http.StatusOK {
		t.Fatalf("socket: %d %s", r.Status, r.Body)
	}
}
