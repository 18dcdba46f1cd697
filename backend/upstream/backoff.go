package upstream

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff spaces restarts of a failing upstream: Base × Factor^attempt,
// capped at Max, randomised so many servers failing together (network
// down, laptop waking) do not restart in lock step.
type Backoff struct {
	Base   time.Duration // delay before the first retry (attempt 0)
	Max    time.Duration // hard upper bound of any delay
	Factor float64       // growth per attempt; <= 0 means 2
	// Jitter is the randomisation: 0 none, 0 < J < 1 a uniform ±J fraction
	// of the delay, >= 1 "full jitter" (uniform between 0 and the delay).
	Jitter float64
}

// DefaultBackoff is used for upstream restarts unless configured otherwise.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Max: 60 * time.Second, Factor: 2, Jitter: 0.2}

// Delay returns how long to wait before retry number attempt (0-based).
// Zero Base or Max take DefaultBackoff's values.
func (b Backoff) Delay(attempt int) time.Duration {
	base, maxD, factor := b.Base, b.Max, b.Factor
	if base <= 0 {
		base = DefaultBackoff.Base
	}
	if maxD <= 0 {
		maxD = DefaultBackoff.Max
	}
	if maxD < base {
		maxD = base
	}
	if factor <= 0 {
		factor = DefaultBackoff.Factor
	}
	attempt = max(attempt, 0)

	// Float maths with the cap applied before converting, so large
	// attempts neither overflow nor wrap to negative durations.
	d := float64(base) * math.Pow(factor, float64(attempt))
	if math.IsInf(d, 0) || math.IsNaN(d) || d > float64(maxD) {
		d = float64(maxD)
	}
	switch {
	case b.Jitter >= 1:
		d = rand.Float64() * d
	case b.Jitter > 0:
		d *= 1 + b.Jitter*(2*rand.Float64()-1)
	}
	d = min(d, float64(maxD))
	return time.Duration(max(d, 0))
}
