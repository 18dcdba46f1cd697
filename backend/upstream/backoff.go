package upstream

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff spaces restarts of a failing server: exponential, capped, with
// jitter so that many servers failing together do not restart in step.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Factor float64
	Jitter float64 // fraction of the delay added or removed at random
}

// DefaultBackoff: 0.5 s, 1 s, 2 s, ... up to a minute, each +-20%.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Max: time.Minute, Factor: 2, Jitter: 0.2}

// Delay is the wait before restart number attempt (0 for the first).
func (b Backoff) Delay(attempt int) time.Duration {
	d := float64(b.Base) * math.Pow(b.Factor, float64(max(attempt, 0)))
	d = min(d, float64(b.Max))
	if b.Jitter > 0 {
		d += d * b.Jitter * (2*rand.Float64() - 1)
	}
	return time.Duration(min(d, float64(b.Max)))
}
