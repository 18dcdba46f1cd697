package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// metricsClient keeps no connection open between scrapes, so that reading
// a gateway's goroutines does not itself leave one (a kept-alive
// connection is a goroutine in the gateway) in the count.
var metricsClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// Metric reads one unlabelled series of a Prometheus text endpoint, such
// as go_goroutines of Switchboard's /metrics.
func Metric(url, name string) (float64, error) {
	resp, err := metricsClient.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		return strconv.ParseFloat(strings.TrimSpace(v), 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s has no %s", url, name)
}

// Goroutines is the go_goroutines of a Go program's /metrics.
func Goroutines(url string) (int, error) {
	v, err := Metric(url, "go_goroutines")
	return int(v), err
}

// MetricsURL is the /metrics of the Switchboard whose /mcp is mcpURL.
func MetricsURL(mcpURL string) string {
	return strings.TrimSuffix(mcpURL, "/mcp") + "/metrics"
}

// settledGoroutines reads the goroutines until they are at most target
// (plus a few for the scrape itself), or until d has passed, and returns
// the last count.
func settledGoroutines(ctx context.Context, url string, target int, d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for {
		n, err := Goroutines(url)
		if err != nil || n <= target+2 || time.Now().After(deadline) {
			return n, err
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
