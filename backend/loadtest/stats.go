package loadtest

import (
	"math"
	"slices"
	"time"
)

// Latency summarises the latencies of the calls of one measured window.
type Latency struct {
	P50, P90, P99, Max, Mean time.Duration
}

// Percentile is the nearest-rank percentile of sorted latencies: the
// smallest one such that at least p (0 < p <= 1) of all are at or below
// it. Of 1..100 ms, p 0.5 is 50 ms and p 0.99 is 99 ms. Zero when empty.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The rank is computed in integer hundredths of a percent, so that
	// 0.99 of 100 is rank 99 and not 100 through a rounding error.
	rank := (int64(p*10000+0.5)*int64(len(sorted)) + 9999) / 10000
	rank = min(max(rank, 1), int64(len(sorted)))
	return sorted[rank-1]
}

// Summarize sorts latencies in place and summarises them.
func Summarize(latencies []time.Duration) Latency {
	if len(latencies) == 0 {
		return Latency{}
	}
	slices.Sort(latencies)
	var sum time.Duration
	for _, d := range latencies {
		sum += d
	}
	return Latency{
		P50:  Percentile(latencies, 0.50),
		P90:  Percentile(latencies, 0.90),
		P99:  Percentile(latencies, 0.99),
		Max:  latencies[len(latencies)-1],
		Mean: sum / time.Duration(len(latencies)),
	}
}

// Result holds the figures of one mode at one concurrency level. Latencies
// are of the calls that succeeded; calls and errors count every measured
// call. CPU figures are a percentage of one core over the measured window
// (200 means two cores busy); nil where not measured.
type Result struct {
	Mode       string  `json:"mode"`
	Sessions   int     `json:"sessions"`
	Calls      int     `json:"calls"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"calls_per_s"` // successful calls per second
	P50Ms      float64 `json:"p50_ms"`
	P90Ms      float64 `json:"p90_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	MeanMs     float64 `json:"mean_ms"`

	// WarmupErrors counts failed warm-up calls, which are not in Calls.
	WarmupErrors int `json:"warmup_errors,omitempty"`
	// Rate is the calls per second each session was asked to make (open
	// loop); 0 for a closed loop.
	Rate float64 `json:"rate_per_session,omitempty"`

	// The Switchboard process (gateway modes only).
	GatewayCPUPct    *float64 `json:"gateway_cpu_pct,omitempty"`
	GatewayRSSPeakMB *float64 `json:"gateway_rss_peak_mb,omitempty"` // VmRSS sampled every 100 ms
	// Its VmRSS before the sessions opened and once they have closed.
	GatewayRSSBeforeMB *float64 `json:"gateway_rss_before_mb,omitempty"`
	GatewayRSSAfterMB  *float64 `json:"gateway_rss_after_mb,omitempty"`
	// The gateway's goroutines (go_goroutines of its /metrics): before the
	// sessions opened, the peak during the measured window (read every
	// second), and after the sessions closed.
	GoroutinesBefore *int `json:"gateway_goroutines_before,omitempty"`
	GoroutinesPeak   *int `json:"gateway_goroutines_peak,omitempty"`
	GoroutinesAfter  *int `json:"gateway_goroutines_after,omitempty"`
	// The upstream server's processes.
	UpstreamCPUPct *float64 `json:"upstream_cpu_pct,omitempty"`
	// The `switchboard stdio` bridges together (gateway-stdio only).
	BridgesCPUPct *float64 `json:"bridges_cpu_pct,omitempty"`
	// The load tool itself: when it nears the cores there are, the client
	// is what limits the figures.
	ClientCPUPct float64 `json:"client_cpu_pct"`
}

// fill sets the call figures of r from a measured window.
func (r *Result) fill(latencies []time.Duration, errors int, firstError string, elapsed time.Duration) {
	l := Summarize(latencies)
	r.Calls = len(latencies) + errors
	r.Errors = errors
	r.FirstError = firstError
	r.Seconds = round(elapsed.Seconds(), 3)
	if elapsed > 0 {
		r.Throughput = round(float64(len(latencies))/elapsed.Seconds(), 1)
	}
	r.P50Ms, r.P90Ms, r.P99Ms = ms(l.P50), ms(l.P90), ms(l.P99)
	r.MaxMs, r.MeanMs = ms(l.Max), ms(l.Mean)
}

// ms is a duration in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

// round keeps digits decimals, so the JSON shows no false precision.
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// cpuPercent is CPU time as a percentage of one core over wall time.
func cpuPercent(cpu, wall time.Duration) *float64 {
	if wall <= 0 {
		return nil
	}
	v := round(100*cpu.Seconds()/wall.Seconds(), 1)
	return &v
}
