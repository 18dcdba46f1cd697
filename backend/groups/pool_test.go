package groups

import (
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
)

func weight(n int) *int { return &n }

func group(strategy string, members ...config.GroupMember) *config.Group {
	return &config.Group{Strategy: strategy, Members: members, Breaker: &config.GroupBreaker{FailureThreshold: 2, CooldownS: 1}}
}

// share calls Pick n times, each call finishing before the next, and
// counts the picks per server.
func share(t *testing.T, p *Pool, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		m := p.Pick(p.Members())
		if m == nil {
			t.Fatal("Pick found no member")
		}
		got[m.Server]++
		p.Done(m, Succeeded)
	}
	return got
}

func TestStrategiesShareCalls(t *testing.T) {
	a, b := config.GroupMember{Server: "a", Weight: weight(3)}, config.GroupMember{Server: "b"}
	if got := share(t, NewPool(group(config.StrategyRoundRobin, a, b), nil), 100); got["a"] != 50 || got["b"] != 50 {
		t.Errorf("round_robin: %v, want 50/50 whatever the weights", got)
	}
	if got := share(t, NewPool(group(config.StrategyWeightedRoundRobin, a, b), nil), 100); got["a"] != 75 || got["b"] != 25 {
		t.Errorf("weighted_round_robin 3:1: %v, want 75/25", got)
	}
	got := share(t, NewPool(group(config.StrategyRandom, a, b), nil), 4000)
	if r := float64(got["a"]) / float64(got["b"]); r < 2.4 || r > 3.7 {
		t.Errorf("random 3:1: %v (ratio %.2f), want about 3", got, r)
	}
	spare := config.GroupMember{Server: "spare", Weight: weight(0)}
	if got := share(t, NewPool(group(config.StrategyWeightedRoundRobin, a, spare), nil), 20); got["spare"] != 0 {
		t.Errorf("a spare (weight 0) got calls while a weighted member was able: %v", got)
	}
}

func TestPriorityPrefersLowestAndFailsOver(t *testing.T) {
	p := NewPool(group(config.StrategyPriority,
		config.GroupMember{Server: "backup", Priority: 5},
		config.GroupMember{Server: "main", Priority: 1},
		config.GroupMember{Server: "main2", Priority: 1}), nil)
	if got := share(t, p, 10); got["main"] != 5 || got["main2"] != 5 {
		t.Fatalf("priority: %v, want the two priority-1 members to share every call", got)
	}
	// The preferred members out of service: the next priority takes over.
	var able []*Member
	for _, m := range p.Members() {
		if m.Server == "backup" {
			able = append(able, m)
		}
	}
	if m := p.Pick(able); m == nil || m.Server != "backup" {
		t.Fatalf("with main and main2 out, Pick gave %v", m)
	}
}

func TestLeastConnectionsAvoidsBusyMember(t *testing.T) {
	p := NewPool(group(config.StrategyLeastConnections, config.GroupMember{Server: "a"}, config.GroupMember{Server: "b"}), nil)
	busy := p.Pick(p.Members()) // held: a long call in flight
	for range 10 {
		m := p.Pick(p.Members())
		if m == busy {
			t.Fatalf("least_connections sent a call to %s, which has a call in flight, while the other had none", m.Server)
		}
		p.Done(m, Succeeded)
	}
	p.Done(busy, Succeeded)
}

