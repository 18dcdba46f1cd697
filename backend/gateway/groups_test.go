package gateway_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/events"
	"switchboard/backend/gateway"
	"switchboard/backend/groups"
	"switchboard/backend/store"
	"switchboard/backend/upstream"
)

// recorder keeps the activity records the gateway writes.
type recorder struct {
	mu   sync.Mutex
	recs []store.ActivityRecord
}

func (r *recorder) Record(rec store.ActivityRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
}

func (r *recorder) all() []store.ActivityRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]store.ActivityRecord(nil), r.recs...)
}

// groupHarness is a gateway with groups, an event bus and a recorder.
type groupHarness struct {
	*harness
	bus *events.Bus
	rec *recorder
}

func newGroupHarness(t *testing.T, cfg *config.Config, with ...func(*gateway.Options)) *groupHarness {
	t.Helper()
	bus := events.New(4096)
	rec := &recorder{}
	opts := gateway.Options{Logger: testLogger(t), Events: bus, Recorder: rec}
	for _, f := range with {
		f(&opts)
	}
	gw := gateway.New(opts)
	srv := httptest.NewServer(gw.Handler())
	h := &groupHarness{harness: &harness{t: t, gw: gw, srv: srv}, bus: bus, rec: rec}
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		gw.Close()
	})
	gw.Apply(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)
	return h
}

func members(ms ...config.GroupMember) []config.GroupMember { return ms }

func member(server string, weight, priority int) config.GroupMember {
	return config.GroupMember{Server: server, Weight: &weight, Priority: priority}
}

// pidOf is the process id of a member, which its pid tool returns.
func (h *groupHarness) pidOf(server string) string {
	h.t.Helper()
	return fmt.Sprint(h.gw.Server(server).Status().PID)
}

// whoServed maps each member's pid to its name.
func (h *groupHarness) whoServed(servers ...string) map[string]string {
	out := map[string]string{}
	for _, s := range servers {
		out[h.pidOf(s)] = s
	}
	return out
}

func (h *groupHarness) group(id string) gateway.GroupInfo {
	h.t.Helper()
	g, err := h.gw.Group(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return g
}

func (h *groupHarness) memberInfo(id, server string) gateway.GroupMemberInfo {
	h.t.Helper()
	for _, m := range h.group(id).Members {
		if m.Server == server {
			return m
		}
	}
	h.t.Fatalf("group %s has no member %s", id, server)
	return gateway.GroupMemberInfo{}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nextEvent waits for an event of typ whose data matches.
func nextEvent(t *testing.T, sub *events.Subscription, typ string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-sub.C:
			data, _ := ev.Data.(map[string]any)
			if ev.Type == typ && match(data) {
				return data
			}
		case <-deadline:
			t.Fatalf("no %s event came", typ)
		}
	}
}

func breakerIs(server string, state groups.BreakerState) func(map[string]any) bool {
	return func(d map[string]any) bool { return d["server"] == server && d["state"] == state }
}

