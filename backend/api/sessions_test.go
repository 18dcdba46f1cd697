package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/events"
	"switchboard/backend/testdeps"
)

type sessionView struct {
	ID              string    `json:"id"`
	Endpoint        string    `json:"endpoint"`
	ClientName      string    `json:"client_name"`
	ClientVersion   string    `json:"client_version"`
	ProtocolVersion string    `json:"protocol_version"`
	Transport       string    `json:"transport"`
	Started         time.Time `json:"started"`
	LastActivity    time.Time `json:"last_activity"`
	Calls           int64     `json:"calls"`
	Suspended       bool      `json:"suspended"`
}

type sessionListView struct {
	Sessions []sessionView `json:"sessions"`
	Total    int           `json:"total"`
}

func apiSessions(t *testing.T, h *harness) []sessionView {
	t.Helper()
	var l sessionListView
	r := h.req("GET", "/api/v1/sessions", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /sessions: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &l)
	if l.Total != len(l.Sessions) {
		t.Fatalf("total %d for %d sessions", l.Total, len(l.Sessions))
	}
	return l.Sessions
}

func apiSession(t *testing.T, h *harness, id string) sessionView {
	t.Helper()
	var s sessionView
	r := h.req("GET", "/api/v1/sessions/"+id, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /sessions/%s: %d %s", id, r.Status, r.Body)
	}
	r.JSON(t, &s)
	return s
}

func TestSessionsListEveryClientWithItsCalls(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	if got := apiSessions(t, h); len(got) != 0 {
		t.Fatalf("sessions before any client: %+v", got)
	}
	before := time.Now().Add(-time.Second)
	agg := mcpClientFor(t, h, "/mcp", "cursor-test")
	single := mcpClientFor(t, h, "/mcp/servers/alpha", "vscode-test")
	testdeps.Eventually(t, 10*time.Second, "both sessions are listed", func() bool { return len(apiSessions(t, h)) == 2 })

	s := apiSession(t, h, agg.GetSessionId())
	if s.Endpoint != "/mcp" || s.ClientName != "cursor-test" || s.ClientVersion != "1" || s.ProtocolVersion == "" ||
		s.Transport != "streamable-http" || s.Started.Before(before) || s.Calls != 0 || s.Suspended {
		t.Fatalf("session of /mcp: %+v", s)
	}
	if s := apiSession(t, h, single.GetSessionId()); s.Endpoint != "/mcp/servers/alpha" || s.ClientName != "vscode-test" {
		t.Fatalf("session of /mcp/servers/alpha: %+v", s)
	}

	for range 2 {
		if _, err := callMCP(t, agg, "alpha__echo", map[string]any{"text": "x"}); err != nil {
			t.Fatal(err)
		}
	}
	after := apiSession(t, h, agg.GetSessionId())
	if after.Calls != 2 || !after.LastActivity.After(s.LastActivity) {
		t.Fatalf("after two calls: %+v (before: %+v)", after, s)
	}
	if got := apiSession(t, h, single.GetSessionId()).Calls; got != 0 {
		t.Fatalf("the other session counts %d calls", got)
	}
}

