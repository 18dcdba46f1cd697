package events

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// drain reads a subscription until it is closed.
func drain(s *Subscription) []Event {
	var out []Event
	for ev := range s.C {
		out = append(out, ev)
	}
	return out
}

// ready reads the n events already waiting.
func ready(t *testing.T, s *Subscription, n int) []Event {
	t.Helper()
	out := make([]Event, 0, n)
	for range n {
		select {
		case ev, ok := <-s.C:
			if !ok {
				t.Fatalf("closed after %d of %d events", len(out), n)
			}
			out = append(out, ev)
		default:
			t.Fatalf("only %d of %d events were waiting", len(out), n)
		}
	}
	select {
	case ev := <-s.C:
		t.Fatalf("an extra event: %+v", ev)
	default:
	}
	return out
}

func ids(evs []Event) []uint64 {
	out := make([]uint64, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

func wantIDs(t *testing.T, evs []Event, from, to uint64) {
	t.Helper()
	if len(evs) != int(to-from+1) {
		t.Fatalf("got ids %v, want %d..%d", ids(evs), from, to)
	}
	for i, ev := range evs {
		if ev.ID != from+uint64(i) {
			t.Fatalf("got ids %v, want %d..%d", ids(evs), from, to)
		}
	}
}

func TestBusIDsAreOrderedAcrossPublishers(t *testing.T) {
	b := New(0)
	sub, _ := b.Subscribe(nil, 1000, 0)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range 100 {
				b.Publish("test", "", w)
			}
		})
	}
	wg.Wait()
	evs := ready(t, sub, 400)
	wantIDs(t, evs, 1, 400)
	if b.LastID() != 400 {
		t.Fatalf("LastID %d", b.LastID())
	}
	for _, ev := range evs {
		if ev.Time.IsZero() || ev.Type != "test" {
			t.Fatalf("event %+v", ev)
		}
	}
}

func TestBusResumeFromRing(t *testing.T) {
	b := New(100)
	for range 10 {
		b.Publish("test", "", nil)
	}
	sub, missed := b.Subscribe(nil, 0, 4)
	if missed {
		t.Fatal("nothing after 4 left the ring, yet missed")
	}
	b.Publish("test", "", nil)
	wantIDs(t, ready(t, sub, 7), 5, 11)

	// Up to date: nothing to replay.
	cur, missed := b.Subscribe(nil, 0, b.LastID())
	if missed {
		t.Fatal("missed")
	}
	ready(t, cur, 0)
	// No resume: only what comes next.
	fresh, _ := b.Subscribe(nil, 0, 0)
	b.Publish("test", "", nil)
	wantIDs(t, ready(t, fresh, 1), 12, 12)
}

func TestBusResumeKeepsTheFilter(t *testing.T) {
	b := New(100)
	for i := range 10 {
		typ := "even"
		if i%2 == 1 {
			typ = "odd"
		}
		b.Publish(typ, "", i)
	}
	sub, _ := b.Subscribe([]string{"odd"}, 0, 3)
	b.Publish("even", "", nil)
	b.Publish("odd", "", nil)
	evs := ready(t, sub, 5)
	if got := ids(evs); got[0] != 4 || got[1] != 6 || got[2] != 8 || got[3] != 10 || got[4] != 12 {
		t.Fatalf("got %v", got)
	}
}

func TestBusMissedWhenTheRingMovedOn(t *testing.T) {
	b := New(5)
	for range 10 {
		b.Publish("test", "", nil)
	}
	// The ring holds 6..10: after 2, events 3..5 are gone.
	sub, missed := b.Subscribe(nil, 0, 2)
	if !missed {
		t.Fatal("events 3..5 are gone, yet not missed")
	}
	wantIDs(t, ready(t, sub, 5), 6, 10)
	// After 5 nothing is gone.
	sub, missed = b.Subscribe(nil, 0, 5)
	if missed {
		t.Fatal("missed, yet 6 is the oldest kept")
	}
	wantIDs(t, ready(t, sub, 5), 6, 10)
}

func TestBusDropsASlowSubscriber(t *testing.T) {
	b := New(100)
	slow, _ := b.Subscribe(nil, 4, 0)
	fast, _ := b.Subscribe(nil, 100, 0)
	// Nobody reads slow: each Publish still returns at once.
	for range 10 {
		b.Publish("test", "", nil)
	}
	if n := b.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers, want the slow one gone", n)
	}
	got := drain(slow)
	notice := got[len(got)-1]
	if notice.Type != Dropped || notice.Data == nil {
		t.Fatalf("last event %+v, want %s", notice, Dropped)
	}
	// What it got before the notice is in order, from the first.
	wantIDs(t, got[:len(got)-1], 1, 4)
	// The fast one missed nothing.
	wantIDs(t, ready(t, fast, 10), 1, 10)
	// The dropped one resumes from its last id without a loss.
	again, missed := b.Subscribe(nil, 0, got[len(got)-2].ID)
	if missed {
		t.Fatal("missed")
	}
	wantIDs(t, ready(t, again, 6), 5, 10)
	slow.Close() // closing a dropped subscription again is harmless
}

