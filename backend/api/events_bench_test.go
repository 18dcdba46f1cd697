package api_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/events"
)

// fanout is the number of live subscribers and rate the publishing
// benchmarks run at: a control panel in many tabs, windows and CLI tails, at
// a busy gateway's event rate.
const (
	fanout     = 50
	eventsRate = 1000 // per second
)

// paced publishes b.N events at eventsRate and reports the mean cost of one
// Publish as ns/op; waitDelivered then checks everyone got the last one.
func paced(b *testing.B, bus *events.Bus, waitDelivered func(last uint64)) {
	b.Helper()
	tick := time.NewTicker(time.Second / eventsRate)
	defer tick.Stop()
	payload := map[string]any{"state": "ready", "tools": 12}
	var spent time.Duration
	var last events.Event
	b.ResetTimer()
	for range b.N {
		<-tick.C
		start := time.Now()
		last = bus.Publish("bench.tick", "alpha", payload)
		spent += time.Since(start)
	}
	b.StopTimer()
	waitDelivered(last.ID)
	b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "ns/op")
}

// BenchmarkEventsPublishFanoutBus measures Publish with 50 bus subscribers
// that each read their events.
func BenchmarkEventsPublishFanoutBus(b *testing.B) {
	bus := events.New(4096)
	var got atomic.Uint64
	var wg sync.WaitGroup
	subs := make([]*events.Subscription, fanout)
	for i := range subs {
		subs[i], _ = bus.Subscribe(nil, 256, 0)
		wg.Go(func() {
			for ev := range subs[i].C {
				if ev.Type == events.Dropped {
					b.Error("a subscriber was dropped")
				}
				got.Add(1)
			}
		})
	}
	paced(b, bus, func(uint64) {
		for got.Load() < uint64(fanout*b.N) {
			time.Sleep(time.Millisecond)
		}
	})
	for _, s := range subs {
		s.Close()
	}
	wg.Wait()
}

// BenchmarkEventsPublishFanoutSSE measures Publish with 50 clients of GET
// /api/v1/events on a real core, each reading its stream over TCP.
func BenchmarkEventsPublishFanoutSSE(b *testing.B) {
	h := newHarness(b, nil)
	base := h.d.Events().Subscribers()
	seen := make([]atomic.Uint64, fanout)
	for i := range fanout {
		s := h.openSSE(false, "?types=bench.tick")
		go func() {
			for f := range s.frames {
				if f.Event == events.Dropped {
					b.Error("a stream was dropped")
				}
				if id, err := strconv.ParseUint(f.ID, 10, 64); err == nil {
					seen[i].Store(id)
				}
			}
		}()
	}
	h.waitSubscribers(base + fanout)
	paced(b, h.d.Events(), func(last uint64) {
		for i := range seen {
			for seen[i].Load() < last {
				time.Sleep(time.Millisecond)
			}
		}
	})
}

// BenchmarkToolCallsUnderEventFanout measures tool calls through /mcp on a
// real core, alone ("quiet") and while 1,000 events a second are published
// and fan out to 50 SSE clients ("fanout"). Compare the calls/s of the two.
// The calls publish their own events too, and the bus matches them against
// every subscriber's filter, but the clients ask for the 1,000 a second
// only, so the rate they receive is the one the target names.
func BenchmarkToolCallsUnderEventFanout(b *testing.B) {
	for _, withFanout := range []bool{false, true} {
		name := "quiet"
		if withFanout {
			name = "fanout"
		}
		b.Run(name, func(b *testing.B) {
			h := newHarness(b, map[string]*config.Server{"alpha": stdioServer(b)})
			if withFanout {
				base := h.d.Events().Subscribers()
				for range fanout {
					s := h.openSSE(false, "?types=bench.tick")
					go func() {
						for range s.frames {
						}
					}()
				}
				h.waitSubscribers(base + fanout)
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					tick := time.NewTicker(time.Second / eventsRate)
					defer tick.Stop()
					for {
						select {
						case <-stop:
							return
						case <-tick.C:
							h.d.Events().Publish("bench.tick", "alpha", map[string]any{"state": "ready"})
						}
					}
				}()
			}
			c := h.mcpClient()
			args := map[string]any{"text": "ping"}
			start := time.Now()
			b.ResetTimer()
			for range b.N {
				if r := h.callTool(c, "alpha__echo", args); r.IsError {
					b.Fatal(text(r))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
	}
}
