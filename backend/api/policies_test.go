package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/api"
	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/events"
	"switchboard/backend/policy"
	"switchboard/backend/store"
)

// mcpAs is an MCP session on path: over TCP with key (none when ""), or
// over the control socket when socket is set.
type mcpAs struct {
	t *testing.T
	c *client.Client
}

func (h *harness) mcpAs(t *testing.T, path, key string, socket bool) *mcpAs {
	t.Helper()
	base := "http://" + h.d.Addr()
	var opts []transport.StreamableHTTPCOption
	if key != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"X-API-Key": key}))
	}
	if socket {
		base = "http://localhost"
		opts = append(opts, transport.WithHTTPBasicClient(h.socket))
	}
	tr, err := transport.NewStreamableHTTP(base+path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, client.WithLegacyProtocolOnly())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo: mcp.Implementation{Name: "policy-test", Version: "1"}}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &mcpAs{t: t, c: c}
}

func (m *mcpAs) tools() []string {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := m.c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		m.t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}

// call calls a tool by name; a refusal must be an isError result (not a
// protocol error), whose text it returns.
func (m *mcpAs) call(name string, args map[string]any) (string, bool) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = name, args
	res, err := m.c.CallTool(ctx, req)
	if err != nil {
		m.t.Fatalf("call %s: %v", name, err)
	}
	return text(res), res.IsError
}

func (h *harness) createPolicy(t *testing.T, r policy.Rule) policy.Rule {
	t.Helper()
	resp := h.req("POST", "/api/v1/policies", r)
	if resp.Status != http.StatusCreated {
		t.Fatalf("create policy: %d %s", resp.Status, resp.Body)
	}
	var out policy.Rule
	resp.JSON(t, &out)
	return out
}

func (h *harness) securityEvents(t *testing.T, query string) []store.SecurityRecord {
	t.Helper()
	r := h.req("GET", "/api/v1/security/events?"+query, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("security events: %d %s", r.Status, r.Body)
	}
	var page api.SecurityEventPage
	r.JSON(t, &page)
	return page.Items
}

