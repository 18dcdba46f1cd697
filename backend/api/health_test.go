package api_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

func healthOf(t *testing.T, r response) api.Health {
	t.Helper()
	var h api.Health
	r.JSON(t, &h)
	return h
}

func TestHealthProbesAndMetricsNeedNoKey(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"echo": stdioServer(t)})
	for _, send := range []struct {
		how string
		do  func(path string) response
	}{
		{"TCP without a key", func(p string) response { return h.anon("GET", p, nil) }},
		{"TCP with a wrong key", func(p string) response { return h.anon("GET", p, nil, "X-API-Key: wrong") }},
		{"socket", func(p string) response { return h.sock("GET", p, nil) }},
	} {
		live := send.do("/health/live")
		if live.Status != http.StatusOK || healthOf(t, live).Status != "ok" {
			t.Fatalf("%s: live %d %s", send.how, live.Status, live.Body)
		}
		started := send.do("/health/startup")
		if started.Status != http.StatusOK || healthOf(t, started).Status != "started" {
			t.Fatalf("%s: startup %d %s", send.how, started.Status, started.Body)
		}
		ready := send.do("/health/ready")
		rh := healthOf(t, ready)
		if ready.Status != http.StatusOK || rh.Status != "ready" || len(rh.Servers) != 1 ||
			rh.Servers[0].Name != "echo" || rh.Servers[0].State != "ready" || rh.Servers[0].Pending {
			t.Fatalf("%s: ready %d %s", send.how, ready.Status, ready.Body)
		}
		m := send.do("/metrics")
		if m.Status != http.StatusOK || !strings.HasPrefix(m.Header.Get("Content-Type"), "text/plain") ||
			!strings.Contains(string(m.Body), "switchboard_tools_exposed ") {
			t.Fatalf("%s: metrics %d %s", send.how, m.Status, m.Body)
		}
	}
}

// A server that joins while running and takes its time to start holds
// readiness back until its first attempt ends; failing does not.
func TestReadinessWaitsForTheFirstStartOfEachServer(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"echo": stdioServer(t)})
	// sleep never answers initialize, so its attempt ends at the connect timeout.
	slow := &config.Server{Command: "sleep", Args: []string{"60"}, ConnectTimeoutS: 2}
	if _, err := h.d.Config().Update(func(c *config.Config) error { c.Servers["slow"] = slow; return nil }); err != nil {
		t.Fatal(err)
	}
	var notReady string
	testdeps.Eventually(t, 5*time.Second, "not ready while slow starts", func() bool {
		r := h.anon("GET", "/health/ready", nil)
		if r.Status != http.StatusServiceUnavailable {
			return false
		}
		notReady = r.envelope(t, http.StatusServiceUnavailable, "NotReady")
		return true
	})
	if !strings.Contains(notReady, "slow") {
		t.Fatalf("the message should name the server waited for: %q", notReady)
	}

	var rh api.Health
	testdeps.Eventually(t, 15*time.Second, "ready once slow's first attempt failed", func() bool {
		r := h.anon("GET", "/health/ready", nil)
		rh = healthOf(t, r)
		return r.Status == http.StatusOK
	})
	for _, s := range rh.Servers {
		if s.Name == "slow" && (s.State == "ready" || s.Pending) {
			t.Fatalf("slow failed its first start: %+v", s)
		}
	}
}

func TestMetricsShowACallMadeThroughMCP(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"echo": stdioServer(t)})
	c := h.mcpClient()
	if got := text(h.callTool(c, "echo__echo", map[string]any{"text": "hi"})); got != "hi" {
		t.Fatalf("echo: %q", got)
	}
	if res := h.callTool(c, "echo__fail", map[string]any{"message": "no"}); !res.IsError {
		t.Fatal("fail did not fail")
	}
	r := h.anon("GET", "/metrics", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("metrics: %d %s", r.Status, r.Body)
	}
	body := string(r.Body)
	for _, want := range []string{
		`switchboard_tool_calls_total{outcome="ok",server="echo",tool="echo"} 1`,
		`switchboard_tool_calls_total{outcome="error",server="echo",tool="fail"} 1`,
		`switchboard_tool_call_duration_seconds_count{server="echo",tool="echo"} 1`,
		`switchboard_tool_call_duration_seconds_bucket{server="echo",tool="echo",le="+Inf"} 1`,
		`switchboard_upstream_state{server="echo",state="ready"} 1`,
		`switchboard_upstream_state{server="echo",state="dead"} 0`,
		`switchboard_upstream_restarts_total{server="echo"} 0`,
		"switchboard_sessions_open 1",
		`switchboard_build_info{goversion="`,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

// An API built without a metrics handler says so with the envelope.
func TestMetricsWithoutAHandlerIsNotFound(t *testing.T) {
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	s := api.New(api.Options{Config: config.NewManager(path, cfg, nil, nil)})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/metrics", nil))
	r := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	r.envelope(t, http.StatusNotFound, "MetricsDisabled")
}