func TestGroupWeightedShareAndNames(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups: map[string]*config.Group{"pool": {Strategy: config.StrategyWeightedRoundRobin,
			Members: members(member("a", 3, 0), member("b", 1, 0))}},
	})
	who := h.whoServed("a", "b")
	c := h.connect("/mcp/groups/pool")
	got := map[string]int{}
	for range 40 {
		res := callTool(t, c, "pid", nil)
		if res.IsError {
			t.Fatalf("pid through the group: %s", resultText(res))
		}
		got[who[resultText(res)]]++
	}
	if got["a"] != 30 || got["b"] != 10 {
		t.Fatalf("weighted 3:1 over 40 calls: %v, want a 30, b 10", got)
	}

	// On /mcp the group's tools are prefixed with its id, and the members'
	// own are left off (hide_members); the member's endpoint still works.
	agg := h.connect("/mcp")
	list, err := agg.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tl := range list.Tools {
		names[tl.Name] = true
	}
	if !names["pool__pid"] || names["a__pid"] || names["b__echo"] {
		t.Fatalf("/mcp lists pool__pid %v, a__pid %v, b__echo %v; want the group's only", names["pool__pid"], names["a__pid"], names["b__echo"])
	}
	if res := callTool(t, agg, "pool__echo", map[string]any{"text": "via /mcp"}); res.IsError || resultText(res) != "via /mcp" {
		t.Fatalf("pool__echo on /mcp: %s", resultText(res))
	}
	// A call by a member's own name on /mcp is told the group's name.
	req := mcp.CallToolRequest{}
	req.Params.Name = "a__pid"
	if _, err := agg.CallTool(context.Background(), req); err == nil || !strings.Contains(err.Error(), `"pool__pid"`) {
		t.Fatalf("a__pid on /mcp: %v, want an error naming pool__pid", err)
	}
	if res := callTool(t, h.connect("/mcp/servers/a"), "pid", nil); resultText(res) != h.pidOf("a") {
		t.Fatalf("/mcp/servers/a answered %q", resultText(res))
	}
	// Each call is recorded with the member that took it and the group.
	waitFor(t, "activity records", 5*time.Second, func() bool { return len(h.rec.all()) >= 42 })
	grouped := 0
	for _, r := range h.rec.all() {
		if r.Group == "pool" {
			grouped++
			if r.Server != "a" && r.Server != "b" {
				t.Fatalf("a group call recorded with server %q", r.Server)
			}
		}
	}
	if grouped != 41 {
		t.Fatalf("%d calls recorded with group pool, want 41", grouped)
	}
	info := h.group("pool")
	if info.State != groups.Healthy || info.HealthyMembers != 2 || info.Tools == 0 || info.Path != "/mcp/groups/pool" {
		t.Fatalf("group info %+v", info)
	}
}

func TestGroupPriorityFailsOverAndBack(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"main": stdioServer(t), "spare": stdioServer(t)},
		Groups: map[string]*config.Group{"pool": {Strategy: config.StrategyPriority,
			Members: members(member("spare", 1, 10), member("main", 1, 1))}},
	})
	sub, _ := h.bus.Subscribe([]string{events.GroupState}, 64, 0)
	defer sub.Close()
	c := h.connect("/mcp/groups/pool")
	mainPID := h.pidOf("main")
	for range 5 {
		if got := resultText(callTool(t, c, "pid", nil)); got != mainPID {
			t.Fatalf("priority sent a call to pid %s, not to main (%s)", got, mainPID)
		}
	}
	if err := h.gw.StopServer("main", "test"); err != nil {
		t.Fatal(err)
	}
	spare := h.pidOf("spare")
	for range 3 {
		if got := resultText(callTool(t, c, "pid", nil)); got != spare {
			t.Fatalf("with main stopped, a call went to %s, want the spare (%s)", got, spare)
		}
	}
	nextEvent(t, sub, events.GroupState, func(d map[string]any) bool { return d["state"] == groups.Degraded })
	if err := h.gw.StartServer("main"); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sub, events.GroupState, func(d map[string]any) bool { return d["state"] == groups.Healthy })
	// Once main has started again and listed its tools, it takes the calls.
	waitFor(t, "main to take calls again", 15*time.Second, func() bool {
		return resultText(callTool(t, c, "pid", nil)) == h.pidOf("main")
	})
	for range 3 {
		if got := resultText(callTool(t, c, "pid", nil)); got != h.pidOf("main") {
			t.Fatalf("main is back but a call went to %s (spare is %s)", got, spare)
		}
	}
}

func TestGroupLeastConnectionsAvoidsBusyMember(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {Strategy: config.StrategyLeastConnections, Members: members(member("a", 1, 0), member("b", 1, 0))}},
	})
	who := h.whoServed("a", "b")
	slow := h.connect("/mcp/groups/pool")
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = "sleep", map[string]any{"ms": 3000}
		_, _ = slow.CallTool(ctx, req)
	}()
	var busy string
	waitFor(t, "the slow call to be in flight", 10*time.Second, func() bool {
		for _, m := range h.group("pool").Members {
			if m.ActiveCalls == 1 {
				busy = m.Server
				return true
			}
		}
		return false
	})
	c := h.connect("/mcp/groups/pool")
	for range 8 {
		if got := who[resultText(callTool(t, c, "pid", nil))]; got == busy {
			t.Fatalf("least_connections sent a call to %s, busy with a slow call, while the other member was idle", busy)
		}
	}
	<-done
}

