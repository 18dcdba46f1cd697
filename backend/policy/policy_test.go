package policy

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"switchboard/backend/store"
)

func open(t *testing.T, dir string) (*Engine, *store.Store) {
	t.Helper()
	st, err := store.Open(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(st)
	if err != nil {
		t.Fatal(err)
	}
	return e, st
}

func mustCreate(t *testing.T, e *Engine, r Rule) Rule {
	t.Helper()
	out, err := e.Create(r, "tester")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNoRuleAllows(t *testing.T) {
	e, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Empty() {
		t.Fatal("a new engine is not empty")
	}
	d := e.Decide(Caller{Principal: Anonymous}, "fs", "read_file")
	if !d.Allowed || d.Rule != "" || d.Sensitive != SensitiveFlag {
		t.Fatalf("default decision: %+v", d)
	}
}

// The more specific rule wins over a broad one, at equal priority; a
// higher priority wins over specificity; at a tie, deny wins.
func TestRuleOrder(t *testing.T) {
	e, _ := Open(nil)
	denyAll := mustCreate(t, e, Rule{Principal: "bot", Effect: Deny})
	allowRead := mustCreate(t, e, Rule{Principal: "bot", Server: "fs", Tool: "read_*", Effect: Allow})
	bot := Caller{Principal: "bot"}
	if d := e.Decide(bot, "fs", "read_file"); !d.Allowed || d.Rule != allowRead.ID {
		t.Fatalf("read_file: %+v", d)
	}
	if d := e.Decide(bot, "fs", "write_file"); d.Allowed || d.Rule != denyAll.ID || !strings.Contains(d.Reason, "denied to bot") {
		t.Fatalf("write_file: %+v", d)
	}
	if d := e.Decide(Caller{Principal: "alice"}, "fs", "write_file"); !d.Allowed {
		t.Fatalf("alice is not named by any rule: %+v", d)
	}
	// A tie in priority and specificity: deny first.
	tieAllow := mustCreate(t, e, Rule{Principal: "bot", Server: "fs", Tool: "read_*", Effect: Allow})
	tieDeny := mustCreate(t, e, Rule{Principal: "bot", Server: "fs", Tool: "read_?", Effect: Deny})
	_ = tieAllow
	if d := e.Decide(bot, "fs", "read_x"); d.Allowed || d.Rule != tieDeny.ID {
		t.Fatalf("tie: %+v", d)
	}
	// Priority beats specificity.
	over := mustCreate(t, e, Rule{Principal: "*", Effect: Deny, Priority: 10, Description: "maintenance"})
	if d := e.Decide(bot, "fs", "read_file"); d.Allowed || d.Rule != over.ID || !strings.Contains(d.Reason, "maintenance") {
		t.Fatalf("priority: %+v", d)
	}
}

func TestRolePatternsMatchByRole(t *testing.T) {
	e, _ := Open(nil)
	r := mustCreate(t, e, Rule{Principal: "role:agent", Server: "github", Tool: "delete_*", Effect: Deny})
	if d := e.Decide(Caller{Principal: "ci", Roles: []string{"agent"}}, "github", "delete_repo"); d.Allowed || d.Rule != r.ID {
		t.Fatalf("agent: %+v", d)
	}
	if d := e.Decide(Caller{Principal: "agent", Roles: []string{"admin"}}, "github", "delete_repo"); !d.Allowed {
		t.Fatalf("a principal named agent without the role: %+v", d)
	}
}

func TestWithdrawnToolIsDeniedToEveryone(t *testing.T) {
	e, _ := Open(nil)
	mustCreate(t, e, Rule{Principal: "admin", Effect: Allow, Priority: 1000})
	if _, err := e.Withdraw("fs", "write_file", "admin", "under review"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Withdraw("fs", "write_file", "admin", ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("withdrawn twice: %v", err)
	}
	d := e.Decide(Caller{Principal: "admin", Roles: []string{"admin"}}, "fs", "write_file")
	if d.Allowed || !d.Withdrawn || !strings.Contains(d.Reason, "under review") {
		t.Fatalf("withdrawn: %+v", d)
	}
	if _, err := e.Restore("fs", "write_file"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Restore("fs", "write_file"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("restored twice: %v", err)
	}
	if d := e.Decide(Caller{Principal: "x"}, "fs", "write_file"); !d.Allowed {
		t.Fatalf("restored: %+v", d)
	}
}

func TestSensitiveActionFromRuleOrSettings(t *testing.T) {
	e, _ := Open(nil)
	if d := e.Decide(Caller{Principal: "x"}, "s", "t"); d.Sensitive != SensitiveFlag {
		t.Fatalf("default: %+v", d)
	}
	if _, err := e.SetSettings(Settings{SensitiveAction: SensitiveBlock}); err != nil {
		t.Fatal(err)
	}
	if d := e.Decide(Caller{Principal: "x"}, "s", "t"); d.Sensitive != SensitiveBlock || e.MinSeverity() != "high" {
		t.Fatalf("settings: %+v %s", d, e.MinSeverity())
	}
	// A rule that says flag, though broader than the allow that decides,
	// still sets the action for the calls it matches.
	mustCreate(t, e, Rule{Server: "notes", Effect: Allow, Sensitive: SensitiveFlag})
	mustCreate(t, e, Rule{Principal: "x", Server: "notes", Tool: "save", Effect: Allow})
	if d := e.Decide(Caller{Principal: "x"}, "notes", "save"); !d.Allowed || d.Sensitive != SensitiveFlag {
		t.Fatalf("rule: %+v", d)
	}
}

func TestBadRulesAreRefusedNamingTheField(t *testing.T) {
	e, _ := Open(nil)
	for _, c := range []struct {
		r     Rule
		field string
	}{
		{Rule{Effect: "maybe"}, "effect"},
		{Rule{}, "effect"},
		{Rule{Server: "[abc", Effect: Deny}, "server"},
		{Rule{Principal: "role:", Effect: Deny}, "principal"},
		{Rule{Tool: strings.Repeat("x", 300), Effect: Deny}, "tool"},
		{Rule{Effect: Deny, Sensitive: "shout"}, "sensitive"},
		{Rule{Effect: Deny, Priority: 5000}, "priority"},
	} {
		_, err := e.Create(c.r, "t")
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.field+": ") {
			t.Errorf("%+v: %v", c.r, err)
		}
	}
	if _, err := e.SetSettings(Settings{SensitiveAction: "yell"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("settings: %v", err)
	}
	if _, err := e.SetSettings(Settings{SensitiveMinSeverity: "extreme"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("settings: %v", err)
	}
	if len(e.Rules()) != 0 {
		t.Fatalf("a refused rule was kept: %v", e.Rules())
	}
}

// Rules, withdrawals and settings survive a restart.
func TestPoliciesArePersisted(t *testing.T) {
	dir := t.TempDir()
	e, st := open(t, dir)
	r := mustCreate(t, e, Rule{Principal: "bot", Server: "fs", Tool: "*", Effect: Deny})
	up, err := e.Update(r.ID, Rule{Principal: "bot", Server: "fs", Tool: "write_*", Effect: Deny})
	if err != nil || up.CreatedAt != r.CreatedAt || up.Tool != "write_*" {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := e.Update("pol_nothing", Rule{Effect: Deny}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update unknown: %v", err)
	}
	gone := mustCreate(t, e, Rule{Effect: Deny, Server: "x"})
	if _, err := e.Delete(gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Withdraw("fs", "rm", "admin", "dangerous"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetSettings(Settings{SensitiveAction: SensitiveBlock, SensitiveMinSeverity: "medium"}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()
	e2, st2 := open(t, dir)
	defer st2.Close()
	rules := e2.Rules()
	if len(rules) != 1 || rules[0].Tool != "write_*" {
		t.Fatalf("rules after restart: %+v", rules)
	}
	if w := e2.Withdrawn(); len(w) != 1 || w[0].Reason != "dangerous" {
		t.Fatalf("withdrawn after restart: %+v", w)
	}
	if s := e2.Settings(); s.SensitiveAction != SensitiveBlock || s.SensitiveMinSeverity != "medium" {
		t.Fatalf("settings after restart: %+v", s)
	}
	if d := e2.Decide(Caller{Principal: "bot"}, "fs", "write_file"); d.Allowed {
		t.Fatalf("decision after restart: %+v", d)
	}
}
