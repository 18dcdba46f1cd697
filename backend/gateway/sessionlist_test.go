package gateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/testdeps"
)

// The gateway keeps its session list without an event bus too.
func TestSessionListSuspendAndEndWithoutEvents(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp/servers/alpha")
	id := c.GetSessionId()
	testdeps.Eventually(t, 10*time.Second, "the session is listed", func() bool { return len(h.gw.ListSessions()) == 1 })
	s, err := h.gw.Session(id)
	if err != nil || s.Endpoint != "/mcp/servers/alpha" || s.ClientName != "gateway-test" {
		t.Fatalf("session: %+v %v", s, err)
	}

	if _, err := h.gw.SuspendSession(id, true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "echo"
	req.Params.Arguments = map[string]any{"text": "x"}
	if _, err := c.CallTool(ctx, req); err == nil || !strings.Contains(err.Error(), "suspended in Switchboard") {
		t.Fatalf("a suspended session's call on a single-server endpoint: %v", err)
	}
	if _, err := h.gw.SuspendSession(id, false); err != nil {
		t.Fatal(err)
	}
	if res := callTool(t, c, "echo", map[string]any{"text": "x"}); res.IsError {
		t.Fatalf("after resume: %s", resultText(res))
	}

	if err := h.gw.EndSession(ctx, id, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.gw.Session(id); !errors.Is(err, gateway.ErrNoSession) {
		t.Fatalf("an ended session: %v", err)
	}
	if h.gw.Sessions() != 0 {
		t.Fatalf("session count after the end: %d", h.gw.Sessions())
	}
	if err := h.gw.EndSession(ctx, id, "test"); !errors.Is(err, gateway.ErrNoSession) {
		t.Fatalf("ending it twice: %v", err)
	}
}

// A disabled tool is refused by name on a single-server endpoint as well.
func TestDisabledToolIsRefusedOnTheServersOwnEndpoint(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t, func(s *config.Server) {
		s.DisabledTools = []string{"echo"}
	})})
	c := h.connect("/mcp/servers/alpha")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "echo"
	_, err := c.CallTool(ctx, req)
	if err == nil || !strings.Contains(err.Error(), `tool "echo" is disabled`) {
		t.Fatalf("call of a disabled tool: %v", err)
	}
	req.Params.Name = "no_such_tool"
	if _, err := c.CallTool(ctx, req); err == nil || strings.Contains(err.Error(), "disabled") {
		t.Fatalf("an unknown tool is not a disabled one: %v", err)
	}
}
