package api

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Default request rate per caller on /api: far above what the panel or a
// script needs, low enough that a runaway loop cannot starve the gateway.
const (
	DefaultRatePerSecond = 200
	DefaultRateBurst     = 400
)

// limiter gives each caller (a key, or the socket) its own token bucket.
type limiter struct {
	perSecond rate.Limit
	burst     int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 {
		perSecond = DefaultRatePerSecond
	}
	if burst <= 0 {
		burst = DefaultRateBurst
	}
	return &limiter{perSecond: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}}
}

// allow takes a token from who's bucket; when there is none it says how long
// until there is.
func (l *limiter) allow(who string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Forget callers idle long enough for their bucket to be full again.
		for k, b := range l.buckets {
			if now.Sub(b.seen) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[who]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.perSecond, l.burst)}
		l.buckets[who] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// callerOf names the bucket of a request: the key it presents (valid or
// not), else its address, or the socket.
func callerOf(r *http.Request, conn *connInfo) string {
	if conn.socket {
		return "socket"
	}
	if k := presentedKey(r); k != "" {
		return "key:" + k
	}
	return "anon:" + strings.SplitN(r.RemoteAddr, ":", 2)[0]
}

func (l *limiter) errTooMany(wait time.Duration) *Error {
	return apiErr(http.StatusTooManyRequests, "TooManyRequests",
		"more than %g requests a second; try again in %s", float64(l.perSecond), wait.Round(time.Millisecond))
}
