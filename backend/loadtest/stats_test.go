package loadtest

import (
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func millis(ns ...int) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n) * time.Millisecond
	}
	return out
}

func TestPercentileIsNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	ten := millis(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, c := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"p50 of 1..100", hundred, 0.50, 50 * time.Millisecond},
		{"p90 of 1..100", hundred, 0.90, 90 * time.Millisecond},
		{"p99 of 1..100", hundred, 0.99, 99 * time.Millisecond},
		{"p100 of 1..100", hundred, 1, 100 * time.Millisecond},
		{"p50 of 1..10", ten, 0.50, 5 * time.Millisecond},
		{"p90 of 1..10", ten, 0.90, 9 * time.Millisecond},
		// 0.99 of 10 calls is 9.9: the 10th is the first with 99% at or below it.
		{"p99 of 1..10", ten, 0.99, 10 * time.Millisecond},
		{"p50 of one", millis(7), 0.50, 7 * time.Millisecond},
		{"p99 of one", millis(7), 0.99, 7 * time.Millisecond},
		{"p50 of two", millis(1, 2), 0.50, 1 * time.Millisecond},
		{"empty", nil, 0.5, 0},
	} {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSummarizeSortsAndAverages(t *testing.T) {
	lat := millis(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	rand.Shuffle(len(lat), func(i, j int) { lat[i], lat[j] = lat[j], lat[i] })
	got := Summarize(lat)
	want := Latency{P50: 5 * time.Millisecond, P90: 9 * time.Millisecond, P99: 10 * time.Millisecond,
		Max: 10 * time.Millisecond, Mean: 5500 * time.Microsecond}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if (Summarize(nil) != Latency{}) {
		t.Fatal("no calls must give zero latencies")
	}
}

func TestResultCountsErrorsButTimesOnlySuccesses(t *testing.T) {
	var r Result
	// 4 successes and 2 failures in 2 s.
	r.fill(millis(4, 1, 3, 2), 2, "boom", 2*time.Second)
	if r.Calls != 6 || r.Errors != 2 || r.FirstError != "boom" {
		t.Fatalf("calls %d errors %d first %q", r.Calls, r.Errors, r.FirstError)
	}
	if r.Throughput != 2 {
		t.Fatalf("throughput %v, want 2 successful calls/s", r.Throughput)
	}
	if r.P50Ms != 2 || r.P90Ms != 4 || r.P99Ms != 4 || r.MaxMs != 4 || r.MeanMs != 2.5 || r.Seconds != 2 {
		t.Fatalf("latencies %+v", r)
	}
	if v := cpuPercent(1500*time.Millisecond, 3*time.Second); v == nil || *v != 50 {
		t.Fatalf("1.5 s of CPU in 3 s is 50%% of a core, got %v", v)
	}
}

func sampleReport() *Report {
	rss := 30.0
	cpu := 80.0
	return &Report{Upstream: "testserver-stdio", Tool: "echo", Results: []Result{
		{Mode: "gateway-http", Sessions: 1, Calls: 100, Throughput: 1000, P50Ms: 0.8, P90Ms: 1, P99Ms: 3, MaxMs: 9, GatewayCPUPct: &cpu, GatewayRSSPeakMB: &rss},
		{Mode: "direct", Sessions: 1, Calls: 100, Throughput: 4000, P50Ms: 0.2, P90Ms: 0.4, P99Ms: 1, MaxMs: 2},
		{Mode: "gateway-http", Sessions: 8, Calls: 100, Errors: 3, FirstError: "tool error: boom", Throughput: 3000, P50Ms: 2, P90Ms: 4, P99Ms: 8, MaxMs: 20},
		{Mode: "direct", Sessions: 8, Calls: 100, Throughput: 5000, P50Ms: 1, P90Ms: 2, P99Ms: 5, MaxMs: 6},
		{Mode: "direct-each", Sessions: 8, Calls: 100, Throughput: 2000, P50Ms: 3, P90Ms: 6, P99Ms: 12, MaxMs: 30},
	}}
}

func TestCompareSetsGatewayAgainstDirectAtEachLevel(t *testing.T) {
	r := sampleReport()
	r.Compare()
	// direct-each ran at 8 sessions only, so it is the baseline there only.
	if len(r.Comparisons) != 3 {
		t.Fatalf("comparisons: %+v", r.Comparisons)
	}
	one, eight, eachEight := r.Comparisons[0], r.Comparisons[1], r.Comparisons[2]
	if one.Baseline != "direct" || one.Sessions != 1 || one.ThroughputPct != 25 || !near(one.AddedP50Ms, 0.6) || !near(one.AddedP99Ms, 2) {
		t.Errorf("1 session: %+v", one)
	}
	if eight.Baseline != "direct" || eight.Sessions != 8 || eight.ThroughputPct != 60 || !near(eight.AddedP50Ms, 1) || !near(eight.AddedP99Ms, 3) {
		t.Errorf("8 sessions: %+v", eight)
	}
	if eachEight.Baseline != "direct-each" || eachEight.Sessions != 8 || eachEight.ThroughputPct != 150 ||
		!near(eachEight.AddedP50Ms, -1) || !near(eachEight.AddedP99Ms, -4) {
		t.Errorf("8 sessions against direct-each: %+v", eachEight)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestTableShowsEveryRowAndTheFirstErrors(t *testing.T) {
	r := sampleReport()
	r.Compare()
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	// Header and five rows, then a blank line, the comparisons and the
	// error line.
	for i, want := range []string{
		"mode sessions calls calls/s p50 ms p90 ms p99 ms max ms errors gw CPU% gw RSS MB upstream CPU% bridges CPU% client CPU%",
		"gateway-http 1 100 1000 0.800 1.000 3.000 9.000 0 80 30.0 - - 0",
		"direct 1 100 4000 0.200 0.400 1.000 2.000 0 - - - - 0",
		"gateway-http 8 100 3000 2.000 4.000 8.000 20.000 3 - - - - 0",
		"direct 8 100 5000 1.000 2.000 5.000 6.000 0 - - - - 0",
		"direct-each 8 100 2000 3.000 6.000 12.000 30.000 0 - - - - 0",
		"",
		"compared with sessions calls/s % of it added p50 ms added p99 ms",
		"gateway-http direct 1 25% +0.600 +2.000",
		"gateway-http direct 8 60% +1.000 +3.000",
		"gateway-http direct-each 8 150% -1.000 -4.000",
		"gateway-http, 8 sessions: 3 errors, the first: tool error: boom",
	} {
		if got := strings.Join(strings.Fields(lines[i]), " "); got != want {
			t.Errorf("line %d: got %q, want %q", i, got, want)
		}
	}
	for i := 1; i < 6; i++ {
		if len(lines[i]) != len(lines[0]) {
			t.Errorf("rows are not aligned:\n%s", out)
			break
		}
	}
}

func TestPlotIsAPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latency.png")
	if err := sampleReport().WritePlot(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 300 {
		t.Fatalf("plot is only %v", b)
	}
}
