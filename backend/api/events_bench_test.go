package api_test

import (
	"slices"
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
// real core with 50 SSE clients connected, in alternating rounds: while
// 1,000 events a second are published and fan out to the 50 ("fanout"), and
// while none are ("quiet"). The rounds take turns on one core, one session
// and one upstream, so that this VM's drift of ±30 % over seconds falls on
// both alike instead of on whichever ran second. slowdown-% is how much
// longer a call takes during the fan-out. The calls publish their own
// events too, and the bus matches them against every subscriber's filter,
// but the clients ask for the 1,000 a second only, so the rate they receive
// is the one the target names.
func BenchmarkToolCallsUnderEventFanout(b *testing.B) {
	const round = 1000 // calls: a few tenths of a second, several event batches
	h := newHarness(b, map[string]*config.Server{"alpha": stdioServer(b)})
	base := h.d.Events().Subscribers()
	for range fanout {
		s := h.openSSE(false, "?types=bench.tick")
		go func() {
			for range s.frames {
			}
		}()
	}
	h.waitSubscribers(base + fanout)
	c := h.mcpClient()
	args := map[string]any{"text": "ping"}
	// rate[k] is the calls/s of round k; even rounds are quiet, odd ones
	// fan out, and each odd round is compared with the even one before it.
	var rate []float64
	b.ResetTimer()
	for n, k := 0, 0; n < b.N; k++ {
		withFanout := k%2 == 1
		stop := make(chan struct{})
		done := make(chan struct{})
		if withFanout {
			go func() {
				defer close(done)
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
			time.Sleep(150 * time.Millisecond) // the streams are busy before the round starts
		} else {
			close(done)
		}
		m := min(round, b.N-n)
		start := time.Now()
		for range m {
			if r := h.callTool(c, "alpha__echo", args); r.IsError {
				b.Fatal(text(r))
			}
		}
		rate = append(rate, float64(m)/time.Since(start).Seconds())
		n += m
		close(stop)
		<-done
		// Let the last batches of events go out before a quiet round.
		b.StopTimer()
		time.Sleep(150 * time.Millisecond)
		b.StartTimer()
	}
	b.StopTimer()
	var quiet, loaded, slowdown []float64
	for k := 1; k < len(rate); k += 2 {
		quiet = append(quiet, rate[k-1])
		loaded = append(loaded, rate[k])
		slowdown = append(slowdown, 100*(rate[k-1]/rate[k]-1))
	}
	if len(slowdown) == 0 {
		return // b.N too small for a pair of rounds
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	b.ReportMetric(median(quiet), "quiet-calls/s")
	b.ReportMetric(median(loaded), "fanout-calls/s")
	b.ReportMetric(median(slowdown), "slowdown-%")
}