func TestGroupBreakerOpensThenHalfOpensAndCloses(t *testing.T) {
	// a times out on a 1.1 s sleep (call_timeout_s 1), b does not: each
	// sleep that lands on a fails there and is retried on b. Round robin
	// sends the first and the second call to a first, so two calls open
	// its breaker (failure_threshold 2).
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{
			"a": stdioServer(t, func(s *config.Server) { s.CallTimeoutS = 1 }),
			"b": stdioServer(t)},
		Groups: map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0)),
			Breaker: &config.GroupBreaker{FailureThreshold: 2, CooldownS: 2}}},
	})
	sub, _ := h.bus.Subscribe([]string{events.GroupBreaker, events.GroupState}, 256, 0)
	defer sub.Close()
	c := h.connect("/mcp/groups/pool")
	for range 2 {
		if res := callTool(t, c, "sleep", map[string]any{"ms": 1100}); res.IsError {
			t.Fatalf("a safe call failed although b could take it: %s", resultText(res))
		}
	}
	nextEvent(t, sub, events.GroupBreaker, breakerIs("a", groups.Open))
	nextEvent(t, sub, events.GroupState, func(d map[string]any) bool { return d["state"] == groups.Degraded })
	a := h.memberInfo("pool", "a")
	if a.Breaker.ConsecutiveFailures != 2 || a.Breaker.OpenedAt == nil || a.Breaker.RetryAt == nil ||
		a.Breaker.RetryAt.Sub(*a.Breaker.OpenedAt) != 2*time.Second || a.FailuresTotal != 2 || a.CallsTotal != 2 {
		t.Fatalf("member a after two failures: %+v", a)
	}
	// While the breaker is open, calls go to b. (Only calls made wholly
	// within the cool-down are checked; its end is the timer's business.)
	bPID := h.pidOf("b")
	for range 3 {
		before := h.memberInfo("pool", "a").Breaker
		got := resultText(callTool(t, c, "pid", nil))
		if after := h.memberInfo("pool", "a").Breaker; before.State == groups.Open && after.State == groups.Open && got != bPID {
			t.Fatalf("a call went to %s while a's breaker was open", got)
		}
	}
	nextEvent(t, sub, events.GroupBreaker, breakerIs("a", groups.HalfOpen))
	// Half-open, a may take a trial call again: the group is whole.
	nextEvent(t, sub, events.GroupState, func(d map[string]any) bool { return d["state"] == groups.Healthy })
	// The trial call (fast, so it succeeds) closes it.
	waitFor(t, "a's breaker to close", 10*time.Second, func() bool {
		callTool(t, c, "pid", nil)
		return h.memberInfo("pool", "a").Breaker.State == groups.Closed
	})
	nextEvent(t, sub, events.GroupBreaker, breakerIs("a", groups.Closed))
}

// Stopping a server through the gateway is announced like any change of
// its state, with the reason, for the panel, the tray and the groups.
func TestStopServerPublishesTheStoppedState(t *testing.T) {
	h := newGroupHarness(t, &config.Config{Servers: map[string]*config.Server{"a": stdioServer(t)}})
	sub, _ := h.bus.Subscribe([]string{events.ServerState}, 64, 0)
	defer sub.Close()
	if err := h.gw.StopServer("a", "maintenance"); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sub, events.ServerState, func(d map[string]any) bool {
		last, _ := d["last_error"].(string)
		return d["state"] == upstream.StateStopped && strings.Contains(last, "maintenance")
	})
}

