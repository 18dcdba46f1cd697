// Package api is Switchboard's control API: REST on /api/v1 (fiber), the
// health and metrics endpoints, the event streams, and the checks every
// request passes first (Host and Origin, CORS, body size, API key).
//
// The process serves HTTP with net/http, because the MCP endpoints need its
// per-request cancellation when a client goes away. The fiber app is run
// per request through fiberHandler, which (unlike fiber's adaptor) streams
// bodies, keeps the unix-socket caller's identity and passes the request's
// context on. WebSockets are net/http handlers, since they need the raw
// connection.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/discovery"
	"switchboard/backend/events"
	"switchboard/backend/gateway"
	"switchboard/backend/secrets"
	"switchboard/backend/security"
	"switchboard/backend/store"
	"switchboard/backend/trust"
	"switchboard/backend/updatecheck"
)

// MaxBodyBytes bounds a request body; a config with hundreds of servers is
// far smaller.
const MaxBodyBytes = 4 << 20

// Options are what the API serves and controls.
type Options struct {
	Gateway *gateway.Gateway
	Store   *store.Store
	Config  *config.Manager
	Events  *events.Bus
	// Metrics serves /metrics in the Prometheus text format.
	Metrics http.Handler
	Logger  *slog.Logger
	Version string
	Started time.Time
	// Addr and Socket say where this instance listens, for /system/info.
	Addr   func() string
	Socket string
	// RatePerSecond and RateBurst bound the requests of each caller on
	// /api (0: DefaultRatePerSecond and DefaultRateBurst).
	RatePerSecond float64
	RateBurst     int
	// Updates is the background update check, for /system/info; may be nil.
	Updates *updatecheck.Checker
	// Trust keeps quarantine approvals and tool pins; nil leaves the
	// quarantine routes answering 503.
	Trust *trust.Trust
	// Secrets is the secret store; nil when it could not be opened.
	Secrets *secrets.Store
	// Guard holds the tool policies and records denials; nil leaves the
	// policy routes answering 503 and applies no policy.
	Guard *security.Guard
	// Security is the security event log; nil leaves its routes answering 503.
	Security *security.Log
	// Discovery keeps the discovery sources and the pending list; nil
	// leaves the discovery routes answering 503.
	Discovery *discovery.Manager
}

// Server is the control API.
type Server struct {
	opts   Options
	log    *slog.Logger
	app    *fiber.App
	routes []Route
	// sockets are the WebSocket routes, served by net/http.
	sockets *http.ServeMux
	limits  *limiter
	// auth holds API keys, roles and principals; nil without a store.
	auth *auth.Service
	// life ends at Close; streams end with it, since http.Server.Shutdown
	// neither ends streaming responses nor knows hijacked WebSockets.
	life  context.Context
	close context.CancelFunc
}

// New builds the API with every route registered.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Started.IsZero() {
		opts.Started = time.Now()
	}
	s := &Server{opts: opts, log: opts.Logger.With("component", "api"), sockets: http.NewServeMux()}
	s.life, s.close = context.WithCancel(context.Background())
	s.limits = newLimiter(opts.RatePerSecond, opts.RateBurst)
	s.openAuth()
	s.app = fiber.New(fiber.Config{
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		// Params and Query values otherwise point into a buffer fiber reuses
		// after the handler returns; handlers keep them (as map keys, in
		// records), so they must be copies.
		Immutable:     true,
		StrictRouting: false,
		CaseSensitive: true,
		BodyLimit:     MaxBodyBytes,
		JSONEncoder:   s.encodeJSON, // secrets.go
	})
	s.registerHealth()
	s.registerServers()
	s.registerDescribe()
	s.registerTools()
	s.registerSessions()
	s.registerActivity()
	s.registerConfig()
	s.registerSystem()
	s.registerEvents()
	s.registerQuarantine()
	s.registerSecrets()
	s.registerDocker()
	s.registerKeys()
	s.registerPolicies()
	s.registerSecurity()
	s.registerCatalog()      // catalog.go
	s.registerImportExport() // importexport.go
	s.registerInfo()         // info.go
	s.registerProfiles()     // profiles.go
	s.registerGroups()       // groups.go
	s.registerDiscovery()    // discovery.go
	s.registerDocs()
	s.app.Use(func(c *fiber.Ctx) error {
		return errNotFound("RouteNotFound", "no route %s %s; the routes are listed at /api/v1/openapi.json", c.Method(), c.Path())
	})
	return s
}

// Close ends every event stream and WebSocket, so a shutdown does not wait
// on them.
func (s *Server) Close() { s.close() }

// Routes lists every route, for the OpenAPI document and its test.
func (s *Server) Routes() []Route { return s.routes }

// ServeHTTP runs the checks every request passes, then the route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := r.Header.Get("X-Request-ID")
	if rid == "" || len(rid) > 128 {
		rid = newRequestID()
	}
	w.Header().Set("X-Request-ID", rid)
	conn := connOf(r.Context())
	cfg := s.opts.Config.Snapshot()

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.log.Debug("request", "request_id", rid, "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "ms", float64(time.Since(start).Microseconds())/1000, "socket", conn.socket)
	}()

	if conn.socket && !conn.sameUser {
		writeEnvelope(sw, errForbidden("PeerNotAllowed", "the control socket only serves the user who runs Switchboard (uid %d); this peer is uid %d", conn.ownerUID, conn.peerUID))
		return
	}
	if !conn.socket {
		if !loopbackHost(r.Host) {
			writeEnvelope(sw, errForbidden("HostNotAllowed", "Host %q is not a loopback name; Switchboard answers only to localhost, 127.0.0.1 and [::1] (this guards against DNS rebinding)", r.Host))
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			if !originAllowed(origin, cfg.CORSOrigins) {
				writeEnvelope(sw, errForbidden("OriginNotAllowed", "Origin %q is not allowed; add it to \"cors_origins\" in the config to let that page call the API", origin))
				return
			}
			setCORS(sw.Header(), origin)
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				sw.WriteHeader(http.StatusNoContent)
				return
			}
		}
	}

	if isPanel(r.URL.Path) {
		// The control panel's static files (docs.go): no key, no secrets;
		// each API call the page makes carries the key.
		panel.ServeHTTP(sw, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if ok, wait := s.limits.allow(callerOf(r, conn)); !ok {
			sw.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			writeEnvelope(sw, s.limits.errTooMany(wait))
			return
		}
	}
	p, aerr := s.authenticate(r, conn, cfg)
	if aerr != nil {
		writeEnvelope(sw, aerr)
		return
	}
	r.Body = http.MaxBytesReader(sw, r.Body, MaxBodyBytes)
	ctx := context.WithValue(r.Context(), requestKey{}, &requestInfo{id: rid, principal: p, socket: conn.socket})
	r = r.WithContext(ctx)
	if _, pattern := s.sockets.Handler(r); pattern != "" {
		// Through the mux, not the handler it found: only ServeHTTP sets
		// the path values ({name}) on the request.
		s.sockets.ServeHTTP(sw, r)
		return
	}
	s.fiberHandler(sw, r)
}

// needsKey says whether a path is behind the API key on TCP.
func needsKey(path string) bool {
	switch {
	case path == "/api/v1/openapi.json":
		return false
	case strings.HasPrefix(path, "/api/"):
		return true
	}
	return false // health, metrics, swagger, ui: no secrets there
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController and websocket reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
