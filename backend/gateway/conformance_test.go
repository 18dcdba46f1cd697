package gateway_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// TestConformance runs the official MCP conformance suite (server mode,
// every active scenario) against /mcp/servers/conf, where conf is our Go
// test server over stdio behind the gateway. The script also asks the
// server how often each scenario tool ran, so a scenario cannot pass on a
// "tool not found" error.
func TestConformance(t *testing.T) {
	node22 := testdeps.Node22(t)
	deps := testdeps.Dir(t)
	testdeps.ConformanceDir(t)
	h := newHarness(t, map[string]*config.Server{"conf": stdioServer(t)})

	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "conformance.sh")
	cmd := exec.Command("bash", script, h.url("/mcp/servers/conf"))
	cmd.Env = append(os.Environ(), "NODE22="+node22, "CONFORMANCE_DIR="+deps, "CALLS_TOOL=calls")
	out, err := cmd.CombinedOutput()
	t.Logf("conformance suite:\n%s", out)
	if err != nil {
		t.Fatalf("conformance suite failed through the gateway: %v", err)
	}
}
