package upstream

import (
	"testing"
	"time"
)

func TestBackoffGrowsAndCaps(t *testing.T) {
	b := Backoff{Base: 500 * time.Millisecond, Max: 60 * time.Second, Factor: 2}
	want := map[int]time.Duration{
		-3:      500 * time.Millisecond,
		0:       500 * time.Millisecond,
		1:       time.Second,
		2:       2 * time.Second,
		6:       32 * time.Second,
		7:       60 * time.Second,
		100:     60 * time.Second,
		1 << 30: 60 * time.Second, // no overflow
	}
	for attempt, w := range want {
		if got := b.Delay(attempt); got != w {
			t.Errorf("Delay(%d) = %s, want %s", attempt, got, w)
		}
	}
	// The zero value is usable: DefaultBackoff's numbers, no jitter.
	if got := (Backoff{}).Delay(1); got != time.Second {
		t.Errorf("zero Backoff Delay(1) = %s", got)
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 2000 {
		d := DefaultBackoff.Delay(3) // 4 s ± 20 %
		if d < 3200*time.Millisecond || d > 4800*time.Millisecond {
			t.Fatalf("Delay(3) = %s outside 3.2s..4.8s", d)
		}
		seen[d] = true

		d = DefaultBackoff.Delay(20) // capped: never above Max
		if d < 48*time.Second || d > 60*time.Second {
			t.Fatalf("Delay(20) = %s outside 48s..60s", d)
		}
		d = DefaultBackoff.Delay(0)
		if d < 400*time.Millisecond || d > 600*time.Millisecond {
			t.Fatalf("Delay(0) = %s, want about 500ms", d)
		}
	}
	if len(seen) < 100 {
		t.Fatalf("only %d distinct delays: jitter is not random", len(seen))
	}

	full := Backoff{Base: time.Second, Max: time.Minute, Factor: 2, Jitter: 1}
	var low bool
	for range 2000 {
		d := full.Delay(2)
		if d < 0 || d > 4*time.Second {
			t.Fatalf("full jitter Delay(2) = %s outside 0..4s", d)
		}
		low = low || d < time.Second
	}
	if !low {
		t.Fatal("full jitter never went below a quarter of the delay")
	}
}