func TestGroupUnavailableBelowMinHealthy(t *testing.T) {
	two := 2
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {MinHealthy: &two, Members: members(member("a", 1, 0), member("b", 1, 0))}},
	})
	sub, _ := h.bus.Subscribe([]string{events.GroupState}, 64, 0)
	defer sub.Close()
	c := h.connect("/mcp/groups/pool")
	if err := h.gw.StopServer("b", "test"); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sub, events.GroupState, func(d map[string]any) bool {
		return d["group"] == "pool" && d["state"] == groups.Unavailable && d["previous"] == groups.Healthy
	})
	before := h.memberInfo("pool", "a").CallsTotal
	res := callTool(t, c, "pid", nil)
	text := resultText(res)
	if !res.IsError || !strings.Contains(text, `group "pool" is unavailable`) || !strings.Contains(text, "min_healthy") {
		t.Fatalf("a call below min_healthy answered %q (isError %v), want a clear error", text, res.IsError)
	}
	if after := h.memberInfo("pool", "a").CallsTotal; after != before {
		t.Fatalf("a call reached member a although the group is unavailable")
	}
	// The refused call is in the activity log, under the group.
	var recorded bool
	for _, r := range h.rec.all() {
		if r.Group == "pool" && r.Tool == "pid" && r.Server == "" && r.Outcome == "unavailable" && strings.Contains(r.Error, "min_healthy") {
			recorded = true
		}
	}
	if !recorded {
		t.Fatalf("no unavailable record of the refused call: %+v", h.rec.all())
	}
}

func TestGroupUnsafeToolFailureIsNotRetried(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0))}},
	})
	pids := map[string]string{"a": h.pidOf("a"), "b": h.pidOf("b")}
	c := h.connect("/mcp/groups/pool")
	// crash is neither read-only nor idempotent: its failure is the caller's.
	res := callTool(t, c, "crash", nil)
	text := resultText(res)
	if !res.IsError || !strings.Contains(text, `group "pool"`) || !strings.Contains(text, "not safe to retry") {
		t.Fatalf("crash through the group answered %q (isError %v)", text, res.IsError)
	}
	var crashed, kept string
	for s := range pids {
		if strings.Contains(text, fmt.Sprintf("member %q", s)) {
			crashed = s
		} else {
			kept = s
		}
	}
	if crashed == "" {
		t.Fatalf("the error does not name the member: %q", text)
	}
	if got := h.pidOf(kept); got != pids[kept] {
		t.Fatalf("the call was retried on %s (its process changed from %s to %s)", kept, pids[kept], got)
	}
	if n := h.memberInfo("pool", kept).CallsTotal; n != 0 {
		t.Fatalf("member %s took %d attempts of a tool that is not safe to retry", kept, n)
	}

	// Listed in retry_tools, the same kind of failure goes on to the other
	// member; echo's isError-free answer shows the call got through.
	cfg := &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {RetryTools: []string{"crash"}, Members: members(member("a", 1, 0), member("b", 1, 0))}},
	}
	h2 := newGroupHarness(t, cfg)
	c2 := h2.connect("/mcp/groups/pool")
	res = callTool(t, c2, "crash", nil)
	// Both members crash, one after the other: the error names both.
	if !res.IsError || !strings.Contains(resultText(res), `failed on member(s) `) {
		t.Fatalf("crash in retry_tools answered %q; want it tried on each member", resultText(res))
	}
	for _, s := range []string{"a", "b"} {
		if n := h2.memberInfo("pool", s).CallsTotal; n != 1 {
			t.Fatalf("member %s took %d attempts, want 1 each", s, n)
		}
	}
}

