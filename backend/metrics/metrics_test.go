package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/metrics"
	"switchboard/backend/store"
	"switchboard/backend/testdeps"
	"switchboard/backend/upstream"
)

// stored is a recorder standing where the store stands, to see that the
// tee passes every record on.
type stored struct{ got chan store.ActivityRecord }

func (s stored) Record(r store.ActivityRecord) { s.got <- r }

// setup runs a real gateway with our test server as "echo", its calls
// recorded through the metrics.
func setup(t *testing.T) (*metrics.Metrics, *gateway.Gateway, stored) {
	t.Helper()
	m := metrics.New("v0.0.0-test")
	next := stored{got: make(chan store.ActivityRecord, 100)}
	gw := gateway.New(gateway.Options{Logger: slog.New(slog.DiscardHandler), Recorder: m.Tee(next)})
	t.Cleanup(gw.Close)
	m.Track(gw)
	srv := &config.Server{Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}
	off := false
	gw.Apply(&config.Config{Servers: map[string]*config.Server{
		"echo": srv,
		"off":  {Command: "true", Enabled: &off},
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)
	return m, gw, next
}

func call(t *testing.T, gw *gateway.Gateway, tool string, args any) {
	t.Helper()
	raw, _ := json.Marshal(args)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := gw.CallTool(ctx, "echo", tool, raw); err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
}

// sample finds a metric by name and labels in a fresh gathering.
func sample(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) (*dto.Metric, bool) {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, mt := range f.GetMetric() {
			have := map[string]string{}
			for _, lp := range mt.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			return mt, true
		}
	}
	return nil, false
}

func value(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	mt, ok := sample(t, m, name, labels)
	if !ok {
		t.Fatalf("no %s%v", name, labels)
	}
	switch {
	case mt.Counter != nil:
		return mt.Counter.GetValue()
	case mt.Gauge != nil:
		return mt.Gauge.GetValue()
	}
	t.Fatalf("%s is neither counter nor gauge", name)
	return 0
}

func TestCallsAreCountedTimedAndStillRecorded(t *testing.T) {
	m, gw, next := setup(t)
	call(t, gw, "echo", map[string]any{"text": "hi"})
	call(t, gw, "echo", map[string]any{"text": "again"})
	call(t, gw, "fail", map[string]any{"message": "no"})

	if got := value(t, m, "switchboard_tool_calls_total", map[string]string{"server": "echo", "tool": "echo", "outcome": "ok"}); got != 2 {
		t.Fatalf("ok calls of echo: %v", got)
	}
	if got := value(t, m, "switchboard_tool_calls_total", map[string]string{"server": "echo", "tool": "fail", "outcome": "error"}); got != 1 {
		t.Fatalf("failed calls of fail: %v", got)
	}
	h, ok := sample(t, m, "switchboard_tool_call_duration_seconds", map[string]string{"server": "echo", "tool": "echo"})
	if !ok || h.Histogram.GetSampleCount() != 2 || h.Histogram.GetSampleSum() <= 0 {
		t.Fatalf("duration histogram of echo: %v", h)
	}
	if calls, errs := m.Totals(); calls != 3 || errs != 1 {
		t.Fatalf("totals: %d calls, %d errors", calls, errs)
	}
	for i := 0; i < 3; i++ {
		select {
		case r := <-next.got:
			if r.Server != "echo" {
				t.Fatalf("record passed on: %+v", r)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of 3 records reached the store", i)
		}
	}
}

func TestUpstreamStatesRestartsAndToolsAreReadAtScrapeTime(t *testing.T) {
	m, gw, _ := setup(t)
	ready := map[string]string{"server": "echo", "state": "ready"}
	if got := value(t, m, "switchboard_upstream_state", ready); got != 1 {
		t.Fatalf("echo ready: %v", got)
	}
	if got := value(t, m, "switchboard_upstream_state", map[string]string{"server": "echo", "state": "dead"}); got != 0 {
		t.Fatalf("echo dead: %v", got)
	}
	if got := value(t, m, "switchboard_upstream_state", map[string]string{"server": "off", "state": "disabled"}); got != 1 {
		t.Fatalf("off disabled: %v", got)
	}
	exposed := value(t, m, "switchboard_tools_exposed", nil)
	if exposed < 5 || int(exposed) != gw.ExposedTools() {
		t.Fatalf("tools exposed: %v, gateway says %d", exposed, gw.ExposedTools())
	}
	if got := value(t, m, "switchboard_sessions_open", nil); got != 0 {
		t.Fatalf("sessions open: %v", got)
	}

	// A crash is followed by a restart, which the counter shows.
	raw, _ := json.Marshal(map[string]any{"code": 3})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = gw.CallTool(ctx, "echo", "crash", raw)
	testdeps.Eventually(t, 20*time.Second, "echo restarted and ready", func() bool {
		u := gw.Server("echo")
		return u.Status().Restarts >= 1 && u.State() == upstream.StateReady
	})
	if got := value(t, m, "switchboard_upstream_restarts_total", map[string]string{"server": "echo"}); got < 1 {
		t.Fatalf("restarts: %v", got)
	}
}

func TestTheHandlerServesTheTextFormatWithRuntimeMetrics(t *testing.T) {
	m, gw, _ := setup(t)
	call(t, gw, "echo", map[string]any{"text": "hi"})
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{
		`switchboard_tool_calls_total{outcome="ok",server="echo",tool="echo"} 1`,
		`switchboard_tool_call_duration_seconds_count{server="echo",tool="echo"} 1`,
		`switchboard_upstream_state{server="echo",state="ready"} 1`,
		`switchboard_build_info{`,
		"# TYPE switchboard_upstream_restarts_total counter",
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
