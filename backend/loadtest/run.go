// Package loadtest drives MCP servers with many concurrent client sessions
// and measures them: throughput, latency percentiles, errors, and the CPU
// and memory of the processes serving. cmd/switchboard-load is its command
// line; fault and soak tests reuse it.
package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// Spec is one measured run: one mode at one concurrency level.
type Spec struct {
	Mode     string // the label of the results, e.g. "gateway-http"
	Target   Target
	Sessions int
	Tool     string
	// Tools, when set, spreads the sessions over several tools (session i
	// calls Tools[i mod len]), e.g. the same tool on many upstreams; Tool
	// is then ignored.
	Tools []string
	Args  map[string]any
	// Rate > 0 makes the run open-loop: each session starts a call every
	// 1/Rate seconds (at a random phase, so sessions do not fire in step)
	// whether or not the last one was quick, and a call's latency counts
	// from when it was due, so time spent waiting behind a slow call is
	// not hidden. Rate 0 is closed-loop: each session calls again as soon
	// as its last call returns.
	Rate float64

	// The measured window lasts Duration, or until Calls calls (over all
	// sessions) are made when Calls > 0.
	Duration time.Duration
	Calls    int
	// Warmup calls are made first and left out of the figures: at least
	// one per session when > 0, so every connection is open.
	Warmup int
	// Timeout bounds each call (default 30 s).
	Timeout time.Duration

	// Processes to measure: the Switchboard process (0: none); the
	// upstream's processes, named when the window opens (nil: none); and
	// whether the sessions' own programs are `switchboard stdio` bridges.
	GatewayPID int
	Upstream   func(*Pool) []int
	Bridges    bool
	// MetricsURL is the gateway's Prometheus endpoint (/metrics): its
	// goroutines are read before the sessions open, during the window
	// (the peak) and after the sessions have closed; "" skips them.
	MetricsURL string
}

// Run opens the sessions, makes one probe call that must succeed (a wrong
// tool name or argument fails here rather than as thousands of errors),
// warms up, measures, and closes the sessions.
func Run(ctx context.Context, s Spec) (Result, error) {
	if s.Sessions < 1 {
		return Result{}, fmt.Errorf("sessions must be at least 1")
	}
	if s.Duration <= 0 && s.Calls <= 0 {
		return Result{}, fmt.Errorf("give a duration or a number of calls")
	}
	if s.Timeout <= 0 {
		s.Timeout = 30 * time.Second
	}
	tools := s.Tools
	if len(tools) == 0 {
		tools = []string{s.Tool}
	}
	res := Result{Mode: s.Mode, Sessions: s.Sessions, Rate: s.Rate}
	if s.MetricsURL != "" {
		if n, err := Goroutines(s.MetricsURL); err == nil {
			res.GoroutinesBefore = &n
		}
	}
	if s.GatewayPID > 0 {
		if v, err := ProcessMemory(s.GatewayPID, "VmRSS"); err == nil {
			mb := round(float64(v)/(1<<20), 1)
			res.GatewayRSSBeforeMB = &mb
		}
	}
	pool, err := s.Target.Open(ctx, s.Sessions)
	if err != nil {
		return Result{}, err
	}
	closed := false
	defer func() {
		if !closed {
			pool.Close()
		}
	}()

	reqs := make([]mcp.CallToolRequest, len(tools))
	for i, tool := range tools {
		reqs[i].Params.Name = tool
		reqs[i].Params.Arguments = s.Args
		if err := call(ctx, pool.Clients[i%len(pool.Clients)], reqs[i], s.Timeout); err != nil {
			return Result{}, fmt.Errorf("%s: first call of %s: %w", s.Mode, tool, err)
		}
	}

	if s.Warmup > 0 {
		per := (s.Warmup + s.Sessions - 1) / s.Sessions
		w := measure(ctx, pool.Clients, reqs, s.Timeout, 0, per*s.Sessions, 0)
		res.WarmupErrors = w.errors
	}

	var upstreamPIDs []int
	if s.Upstream != nil {
		upstreamPIDs = s.Upstream(pool)
	}
	mem := startRSSSampler(s.GatewayPID, s.MetricsURL)
	bridges0, upstream0, self0 := cpuOf(pool.PIDs), cpuOf(upstreamPIDs), SelfCPU()
	gateway0 := cpuOf(pidList(s.GatewayPID))

	w := measure(ctx, pool.Clients, reqs, s.Timeout, s.Duration, s.Calls, s.Rate)

	gateway1 := cpuOf(pidList(s.GatewayPID))
	bridges1, upstream1, self1 := cpuOf(pool.PIDs), cpuOf(upstreamPIDs), SelfCPU()
	peak, peakG := mem.stop()
	if s.MetricsURL != "" && peakG > 0 {
		res.GoroutinesPeak = &peakG
	}
	pool.Close()
	closed = true
	if s.MetricsURL != "" && res.GoroutinesBefore != nil {
		// Goroutines of closed sessions end a moment later; wait (a few
		// seconds at most) for the count to come back.
		n, err := settledGoroutines(ctx, s.MetricsURL, *res.GoroutinesBefore, 10*time.Second)
		if err == nil {
			res.GoroutinesAfter = &n
		}
	}
	if s.GatewayPID > 0 {
		if v, err := ProcessMemory(s.GatewayPID, "VmRSS"); err == nil {
			mb := round(float64(v)/(1<<20), 1)
			res.GatewayRSSAfterMB = &mb
		}
	}

	res.fill(w.latencies, w.errors, w.firstError, w.elapsed)
	if v := cpuPercent(self1-self0, w.elapsed); v != nil {
		res.ClientCPUPct = *v
	}
	if s.GatewayPID > 0 {
		res.GatewayCPUPct = cpuPercent(gateway1-gateway0, w.elapsed)
		if peak > 0 {
			mb := round(float64(peak)/(1<<20), 1)
			res.GatewayRSSPeakMB = &mb
		}
	}
	if len(upstreamPIDs) > 0 {
		res.UpstreamCPUPct = cpuPercent(upstream1-upstream0, w.elapsed)
	}
	if s.Bridges {
		res.BridgesCPUPct = cpuPercent(bridges1-bridges0, w.elapsed)
	}
	return res, nil
}

