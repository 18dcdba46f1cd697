package daemon_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/daemon"
	"switchboard/backend/testdeps"
)

// approve approves a server a test added after start-up, as a person would
// in Switchboard (a server added later is quarantined until then).
func approve(t *testing.T, d *daemon.Daemon, name string) {
	t.Helper()
	// A person approves what they have seen: wait until the server's tools
	// are listed.
	testdeps.Eventually(t, 10*time.Second, name+" configured and its tools listed", func() bool {
		u := d.Gateway().Server(name)
		return u != nil && len(u.Catalog().Tools) > 0
	})
	u := d.Gateway().Server(name)
	if _, err := d.Trust().ApproveServer(name, u.Config(), u.Catalog().Tools, "test", "", false); err != nil {
		t.Fatal(err)
	}
}

func TestServerAddedByAConfigEditIsQuarantinedAndItsApprovalOutlivesARestart(t *testing.T) {
	home := t.TempDir()
	d := start(t, home)
	c := connect(t, d)
	writeConfig(t, filepath.Join(home, "config.json"), map[string]any{
		"alpha": map[string]any{"command": testdeps.TestServerBinary(t)},
	})
	testdeps.Eventually(t, 5*time.Second, "alpha running", func() bool {
		u := d.Gateway().Server("alpha")
		return u != nil && len(u.Catalog().Tools) > 0
	})
	d.Gateway().WaitReady(context.Background())
	if names := testdeps.ToolNames(t, c); slices.Contains(names, "alpha__echo") {
		t.Fatalf("a server added by a config edit reaches clients before approval: %v", names)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "alpha__echo"
	if _, err := c.CallTool(ctx, req); err == nil || !strings.Contains(err.Error(), "awaits approval in Switchboard") {
		t.Fatalf("a call to the quarantined server was not refused as awaiting approval: %v", err)
	}

	approve(t, d, "alpha")
	if !slices.Contains(testdeps.ToolNames(t, c), "alpha__echo") {
		t.Fatal("the approved server's tools are not listed")
	}
	d.Close()

	d2 := start(t, home)
	d2.Gateway().WaitReady(context.Background())
	if !slices.Contains(testdeps.ToolNames(t, connect(t, d2)), "alpha__echo") {
		t.Fatal("the approval was lost across a restart")
	}
}
