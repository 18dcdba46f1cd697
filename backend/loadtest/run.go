// Package loadtest drives MCP servers with many concurrent client sessions
// and measures them: throughput, latency percentiles, errors, and the CPU
// and memory of the processes serving. cmd/switchboard-load is its command
// line; fault and soak tests reuse it.
package loadtest

import (
	"context"
	"fmt"
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
	Args     map[string]any

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
	pool, err := s.Target.Open(ctx, s.Sessions)
	if err != nil {
		return Result{}, err
	}
	defer pool.Close()

	req := mcp.CallToolRequest{}
	req.Params.Name = s.Tool
	req.Params.Arguments = s.Args
	if err := call(ctx, pool.Clients[0], req, s.Timeout); err != nil {
		return Result{}, fmt.Errorf("%s: first call of %s: %w", s.Mode, s.Tool, err)
	}

	res := Result{Mode: s.Mode, Sessions: s.Sessions}
	if s.Warmup > 0 {
		per := (s.Warmup + s.Sessions - 1) / s.Sessions
		w := measure(ctx, pool.Clients, req, s.Timeout, 0, per*s.Sessions)
		res.WarmupErrors = w.errors
	}

	var upstreamPIDs []int
	if s.Upstream != nil {
		upstreamPIDs = s.Upstream(pool)
	}
	mem := startRSSSampler(s.GatewayPID)
	bridges0, upstream0, self0 := cpuOf(pool.PIDs), cpuOf(upstreamPIDs), SelfCPU()
	gateway0 := cpuOf(pidList(s.GatewayPID))

	w := measure(ctx, pool.Clients, req, s.Timeout, s.Duration, s.Calls)

	gateway1 := cpuOf(pidList(s.GatewayPID))
	bridges1, upstream1, self1 := cpuOf(pool.PIDs), cpuOf(upstreamPIDs), SelfCPU()
	peak := mem.stop()

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

// measure makes calls from every client at once, each in a loop, for d or
// until calls calls are made in all (calls > 0).
func measure(ctx context.Context, clients []*client.Client, req mcp.CallToolRequest, timeout, d time.Duration, calls int) window {
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
	var wg sync.WaitGroup
	for i, c := range clients {
		w := &workers[i]
		if calls > 0 {
			w.lat = make([]time.Duration, 0, calls/len(clients)+1)
		}
		wg.Go(func() {
			<-begin
			for ctx.Err() == nil {
				if calls > 0 {
					if left.Add(-1) < 0 {
						return
					}
				} else if time.Since(start) >= d {
					return
				}
				t0 := time.Now()
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

// rssSampler keeps the peak resident size of a process, read every 100 ms.
type rssSampler struct {
	stopc chan struct{}
	done  chan int64
}

func startRSSSampler(pid int) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{}), done: make(chan int64, 1)}
	go func() {
		var peak int64
		sample := func() {
			if pid > 0 {
				if v, err := ProcessMemory(pid, "VmRSS"); err == nil {
					peak = max(peak, v)
				}
			}
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		sample()
		for {
			select {
			case <-tick.C:
				sample()
			case <-s.stopc:
				sample()
				s.done <- peak
				return
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() int64 {
	close(s.stopc)
	return <-s.done
}
