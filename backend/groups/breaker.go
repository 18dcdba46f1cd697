// Package groups holds what a group of interchangeable servers needs apart
// from the MCP plumbing: the circuit breaker of each member, the strategies
// that pick a member for a call, and the group's state. The gateway asks it
// which member takes a call and tells it how the call went.
package groups

import (
	"sync"
	"time"
)

// BreakerState is where a member's circuit breaker is.
type BreakerState string

const (
	// Closed: calls go to the member.
	Closed BreakerState = "closed"
	// Open: the member failed failure_threshold calls in a row and gets no
	// calls until its cool-down ends.
	Open BreakerState = "open"
	// HalfOpen: the cool-down is over; one trial call may go to the member,
	// which closes the breaker if it succeeds and opens it again if not.
	HalfOpen BreakerState = "half_open"
)

// BreakerSnapshot is a breaker as the API shows it.
type BreakerSnapshot struct {
	State               BreakerState `json:"state"`
	ConsecutiveFailures int          `json:"consecutive_failures"`
	OpenedAt            *time.Time   `json:"opened_at"`
	RetryAt             *time.Time   `json:"retry_at"`
}

// breaker is one member's circuit breaker. A change of state is reported
// to onChange, outside the lock.
type breaker struct {
	mu        sync.Mutex
	state     BreakerState
	failures  int
	openedAt  time.Time
	retryAt   time.Time
	trial     bool // a half-open breaker's one trial call is out
	timer     *time.Timer
	threshold int
	cooldown  time.Duration
	onChange  func(state, previous BreakerState)
}

func newBreaker(threshold int, cooldown time.Duration, onChange func(state, previous BreakerState)) *breaker {
	return &breaker{state: Closed, threshold: threshold, cooldown: cooldown, onChange: onChange}
}

// isOpen reports whether the breaker refuses every call now.
func (b *breaker) isOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == Open
}

// available reports whether a call could go to the member now, without
// claiming anything.
func (b *breaker) available() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == Closed || (b.state == HalfOpen && !b.trial)
}

// acquire claims the right to send a call: always when closed, once (the
// trial) when half-open, never when open.
func (b *breaker) acquire() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Closed:
		return true
	case HalfOpen:
		if b.trial {
			return false
		}
		b.trial = true
		return true
	}
	return false
}

// success closes the breaker.
func (b *breaker) success() {
	b.mu.Lock()
	prev := b.state
	b.failures = 0
	b.trial = false
	b.state = Closed
	b.openedAt, b.retryAt = time.Time{}, time.Time{}
	b.stopTimerLocked()
	b.mu.Unlock()
	b.report(Closed, prev)
}

// failure counts a failed call; the threshold-th in a row, or a failed
// trial, opens the breaker.
func (b *breaker) failure() {
	b.mu.Lock()
	prev := b.state
	b.failures++
	b.trial = false
	if prev == Open || (prev == Closed && b.failures < b.threshold) {
		b.mu.Unlock()
		return
	}
	b.openLocked()
	b.mu.Unlock()
	b.report(Open, prev)
}

// release gives back a claim whose call ended without saying anything of
// the member (the client cancelled, the call guard refused it).
func (b *breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
}

func (b *breaker) openLocked() {
	now := time.Now()
	b.state = Open
	b.openedAt, b.retryAt = now, now.Add(b.cooldown)
	b.stopTimerLocked()
	b.timer = time.AfterFunc(b.cooldown, b.halfOpen)
}

// halfOpen ends an open breaker's cool-down: the next call is a trial.
func (b *breaker) halfOpen() {
	b.mu.Lock()
	prev := b.state
	if prev != Open {
		b.mu.Unlock()
		return
	}
	b.state = HalfOpen
	b.trial = false
	b.stopTimerLocked()
	b.mu.Unlock()
	b.report(HalfOpen, prev)
}

func (b *breaker) stopTimerLocked() {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
}

// stop ends the cool-down timer of a breaker that is thrown away.
func (b *breaker) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopTimerLocked()
	b.onChange = nil
}

func (b *breaker) report(state, prev BreakerState) {
	b.mu.Lock()
	f := b.onChange
	b.mu.Unlock()
	if state != prev && f != nil {
		f(state, prev)
	}
}

func (b *breaker) snapshot() BreakerSnapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := BreakerSnapshot{State: b.state, ConsecutiveFailures: b.failures}
	if !b.openedAt.IsZero() {
		t, r := b.openedAt, b.retryAt
		s.OpenedAt, s.RetryAt = &t, &r
	}
	return s
}

// configure takes new settings; a breaker that is open keeps its cool-down.
func (b *breaker) configure(threshold int, cooldown time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.threshold, b.cooldown = threshold, cooldown
}
