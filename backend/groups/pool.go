package groups

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"switchboard/backend/config"
)

// Member is one server of a group, with its breaker and counters.
type Member struct {
	Server   string
	Weight   int
	Priority int

	breaker  *breaker
	active   atomic.Int64 // calls through the group in flight on it
	calls    atomic.Int64 // attempts sent to it
	failures atomic.Int64 // attempts that failed on it
	current  int          // smooth weighted round robin's running score; under Pool.mu
}

// MemberStats is a member's counters and breaker.
type MemberStats struct {
	ActiveCalls   int64
	CallsTotal    int64
	FailuresTotal int64
	Breaker       BreakerSnapshot
}

// Stats reads the member's counters and breaker.
func (m *Member) Stats() MemberStats {
	return MemberStats{ActiveCalls: m.active.Load(), CallsTotal: m.calls.Load(),
		FailuresTotal: m.failures.Load(), Breaker: m.breaker.snapshot()}
}

// BreakerAvailable reports whether the member's breaker lets a call
// through now (closed, or half-open with its trial not yet out).
func (m *Member) BreakerAvailable() bool { return m.breaker.available() }

// BreakerOpen reports whether the member's breaker is open.
func (m *Member) BreakerOpen() bool { return m.breaker.isOpen() }

// BreakerEvent is a member's breaker changing state.
type BreakerEvent struct {
	Server          string
	State, Previous BreakerState
}

// Pool is the members of one group and the strategy that picks among them.
type Pool struct {
	onBreaker func(BreakerEvent)

	mu       sync.Mutex
	strategy string
	members  []*Member
	next     uint64 // round robin position
}

// NewPool makes the pool of a group. onBreaker (may be nil) hears every
// breaker change.
func NewPool(g *config.Group, onBreaker func(BreakerEvent)) *Pool {
	p := &Pool{onBreaker: onBreaker}
	p.Configure(g)
	return p
}

// Configure applies a group's (new) config. Members that stay keep their
// breaker and counters; a new member starts closed.
func (p *Pool) Configure(g *config.Group) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := map[string]*Member{}
	for _, m := range p.members {
		old[m.Server] = m
	}
	members := make([]*Member, 0, len(g.Members))
	for _, c := range g.Members {
		m := old[c.Server]
		if m == nil {
			m = &Member{Server: c.Server}
			server := c.Server
			m.breaker = newBreaker(g.FailureThreshold(), g.Cooldown(), func(state, prev BreakerState) {
				if p.onBreaker != nil {
					p.onBreaker(BreakerEvent{Server: server, State: state, Previous: prev})
				}
			})
		} else {
			m.breaker.configure(g.FailureThreshold(), g.Cooldown())
		}
		delete(old, c.Server)
		m.Weight, m.Priority = c.MemberWeight(), c.Priority
		members = append(members, m)
	}
	for _, m := range old {
		m.breaker.stop()
	}
	if p.strategy != g.StrategyName() {
		p.resetLocked()
	}
	p.strategy = g.StrategyName()
	p.members = members
}

// Members lists the members in config order.
func (p *Pool) Members() []*Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.members)
}

// Member finds a member by server name.
func (p *Pool) Member(server string) *Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.members {
		if m.Server == server {
			return m
		}
	}
	return nil
}

// Close stops the breakers' timers of a group that is gone.
func (p *Pool) Close() {
	for _, m := range p.Members() {
		m.breaker.stop()
	}
}

// Pick chooses the member for one call among those the caller found able
// to take it (in service, listing the tool, not tried yet), by the pool's
// strategy, and claims it: the caller must call Done with how it went.
// nil means none of them can take a call now (every breaker open, or a
// half-open one's trial already out).
func (p *Pool) Pick(able []*Member) *Member {
	p.mu.Lock()
	defer p.mu.Unlock()
	cands := make([]*Member, 0, len(able))
	for _, m := range able {
		if m.breaker.available() {
			cands = append(cands, m)
		}
	}
	for len(cands) > 0 {
		m := p.chooseLocked(cands)
		if m.breaker.acquire() {
			m.active.Add(1)
			m.calls.Add(1)
			return m
		}
		// Another call took the half-open trial meanwhile.
		cands = slices.DeleteFunc(cands, func(x *Member) bool { return x == m })
	}
	return nil
}

