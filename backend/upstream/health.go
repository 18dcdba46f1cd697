package upstream

import (
	"context"
	"errors"
	"sync"
	"time"
)

// HealthCheck is the result of one ping.
type HealthCheck struct {
	Time      time.Time `json:"time"`
	OK        bool      `json:"ok"`
	LatencyMS float64   `json:"latency_ms"`
	Error     string    `json:"error,omitempty"`
}

// healthHistorySize is how many checks a server keeps: at the default
// interval of 30 s, the last hour.
const healthHistorySize = 120

// healthHistory keeps the last checks, oldest first.
type healthHistory struct {
	mu     sync.Mutex
	checks []HealthCheck
}

func (h *healthHistory) add(c HealthCheck) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.checks) == healthHistorySize {
		copy(h.checks, h.checks[1:])
		h.checks = h.checks[:healthHistorySize-1]
	}
	h.checks = append(h.checks, c)
}

func (h *healthHistory) list() []HealthCheck {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HealthCheck(nil), h.checks...)
}

func (h *healthHistory) last() (HealthCheck, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.checks) == 0 {
		return HealthCheck{}, false
	}
	return h.checks[len(h.checks)-1], true
}

// LastHealthCheck is the newest health check, if any ran.
func (u *Upstream) LastHealthCheck() (HealthCheck, bool) { return u.health.last() }

// HealthHistory lists the last health checks, oldest first.
func (u *Upstream) HealthHistory() []HealthCheck { return u.health.list() }

// CheckHealth pings the server now, records the result like a scheduled
// check (so failures count toward a restart) and returns it.
func (u *Upstream) CheckHealth(ctx context.Context) HealthCheck {
	u.mu.Lock()
	c, state := u.conn, u.state
	u.mu.Unlock()
	if c == nil || !state.Usable() {
		u.mu.Lock()
		err := u.unavailableLocked()
		u.mu.Unlock()
		return HealthCheck{Time: time.Now().UTC(), Error: err.Error()}
	}
	u.healthCheck()
	if hs := u.health.list(); len(hs) > 0 {
		return hs[len(hs)-1]
	}
	return HealthCheck{Time: time.Now().UTC(), Error: errors.New("no check was recorded").Error()}
}

// StopWithReason stops the server for good, like Stop, and keeps the reason
// as its last error, so a caller learns why it is not running.
func (u *Upstream) StopWithReason(reason string) {
	u.mu.Lock()
	if reason == "" {
		reason = "stopped by request"
	}
	u.lastErr = "stopped: " + reason
	u.mu.Unlock()
	u.Stop()
}