func TestBreakerOpensHalfOpensAndCloses(t *testing.T) {
	events := make(chan BreakerEvent, 10)
	p := NewPool(group(config.StrategyRoundRobin, config.GroupMember{Server: "a"}), func(e BreakerEvent) { events <- e })
	m := p.Members()[0]
	fail := func() {
		t.Helper()
		if got := p.Pick(p.Members()); got != m {
			t.Fatalf("Pick gave %v, want member a", got)
		}
		p.Done(m, Failed)
	}
	fail()
	if s := m.Stats().Breaker; s.State != Closed || s.ConsecutiveFailures != 1 {
		t.Fatalf("after one failure (threshold 2): %+v, want closed with 1 failure", s)
	}
	fail()
	s := m.Stats().Breaker
	if s.State != Open || s.OpenedAt == nil || s.RetryAt == nil || s.RetryAt.Sub(*s.OpenedAt) != time.Second {
		t.Fatalf("after two failures: %+v, want open with a retry one cool-down (1s) after opening", s)
	}
	if e := <-events; e.State != Open || e.Previous != Closed || e.Server != "a" {
		t.Fatalf("event %+v, want a closed -> open", e)
	}
	if p.Pick(p.Members()) != nil {
		t.Fatal("an open breaker let a call through")
	}
	select {
	case e := <-events:
		if e.State != HalfOpen || e.Previous != Open {
			t.Fatalf("event %+v, want open -> half_open", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the breaker did not half-open after its cool-down")
	}
	trial := p.Pick(p.Members())
	if trial != m {
		t.Fatal("a half-open breaker refused its trial call")
	}
	if p.Pick(p.Members()) != nil {
		t.Fatal("a half-open breaker let a second call through while its trial was out")
	}
	p.Done(trial, Failed)
	if e := <-events; e.State != Open {
		t.Fatalf("a failed trial gave %+v, want open again", e)
	}
	p.Rebalance() // half-opens at once
	if e := <-events; e.State != HalfOpen {
		t.Fatalf("rebalance gave %+v, want half_open", e)
	}
	p.Done(p.Pick(p.Members()), Succeeded)
	if e := <-events; e.State != Closed || e.Previous != HalfOpen {
		t.Fatalf("a good trial gave %+v, want half_open -> closed", e)
	}
	if st := m.Stats(); st.CallsTotal != 4 || st.FailuresTotal != 3 || st.ActiveCalls != 0 {
		t.Fatalf("counters %+v, want 4 calls, 3 failures, none active", st)
	}
}

func TestStateOf(t *testing.T) {
	for _, c := range []struct {
		in, members, min int
		want             string
	}{{3, 3, 1, Healthy}, {2, 3, 1, Degraded}, {1, 3, 2, Unavailable}, {0, 2, 1, Unavailable}, {2, 3, 2, Degraded}} {
		if got := StateOf(c.in, c.members, c.min); got != c.want {
			t.Errorf("StateOf(%d of %d, min %d) = %s, want %s", c.in, c.members, c.min, got, c.want)
		}
	}
}

func TestSafeToRetry(t *testing.T) {
	ro := mcp.NewTool("read", mcp.WithReadOnlyHintAnnotation(true))
	idem := mcp.NewTool("put", mcp.WithIdempotentHintAnnotation(true))
	plain := mcp.NewTool("send")
	if !SafeToRetry(ro, nil) || !SafeToRetry(idem, nil) {
		t.Error("a read-only or idempotent tool is not safe to retry")
	}
	if SafeToRetry(plain, nil) {
		t.Error("a tool with neither hint is safe to retry")
	}
	if !SafeToRetry(plain, []string{"send"}) {
		t.Error("a tool in retry_tools is not safe to retry")
	}
}

// A config change keeps the breakers and counters of the members that
// stay; a member that leaves is gone, a new one starts closed.
func TestConfigureKeepsMembersThatStay(t *testing.T) {
	p := NewPool(group(config.StrategyRoundRobin, config.GroupMember{Server: "a"}, config.GroupMember{Server: "b"}), nil)
	a := p.Members()[0]
	for range 2 {
		p.Done(p.Pick([]*Member{a}), Failed)
	}
	if a.Stats().Breaker.State != Open {
		t.Fatal("a's breaker did not open")
	}
	p.Configure(group(config.StrategyPriority, config.GroupMember{Server: "c"}, config.GroupMember{Server: "a", Weight: weight(4)}))
	ms := p.Members()
	if len(ms) != 2 || ms[0].Server != "c" || ms[1] != a || a.Weight != 4 {
		t.Fatalf("members after the change: %+v", ms)
	}
	if st := a.Stats(); st.Breaker.State != Open || st.FailuresTotal != 2 {
		t.Fatalf("a after the change: %+v, want its open breaker and 2 failures kept", st)
	}
	if p.Member("b") != nil {
		t.Fatal("b is still a member")
	}
	if st := ms[0].Stats(); st.Breaker.State != Closed || st.CallsTotal != 0 {
		t.Fatalf("new member c: %+v", st)
	}
	p.Close()
}