func TestSuspendedSessionsCallsAreRefusedUntilResumed(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := mcpClientFor(t, h, "/mcp", "suspend-test")
	other := mcpClientFor(t, h, "/mcp", "other-test")
	id := c.GetSessionId()
	testdeps.Eventually(t, 10*time.Second, "the session is listed", func() bool { return len(apiSessions(t, h)) == 2 })

	var s sessionView
	r := h.req("POST", "/api/v1/sessions/"+id+"/suspend", nil)
	r.JSON(t, &s)
	if r.Status != http.StatusOK || !s.Suspended || s.ID != id {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	_, err := callMCP(t, c, "alpha__echo", map[string]any{"text": "x"})
	if err == nil || !strings.Contains(err.Error(), "suspended in Switchboard") {
		t.Fatalf("a suspended session's call: %v", err)
	}
	// It may still list, and other sessions are not affected.
	if names := testdeps.ToolNames(t, c); len(names) == 0 {
		t.Fatal("a suspended session should still list tools")
	}
	if res, err := callMCP(t, other, "alpha__echo", map[string]any{"text": "x"}); err != nil || res.IsError {
		t.Fatalf("another session's call: %v %v", res, err)
	}

	r = h.req("POST", "/api/v1/sessions/"+id+"/resume", nil)
	r.JSON(t, &s)
	if r.Status != http.StatusOK || s.Suspended {
		t.Fatalf("resume: %d %s", r.Status, r.Body)
	}
	if res, err := callMCP(t, c, "alpha__echo", map[string]any{"text": "x"}); err != nil || res.IsError {
		t.Fatalf("after resume: %v %v", res, err)
	}
}

func TestEndedSessionIsGoneForItsClient(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	sub, _ := h.d.Events().Subscribe([]string{events.SessionStarted, events.SessionEnded}, 16, 0)
	defer sub.Close()
	c := mcpClientFor(t, h, "/mcp", "end-test")
	id := c.GetSessionId()
	testdeps.Eventually(t, 10*time.Second, "the session is listed", func() bool { return len(apiSessions(t, h)) == 1 })

	r := h.req("DELETE", "/api/v1/sessions/"+id, nil)
	if r.Status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/sessions/"+id, nil).envelope(t, http.StatusNotFound, "SessionNotFound")
	if got := apiSessions(t, h); len(got) != 0 {
		t.Fatalf("sessions after the end: %+v", got)
	}
	// The client's next request gets 404, as after its own DELETE.
	ping := `{"jsonrpc": "2.0", "id": 1, "method": "ping"}`
	r = h.send(h.tcp, "http://"+h.d.Addr(), "POST", "/mcp", ping,
		"Mcp-Session-Id: "+id, "Accept: application/json, text/event-stream")
	if r.Status != http.StatusNotFound {
		t.Fatalf("a request of the ended session: %d %s", r.Status, r.Body)
	}

	want := []string{events.SessionStarted, events.SessionEnded}
	for _, typ := range want {
		select {
		case ev := <-sub.C:
			data, _ := ev.Data.(map[string]any)
			if ev.Type != typ || data["session_id"] != id || data["client"] != "end-test" {
				t.Fatalf("want %s of %s, got %+v", typ, id, ev)
			}
			if typ == events.SessionEnded && data["reason"] != "ended in Switchboard" {
				t.Fatalf("the end should say who ended it: %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestSessionRoutesRefuseUnknownIdsAndNeedTheKey covers every sessions
// route: 404 for an unknown id, 401 without the key on TCP, 200 on the socket.
func TestSessionRoutesRefuseUnknownIdsAndNeedTheKey(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	for _, rt := range []struct{ method, suffix string }{
		{"GET", ""}, {"POST", "/suspend"}, {"POST", "/resume"}, {"DELETE", ""},
	} {
		h.req(rt.method, "/api/v1/sessions/sb-nope"+rt.suffix, nil).envelope(t, http.StatusNotFound, "SessionNotFound")
	}

	c := mcpClientFor(t, h, "/mcp", "auth-test")
	id := c.GetSessionId()
	testdeps.Eventually(t, 10*time.Second, "the session is listed", func() bool { return len(apiSessions(t, h)) == 1 })
	for _, rt := range []struct{ method, path string }{
		{"GET", "/api/v1/sessions"},
		{"GET", "/api/v1/sessions/" + id},
		{"POST", "/api/v1/sessions/" + id + "/suspend"},
		{"POST", "/api/v1/sessions/" + id + "/resume"},
	} {
		h.anon(rt.method, rt.path, nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
		if r := h.sock(rt.method, rt.path, nil); r.Status != http.StatusOK {
			t.Errorf("%s %s on the socket: %d %s", rt.method, rt.path, r.Status, r.Body)
		}
	}
	h.anon("DELETE", "/api/v1/sessions/"+id, nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
	if r := h.sock("DELETE", "/api/v1/sessions/"+id, nil); r.Status != http.StatusNoContent {
		t.Errorf("DELETE on the socket: %d %s", r.Status, r.Body)
	}
}
