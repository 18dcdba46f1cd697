package faults

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/loadtest"
)

// Many sessions over many upstreams, each session calling at a steady rate
// (open loop): every call succeeds, every call is recorded (none dropped),
// and once the sessions have closed the gateway's goroutines and live heap
// are back at their level from before the sessions opened: nothing leaks
// per call or per session.
//
// The short version (`make test`): 10 upstreams, 100 sessions at 10 calls/s
// each, 6,000 calls. The soak (`make soak`, SB_SOAK=1): 100 upstreams, 1,000
// sessions at 1 call/s each, 100,000 calls. Latency is logged, not
// asserted: it is a benchmark figure (docs/benchmarks.md), and this
// machine's other load moves it.
func TestSoakManySessionsOverManyUpstreams(t *testing.T) {
	upstreams, sessions, rate, calls := 10, 100, 10.0, 6000
	if soak() {
		upstreams, sessions, rate, calls = 100, 1000, 1.0, 100000
	}
	servers := map[string]*config.Server{}
	var tools []string
	for i := range upstreams {
		name := fmt.Sprintf("up%03d", i)
		servers[name] = testServer(t, nil)
		tools = append(tools, name+"__echo")
	}
	g := startGateway(t, "", servers)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := g.sb.WaitTool(ctx, tools...); err != nil {
		t.Fatal(err)
	}
	metrics := loadtest.MetricsURL(g.sb.URL)

	// The baseline is taken after a first, small round, so that what is
	// built once and kept (connection pools, the store's memtable, the
	// runtime's own structures) is in it.
	settle := func(what string) (goroutines int, live int64) {
		t.Helper()
		res, err := loadtest.Run(ctx, loadtest.Spec{Mode: what, Target: loadtest.HTTPTarget{URL: g.sb.URL},
			Sessions: 1, Tools: tools, Args: map[string]any{"text": "settle"}, Calls: 3000})
		if err != nil || res.Errors > 0 {
			t.Fatalf("%s: %v %+v", what, err, res)
		}
		return g.goroutines(), liveHeapOf(t, metrics)
	}
	settle("warm-up")
	g0, live0 := settle("baseline")
	rss0 := g.rss()

	res, err := loadtest.Run(ctx, loadtest.Spec{
		Mode: "soak", Target: loadtest.HTTPTarget{URL: g.sb.URL}, Sessions: sessions, Tools: tools,
		Args: map[string]any{"text": "soak"}, Rate: rate, Calls: calls, Warmup: sessions,
		Timeout: 30 * time.Second, GatewayPID: g.pid(), MetricsURL: metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d sessions at %g calls/s over %d upstreams: %d calls in %.1f s, %d errors; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms; gateway CPU %s%%, RSS %s MB peak",
		sessions, rate, upstreams, res.Calls, res.Seconds, res.Errors, res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs,
		fmtOpt(res.GatewayCPUPct), fmtOpt(res.GatewayRSSPeakMB))
	if res.Errors > 0 || res.WarmupErrors > 0 {
		t.Errorf("%d calls failed (%d in the warm-up), the first: %s", res.Errors, res.WarmupErrors, res.FirstError)
	}
	if res.Calls != calls {
		t.Errorf("%d calls made, want %d", res.Calls, calls)
	}

	// The live heap is read at the runtime's last collection, which may
	// have caught a burst of short-lived garbage in flight; a leak stays in
	// every reading, so up to three are taken and the least one counts.
	bound := live0 + live0/4 + 8<<20
	g1, live1 := settle("after")
	for i := 0; i < 2 && live1 > bound; i++ {
		var again int64
		if g1, again = settle("after, again"); again < live1 {
			live1 = again
		}
	}
	rss1 := g.rss()
	t.Logf("gateway goroutines %d before, %s at the peak, %d after; live heap %.1f MB before, %.1f MB after; RSS %d MB before, %d MB after",
		g0, fmtOptInt(res.GoroutinesPeak), g1, float64(live0)/(1<<20), float64(live1)/(1<<20), rss0>>20, rss1>>20)
	if g1 > g0+10 {
		t.Errorf("goroutines did not come back: %d before the sessions, %d after they closed", g0, g1)
	}
	// A leak of even 100 bytes a call would be 10 MB over the soak; the
	// slack covers the runtime's and the store's fixed-size buffers.
	if live1 > bound {
		t.Errorf("live heap did not come back: %.1f MB before the sessions, %.1f MB after they closed", float64(live0)/(1<<20), float64(live1)/(1<<20))
	}
	// Every call was recorded: the store dropped none.
	code, body, err := g.api("GET", "/api/v1/system/diagnostics", nil)
	if err != nil || code != 200 {
		t.Fatalf("diagnostics: %d %s %v", code, body, err)
	}
	if m := regexp.MustCompile(`"dropped_records":\s*(\d+)`).FindSubmatch(body); m == nil {
		t.Errorf("diagnostics do not report dropped_records: %.300s", body)
	} else if n, _ := strconv.Atoi(string(m[1])); n != 0 {
		t.Errorf("the store dropped %d activity records", n)
	}
}

// liveHeapOf estimates the gateway's live heap: the heap goal the runtime
// set at its last collection is the live heap then times 1 + GOGC/100
// (GOGC is 100 unless set).
func liveHeapOf(t testing.TB, metrics string) int64 {
	t.Helper()
	goal, err := loadtest.Metric(metrics, "go_memstats_next_gc_bytes")
	if err != nil {
		t.Fatal(err)
	}
	gogc, err := loadtest.Metric(metrics, "go_gc_gogc_percent")
	if err != nil || gogc <= 0 {
		gogc = 100
	}
	return int64(goal / (1 + gogc/100))
}

func fmtOpt(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func fmtOptInt(v *int) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(*v)
}