// TestGroupSurvivesMemberKilledUnderLoad is the failover the feature is for:
// concurrent calls of a read-only tool through /mcp/groups/{id} over HTTP,
// one member SIGKILLed while it has calls in flight. Not one call fails;
// the killed member's breaker opens; once the supervisor has restarted it,
// it serves again.
func TestGroupSurvivesMemberKilledUnderLoad(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups: map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0)),
			Breaker: &config.GroupBreaker{FailureThreshold: 2, CooldownS: 1}}},
	})
	sub, _ := h.bus.Subscribe([]string{events.GroupBreaker}, 256, 0)
	defer sub.Close()
	const workers = 8
	clients := make([]*client.Client, workers)
	for i := range clients {
		clients[i] = h.connect("/mcp/groups/pool")
	}
	var (
		stop          atomic.Bool
		calls, failed atomic.Int64
		failures      sync.Map
		wg            sync.WaitGroup
	)
	for i := range workers {
		wg.Add(1)
		go func(c *client.Client) {
			defer wg.Done()
			for !stop.Load() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				req := mcp.CallToolRequest{}
				req.Params.Name, req.Params.Arguments = "sleep", map[string]any{"ms": 150}
				res, err := c.CallTool(ctx, req)
				cancel()
				calls.Add(1)
				switch {
				case err != nil:
					failures.Store(failed.Add(1), err.Error())
				case res.IsError:
					failures.Store(failed.Add(1), resultText(res))
				}
			}
		}(clients[i])
	}
	defer func() { stop.Store(true); wg.Wait() }()

	waitFor(t, "member a to have calls in flight", 20*time.Second, func() bool { return h.memberInfo("pool", "a").ActiveCalls >= 2 })
	oldPID := h.gw.Server("a").Status().PID
	if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, sub, events.GroupBreaker, breakerIs("a", groups.Open))
	// The supervisor restarts a; after the cool-down a trial call closes
	// its breaker and a takes calls again.
	nextEvent(t, sub, events.GroupBreaker, breakerIs("a", groups.Closed))
	if pid := h.gw.Server("a").Status().PID; pid == oldPID || pid == 0 {
		t.Fatalf("member a's process is %d after the kill of %d; want a new one", pid, oldPID)
	}
	servedBefore := h.memberInfo("pool", "a").CallsTotal
	waitFor(t, "the restarted member to serve calls", 20*time.Second, func() bool {
		return h.memberInfo("pool", "a").CallsTotal >= servedBefore+10
	})
	stop.Store(true)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		var msgs []string
		failures.Range(func(_, v any) bool { msgs = append(msgs, v.(string)); return len(msgs) < 5 })
		t.Fatalf("%d of %d calls failed although the tool is safe to retry and b was up: %s", n, calls.Load(), strings.Join(msgs, " | "))
	}
	if a := h.memberInfo("pool", "a"); a.FailuresTotal < 2 || a.Breaker.State != groups.Closed {
		t.Fatalf("member a after the kill and restart: %+v", a)
	}
	t.Logf("%d calls, none failed; member a failed %d attempts, all retried on b", calls.Load(), h.memberInfo("pool", "a").FailuresTotal)
}

// A profile may name groups: its clients see them as /mcp does, narrowed by
// the profile's tool patterns, and their calls go through the group.
func TestProfileShowsItsGroups(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t), "c": stdioServer(t)},
		Groups:  map[string]*config.Group{"pool": {Members: members(member("a", 1, 0), member("b", 1, 0))}},
		Profiles: map[string]*config.Profile{"lean": {Servers: []string{"c"}, Groups: []string{"pool"},
			Tools: []string{"pool__pid", "c__echo"}}},
	})
	c := h.connect("/mcp/profiles/lean")
	list, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "c__echo,pool__pid" && strings.Join(names, ",") != "pool__pid,c__echo" {
		t.Fatalf("profile lean lists %v, want c__echo and pool__pid", names)
	}
	who := h.whoServed("a", "b")
	served := map[string]bool{}
	for range 4 {
		res := callTool(t, c, "pool__pid", nil)
		if res.IsError {
			t.Fatalf("pool__pid through the profile: %s", resultText(res))
		}
		served[who[resultText(res)]] = true
	}
	if !served["a"] || !served["b"] {
		t.Fatalf("round robin through the profile reached %v, want a and b", served)
	}
	if p, ok := h.gw.Profile("lean"); !ok || strings.Join(p.Groups, ",") != "pool" || p.ToolCount != 2 {
		t.Fatalf("profile info %+v", p)
	}
}
