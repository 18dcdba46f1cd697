package cli_test

import (
	"strings"
	"testing"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

func TestPolicyAndSecurityCommands(t *testing.T) {
	home := startCore(t, map[string]*config.Server{"alpha": {Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}})
	if out := mustRun(t, home, "policies", "list"); !strings.Contains(out, "No rules") || !strings.Contains(out, "flag (from severity high)") {
		t.Fatalf("empty list:\n%s", out)
	}
	out := mustRun(t, home, "policies", "add", "deny", "--principal", "local-user", "--server", "alpha", "--tool", "ech*", "--description", "not from the CLI")
	if !strings.Contains(out, "Added pol_") {
		t.Fatalf("add:\n%s", out)
	}
	id := strings.Fields(strings.TrimPrefix(out, "Added "))[0]
	id = strings.TrimSuffix(id, ":")
	if out := mustRun(t, home, "policies", "list"); !strings.Contains(out, id) || !strings.Contains(out, "ech*") {
		t.Fatalf("list:\n%s", out)
	}
	if out := mustRun(t, home, "policies", "check", "local-user", "alpha", "echo"); !strings.HasPrefix(out, "denied:") || !strings.Contains(out, id) {
		t.Fatalf("check:\n%s", out)
	}
	// The CLI is the socket's owner: its test call is refused by the rule.
	_, errOut, err := run(home, nil, "tools", "call", "alpha", "echo", "--arg", "text=hi")
	if err == nil || !strings.Contains(err.Error()+errOut, "not from the CLI") {
		t.Fatalf("a denied call went through: %v %s", err, errOut)
	}
	if out := mustRun(t, home, "security", "events", "--type", "policy.denied"); !strings.Contains(out, "local-user") || !strings.Contains(out, "warning") {
		t.Fatalf("security events:\n%s", out)
	}
	if out := mustRun(t, home, "security", "events", "--level", "critical"); !strings.Contains(out, "No security events") {
		t.Fatalf("critical events:\n%s", out)
	}
	if _, _, err := run(home, nil, "security", "events", "--level", "dire"); err == nil || !strings.Contains(err.Error(), "level") {
		t.Fatalf("bad level: %v", err)
	}
	mustRun(t, home, "policies", "delete", id)
	mustRun(t, home, "policies", "withdraw", "alpha", "pid", "--reason", "audit")
	if out := mustRun(t, home, "policies", "list"); !strings.Contains(out, "Withdrawn tools") || !strings.Contains(out, "audit") {
		t.Fatalf("withdrawn:\n%s", out)
	}
	mustRun(t, home, "policies", "restore", "alpha", "pid")
	if out := mustRun(t, home, "policies", "settings", "--sensitive", "block"); !strings.Contains(out, "block (from severity high)") {
		t.Fatalf("settings:\n%s", out)
	}
	if _, _, err := run(home, nil, "policies", "add", "maybe"); err == nil || !strings.Contains(err.Error(), "effect") {
		t.Fatalf("bad effect: %v", err)
	}
}
