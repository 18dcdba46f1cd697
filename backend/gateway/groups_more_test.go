package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/testdeps"
	"switchboard/backend/upstream"
)

// A member's disabled tool and a quarantined member get no calls: the
// group routes around them, as /mcp would refuse them.
func TestGroupRoutesAroundDisabledToolsAndQuarantine(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{
			"a":    stdioServer(t, func(s *config.Server) { s.DisabledTools = []string{"pid"} }),
			"b":    stdioServer(t),
			"held": stdioServer(t, func(s *config.Server) { s.Quarantined = true })},
		Groups: map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0), member("held", 1, 0))}},
	})
	c := h.connect("/mcp/groups/pool")
	b := h.pidOf("b")
	for range 6 {
		if got := resultText(callTool(t, c, "pid", nil)); got != b {
			t.Fatalf("pid went to %s; a disabled it and held is quarantined, so only b (%s) may take it", got, b)
		}
	}
	// echo is not disabled on a: a and b share it.
	for range 4 {
		callTool(t, c, "echo", map[string]any{"text": "x"})
	}
	if n := h.memberInfo("pool", "a").CallsTotal; n != 2 {
		t.Fatalf("a took %d echo calls, want 2 of 4", n)
	}
	held := h.memberInfo("pool", "held")
	if held.Eligible || held.CallsTotal != 0 || held.Why == "" {
		t.Fatalf("quarantined member: %+v", held)
	}
	if g := h.group("pool"); g.State != "degraded" || g.HealthyMembers != 2 {
		t.Fatalf("group with a quarantined member: %s, %d healthy", g.State, g.HealthyMembers)
	}
}

// A member stopped for being idle (idle_ttl_s) is cold, still a member in
// service: the group's call starts it, as any call would.
func TestGroupStartsAColdMember(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{
			"lazy":  stdioServer(t, func(s *config.Server) { s.IdleTTLS = 1 }),
			"spare": stdioServer(t)},
		Groups: map[string]*config.Group{"pool": {Strategy: config.StrategyPriority,
			Members: members(member("lazy", 1, 0), member("spare", 1, 5))}},
	})
	waitFor(t, "the idle member to stop", 20*time.Second, func() bool { return h.gw.Server("lazy").State() == upstream.StateCold })
	if m := h.memberInfo("pool", "lazy"); !m.Eligible {
		t.Fatalf("a cold member is not eligible: %+v", m)
	}
	c := h.connect("/mcp/groups/pool")
	got := resultText(callTool(t, c, "pid", nil))
	if got != h.pidOf("lazy") || got == "0" {
		t.Fatalf("the call went to %s, want the cold member started (now %s)", got, h.pidOf("lazy"))
	}
}

// A client of the current protocol takes mcp-go's path rather than the
// fast path; group calls work the same there.
func TestGroupOnMCPGoPath(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0))}},
	})
	tr, err := transport.NewStreamableHTTP(h.url("/mcp/groups/pool"))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr)
	testdeps.Initialize(t, c, "modern")
	who := h.whoServed("a", "b")
	got := map[string]int{}
	for range 4 {
		res := callTool(t, c, "pid", nil)
		if res.IsError {
			t.Fatal(resultText(res))
		}
		got[who[resultText(res)]]++
	}
	if got["a"] != 2 || got["b"] != 2 {
		t.Fatalf("round robin on mcp-go's path: %v", got)
	}
	if res := callTool(t, c, "crash", nil); !res.IsError || !strings.Contains(resultText(res), `group "pool"`) {
		t.Fatalf("an unsafe failure on mcp-go's path: %q", resultText(res))
	}
}

// In search mode, retrieve_tools finds a group's tools under the group's
// name (not its hidden members'), and call_tool calls them through it.
func TestGroupInSearchMode(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		ToolExposure: config.ExposureSearch,
		Servers:      map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:       map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0))}},
	})
	c := h.connect("/mcp")
	found := retrieve(t, c, "return the server's process id")
	if !slices.Contains(found.names(), "pool__pid") || slices.Contains(found.names(), "a__pid") {
		t.Fatalf("retrieve_tools found %v", found.names())
	}
	for _, tl := range found.Tools {
		if tl.Name == "pool__pid" && tl.Server != "pool" {
			t.Fatalf("pool__pid found under server %q", tl.Server)
		}
	}
	res := callTool(t, c, gateway.CallToolName, map[string]any{"name": "pool__pid"})
	if res.IsError || (resultText(res) != h.pidOf("a") && resultText(res) != h.pidOf("b")) {
		t.Fatalf("call_tool pool__pid: %s", resultText(res))
	}
	var grouped int
	for _, r := range h.rec.all() {
		if r.Group == "pool" && r.Tool == "pid" {
			grouped++
		}
	}
	if grouped != 1 {
		t.Fatalf("%d records of pid through the group, want 1", grouped)
	}
}

