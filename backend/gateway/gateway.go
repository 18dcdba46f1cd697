// Package gateway is the downstream MCP server: it merges the upstreams'
// tools, prompts and resources, serves them on /mcp and /mcp/servers/{name},
// and routes every request and notification to and from the right session.
package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/events"
	"switchboard/backend/hostcheck"
	"switchboard/backend/store"
	"switchboard/backend/upstream"
)

// Recorder receives one record per tool call, off the hot path.
type Recorder interface {
	Record(store.ActivityRecord)
}

// CatalogCache keeps each server's last catalog between runs. Both methods
// are called off the hot path.
type CatalogCache interface {
	LoadCatalog(server string) ([]byte, bool)
	SaveCatalog(server string, data []byte)
}

// Options configure a Gateway.
type Options struct {
	Logger   *slog.Logger
	Recorder Recorder     // may be nil
	Catalogs CatalogCache // may be nil: then every server starts once at start-up
	// SessionIdleTTL ends client sessions that have been silent this long.
	SessionIdleTTL time.Duration
	// Events hears server state changes, tool list changes, calls and
	// sessions; may be nil.
	Events *events.Bus
	// Trust decides which servers and tools reach clients (quarantine and
	// tool pinning); nil trusts every server and tool.
	Trust TrustFilter
	// CallGuard may refuse a tool call before it is sent; nil lets every
	// call through.
	CallGuard CallGuard
	// CallerName names who makes the requests made with a context, for
	// the activity log; nil leaves records without one.
	CallerName func(context.Context) string
}

// Gateway owns the upstreams and the endpoints clients connect to.
type Gateway struct {
	log        *slog.Logger
	recorder   Recorder
	events     *events.Bus
	catalogs   CatalogCache
	trust      TrustFilter
	callGuard  CallGuard
	callerName func(context.Context) string
	// saved holds the catalog last written per upstream, so state changes
	// that leave the catalog as it was (degraded, ready again) write nothing.
	saved          sync.Map // *upstream.Upstream -> *upstream.Catalog
	sessionIdleTTL time.Duration
	calls          *calls
	sessionCount   atomic.Int64
	// lastState is the state last published per supervisor, lastTools the
	// tool names last published, so only real changes become events.
	lastState sync.Map // *upstream.Upstream -> upstream.State
	toolsMu   sync.Mutex
	lastTools []string

	mu        sync.RWMutex
	cfg       *config.Config
	upstreams map[string]*upstream.Upstream
	agg       *endpoint
	singles   map[string]*endpoint
	profiles  map[string]*endpoint     // one per profile in cfg, made by Apply
	groups    map[string]*groupRuntime // one per group in cfg, made by Apply (groups.go)
	origins   []string
	closed    bool

	dirty chan struct{}
	done  chan struct{}
	// settled is closed once the servers of the first config have finished
	// their first start attempt, so a client that connects at start-up sees
	// every tool instead of an empty list.
	settled    chan struct{}
	settleOnce sync.Once
}

// startupWait bounds how long a client waits for servers at start-up.
const startupWait = 15 * time.Second

// New creates a gateway with no servers; Apply gives it its config.
func New(opts Options) *Gateway {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SessionIdleTTL == 0 {
		opts.SessionIdleTTL = 30 * time.Minute
	}
	g := &Gateway{
		log:            opts.Logger,
		recorder:       opts.Recorder,
		events:         opts.Events,
		catalogs:       opts.Catalogs,
		trust:          opts.Trust,
		callGuard:      opts.CallGuard,
		callerName:     opts.CallerName,
		sessionIdleTTL: opts.SessionIdleTTL,
		calls:          newCalls(),
		cfg:            &config.Config{Servers: map[string]*config.Server{}},
		upstreams:      map[string]*upstream.Upstream{},
		singles:        map[string]*endpoint{},
		profiles:       map[string]*endpoint{},
		groups:         map[string]*groupRuntime{},
		dirty:          make(chan struct{}, 1),
		done:           make(chan struct{}),
		settled:        make(chan struct{}),
	}
	g.agg = newEndpoint(g, "", "", "")
	go g.syncLoop()
	return g
}