// Outcome is how a call on a member ended, as far as the member's health
// goes.
type Outcome int

const (
	// Succeeded: the member answered (a tool's isError result included).
	Succeeded Outcome = iota
	// Failed: the member did not answer (transport error, timeout, down).
	Failed
	// Neutral: the call ended for a reason that says nothing of the member
	// (the client cancelled it, the call guard refused it).
	Neutral
)

// Done ends a call Pick gave a member.
func (p *Pool) Done(m *Member, o Outcome) {
	m.active.Add(-1)
	switch o {
	case Succeeded:
		m.breaker.success()
	case Failed:
		m.failures.Add(1)
		m.breaker.failure()
	default:
		m.breaker.release()
	}
}

// Rebalance starts the strategy afresh (round robin positions, weighted
// scores) and half-opens every open breaker, so the next calls check at
// once whether those members are back.
func (p *Pool) Rebalance() {
	p.mu.Lock()
	p.resetLocked()
	members := slices.Clone(p.members)
	p.mu.Unlock()
	for _, m := range members {
		m.breaker.halfOpen()
	}
}

func (p *Pool) resetLocked() {
	p.next = 0
	for _, m := range p.members {
		m.current = 0
	}
}

// chooseLocked applies the strategy to a non-empty list of candidates.
func (p *Pool) chooseLocked(cands []*Member) *Member {
	switch p.strategy {
	case config.StrategyWeightedRoundRobin:
		return p.smoothWeightedLocked(cands)
	case config.StrategyLeastConnections:
		least := cands[0].active.Load()
		for _, m := range cands[1:] {
			least = min(least, m.active.Load())
		}
		return p.roundRobinLocked(slices.DeleteFunc(slices.Clone(cands), func(m *Member) bool { return m.active.Load() != least }))
	case config.StrategyRandom:
		cands = positiveWeights(cands)
		total := 0
		for _, m := range cands {
			total += weightOf(m)
		}
		n := rand.IntN(total)
		for _, m := range cands {
			if n -= weightOf(m); n < 0 {
				return m
			}
		}
		return cands[len(cands)-1]
	case config.StrategyPriority:
		best := cands[0].Priority
		for _, m := range cands[1:] {
			best = min(best, m.Priority)
		}
		return p.roundRobinLocked(slices.DeleteFunc(slices.Clone(cands), func(m *Member) bool { return m.Priority != best }))
	}
	return p.roundRobinLocked(cands)
}

func (p *Pool) roundRobinLocked(cands []*Member) *Member {
	m := cands[p.next%uint64(len(cands))]
	p.next++
	return m
}

// smoothWeightedLocked is nginx's smooth weighted round robin: each
// candidate's score grows by its weight, the highest is picked and loses
// the total. Weights 3 and 1 give a a b a, a a b a, ...: the shares are
// exact over every cycle and the heavy member's calls are spread out.
func (p *Pool) smoothWeightedLocked(cands []*Member) *Member {
	cands = positiveWeights(cands)
	total := 0
	var best *Member
	for _, m := range cands {
		m.current += weightOf(m)
		total += weightOf(m)
		if best == nil || m.current > best.current {
			best = m
		}
	}
	best.current -= total
	return best
}

// positiveWeights drops the spares (weight 0) unless only spares are left.
func positiveWeights(cands []*Member) []*Member {
	out := slices.DeleteFunc(slices.Clone(cands), func(m *Member) bool { return m.Weight <= 0 })
	if len(out) == 0 {
		return cands
	}
	return out
}

// weightOf is a member's weight, a spare counting as 1 when only spares
// are left to choose from.
func weightOf(m *Member) int { return max(m.Weight, 1) }

// Group states.
const (
	Healthy     = "healthy"
	Degraded    = "degraded"
	Unavailable = "unavailable"
)

// StateOf is a group's state from how many of its members are in service.
func StateOf(inService, members, minHealthy int) string {
	switch {
	case inService < minHealthy || inService == 0:
		return Unavailable
	case inService < members:
		return Degraded
	}
	return Healthy
}