// A key's scope applies member by member: a caller limited to server a
// sees the group's tools and every call goes to a.
func TestGroupCallsStayInScope(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0))}},
	})
	c := scopedClient(t, h, "/mcp/groups/pool", "a", "only server a is in scope")
	a := h.pidOf("a")
	for range 4 {
		if got := resultText(callTool(t, c, "pid", nil)); got != a {
			t.Fatalf("a caller limited to a had a call served by %s", got)
		}
	}
}

// A caller whose scope leaves out every member is refused, and the refusal
// is recorded as denied, not as an outage of the group. As in the daemon, a
// call guard is set, so a call outside the scope is refused and recorded
// instead of answered "not found".
func TestGroupCallOutsideTheCallersScopeIsDenied(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0))}},
	}, func(o *gateway.Options) {
		o.CallGuard = func(context.Context, string, string, json.RawMessage) error { return nil }
	})
	c := scopedClient(t, h, "/mcp/groups/pool", "c", "the key may use server c only")
	before := h.memberInfo("pool", "a").CallsTotal + h.memberInfo("pool", "b").CallsTotal
	res := callTool(t, c, "pid", nil)
	if text := resultText(res); !res.IsError || !strings.Contains(text, "the key may use server c only") {
		t.Fatalf("a call outside the caller's scope answered %q (isError %v)", text, res.IsError)
	}
	if after := h.memberInfo("pool", "a").CallsTotal + h.memberInfo("pool", "b").CallsTotal; after != before {
		t.Fatal("a call outside the caller's scope reached a member")
	}
	var outcomes []string
	for _, r := range h.rec.all() {
		if r.Group == "pool" && r.Tool == "pid" {
			outcomes = append(outcomes, r.Outcome)
		}
	}
	if !slices.Equal(outcomes, []string{"denied"}) {
		t.Fatalf("records of the call: %v, want one denied", outcomes)
	}
}

// Rebalance half-opens an open breaker at once, long before its cool-down
// ends, so the next call checks whether the member is back.
func TestGroupRebalanceRetriesAnOpenMemberAtOnce(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{
			"a": stdioServer(t, func(s *config.Server) { s.CallTimeoutS = 1 }),
			"b": stdioServer(t)},
		Groups: map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0)),
			Breaker: &config.GroupBreaker{FailureThreshold: 1, CooldownS: 3600}}},
	})
	c := h.connect("/mcp/groups/pool")
	// Round robin tries a first; it times out, b answers.
	if res := callTool(t, c, "sleep", map[string]any{"ms": 1100}); res.IsError {
		t.Fatal(resultText(res))
	}
	if st := h.memberInfo("pool", "a").Breaker.State; st != "open" {
		t.Fatalf("a's breaker is %s after a failure with failure_threshold 1", st)
	}
	// With a out, b takes this one; the rotation moves on meanwhile.
	if got := resultText(callTool(t, c, "pid", nil)); got != h.pidOf("b") {
		t.Fatalf("a call went to %s while a's breaker was open", got)
	}
	info, err := h.gw.RebalanceGroup("pool")
	if err != nil {
		t.Fatal(err)
	}
	if info.Members[0].Breaker.State != "half_open" || !info.Members[0].Eligible || info.State != "healthy" {
		t.Fatalf("after rebalance: %+v", info)
	}
	// Rebalance also restarts the rotation: the next call goes to a, the
	// trial, which closes its breaker.
	if got := resultText(callTool(t, c, "pid", nil)); got != h.pidOf("a") {
		t.Fatalf("the first call after rebalance went to %s, not to a", got)
	}
	if st := h.memberInfo("pool", "a").Breaker.State; st != "closed" {
		t.Fatalf("a's breaker is %s after a good trial", st)
	}
	if _, err := h.gw.RebalanceGroup("nope"); !errors.Is(err, gateway.ErrNoGroup) {
		t.Fatalf("rebalance of an unknown group: %v", err)
	}
}

// scopedClient connects to path as a caller whose key may use server only;
// a tool of another server is refused with why.
func scopedClient(t *testing.T, h *groupHarness, path, server, why string) *client.Client {
	t.Helper()
	scoped := gateway.Guarded(h.gw.Handler(), func(r *http.Request) (context.Context, *gateway.GuardError) {
		return gateway.WithToolScope(r.Context(), func(s, tool string) (bool, string) {
			return s == server, why
		}), nil
	})
	srv := httptest.NewServer(scoped)
	t.Cleanup(srv.Close)
	tr, err := transport.NewStreamableHTTP(srv.URL+path, transport.WithContinuousListening())
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, client.WithLegacyProtocolOnly())
	testdeps.Initialize(t, c, "scoped")
	return c
}
