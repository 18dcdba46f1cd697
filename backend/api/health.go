package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"switchboard/backend/upstream"
)

// Health is the answer of the /health probes. When a probe fails it is
// also the error envelope (error, message, status_code), so a client that
// reads errors one way reads these too.
type Health struct {
	Status     string `json:"status"` // ok, ready, started; not_ready, starting when failing
	Error      string `json:"error,omitempty"`
	Message    string `json:"message,omitempty"`
	StatusCode int    `json:"status_code,omitempty"`
	// Servers is each configured server's state (readiness only).
	Servers []HealthServer `json:"servers,omitempty"`
}

// HealthServer is one server in the readiness answer. Probes need no key,
// so errors (which may quote a server's output) are left to the API.
type HealthServer struct {
	Name    string `json:"name"`
	State   string `json:"state"`
	Enabled bool   `json:"enabled"`
	// Pending: enabled, started at start-up, and its first start attempt
	// has not ended yet, which holds readiness back.
	Pending bool `json:"pending,omitempty"`
}

// registerHealth adds the routes for /health/live, /health/ready, /health/startup and /metrics.
func (s *Server) registerHealth() {
	const tag = "health"
	s.handle(Route{Method: "GET", Path: "/health/live", Tag: tag, Public: true,
		Summary: "Liveness: 200 while the process serves", Response: Health{}}, s.live)
	s.handle(Route{Method: "GET", Path: "/health/ready", Tag: tag, Public: true,
		Summary:  "Readiness: 200 once every enabled server started at start-up has finished its first start attempt (ready or failed); 503 before",
		Response: Health{}}, s.ready)
	s.handle(Route{Method: "GET", Path: "/health/startup", Tag: tag, Public: true,
		Summary: "Start-up: 200 once start-up has finished; 503 before", Response: Health{}}, s.startup)

	metrics := func(c *fiber.Ctx) error {
		return errNotFound("MetricsDisabled", "this instance serves no metrics")
	}
	if s.opts.Metrics != nil {
		// promhttp is a net/http handler; its body is small, so the
		// adaptor's buffering costs nothing here.
		metrics = adaptor.HTTPHandler(s.opts.Metrics)
	}
	s.handle(Route{Method: "GET", Path: "/metrics", Tag: tag, Public: true,
		Summary:     "Prometheus metrics: tool calls, errors and latency per server and tool, upstream states and restarts, sessions, tools exposed, Go runtime and process",
		ContentType: "text/plain; version=0.0.4"}, metrics)
}

func (s *Server) live(c *fiber.Ctx) error { return c.JSON(Health{Status: "ok"}) }

func (s *Server) startup(c *fiber.Ctx) error {
	if !s.opts.Gateway.StartupDone() {
		return c.Status(http.StatusServiceUnavailable).JSON(Health{Status: "starting", Error: "StartingUp",
			Message:    "start-up has not finished: the configured servers are still making their first start attempt",
			StatusCode: http.StatusServiceUnavailable})
	}
	return c.JSON(Health{Status: "started"})
}

// ready is 200 when the gateway can answer clients with every tool it will
// have: start-up has finished and no enabled server that starts at once is
// still in its first start attempt. A server that failed does not hold
// readiness back (the others serve, and its state says why); a lazy server
// (idle_ttl_s) is started by its first call, so it is not waited for.
func (s *Server) ready(c *fiber.Ctx) error {
	h := Health{Status: "ready", Servers: []HealthServer{}}
	var pending []string
	for _, u := range s.opts.Gateway.Upstreams() {
		st := u.Status()
		cfg := u.Config()
		hs := HealthServer{Name: st.Name, State: string(st.State), Enabled: cfg.IsEnabled()}
		hs.Pending = hs.Enabled && cfg.IdleTTL() == 0 && firstAttempt(st)
		if hs.Pending {
			pending = append(pending, st.Name)
		}
		h.Servers = append(h.Servers, hs)
	}
	started := s.opts.Gateway.StartupDone()
	if started && len(pending) == 0 {
		return c.JSON(h)
	}
	h.Status, h.Error, h.StatusCode = "not_ready", "NotReady", http.StatusServiceUnavailable
	h.Message = "start-up has not finished"
	if len(pending) > 0 {
		h.Message = fmt.Sprintf("waiting for the first start of %s", strings.Join(pending, ", "))
	}
	return c.Status(http.StatusServiceUnavailable).JSON(h)
}

// firstAttempt reports whether a server is starting and has never been up
// nor restarted: its first start attempt has not ended.
func firstAttempt(st upstream.Status) bool {
	return st.State == upstream.StateStarting && st.StartedAt.IsZero() && st.Restarts == 0
}
