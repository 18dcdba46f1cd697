package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"switchboard/backend/config"
)

// BenchmarkListServers measures GET /api/v1/servers over TCP with the key,
// against a core running 100 real stdio servers, and reports the p50 and
// p99 of the round trip.
func BenchmarkListServers(b *testing.B) {
	servers := map[string]*config.Server{}
	for i := range 100 {
		servers[fmt.Sprintf("s%03d", i)] = stdioServer(b)
	}
	h := newHarness(b, servers)
	// Paced under the API's per-caller rate limit (api.DefaultRatePerSecond),
	// which would answer a tight loop with 429.
	tick := time.NewTicker(time.Second / 150)
	defer tick.Stop()
	var took []time.Duration
	for b.Loop() {
		<-tick.C
		start := time.Now()
		r := h.req("GET", "/api/v1/servers", nil)
		took = append(took, time.Since(start))
		if r.Status != http.StatusOK {
			b.Fatalf("status %d", r.Status)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}