// Apply brings the running servers in line with cfg: servers that were
// added start, removed ones stop, changed ones restart, and the rest are
// not touched.
func (g *Gateway) Apply(cfg *config.Config) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	d := config.Diff(g.cfg, cfg)
	var stopping []*upstream.Upstream
	var starting []*upstream.Upstream
	var restart, live []string
	for _, name := range d.Changed {
		if u := g.upstreams[name]; u != nil && config.LiveChange(g.cfg.Servers[name], cfg.Servers[name]) {
			u.UpdateConfig(cfg.Servers[name])
			live = append(live, name)
			continue
		}
		restart = append(restart, name)
	}
	for _, name := range slices.Concat(d.Removed, restart) {
		if u := g.upstreams[name]; u != nil {
			stopping = append(stopping, u)
			delete(g.upstreams, name)
		}
	}
	for _, name := range slices.Concat(d.Added, restart) {
		u := upstream.New(name, cfg.Servers[name], g.hooks(), g.log)
		g.upstreams[name] = u
		starting = append(starting, u)
	}
	profilesChanged := !reflect.DeepEqual(g.cfg.Profiles, cfg.Profiles)
	dropped := g.reconcileProfiles(cfg)
	groupsChanged := !reflect.DeepEqual(g.cfg.Groups, cfg.Groups)
	droppedGroups := g.reconcileGroups(cfg)
	g.cfg = cfg
	g.origins = slices.Clone(cfg.CORSOrigins)
	g.mu.Unlock()
	g.dropEndpoints(dropped, "its profile was removed from the config")
	g.dropGroups(droppedGroups)

	if len(d.Added)+len(d.Removed)+len(d.Changed) > 0 {
		g.log.Info("config applied", "added", d.Added, "removed", d.Removed, "changed", d.Changed)
	}
	for _, n := range d.Added {
		g.publish(events.ServerAdded, n, nil)
	}
	for _, n := range d.Changed {
		g.publish(events.ServerUpdated, n, nil)
	}
	for _, n := range d.Removed {
		g.publish(events.ServerRemoved, n, nil)
	}
	if len(live) > 0 || profilesChanged || groupsChanged {
		// What clients see changes now, so the API call that made the change
		// answers with its effect.
		g.syncNow()
	}
	g.kick()
	var wg sync.WaitGroup
	for _, u := range stopping {
		g.saved.Delete(u)
		wg.Add(1)
		go func() { defer wg.Done(); u.Stop() }()
	}
	wg.Wait()
	for _, u := range starting {
		// A server with an idle_ttl_s whose catalog is known from an earlier
		// run stays cold until its first call. Every other server starts now,
		// so its tools are known; one with an idle_ttl_s stops again when idle.
		if u.Config().IdleTTL() > 0 && g.restoreCatalog(u) {
			continue
		}
		u.Start()
	}
	g.settleOnce.Do(func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), startupWait)
			defer cancel()
			g.WaitReady(ctx)
			close(g.settled)
		}()
	})
}

// waitSettled holds a request until the first start-up has settled.
func (g *Gateway) waitSettled(r *http.Request) {
	select {
	case <-g.settled:
	case <-r.Context().Done():
	case <-time.After(startupWait):
	}
}

// restoreCatalog gives a cold server its saved catalog, if there is one
// for its current config.
func (g *Gateway) restoreCatalog(u *upstream.Upstream) bool {
	if g.catalogs == nil {
		return false
	}
	data, ok := g.catalogs.LoadCatalog(u.Name())
	if !ok {
		return false
	}
	cat, ok, err := upstream.DecodeCatalog(u.Config(), data)
	if err != nil {
		g.log.Warn("saved catalog unreadable; starting the server instead", "server", u.Name(), "err", err)
	}
	if !ok {
		return false
	}
	u.UseCatalog(cat)
	return true
}