func pidList(pid int) []int {
	if pid > 0 {
		return []int{pid}
	}
	return nil
}

func call(ctx context.Context, c *client.Client, req mcp.CallToolRequest, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("tool error: %s", resultText(res))
	}
	return nil
}

func resultText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return "(no text)"
}

type window struct {
	latencies  []time.Duration
	errors     int
	firstError string
	elapsed    time.Duration
}

// measure makes calls from every client at once, for d or until calls calls
// are made in all (calls > 0). Client i calls reqs[i mod len(reqs)]. With
// rate 0 each client calls in a loop; with rate > 0 each starts a call
// every 1/rate seconds (open loop), latency counting from when the call
// was due.
func measure(ctx context.Context, clients []*client.Client, reqs []mcp.CallToolRequest, timeout, d time.Duration, calls int, rate float64) window {
	type worker struct {
		lat      []time.Duration
		errors   int
		firstErr string
		firstAt  time.Time
	}
	workers := make([]worker, len(clients))
	var left atomic.Int64
	left.Store(int64(calls))
	begin := make(chan struct{})
	var start time.Time
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	var wg sync.WaitGroup
	for i, c := range clients {
		w := &workers[i]
		req := reqs[i%len(reqs)]
		if calls > 0 {
			w.lat = make([]time.Duration, 0, calls/len(clients)+1)
		}
		// Each session's own phase within the interval.
		phase := time.Duration(0)
		if interval > 0 {
			phase = time.Duration(rand.Int64N(int64(interval)))
		}
		wg.Go(func() {
			<-begin
			due := start.Add(phase)
			for ctx.Err() == nil {
				if calls > 0 {
					if left.Add(-1) < 0 {
						return
					}
				} else if interval > 0 {
					// Open loop: every call due within the window is
					// made, even when calls run late.
					if due.Sub(start) >= d {
						return
					}
				} else if time.Since(start) >= d {
					return
				}
				t0 := time.Now()
				if interval > 0 {
					if wait := time.Until(due); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return
						}
					}
					t0 = due
					due = due.Add(interval)
				}
				err := call(ctx, c, req, timeout)
				took := time.Since(t0)
				if err != nil {
					if w.errors == 0 {
						w.firstErr, w.firstAt = err.Error(), t0
					}
					w.errors++
					continue
				}
				w.lat = append(w.lat, took)
			}
		})
	}
	start = time.Now()
	close(begin)
	wg.Wait()
	out := window{elapsed: time.Since(start)}
	var firstAt time.Time
	for _, w := range workers {
		out.latencies = append(out.latencies, w.lat...)
		out.errors += w.errors
		if w.errors > 0 && (firstAt.IsZero() || w.firstAt.Before(firstAt)) {
			out.firstError, firstAt = w.firstErr, w.firstAt
		}
	}
	return out
}

// rssSampler keeps the peak resident size of a process, read every 100 ms,
// and the peak of its goroutines, read from its /metrics every second.
type rssSampler struct {
	stopc chan struct{}
	done  chan [2]int64
}

func startRSSSampler(pid int, metricsURL string) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{}), done: make(chan [2]int64, 1)}
	go func() {
		var peak, peakG int64
		sample := func(goroutines bool) {
			if pid > 0 {
				if v, err := ProcessMemory(pid, "VmRSS"); err == nil {
					peak = max(peak, v)
				}
			}
			if goroutines && metricsURL != "" {
				if n, err := Goroutines(metricsURL); err == nil {
					peakG = max(peakG, int64(n))
				}
			}
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		sample(true)
		for i := 1; ; i++ {
			select {
			case <-tick.C:
				sample(i%10 == 0)
			case <-s.stopc:
				sample(true)
				s.done <- [2]int64{peak, peakG}
				return
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak RSS in bytes and the peak
// number of goroutines (0 when not read).
func (s *rssSampler) stop() (int64, int) {
	close(s.stopc)
	v := <-s.done
	return v[0], int(v[1])
}
