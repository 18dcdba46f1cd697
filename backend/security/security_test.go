package security

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"switchboard/backend/events"
	"switchboard/backend/policy"
	"switchboard/backend/store"
	"switchboard/backend/trust"
)

func setup(t *testing.T) (*Guard, *store.Store, *events.Bus) {
	t.Helper()
	st, err := store.Open(t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e, err := policy.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New(64)
	return &Guard{Policies: e, Log: NewLog(st, bus, slog.New(slog.DiscardHandler))}, st, bus
}

func records(t *testing.T, st *store.Store, f store.SecurityFilter) []store.SecurityRecord {
	t.Helper()
	out, _, err := st.ListSecurity(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A request no guard saw is anonymous: it gets what a keyless client gets.
func TestCallerDefaultsToAnonymous(t *testing.T) {
	g, st, _ := setup(t)
	if _, err := g.Policies.Create(policy.Rule{Principal: policy.Anonymous, Server: "s", Effect: policy.Deny}, "t"); err != nil {
		t.Fatal(err)
	}
	if err := g.Call(context.Background(), "s", "t", nil); err == nil {
		t.Fatal("an unattributed call passed a rule for anonymous")
	}
	named := WithCaller(context.Background(), &Caller{Caller: policy.Caller{Principal: "alice"}, Via: "api_key"})
	if err := g.Call(named, "s", "t", nil); err != nil {
		t.Fatalf("alice: %v", err)
	}
	recs := records(t, st, store.SecurityFilter{})
	if len(recs) != 1 || recs[0].Principal != policy.Anonymous || recs[0].Type != TypePolicyDenied || recs[0].Detail["via"] != "none" {
		t.Fatalf("records: %+v", recs)
	}
}

func TestScopeIsCheckedBeforePolicies(t *testing.T) {
	g, st, _ := setup(t)
	c := &Caller{Caller: policy.Caller{Principal: "bot"}, Scope: func(server, tool string) (bool, string) {
		return server == "a", "server " + server + " is outside the scope of key k"
	}}
	if g.Active(&Caller{}) {
		t.Fatal("active with no rules and no scope")
	}
	if !g.Active(c) {
		t.Fatal("a scoped caller is not guarded")
	}
	if ok, why := g.Visible(c, "b", "x"); ok || !strings.Contains(why, "outside the scope") {
		t.Fatalf("visible: %v %s", ok, why)
	}
	if len(records(t, st, store.SecurityFilter{})) != 0 {
		t.Fatal("Visible recorded something: tools/list would flood the log")
	}
	err := g.Call(WithCaller(context.Background(), c), "b", "x", nil)
	if err == nil || !strings.Contains(err.Error(), "outside the scope") {
		t.Fatalf("call: %v", err)
	}
	if r := records(t, st, store.SecurityFilter{}); len(r) != 1 || r[0].Detail["by"] != "scope" {
		t.Fatalf("records: %+v", r)
	}
}

func TestSensitiveBlockHonoursMinSeverity(t *testing.T) {
	g, st, bus := setup(t)
	sub, _ := bus.Subscribe([]string{events.Security}, 8, 0)
	defer sub.Close()
	ctx := WithCaller(context.Background(), &Caller{Caller: policy.Caller{Principal: "p"}})
	pw, _ := json.Marshal(map[string]string{"password": "hunter2"})
	key, _ := json.Marshal(map[string]string{"k": "AKIAIOSFODNN7EXAMPLE"})
	// Flag (the default) lets everything through.
	if err := g.Call(ctx, "s", "t", key); err != nil {
		t.Fatalf("flag: %v", err)
	}
	if _, err := g.Policies.SetSettings(policy.Settings{SensitiveAction: policy.SensitiveBlock, SensitiveMinSeverity: "high"}); err != nil {
		t.Fatal(err)
	}
	err := g.Call(ctx, "s", "t", key)
	if err == nil || !strings.Contains(err.Error(), "aws_access_key at $.k") || strings.Contains(err.Error(), "AKIAIOSFODNN7EXAMPLE") {
		t.Fatalf("block: %v", err)
	}
	// A password is a medium finding: below the floor of high, it passes;
	// with the floor at medium it is blocked, as a warning.
	if err := g.Call(ctx, "s", "t", pw); err != nil {
		t.Fatalf("medium finding blocked at high: %v", err)
	}
	if _, err := g.Policies.SetSettings(policy.Settings{SensitiveAction: policy.SensitiveBlock, SensitiveMinSeverity: "medium"}); err != nil {
		t.Fatal(err)
	}
	if err := g.Call(ctx, "s", "t", pw); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("medium finding at medium: %v", err)
	}
	recs := records(t, st, store.SecurityFilter{Type: TypeSensitiveBlocked})
	if len(recs) != 2 || recs[1].Level != store.LevelCritical || recs[1].Principal != "p" || recs[0].Level != store.LevelWarning {
		t.Fatalf("records: %+v", recs)
	}
	select {
	case ev := <-sub.C:
		if r, ok := ev.Data.(store.SecurityRecord); !ok || r.Type != TypeSensitiveBlocked {
			t.Fatalf("bus: %+v", ev)
		}
	default:
		t.Fatal("nothing on the bus")
	}
}

func TestQuarantineHoldsBecomeLevelledEvents(t *testing.T) {
	g, st, _ := setup(t)
	l := g.Log
	l.FromQuarantine("s", trust.Event{Action: "approved", Kind: "server"})
	l.FromQuarantine("s", trust.Event{Action: "held", Kind: "server", Status: "pending"})
	l.FromQuarantine("s", trust.Event{Action: "held", Kind: "tool", Tool: "t", Status: "changed"})
	l.FromQuarantine("s", trust.Event{Action: "held", Kind: "tool", Tool: "u", Status: "new",
		Findings: []trust.Finding{{Rule: "hidden-unicode", Severity: "low", Message: "odd"}, {Rule: "model-instruction", Severity: "high", Message: "ignore previous"}}})
	got := map[string]string{}
	for _, r := range records(t, st, store.SecurityFilter{}) {
		got[r.Type+"/"+r.Tool] = r.Level
	}
	want := map[string]string{"server.quarantined/": "info", "tool.changed/t": "warning", "poisoning.detected/u": "critical"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}
