package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"switchboard/backend/api"
	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

func intp(n int) *int { return &n }

// Groups are created, read, changed and deleted through /api/v1/groups,
// written to the config file, served at /mcp/groups/{id}, and refused with
// the group and field named when they are wrong.
func TestGroupsThroughTheAPI(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	var list api.GroupList
	if r := h.req("GET", "/api/v1/groups", nil); r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	} else if r.JSON(t, &list); list.Groups == nil || len(list.Groups) != 0 {
		t.Fatalf("groups before any: %s", r.Body)
	}

	r := h.req("POST", "/api/v1/groups", api.GroupWrite{ID: "pool", Description: "two of a kind", Strategy: "weighted_round_robin",
		Members: []config.GroupMember{{Server: "alpha", Weight: intp(3)}, {Server: "beta", Priority: 1}}})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST group: %d %s", r.Status, r.Body)
	}
	var g api.GroupInfo
	r.JSON(t, &g)
	if g.ID != "pool" || g.Description != "two of a kind" || g.Strategy != "weighted_round_robin" || g.MinHealthy != 1 ||
		!g.HideMembers || g.RetryTools == nil || g.Breaker.FailureThreshold != 5 || g.Breaker.CooldownS != 30 ||
		g.State != "healthy" || g.HealthyMembers != 2 || len(g.Members) != 2 || g.ToolCount == 0 ||
		g.Endpoint != "/mcp/groups/pool" || g.MCPURL != "http://"+h.d.Addr()+"/mcp/groups/pool" {
		t.Fatalf("created group: %s", r.Body)
	}
	if m := g.Members[0]; m.Server != "alpha" || m.Weight != 3 || m.Priority != 0 || m.ServerState != "ready" || !m.Eligible ||
		m.Breaker.State != "closed" || m.Breaker.OpenedAt != nil || m.CallsTotal != 0 {
		t.Fatalf("member alpha: %+v", m)
	}
	// The shape the control panel reads: every key present.
	raw := h.req("GET", "/api/v1/groups/pool", nil).Map(t)
	for _, k := range []string{"id", "description", "strategy", "min_healthy", "hide_members", "retry_tools", "breaker", "state", "healthy_members", "members"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("GET /groups/pool lacks %q: %v", k, raw)
		}
	}
	member := raw["members"].([]any)[0].(map[string]any)
	for _, k := range []string{"server", "weight", "priority", "server_state", "eligible", "active_calls", "calls_total", "failures_total", "breaker"} {
		if _, ok := member[k]; !ok {
			t.Fatalf("a member lacks %q: %v", k, member)
		}
	}
	br := member["breaker"].(map[string]any)
	for _, k := range []string{"state", "consecutive_failures", "opened_at", "retry_at"} {
		if _, ok := br[k]; !ok {
			t.Fatalf("a member's breaker lacks %q: %v", k, br)
		}
	}
	if fg := h.fileConfig().Groups["pool"]; fg == nil || len(fg.Members) != 2 || fg.Members[0].MemberWeight() != 3 {
		t.Fatalf("the file after POST: %+v", fg)
	}

	// Served at /mcp/groups/pool with the tools' own names; on /mcp the
	// group's tools are prefixed and the members' own left off.
	c := mcpClientFor(t, h, "/mcp/groups/pool", "group-test")
	if res, err := callMCP(t, c, "echo", map[string]any{"text": "hi"}); err != nil || res.IsError || text(res) != "hi" {
		t.Fatalf("echo through the group: %v %+v", err, res)
	}
	names := testdeps.ToolNames(t, h.mcpClient())
	if !slices.Contains(names, "pool__echo") || slices.Contains(names, "alpha__echo") {
		t.Fatalf("/mcp lists %v", names)
	}
	// The group's tools, with both their names and who offers them.
	var gt api.GroupToolList
	if r := h.req("GET", "/api/v1/groups/pool/tools", nil); r.Status != http.StatusOK {
		t.Fatalf("group tools: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &gt)
	}
	byName := map[string]api.GroupTool{}
	for _, tl := range gt.Tools {
		byName[tl.Name] = tl
	}
	if gt.Total != g.ToolCount || gt.Total != len(gt.Tools) {
		t.Fatalf("group tools: total %d, %d listed, the group counts %d", gt.Total, len(gt.Tools), g.ToolCount)
	}
	if e := byName["echo"]; e.MCPName != "pool__echo" || !slices.Equal(e.Members, []string{"alpha", "beta"}) ||
		e.Description == "" || len(e.InputSchema) == 0 || !e.Retryable {
		t.Fatalf("the group's echo: %+v", e)
	}
	if byName["crash"].Retryable {
		t.Fatalf("crash is neither read-only nor idempotent nor in retry_tools, yet retryable: %+v", byName["crash"])
	}
	h.req("GET", "/api/v1/groups/ghost/tools", nil).envelope(t, http.StatusNotFound, "GroupNotFound")

	h.req("GET", "/api/v1/groups/pool", nil).JSON(t, &g)
	if g.Members[0].CallsTotal+g.Members[1].CallsTotal != 1 {
		t.Fatalf("after one call, the members count %d and %d calls", g.Members[0].CallsTotal, g.Members[1].CallsTotal)
	}

	// PATCH changes the keys it holds; PUT replaces the group.
	r = h.req("PATCH", "/api/v1/groups/pool", map[string]any{"strategy": "priority", "breaker": map[string]any{"failure_threshold": 2, "cooldown_s": 5}})
	if r.Status != http.StatusOK {
		t.Fatalf("PATCH group: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &g); g.Strategy != "priority" || g.Breaker.FailureThreshold != 2 || g.Breaker.CooldownS != 5 || g.Description != "two of a kind" || len(g.Members) != 2 {
		t.Fatalf("patched group: %s", r.Body)
	}
	r = h.req("PUT", "/api/v1/groups/pool", api.GroupWrite{Members: []config.GroupMember{{Server: "beta"}}, RetryTools: []string{"crash"}, HideMembers: new(bool)})
	if r.Status != http.StatusOK {
		t.Fatalf("PUT group: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &g); g.Strategy != "round_robin" || len(g.Members) != 1 || g.Members[0].Server != "beta" || g.HideMembers ||
		!slices.Equal(g.RetryTools, []string{"crash"}) || g.Description != "" {
		t.Fatalf("replaced group: %s", r.Body)
	}
	if names := testdeps.ToolNames(t, h.mcpClient()); !slices.Contains(names, "alpha__echo") || !slices.Contains(names, "pool__echo") {
		t.Fatalf("with hide_members false, /mcp lists %v", names)
	}

	// Members are added and removed one by one.
	r = h.req("POST", "/api/v1/groups/pool/members", config.GroupMember{Server: "alpha", Weight: intp(2), Priority: 3})
	if r.Status != http.StatusCreated {
		t.Fatalf("add member: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &g); len(g.Members) != 2 || g.Members[1].Server != "alpha" || g.Members[1].Weight != 2 || g.Members[1].Priority != 3 {
		t.Fatalf("after adding alpha: %s", r.Body)
	}
	h.req("POST", "/api/v1/groups/pool/members", config.GroupMember{Server: "alpha"}).envelope(t, http.StatusConflict, "MemberExists")
	h.req("POST", "/api/v1/groups/pool/members", map[string]any{"weight": 1}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	r = h.req("POST", "/api/v1/groups/pool/members", config.GroupMember{Server: "ghost"})
	r.envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
	var pe api.Error
	if r.JSON(t, &pe); len(pe.Problems) != 1 || pe.Problems[0].Path != "groups.pool.members[2].server" {
		t.Fatalf("adding an unknown server: %+v", pe.Problems)
	}
	r = h.req("DELETE", "/api/v1/groups/pool/members/alpha", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("remove member: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &g); len(g.Members) != 1 || g.Members[0].Server != "beta" {
		t.Fatalf("after removing alpha: %s", r.Body)
	}
	h.req("DELETE", "/api/v1/groups/pool/members/alpha", nil).envelope(t, http.StatusNotFound, "MemberNotFound")
	if fg := h.fileConfig().Groups["pool"]; fg == nil || len(fg.Members) != 1 {
		t.Fatalf("the file after removing a member: %+v", fg)
	}

	// Rebalance answers with the group.
	r = h.req("POST", "/api/v1/groups/pool/rebalance", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("rebalance: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &g); g.ID != "pool" || g.State != "healthy" {
		t.Fatalf("rebalanced group: %s", r.Body)
	}

	// Wrong input: 4xx with the envelope naming what was wrong.
	h.req("POST", "/api/v1/groups", api.GroupWrite{ID: "pool", Members: []config.GroupMember{{Server: "alpha"}}}).envelope(t, http.StatusConflict, "GroupExists")
	if msg := h.req("POST", "/api/v1/groups", api.GroupWrite{Members: []config.GroupMember{{Server: "alpha"}}}).envelope(t, http.StatusUnprocessableEntity, "InvalidField"); !strings.Contains(msg, "id") {
		t.Fatalf("POST without an id: %s", msg)
	}
	for _, c := range []struct {
		body      api.GroupWrite
		path, msg string
	}{
		{api.GroupWrite{ID: "g1", Members: []config.GroupMember{{Server: "ghost"}}}, "groups.g1.members[0].server", `group "g1" names server "ghost"`},
		{api.GroupWrite{ID: "g2", Strategy: "fastest", Members: []config.GroupMember{{Server: "alpha"}}}, "groups.g2.strategy", `"fastest"`},
		{api.GroupWrite{ID: "g3", Members: []config.GroupMember{{Server: "alpha", Weight: intp(-1)}}}, "groups.g3.members[0].weight", "got -1"},
		{api.GroupWrite{ID: "alpha", Members: []config.GroupMember{{Server: "beta"}}}, "groups.alpha", "also the name of a server"},
		{api.GroupWrite{ID: "bad id", Members: []config.GroupMember{{Server: "beta"}}}, `groups["bad id"]`, "group id must be"},
	} {
		r := h.req("POST", "/api/v1/groups", c.body)
		r.envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
		var e api.Error
		r.JSON(t, &e)
		if len(e.Problems) != 1 || e.Problems[0].Path != c.path || !strings.Contains(e.Problems[0].Message, c.msg) {
			t.Fatalf("POST %+v: problems %+v, want one at %s containing %q", c.body, e.Problems, c.path, c.msg)
		}
	}
	if msg := h.req("PATCH", "/api/v1/groups/pool", map[string]any{"min_healthy": "two"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField"); !strings.Contains(msg, "min_healthy") {
		t.Fatalf("PATCH with a string min_healthy: %s", msg)
	}
	h.req("POST", "/api/v1/groups", "not json").envelope(t, http.StatusBadRequest, "BadJSON")
	h.req("PUT", "/api/v1/groups/pool", api.GroupWrite{ID: "other", Members: []config.GroupMember{{Server: "alpha"}}}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")

	// Unknown groups are 404 everywhere.
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		h.req(m, "/api/v1/groups/nope", api.GroupWrite{Members: []config.GroupMember{{Server: "alpha"}}}).envelope(t, http.StatusNotFound, "GroupNotFound")
	}
	h.req("POST", "/api/v1/groups/nope/rebalance", nil).envelope(t, http.StatusNotFound, "GroupNotFound")

	// A read-only key reads groups and cannot change them.
	viewer := h.createKey(t, api.KeyCreate{Name: "viewer", Role: auth.RoleViewer})
	if r := h.anon("GET", "/api/v1/groups", nil, "X-API-Key: "+viewer.Key); r.Status != http.StatusOK {
		t.Fatalf("viewer GET groups: %d %s", r.Status, r.Body)
	}
	h.anon("POST", "/api/v1/groups/pool/rebalance", nil, "X-API-Key: "+viewer.Key).envelope(t, http.StatusForbidden, "Forbidden")

	if r := h.req("DELETE", "/api/v1/groups/pool", nil); r.Status != http.StatusNoContent {
		t.Fatalf("DELETE group: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/groups/pool", nil).envelope(t, http.StatusNotFound, "GroupNotFound")
	if h.fileConfig().Groups["pool"] != nil {
		t.Fatal("group pool still in the file after DELETE")
	}
}