func TestSubscriptionClose(t *testing.T) {
	b := New(10)
	a, _ := b.Subscribe(nil, 0, 0)
	other, _ := b.Subscribe([]string{"x"}, 0, 0)
	if b.Subscribers() != 2 {
		t.Fatalf("%d subscribers", b.Subscribers())
	}
	a.Close()
	a.Close()
	if _, ok := <-a.C; ok {
		t.Fatal("C still open after Close")
	}
	if b.Subscribers() != 1 {
		t.Fatalf("%d subscribers after Close", b.Subscribers())
	}
	b.Publish("x", "srv", nil)
	if evs := ready(t, other, 1); evs[0].Server != "srv" {
		t.Fatalf("got %+v", evs[0])
	}
	other.Close()
	if b.Subscribers() != 0 {
		t.Fatalf("%d subscribers", b.Subscribers())
	}
}

// The JSON made once at publishing is the event's own encoding.
func TestPublishedJSONIsTheEventsEncoding(t *testing.T) {
	b := New(8)
	sub, _ := b.Subscribe(nil, 4, 0)
	defer sub.Close()
	b.Publish("a", "x", nil)
	b.Publish("server.state", "alpha", map[string]any{"state": "ready", "n": 3})
	<-sub.C
	ev := <-sub.C
	got, err := ev.JSON()
	if err != nil {
		t.Fatal(err)
	}
	ev.encoded = nil
	want, _ := ev.JSON()
	if string(got) != string(want) || !strings.HasPrefix(string(got), `{"id":2,`) {
		t.Fatalf("published JSON %s, want %s", got, want)
	}
}

func TestEventsNobodyWantsAreNotEncodedButResumeWhole(t *testing.T) {
	b := New(16)
	ticks, _ := b.Subscribe([]string{"tick"}, 8, 0)
	defer ticks.Close()
	b.Publish("tick", "", nil) // resuming needs an id to resume from
	call := b.Publish("tool_call.ended", "alpha", map[string]any{"tool": "echo"})
	if call.encoded != nil {
		t.Fatal("an event no subscriber wants was encoded on the publishing path")
	}
	tick := b.Publish("tick", "", nil)
	if tick.encoded == nil {
		t.Fatal("an event a subscriber wants is encoded once for all of them")
	}
	// A subscriber that resumes from before the call still gets it whole.
	late, _ := b.Subscribe(nil, 8, call.ID-1)
	defer late.Close()
	var got Event
	select {
	case got = <-late.C:
	case <-time.After(5 * time.Second):
		t.Fatal("the resumed subscription got nothing")
	}
	js, err := got.JSON()
	if err != nil || got.ID != call.ID || !strings.Contains(string(js), `"tool":"echo"`) {
		t.Fatalf("resumed event: %+v %s %v", got, js, err)
	}
}

// Each subscriber gets the types it asked for, each event once, however its
// filter is written; one of every type gets everything. Subscribers that
// come and go in between change who gets the next events.
func TestBusDeliversByFilter(t *testing.T) {
	b := New(16)
	every, _ := b.Subscribe(nil, 16, 0)
	onlyA, _ := b.Subscribe([]string{"a"}, 16, 0)
	aTwiceAndB, _ := b.Subscribe([]string{"a", "a", "b"}, 16, 0)
	b.Publish("a", "", nil)
	b.Publish("b", "", nil)
	b.Publish("c", "", nil)
	types := func(evs []Event) string {
		var out []string
		for _, ev := range evs {
			out = append(out, ev.Type)
		}
		return strings.Join(out, ",")
	}
	if got := types(ready(t, every, 3)); got != "a,b,c" {
		t.Errorf("every type: %s", got)
	}
	if got := types(ready(t, onlyA, 1)); got != "a" {
		t.Errorf("a: %s", got)
	}
	if got := types(ready(t, aTwiceAndB, 2)); got != "a,b" {
		t.Errorf("a, a, b: %s", got)
	}
	onlyA.Close()
	lateC, _ := b.Subscribe([]string{"c"}, 16, 0)
	b.Publish("a", "", nil)
	b.Publish("c", "", nil)
	if got := types(ready(t, every, 2)); got != "a,c" {
		t.Errorf("every type, later: %s", got)
	}
	if got := types(ready(t, aTwiceAndB, 1)); got != "a" {
		t.Errorf("a, a, b, later: %s", got)
	}
	if got := types(ready(t, lateC, 1)); got != "c" {
		t.Errorf("c, subscribed later: %s", got)
	}
	if got := types(drain(onlyA)); got != "" {
		t.Errorf("a closed subscription got %s", got)
	}
}
