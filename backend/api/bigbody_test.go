package api_test

import (
	"strings"
	"testing"

	"switchboard/backend/config"
	"switchboard/backend/policy"
)

// While a policy is in force the MCP guard reads tools/call bodies to find
// the tools called; a call larger than the API's own body limit must still
// reach the server whole.
func TestLargeToolCallPassesThePolicyCheckWhole(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	h.createPolicy(t, policy.Rule{Principal: "somebody-else", Server: "alpha", Tool: "pid", Effect: policy.Deny})
	c := h.mcpClient()
	big := strings.Repeat("0123456789", 600_000) // 6 MB, over the API's 4 MiB
	res := h.callTool(c, "alpha__echo", map[string]any{"text": big})
	if res.IsError || text(res) != big {
		t.Fatalf("echo of a 6 MB text came back as %d bytes (isError=%v)", len(text(res)), res.IsError)
	}
}