// activityOf waits for the newest activity records matching query.
func (h *harness) activityWhere(t *testing.T, query string, want int) []api.Activity {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := h.req("GET", "/api/v1/activity?"+query, nil)
		var page api.ActivityPage
		r.JSON(t, &page)
		if len(page.Items) >= want || time.Now().After(deadline) {
			return page.Items
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func has(names []string, n string) bool { return slices.Contains(names, n) }

// A rule hides a tool from tools/list and refuses it on tools/call by name,
// on /mcp and /mcp/servers/{name}, for a keyed principal, a keyless TCP
// client and the socket's owner; every refusal is recorded as "denied"
// in the activity log and as a security event, and published on the bus.
func TestPoliciesHideAndRefuseToolsOnEveryEndpoint(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	sub, _ := h.d.Events().Subscribe([]string{events.Security}, 64, 0)
	defer sub.Close()
	bot := h.createKey(t, api.KeyCreate{Name: "bot", Role: auth.RoleAgent})
	args := map[string]any{"text": "hi"}

	// Before any rule, everyone sees and calls alpha's echo.
	if names := h.mcpAs(t, "/mcp", bot.Key, false).tools(); !has(names, "alpha__echo") {
		t.Fatalf("no rule: %v", names)
	}
	deny := h.createPolicy(t, policy.Rule{Principal: "bot", Server: "alpha", Tool: "ech*", Effect: policy.Deny, Description: "no echo for bots"})

	for _, ep := range []struct{ path, tool string }{{"/mcp", "alpha__echo"}, {"/mcp/servers/alpha", "echo"}} {
		s := h.mcpAs(t, ep.path, bot.Key, false)
		names := s.tools()
		if has(names, ep.tool) || len(names) == 0 {
			t.Fatalf("%s: bot still sees %s: %v", ep.path, ep.tool, names)
		}
		msg, isErr := s.call(ep.tool, args)
		if !isErr || !strings.Contains(msg, deny.ID) || !strings.Contains(msg, "no echo for bots") {
			t.Fatalf("%s: hidden tool called by name: %v %q", ep.path, isErr, msg)
		}
		// Other tools of the server are untouched.
		if _, isErr := s.call(strings.Replace(ep.tool, "echo", "pid", 1), nil); isErr {
			t.Fatalf("%s: pid was refused", ep.path)
		}
	}
	// Others still see it: the admin key and a keyless client.
	if names := h.mcpAs(t, "/mcp", h.key, false).tools(); !has(names, "alpha__echo") {
		t.Fatalf("admin lost alpha__echo: %v", names)
	}

	// A keyless client over TCP is the principal "anonymous".
	anon := h.createPolicy(t, policy.Rule{Principal: policy.Anonymous, Server: "beta", Tool: "echo", Effect: policy.Deny})
	for _, ep := range []struct{ path, tool string }{{"/mcp", "beta__echo"}, {"/mcp/servers/beta", "echo"}} {
		s := h.mcpAs(t, ep.path, "", false)
		if names := s.tools(); has(names, ep.tool) || len(names) == 0 {
			t.Fatalf("%s: anonymous sees %s: %v", ep.path, ep.tool, names)
		}
		if msg, isErr := s.call(ep.tool, args); !isErr || !strings.Contains(msg, anon.ID) {
			t.Fatalf("%s: anonymous called a hidden tool: %q", ep.path, msg)
		}
		if ep.path == "/mcp" {
			if _, isErr := s.call("alpha__echo", args); isErr {
				t.Fatalf("anonymous was refused alpha__echo, which no rule denies it")
			}
		}
	}
	// The socket's owner (the stdio bridge, the CLI) is "local-user".
	local := h.createPolicy(t, policy.Rule{Principal: policy.LocalUser, Server: "beta", Tool: "pid", Effect: policy.Deny})
	s := h.mcpAs(t, "/mcp", "", true)
	if names := s.tools(); has(names, "beta__pid") || !has(names, "beta__echo") {
		t.Fatalf("socket: %v", names)
	}
	if msg, isErr := s.call("beta__pid", nil); !isErr || !strings.Contains(msg, local.ID) {
		t.Fatalf("socket called a hidden tool: %q", msg)
	}

	// Each refusal is an activity record with outcome denied...
	denied := h.activityWhere(t, "status=denied", 5)
	if len(denied) != 5 {
		t.Fatalf("denied records: %d %+v", len(denied), denied)
	}
	// ...a security event with the principal and the rule...
	evs := h.securityEvents(t, "type=policy.denied&principal=bot")
	if len(evs) != 2 || evs[0].Level != store.LevelWarning || evs[0].Server != "alpha" || evs[0].Tool != "echo" || evs[0].Detail["rule"] != deny.ID {
		t.Fatalf("bot's security events: %+v", evs)
	}
	if evs := h.securityEvents(t, "type=policy.denied&principal=anonymous"); len(evs) != 2 {
		t.Fatalf("anonymous's security events: %+v", evs)
	}
	// ...and an event on the bus.
	select {
	case ev := <-sub.C:
		if ev.Type != events.Security {
			t.Fatalf("bus event: %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no security event on the bus")
	}

	// A rule deleted is out of force at once.
	if r := h.req("DELETE", "/api/v1/policies/"+deny.ID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if msg, isErr := h.mcpAs(t, "/mcp", bot.Key, false).call("alpha__echo", args); isErr {
		t.Fatalf("after delete: %q", msg)
	}
	// The policy changes are in the audit log.
	r := h.req("GET", "/api/v1/audit?type=policy.", nil)
	var audit api.AuditPage
	r.JSON(t, &audit)
	if len(audit.Items) != 4 || audit.Items[0].Type != api.AuditPolicyDeleted || audit.Items[0].Principal != "admin" {
		t.Fatalf("audit: %+v", audit.Items)
	}
}

// A key's scope and a policy work together: the scoped key loses what
// either takes away, and its out-of-scope calls are refused and recorded.
func TestScopedKeyAndPolicyTogether(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	agent := h.createKey(t, api.KeyCreate{Name: "scoped", Role: auth.RoleAgent, Scope: &auth.Scope{Servers: []string{"alpha"}}})
	h.createPolicy(t, policy.Rule{Principal: "role:agent", Server: "alpha", Tool: "pid", Effect: policy.Deny})
	s := h.mcpAs(t, "/mcp", agent.Key, false)
	names := s.tools()
	if !has(names, "alpha__echo") || has(names, "alpha__pid") || has(names, "beta__echo") {
		t.Fatalf("scoped agent sees %v", names)
	}
	if msg, isErr := s.call("beta__echo", map[string]any{"text": "x"}); !isErr || !strings.Contains(msg, "outside the scope") {
		t.Fatalf("out of scope call: %q", msg)
	}
	evs := h.securityEvents(t, "type=policy.denied")
	if len(evs) != 1 || evs[0].Detail["by"] != "scope" || evs[0].Principal != "scoped" {
		t.Fatalf("events: %+v", evs)
	}
}

// An admin withdraws a tool from everyone, admin included, on every
// endpoint and the API's test call; restoring it gives it back.
func TestWithdrawAndRestoreATool(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	path := "/api/v1/servers/alpha/tools/echo"
	r := h.req("POST", path+"/withdraw", api.ToolWithdraw{Reason: "leaks data"})
	if r.Status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
	h.req("POST", path+"/withdraw", nil).envelope(t, http.StatusConflict, "Conflict")
	h.req("POST", "/api/v1/servers/nothing/tools/echo/withdraw", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	for _, s := range []*mcpAs{h.mcpAs(t, "/mcp", h.key, false), h.mcpAs(t, "/mcp", "", false), h.mcpAs(t, "/mcp", "", true)} {
		if names := s.tools(); has(names, "alpha__echo") || !has(names, "alpha__pid") {
			t.Fatalf("withdrawn tool listed: %v", names)
		}
		if msg, isErr := s.call("alpha__echo", map[string]any{"text": "x"}); !isErr || !strings.Contains(msg, "leaks data") {
			t.Fatalf("withdrawn tool answered: %q", msg)
		}
	}
	if names := h.mcpAs(t, "/mcp/servers/alpha", "", false).tools(); has(names, "echo") {
		t.Fatalf("withdrawn tool on /mcp/servers/alpha: %v", names)
	}
	msg := h.req("POST", path+"/call", api.ToolCallRequest{Arguments: []byte(`{"text":"x"}`)}).envelope(t, http.StatusForbidden, "CallDenied")
	if !strings.Contains(msg, "withdrawn") {
		t.Fatalf("test call: %s", msg)
	}
	var ti api.ToolInfo
	h.req("GET", path, nil).JSON(t, &ti)
	if !ti.Withdrawn || ti.Exposed || !strings.Contains(ti.HiddenReason, "leaks data") {
		t.Fatalf("tool info: %+v", ti)
	}
	var wl api.WithdrawnList
	h.req("GET", "/api/v1/policies/withdrawn", nil).JSON(t, &wl)
	if len(wl.Withdrawn) != 1 || wl.Withdrawn[0].By != "admin" {
		t.Fatalf("withdrawn list: %+v", wl)
	}
	if r := h.req("POST", path+"/restore", nil); r.Status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.Status, r.Body)
	}
	h.req("POST", path+"/restore", nil).envelope(t, http.StatusNotFound, "PolicyNotFound")
	if msg, isErr := h.mcpAs(t, "/mcp", "", false).call("alpha__echo", map[string]any{"text": "back"}); isErr || msg != "back" {
		t.Fatalf("restored: %q", msg)
	}
	var audit api.AuditPage
	h.req("GET", "/api/v1/audit?type=policy.tool.", nil).JSON(t, &audit)
	if len(audit.Items) != 2 || audit.Items[1].Type != api.AuditToolWithdrawn || audit.Items[1].Note != "leaks data" {
		t.Fatalf("audit: %+v", audit.Items)
	}
}

// Each new permission is granted and refused as its role says, on REST;
// withdrawing is for admins only.
func TestPolicyAndSecurityPermissions(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	for _, role := range []auth.Role{
		{Name: "pol-reader", Permissions: []string{auth.PoliciesRead}},
		{Name: "pol-writer", Permissions: []string{auth.PoliciesRead, auth.PoliciesWrite}},
		{Name: "sec-reader", Permissions: []string{auth.SecurityRead}},
	} {
		if r := h.req("POST", "/api/v1/auth/roles", role); r.Status != http.StatusCreated {
			t.Fatalf("role %s: %d %s", role.Name, r.Status, r.Body)
		}
	}
	keys := map[string]string{}
	for _, role := range []string{"pol-reader", "pol-writer", "sec-reader", auth.RoleViewer, auth.RoleOperator, auth.RoleAgent} {
		keys[role] = h.createKey(t, api.KeyCreate{Name: "k-" + role, Role: role}).Key
	}
	rule := policy.Rule{Principal: "x", Server: "alpha", Tool: "echo", Effect: policy.Deny}
	type try struct {
		method, path string
		body         any
		ok           int
		allowed      []string
	}
	for _, c := range []try{
		{"GET", "/api/v1/policies", nil, 200, []string{"pol-reader", "pol-writer", auth.RoleViewer, auth.RoleOperator}},
		{"GET", "/api/v1/policies/settings", nil, 200, []string{"pol-reader", "pol-writer", auth.RoleViewer}},
		{"POST", "/api/v1/policies/check", api.PolicyCheck{Principal: "x", Server: "alpha", Tool: "echo"}, 200, []string{"pol-reader", "pol-writer"}},
		{"POST", "/api/v1/policies", rule, 201, []string{"pol-writer"}},
		{"PUT", "/api/v1/policies/settings", policy.Settings{SensitiveAction: policy.SensitiveFlag}, 200, []string{"pol-writer"}},
		{"GET", "/api/v1/security/events", nil, 200, []string{"sec-reader", auth.RoleViewer, auth.RoleOperator}},
	} {
		for role, key := range keys {
			r := h.withKey(key, c.method, c.path, c.body)
			if slices.Contains(c.allowed, role) {
				if r.Status != c.ok {
					t.Errorf("%s %s as %s: %d %s", c.method, c.path, role, r.Status, r.Body)
				}
			} else if role == "pol-reader" || role == "pol-writer" || role == "sec-reader" || role == auth.RoleAgent {
				msg := r.envelope(t, http.StatusForbidden, "Forbidden")
				if !strings.Contains(msg, "needs") {
					t.Errorf("%s %s as %s: %s", c.method, c.path, role, msg)
				}
			}
		}
	}
	// Withdrawing needs the admin role: policies:write is not enough.
	for _, role := range []string{"pol-writer", auth.RoleOperator} {
		h.withKey(keys[role], "POST", "/api/v1/servers/alpha/tools/echo/withdraw", nil).envelope(t, http.StatusForbidden, "Forbidden")
	}
	if r := h.sock("POST", "/api/v1/servers/alpha/tools/echo/withdraw", nil); r.Status != http.StatusOK {
		t.Fatalf("socket owner withdraws: %d %s", r.Status, r.Body)
	}
	h.withKey(keys["pol-writer"], "POST", "/api/v1/servers/alpha/tools/echo/restore", nil).envelope(t, http.StatusForbidden, "Forbidden")

	// Bad input names the field.
	for _, c := range []struct {
		body  any
		field string
	}{
		{policy.Rule{Effect: "perhaps"}, "effect"},
		{policy.Rule{Server: "[x", Effect: policy.Deny}, "server"},
		{policy.Rule{Effect: policy.Deny, Sensitive: "loud"}, "sensitive"},
	} {
		msg := h.req("POST", "/api/v1/policies", c.body).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
		if !strings.HasPrefix(msg, c.field+":") {
			t.Errorf("%+v: %s", c.body, msg)
		}
	}
	h.req("POST", "/api/v1/policies", "{").envelope(t, http.StatusBadRequest, "")
	h.req("GET", "/api/v1/policies/pol_nothing", nil).envelope(t, http.StatusNotFound, "PolicyNotFound")
	h.req("PUT", "/api/v1/policies/settings", policy.Settings{SensitiveAction: "shout"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("POST", "/api/v1/policies/check", api.PolicyCheck{Principal: "x"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	for _, q := range []string{"level=severe", "type=nonsense", "since=yesterday", "limit=0", "cursor=zzz"} {
		h.req("GET", "/api/v1/security/events?"+url.PathEscape(q), nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	}
	// check says which rule decides.
	created := h.createPolicy(t, policy.Rule{Principal: "role:agent", Server: "alpha", Tool: "*", Effect: policy.Deny})
	if r := h.req("POST", "/api/v1/auth/principals", auth.Principal{Name: "ci", Kind: auth.KindAgent, Roles: []string{auth.RoleAgent}}); r.Status != http.StatusCreated {
		t.Fatalf("principal: %d %s", r.Status, r.Body)
	}
	var d policy.Decision
	h.req("POST", "/api/v1/policies/check", api.PolicyCheck{Principal: "ci", Server: "alpha", Tool: "add"}).JSON(t, &d)
	if d.Allowed || d.Rule != created.ID {
		t.Fatalf("check: %+v", d)
	}
}

// On MCP, a caller without tools:call is refused a call and one without
// tools:read the endpoint, with or without mcp_require_key.
func TestMCPPermissionsWithoutRequiredKey(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	viewer := h.createKey(t, api.KeyCreate{Name: "v", Role: auth.RoleViewer})
	if _, _, err := h.mcpWithKey(t, "/mcp", viewer.Key, "alpha__echo", map[string]any{"text": "x"}); err == nil {
		t.Fatal("a viewer key called a tool")
	}
	if tools, err := h.mcpToolsWithKey(t, "/mcp", viewer.Key); err != nil || len(tools) == 0 {
		t.Fatalf("viewer lists: %v", err)
	}
	// A wrong key is refused even where no key is needed: it was meant.
	post := h.send(h.tcp, "http://"+h.d.Addr(), "POST", "/mcp", mcpInitialize,
		"Accept: application/json, text/event-stream", "X-API-Key: sb_nonsense")
	post.envelope(t, http.StatusUnauthorized, "Unauthorized")

	// Both refusals are security events; the key is not in them.
	denied := h.securityEvents(t, "type=access.denied&principal=v")
	if len(denied) != 1 || denied[0].Level != store.LevelWarning || !strings.Contains(denied[0].Message, auth.ToolsCall) {
		t.Fatalf("access.denied: %+v", denied)
	}
	failed := h.securityEvents(t, "type=auth.failed")
	if len(failed) != 1 || strings.Contains(failed[0].Message, "sb_nonsense") || failed[0].Detail["endpoint"] != "mcp" {
		t.Fatalf("auth.failed: %+v", failed)
	}
	// On REST too; a request with no key at all is not recorded.
	h.withKey(viewer.Key, "POST", "/api/v1/policies", policy.Rule{Effect: policy.Deny}).envelope(t, http.StatusForbidden, "Forbidden")
	h.anon("GET", "/api/v1/policies", nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
	h.withKey("sb_"+strings.Repeat("A", 43), "GET", "/api/v1/policies", nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
	if evs := h.securityEvents(t, "type=access.denied&principal=v"); len(evs) != 2 || !strings.Contains(evs[0].Message, auth.PoliciesWrite) {
		t.Fatalf("REST access.denied: %+v", evs)
	}
	if evs := h.securityEvents(t, "type=auth.failed"); len(evs) != 2 || evs[0].Detail["endpoint"] != "api" {
		t.Fatalf("REST auth.failed: %+v", evs)
	}
	// A method spelt with a JSON escape is still a tools/call.
	h.send(h.tcp, "http://"+h.d.Addr(), "POST", "/mcp",
		`{"jsonrpc":"2.0","id":2,"method":"tools\/call","params":{"name":"alpha__echo","arguments":{"text":"x"}}}`,
		"Accept: application/json, text/event-stream", "X-API-Key: "+viewer.Key).envelope(t, http.StatusForbidden, "Forbidden")
}