// saveCatalog keeps a ready server's catalog for the next run.
func (g *Gateway) saveCatalog(u *upstream.Upstream) {
	if g.catalogs == nil || u.State() != upstream.StateReady {
		return
	}
	cat := u.Catalog()
	if last, ok := g.saved.Load(u); ok && last == cat {
		return
	}
	g.saved.Store(u, cat)
	data, err := upstream.EncodeCatalog(u.Config(), cat)
	if err != nil {
		g.log.Warn("save catalog", "server", u.Name(), "err", err)
		return
	}
	g.catalogs.SaveCatalog(u.Name(), data)
}

// Upstream returns a server's supervisor, or nil.
func (g *Gateway) upstream(name string) *upstream.Upstream {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.upstreams[name]
}

// Upstreams returns every supervisor, sorted by name.
func (g *Gateway) Upstreams() []*upstream.Upstream {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]*upstream.Upstream, 0, len(g.upstreams))
	for _, u := range g.upstreams {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Sessions is the number of client sessions open on all endpoints.
func (g *Gateway) Sessions() int64 { return g.sessionCount.Load() }

// Collisions lists the names that clash on /mcp.
func (g *Gateway) Collisions() []Collision { return g.agg.routes.Load().collisions }

// WaitReady waits until every enabled server has finished its first start
// attempt (ready or failed), or ctx ends.
func (g *Gateway) WaitReady(ctx context.Context) {
	for _, u := range g.Upstreams() {
		_ = u.WaitReady(ctx)
	}
	g.syncNow()
}

// Close stops every server and waits until their processes are gone.
func (g *Gateway) Close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	ups := make([]*upstream.Upstream, 0, len(g.upstreams))
	for _, u := range g.upstreams {
		ups = append(ups, u)
	}
	endpoints := g.allEndpoints()
	groupList := mapValues(g.groups)
	g.mu.Unlock()
	close(g.done)
	for _, gr := range groupList {
		gr.pool.Close()
	}
	var wg sync.WaitGroup
	for _, u := range ups {
		wg.Add(1)
		go func() { defer wg.Done(); u.Stop() }()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, e := range endpoints {
		e.http.CloseSessions(ctx)
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// kick asks the sync loop to recompute the endpoints.
func (g *Gateway) kick() {
	select {
	case g.dirty <- struct{}{}:
	default:
	}
}

// syncLoop coalesces bursts of changes (twenty servers becoming ready at
// once) into few recomputations.
func (g *Gateway) syncLoop() {
	for {
		select {
		case <-g.done:
			return
		case <-g.dirty:
			g.syncNow()
		}
	}
}

func (g *Gateway) syncNow() {
	g.mu.RLock()
	ups := make(map[string]*upstream.Upstream, len(g.upstreams))
	for n, u := range g.upstreams {
		ups[n] = u
	}
	endpoints := g.allEndpoints()
	g.mu.RUnlock()
	g.syncGroups(ups)
	for _, e := range endpoints {
		e.sync(ups)
	}
	g.toolsChanged()
}

// single returns the endpoint of one server, creating it on first use.
func (g *Gateway) single(name string) *endpoint {
	g.mu.Lock()
	if _, ok := g.upstreams[name]; !ok || g.closed {
		g.mu.Unlock()
		return nil
	}
	e, ok := g.singles[name]
	if !ok {
		e = newEndpoint(g, name, "", "")
		g.singles[name] = e
	}
	ups := map[string]*upstream.Upstream{name: g.upstreams[name]}
	g.mu.Unlock()
	if !ok {
		e.sync(ups)
	}
	return e
}

// endpointsWith lists the endpoints that expose a server.
func (g *Gateway) endpointsWith(name string) []*endpoint {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var out []*endpoint
	if slices.Contains(g.agg.routes.Load().servers, name) {
		out = append(out, g.agg)
	}
	if e := g.singles[name]; e != nil {
		out = append(out, e)
	}
	for _, e := range g.profiles {
		if slices.Contains(e.routes.Load().servers, name) {
			out = append(out, e)
		}
	}
	for _, gr := range g.groups {
		if slices.Contains(gr.ep.routes.Load().servers, name) {
			out = append(out, gr.ep)
		}
	}
	return out
}

// allEndpoints lists every endpoint: the aggregate, the single-server ones,
// the profiles' and the groups'. Called with g.mu held.
func (g *Gateway) allEndpoints() []*endpoint {
	return slices.Concat([]*endpoint{g.agg}, mapValues(g.singles), mapValues(g.profiles), g.groupEndpoints())
}

// reconcileProfiles gives each profile of cfg its endpoint and returns the
// endpoints of profiles cfg no longer has. Called with g.mu held.
func (g *Gateway) reconcileProfiles(cfg *config.Config) []*endpoint {
	var dropped []*endpoint
	for name, e := range g.profiles {
		if cfg.Profiles[name] == nil {
			delete(g.profiles, name)
			dropped = append(dropped, e)
		}
	}
	for name, p := range cfg.Profiles {
		if p != nil && g.profiles[name] == nil {
			g.profiles[name] = newEndpoint(g, "", name, "")
		}
	}
	return dropped
}

// dropEndpoints ends the sessions of endpoints that are gone; their clients
// get 404 on their next request, since the handler no longer finds them.
func (g *Gateway) dropEndpoints(eps []*endpoint, reason string) {
	for _, e := range eps {
		searchStates.Delete(e) // its search index, if it had one
		e.clients.Range(func(_, c any) bool {
			c.(*clientState).record.endedBy.Store(&reason)
			return true
		})
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			e.http.CloseSessions(ctx)
		}()
	}
}

// profileEndpoint returns the endpoint of a configured profile, or nil.
func (g *Gateway) profileEndpoint(name string) *endpoint {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil
	}
	return g.profiles[name]
}

// do runs one request against a server on behalf of a client request, so
// that progress and server-to-client requests find their way back.
func (g *Gateway) do(ctx context.Context, e *endpoint, name string, meta *mcp.Meta,
	fn func(ctx context.Context, c *client.Client, meta *mcp.Meta) error) error {
	return g.doCall(ctx, e, name, meta, nil, fn)
}

// doCall is do for a call whose notifications go to sink (the fast path)
// rather than through mcp-go's session.
func (g *Gateway) doCall(ctx context.Context, e *endpoint, name string, meta *mcp.Meta, sink *fastSink,
	fn func(ctx context.Context, c *client.Client, meta *mcp.Meta) error) error {
	u := g.upstream(name)
	if u == nil {
		return fmt.Errorf("server %q has been removed", name)
	}
	var token mcp.ProgressToken
	if meta != nil {
		token = meta.ProgressToken
	}
	c := g.calls.begin(e, ctx, name, token, sink)
	defer g.calls.end(c)
	return u.Do(ctx, func(ctx context.Context, cl *client.Client) error { return fn(ctx, cl, c.meta(meta)) })
}

func (g *Gateway) hooks() upstream.Hooks {
	return upstream.Hooks{
		OnChange: func(u *upstream.Upstream) {
			g.stateChanged(u)
			g.kick()
			go g.saveCatalog(u)
		},
		OnNotification: g.onNotification,
		Sampling: func(ctx context.Context, u *upstream.Upstream, req mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			c, err := g.caller(u, "sampling/createMessage")
			if err != nil {
				return nil, err
			}
			if c.sink != nil {
				return c.sample(ctx, req)
			}
			return c.ep.srv.RequestSampling(c.ctx, req)
		},
		Elicitation: func(ctx context.Context, u *upstream.Upstream, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
			c, err := g.caller(u, "elicitation/create")
			if err != nil {
				return nil, err
			}
			if c.sink != nil {
				return c.elicit(ctx, req)
			}
			return c.ep.srv.RequestElicitation(c.ctx, req)
		},
		Roots: func(ctx context.Context, u *upstream.Upstream, req mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
			c, err := g.caller(u, "roots/list")
			if err != nil {
				return nil, err
			}
			if c.sink != nil {
				return c.listRoots(ctx, req)
			}
			return c.ep.srv.RequestRoots(c.ctx, req)
		},
	}
}

// caller finds the client request a server-to-client request belongs to.
func (g *Gateway) caller(u *upstream.Upstream, method string) (*call, error) {
	c := g.calls.latest(u.Name())
	if c == nil {
		return nil, fmt.Errorf("switchboard: %s from server %q arrived while no client request to it is in progress, so there is no client to ask", method, u.Name())
	}
	return c, nil
}

// onNotification routes an upstream notification to the right sessions.
func (g *Gateway) onNotification(u *upstream.Upstream, n mcp.JSONRPCNotification) {
	params := notificationParams(n)
	switch n.Method {
	case string(mcp.MethodNotificationProgress):
		c := g.calls.byProgressToken(params["progressToken"])
		if c == nil {
			return
		}
		params["progressToken"] = c.token
		if c.sink != nil {
			c.sink.notify(n.Method, params)
			return
		}
		_ = c.ep.srv.SendNotificationToClient(c.ctx, n.Method, params)
	case string(mcp.MethodNotificationResourceUpdated):
		uri, _ := params["uri"].(string)
		for _, e := range g.endpointsWith(u.Name()) {
			e.clients.Range(func(id, c any) bool {
				if c.(*clientState).subscribed(uri) {
					_ = e.srv.SendNotificationToSpecificClient(id.(string), n.Method, params)
				}
				return true
			})
		}
	default:
		// Log messages and anything else: to the client whose request is in
		// progress on this server, else to every session that sees it.
		isLog := n.Method == string(mcp.MethodNotificationMessage)
		if c := g.calls.latest(u.Name()); c != nil {
			if s := sessionOf(c.ctx); s != nil && (!isLog || c.ep.known(s.SessionID()).wantsLog(params["level"])) {
				if c.sink != nil {
					c.sink.notify(n.Method, params)
				} else {
					_ = c.ep.srv.SendNotificationToClient(c.ctx, n.Method, params)
				}
			}
			return
		}
		for _, e := range g.endpointsWith(u.Name()) {
			e.clients.Range(func(id, c any) bool {
				if !isLog || c.(*clientState).wantsLog(params["level"]) {
					_ = e.srv.SendNotificationToSpecificClient(id.(string), n.Method, params)
				}
				return true
			})
		}
	}
}

// Handler serves /mcp and /mcp/servers/{name}, with Host and Origin checked
// on every request.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		g.waitSettled(r)
		g.agg.ServeHTTP(w, r)
	})
	mux.HandleFunc("/mcp/servers/{name}", func(w http.ResponseWriter, r *http.Request) {
		g.waitSettled(r)
		name := r.PathValue("name")
		e := g.single(name)
		if e == nil {
			writeError(w, http.StatusNotFound, "ServerNotFound", fmt.Sprintf("no server named %q is configured", name))
			return
		}
		e.ServeHTTP(w, r)
	})
	mux.HandleFunc("/mcp/groups/{id}", g.groupHandler)
	mux.HandleFunc("/mcp/profiles/{name}", func(w http.ResponseWriter, r *http.Request) {
		g.waitSettled(r)
		name := r.PathValue("name")
		e := g.profileEndpoint(name)
		if e == nil {
			writeError(w, http.StatusNotFound, "ProfileNotFound", fmt.Sprintf("no profile named %q is configured", name))
			return
		}
		e.ServeHTTP(w, r)
	})
	return g.CheckOrigin(mux)
}

// CheckOrigin refuses requests whose Host is not a loopback name, and
// browser requests from an origin that is neither loopback nor listed in
// cors_origins: together they stop DNS-rebinding and drive-by pages.
func (g *Gateway) CheckOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostcheck.LoopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, "ForbiddenHost",
				fmt.Sprintf("Host %q is not allowed: Switchboard only answers to localhost, 127.0.0.1 or [::1]", r.Host))
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !g.originAllowed(o) {
			writeError(w, http.StatusForbidden, "ForbiddenOrigin",
				fmt.Sprintf("Origin %q is not allowed; add it to cors_origins in the config to allow it", o))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (g *Gateway) originAllowed(origin string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return hostcheck.OriginAllowed(origin, g.origins)
}

// writeError writes the error envelope every Switchboard HTTP error uses.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": code, "message": msg, "status_code": status})
}
