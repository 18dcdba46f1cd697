package cli_test

import (
	"strings"
	"testing"
	"time"

	"switchboard/backend/testdeps"
)

func TestQuarantineCommandsApproveAndAudit(t *testing.T) {
	home := startCore(t, nil)
	mustRun(t, home, "servers", "add", "newbie", "--", testdeps.TestServerBinary(t), "--transport", "stdio")
	testdeps.Eventually(t, 10*time.Second, "newbie listed as pending", func() bool {
		out := mustRun(t, home, "quarantine", "list")
		return strings.Contains(out, "newbie") && strings.Contains(out, "pending") && !strings.Contains(out, "(0 tools)")
	})
	mustRun(t, home, "quarantine", "approve", "newbie", "--note", "checked by hand")
	if out := mustRun(t, home, "quarantine", "list"); !strings.Contains(out, "Nothing awaits approval") {
		t.Fatalf("still pending after approval:\n%s", out)
	}
	mustRun(t, home, "quarantine", "reject", "newbie", "sleep", "--reason", "not needed")
	if out := mustRun(t, home, "quarantine", "show", "newbie", "sleep"); !strings.Contains(out, "rejected") {
		t.Fatalf("show:\n%s", out)
	}
	out := mustRun(t, home, "quarantine", "audit", "--server", "newbie")
	if !strings.Contains(out, "quarantine.server.approved") || !strings.Contains(out, "checked by hand") ||
		!strings.Contains(out, "quarantine.tool.rejected") {
		t.Fatalf("audit:\n%s", out)
	}
}
