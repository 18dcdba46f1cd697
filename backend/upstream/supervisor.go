package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
)

// Version is what Switchboard tells upstream servers it is.
var Version = "dev"

// Hooks connect an upstream to the gateway. Every field may be nil.
type Hooks struct {
	// OnChange: the state or the catalog changed.
	OnChange func(u *Upstream)
	// OnNotification: a notification other than a list change arrived
	// (progress, log message, resources/updated, ...).
	OnNotification func(u *Upstream, n mcp.JSONRPCNotification)
	// Server-to-client requests, to be answered by the client that caused them.
	Sampling    func(ctx context.Context, u *Upstream, req mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error)
	Elicitation func(ctx context.Context, u *Upstream, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error)
	Roots       func(ctx context.Context, u *Upstream, req mcp.ListRootsRequest) (*mcp.ListRootsResult, error)
}

// Catalog is what an upstream offers. A snapshot: never modified once published.
type Catalog struct {
	Tools        []mcp.Tool
	Prompts      []mcp.Prompt
	Resources    []mcp.Resource
	Templates    []mcp.ResourceTemplate
	Capabilities mcp.ServerCapabilities
	Info         mcp.Implementation
	Instructions string
}

// Errors a caller can tell apart.
var (
	ErrUnavailable = errors.New("server unavailable")
	ErrTimeout     = errors.New("timed out")
)

// healthFailuresBeforeRestart is how many failed pings in a row turn a
// degraded server into a dead one that is restarted.
const healthFailuresBeforeRestart = 3

// stableAfter: a server that stays up this long has its backoff reset.
const stableAfter = time.Minute

// Status is a point-in-time view of an upstream for the API and logs.
type Status struct {
	Name        string
	State       State
	LastError   string
	Restarts    int
	StartedAt   time.Time
	NextRestart time.Time
	PID         int
	InFlight    int64
	ToolCount   int
}

// Upstream supervises one configured server.
type Upstream struct {
	name    string
	cfg     atomic.Pointer[config.Server] // replaced whole by UpdateConfig
	hooks   Hooks
	log     *slog.Logger
	backoff Backoff
	stderr  *RingBuffer
	health  healthHistory

	catalog  atomic.Pointer[Catalog]
	lastUsed atomic.Int64
	inflight atomic.Int64

	mu           sync.Mutex
	state        State
	conn         *conn
	lastErr      string
	restarts     int
	attempt      int
	healthFails  int
	startedAt    time.Time
	nextRestart  time.Time
	startDone    chan struct{}
	restartTimer *time.Timer
	done         chan struct{}
}

// conn is one live connection (and, for stdio, one process).
type conn struct {
	client  *client.Client
	cmd     *exec.Cmd
	cancel  context.CancelFunc
	exited  chan struct{}
	closing atomic.Bool
	// docker and container are set when the server runs in a container
	// (see docker.go): the container is killed when the server stops.
	docker, container string
}

// New creates the supervisor of one server. It does not start it: call
// Start, or let the first Acquire start it.
func New(name string, cfg *config.Server, hooks Hooks, log *slog.Logger) *Upstream {
	if log == nil {
		log = slog.Default()
	}
	u := &Upstream{
		name:    name,
		hooks:   hooks,
		log:     log.With("server", name),
		backoff: DefaultBackoff,
		stderr:  NewRingBuffer(500, 4096),
		state:   StateCold,
		done:    make(chan struct{}),
	}
	u.cfg.Store(cfg.Clone())
	u.catalog.Store(&Catalog{})
	if !cfg.IsEnabled() {
		u.state = StateDisabled
	}
	go u.watch()
	return u
}

// Name is the configured name.
func (u *Upstream) Name() string { return u.name }

// Config is the server's config as written (references not resolved).
func (u *Upstream) Config() *config.Server { return u.cfg.Load() }

// UpdateConfig puts in a config that differs from the running one only in
// what needs no reconnect (see config.LiveChange): the server keeps running.
func (u *Upstream) UpdateConfig(cfg *config.Server) {
	u.cfg.Store(cfg.Clone())
	u.changed()
}

// Catalog is the last known catalog; it stays known while the server is cold.
func (u *Upstream) Catalog() *Catalog { return u.catalog.Load() }

// Stderr returns the last n lines the process wrote to stderr.
func (u *Upstream) Stderr(n int) []string { return u.stderr.Lines(n) }

// State is the current state.
func (u *Upstream) State() State {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.state
}

// Status is a snapshot for display.
func (u *Upstream) Status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	st := Status{Name: u.name, State: u.state, LastError: u.lastErr, Restarts: u.restarts,
		StartedAt: u.startedAt, NextRestart: u.nextRestart, InFlight: u.inflight.Load(),
		ToolCount: len(u.catalog.Load().Tools)}
	if u.conn != nil && u.conn.cmd != nil && u.conn.cmd.Process != nil {
		st.PID = u.conn.cmd.Process.Pid
	}
	return st
}

// Start begins connecting if the server is cold or dead; it does not wait.
func (u *Upstream) Start() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == StateCold || u.state == StateDead {
		u.startLocked()
	}
}

// WaitReady waits until the current start attempt ends and reports whether
// the server is usable.
func (u *Upstream) WaitReady(ctx context.Context) error {
	u.mu.Lock()
	ch := u.startDone
	u.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state.Usable() {
		return nil
	}
	return u.unavailableLocked()
}

// Acquire returns a client for one request, starting the server if it is
// cold. A server that is dead or disabled gives an error at once. The caller
// must call release when the request ends.
func (u *Upstream) Acquire(ctx context.Context) (c *client.Client, release func(), err error) {
	u.mu.Lock()
	for {
		switch u.state {
		case StateReady, StateDegraded:
			c = u.conn.client
			u.inflight.Add(1)
			u.lastUsed.Store(time.Now().UnixNano())
			u.mu.Unlock()
			return c, u.release, nil
		case StateCold:
			u.startLocked()
		case StateStarting:
			ch := u.startDone
			u.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("server %q is still starting: %w", u.name, ctx.Err())
			}
			u.mu.Lock()
			if !u.state.Usable() {
				err = u.unavailableLocked()
				u.mu.Unlock()
				return nil, nil, err
			}
		default:
			err = u.unavailableLocked()
			u.mu.Unlock()
			return nil, nil, err
		}
	}
}

func (u *Upstream) release() {
	u.lastUsed.Store(time.Now().UnixNano())
	u.inflight.Add(-1)
}

func (u *Upstream) unavailableLocked() error {
	switch u.state {
	case StateDisabled:
		return fmt.Errorf("%w: server %q is disabled", ErrUnavailable, u.name)
	case StateStopped:
		if strings.HasPrefix(u.lastErr, "stopped: ") {
			return fmt.Errorf("%w: server %q was %s", ErrUnavailable, u.name, u.lastErr)
		}
		return fmt.Errorf("%w: server %q has been stopped", ErrUnavailable, u.name)
	case StateDead:
		wait := time.Until(u.nextRestart).Round(100 * time.Millisecond)
		if wait < 0 {
			wait = 0
		}
		return fmt.Errorf("%w: server %q is down (%s); next restart in %s", ErrUnavailable, u.name, u.lastErr, wait)
	}
	return fmt.Errorf("%w: server %q is %s", ErrUnavailable, u.name, u.state)
}

// Do runs fn with a client under the call timeout, starting the server if
// needed. A deadline from the timeout comes back as ErrTimeout.
func (u *Upstream) Do(ctx context.Context, fn func(ctx context.Context, c *client.Client) error) error {
	ctx, cancel := context.WithTimeout(ctx, u.Config().CallTimeout())
	defer cancel()
	c, release, err := u.Acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	err = fn(ctx, c)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: server %q did not answer within %s", ErrTimeout, u.name, u.Config().CallTimeout())
	}
	if err != nil && ctx.Err() == nil && (errors.Is(err, transport.ErrTransportClosed) || u.connLost()) {
		return fmt.Errorf("%w: server %q went away during the request: %v", ErrUnavailable, u.name, err)
	}
	return err
}

// connLost reports whether the current connection has gone (process exited).
func (u *Upstream) connLost() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return !u.state.Usable()
}

// Stop ends the server for good (shutdown, removal, config change) and
// waits until its process group is gone.
func (u *Upstream) Stop() {
	u.mu.Lock()
	if u.state == StateStopped {
		u.mu.Unlock()
		return
	}
	u.setStateLocked(StateStopped)
	c := u.conn
	u.conn = nil
	if u.restartTimer != nil {
		u.restartTimer.Stop()
	}
	close(u.done)
	u.mu.Unlock()
	if c != nil {
		c.close(u.log)
	}
}

// Restart closes the current connection (if any) and connects again now.
func (u *Upstream) Restart() {
	u.mu.Lock()
	if u.state == StateStopped || u.state == StateDisabled {
		u.mu.Unlock()
		return
	}
	c := u.conn
	u.conn = nil
	u.attempt = 0
	u.startLocked()
	u.mu.Unlock()
	if c != nil {
		go c.close(u.log)
	}
	u.changed()
}

func (u *Upstream) setStateLocked(s State) {
	if !canTransition(u.state, s) {
		u.log.Error("invalid state transition", "from", u.state, "to", s)
	}
	if u.state != s {
		u.log.Debug("state", "from", u.state, "to", s)
	}
	u.state = s
}

func (u *Upstream) changed() {
	if u.hooks.OnChange != nil {
		u.hooks.OnChange(u)
	}
}

// startLocked begins one connection attempt. u.mu must be held.
func (u *Upstream) startLocked() {
	if u.restartTimer != nil {
		u.restartTimer.Stop()
		u.restartTimer = nil
	}
	u.setStateLocked(StateStarting)
	u.healthFails = 0
	done := make(chan struct{})
	u.startDone = done
	go u.connect(done)
}

func (u *Upstream) connect(done chan struct{}) {
	c, cat, err := u.dial()
	u.mu.Lock()
	if u.startDone != done || u.state != StateStarting {
		// Stopped, disabled or restarted meanwhile: this attempt is stale.
		u.mu.Unlock()
		if c != nil {
			c.close(u.log)
		}
		close(done)
		return
	}
	if err != nil {
		u.lastErr = err.Error()
		u.failLocked()
		u.mu.Unlock()
		u.log.Warn("start failed", "err", err)
		close(done)
		u.changed()
		return
	}
	u.conn = c
	u.startedAt = time.Now()
	u.lastErr = ""
	u.lastUsed.Store(time.Now().UnixNano())
	u.catalog.Store(cat)
	u.setStateLocked(StateReady)
	u.mu.Unlock()
	u.log.Info("ready", "tools", len(cat.Tools), "prompts", len(cat.Prompts), "resources", len(cat.Resources))
	close(done)
	u.changed()
	if c.cmd != nil {
		go u.waitExit(c)
	}
}

// failLocked marks the server dead and schedules a restart with backoff.
func (u *Upstream) failLocked() {
	u.setStateLocked(StateDead)
	delay := u.backoff.Delay(u.attempt)
	u.attempt++
	u.nextRestart = time.Now().Add(delay)
	u.restartTimer = time.AfterFunc(delay, func() {
		u.mu.Lock()
		if u.state == StateDead {
			u.restarts++
			u.startLocked()
		}
		u.mu.Unlock()
		u.changed()
	})
}

// waitExit notices a stdio server that exits on its own.
func (u *Upstream) waitExit(c *conn) {
	<-c.exited
	if c.closing.Load() {
		return
	}
	u.lost(c, fmt.Errorf("process exited (%s)%s", exitText(c.cmd), u.lastStderr()))
}

// lost handles a connection that died under us.
func (u *Upstream) lost(c *conn, err error) {
	u.mu.Lock()
	if u.conn != c || !u.state.Usable() {
		u.mu.Unlock()
		return
	}
	u.conn = nil
	u.lastErr = err.Error()
	if time.Since(u.startedAt) > stableAfter {
		u.attempt = 0
	}
	u.failLocked()
	u.mu.Unlock()
	u.log.Warn("connection lost", "err", err)
	go c.close(u.log)
	u.changed()
}

func (u *Upstream) lastStderr() string {
	lines := u.stderr.Lines(1)
	if len(lines) == 0 {
		return ""
	}
	return "; last stderr: " + lines[0]
}

func exitText(cmd *exec.Cmd) string {
	if cmd.ProcessState == nil {
		return "unknown status"
	}
	return cmd.ProcessState.String()
}

// dial opens the transport, initialises and fetches every list.
func (u *Upstream) dial() (*conn, *Catalog, error) {
	cfg, err := config.ExpandRefs(u.name, u.Config())
	if err != nil {
		return nil, nil, err
	}
	life, cancel := context.WithCancel(context.Background())
	c := &conn{cancel: cancel, exited: make(chan struct{})}
	var tr transport.Interface
	var listening *getAnswered // HTTP only: when the server has answered the GET stream
	switch cfg.TransportType() {
	case config.TypeStdio:
		tr, err = u.spawn(cfg, c)
	case config.TypeHTTP:
		listening = newGetAnswered()
		tr, err = transport.NewStreamableHTTP(cfg.URL, transport.WithHTTPHeaders(cfg.Headers), transport.WithContinuousListening(),
			transport.WithHTTPBasicClient(&http.Client{Transport: listening}))
	case config.TypeSSE:
		tr, err = transport.NewSSE(cfg.URL, transport.WithHeaders(cfg.Headers))
	default:
		err = fmt.Errorf("unknown transport %q", cfg.TransportType())
	}
	if err != nil {
		cancel()
		return nil, nil, err
	}
	c.client = client.NewClient(tr,
		client.WithLegacyProtocolOnly(),
		client.WithSamplingHandler(samplingFunc{u}),
		client.WithElicitationHandler(elicitationFunc{u}),
		client.WithRootsHandler(rootsFunc{u}),
	)
	fail := func(err error) (*conn, *Catalog, error) {
		c.close(u.log)
		return nil, nil, err
	}
	if err := c.client.Start(life); err != nil {
		return fail(fmt.Errorf("start transport: %w", err))
	}
	c.client.OnNotification(func(n mcp.JSONRPCNotification) { u.onNotification(c, n) })
	c.client.OnConnectionLost(func(err error) { u.lost(c, fmt.Errorf("connection lost: %w", err)) })

	ctx, stop := context.WithTimeout(life, u.Config().ConnectTimeout())
	defer stop()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "switchboard", Version: Version}
	res, err := c.client.Initialize(ctx, init)
	if err != nil {
		return fail(u.explain("initialize", ctx, err))
	}
	cat, err := fetchCatalog(ctx, c.client, res)
	if err != nil {
		return fail(u.explain("list", ctx, err))
	}
	listening.wait(ctx, getStreamWait)
	if res.Capabilities.Logging != nil {
		// Receive every log message; the gateway filters per client session.
		lvl := mcp.SetLevelRequest{}
		lvl.Params.Level = mcp.LoggingLevelDebug
		if err := c.client.SetLevel(ctx, lvl); err != nil {
			u.log.Debug("logging/setLevel refused", "err", err)
		}
	}
	return c, cat, nil
}

// explain turns a failed start step into an error a person can act on.
func (u *Upstream) explain(step string, ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer within %s (connect_timeout_s)%s", step, u.Config().ConnectTimeout(), u.lastStderr())
	}
	return fmt.Errorf("%s: %v%s", step, err, u.lastStderr())
}

// spawn starts a stdio server in its own process group.
func (u *Upstream) spawn(cfg *config.Server, c *conn) (transport.Interface, error) {
	path, args, err := u.command(cfg, c)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	// The mark lets the reaper find what the server starts (reaper.go).
	cmd.Env = mergeEnv(ChildEnv(cfg.Env), []string{gatewayMark})
	cmd.Dir = cfg.Cwd
	cmd.Stderr = u.stderr
	// A grandchild that outlives the server would keep stderr open and
	// Wait from returning; the exit must still be noticed.
	cmd.WaitDelay = time.Second
	ConfigureProcessGroup(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %q: %w", cfg.Command, err)
	}
	c.cmd = cmd
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	return transport.NewIO(stdout, stdin, io.NopCloser(strings.NewReader(""))), nil
}

// close ends the connection and, for stdio, the whole process group.
func (c *conn) close(log *slog.Logger) {
	if !c.closing.CompareAndSwap(false, true) {
		return
	}
	if c.client != nil {
		_ = c.client.Close()
	}
	if c.cmd != nil && c.cmd.Process != nil {
		if err := KillProcessGroup(c.cmd.Process.Pid, 2*time.Second); err != nil {
			log.Warn("stop process group", "err", err)
		}
		<-c.exited
		c.killContainer(log)
	}
	c.cancel()
}

// fetchCatalog lists what the server offers. The lists are asked for at
// once, not one after the other: each is a round trip to a process that may
// be starting on a busy machine with many others, and a server is ready
// only when it has answered all of them.
func fetchCatalog(ctx context.Context, c *client.Client, res *mcp.InitializeResult) (*Catalog, error) {
	cat := &Catalog{Capabilities: res.Capabilities, Info: res.ServerInfo, Instructions: res.Instructions}
	var wg sync.WaitGroup
	var toolsErr, promptsErr, resourcesErr error
	if res.Capabilities.Tools != nil {
		wg.Go(func() {
			cat.Tools, toolsErr = listToolsRaw(ctx, c)
		})
	}
	if res.Capabilities.Prompts != nil {
		wg.Go(func() {
			r, e := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
			if promptsErr = e; e == nil {
				cat.Prompts = r.Prompts
			}
		})
	}
	if res.Capabilities.Resources != nil {
		wg.Go(func() {
			r, e := c.ListResources(ctx, mcp.ListResourcesRequest{})
			if resourcesErr = e; e == nil {
				cat.Resources = r.Resources
			}
		})
		wg.Go(func() {
			// Templates are optional even when resources are offered.
			if t, e := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{}); e == nil {
				cat.Templates = t.ResourceTemplates
			}
		})
	}
	wg.Wait()
	switch {
	case toolsErr != nil:
		return nil, fmt.Errorf("tools/list: %w", toolsErr)
	case promptsErr != nil:
		return nil, fmt.Errorf("prompts/list: %w", promptsErr)
	case resourcesErr != nil:
		return nil, fmt.Errorf("resources/list: %w", resourcesErr)
	}
	return cat, nil
}

// onNotification handles list changes here and passes the rest on.
func (u *Upstream) onNotification(c *conn, n mcp.JSONRPCNotification) {
	switch n.Method {
	case string(mcp.MethodNotificationToolsListChanged), string(mcp.MethodNotificationPromptsListChanged),
		string(mcp.MethodNotificationResourcesListChanged):
		go u.refresh(c)
	default:
		if u.hooks.OnNotification != nil {
			u.hooks.OnNotification(u, n)
		}
	}
}

// refresh fetches the lists again after a list_changed notification.
func (u *Upstream) refresh(c *conn) {
	ctx, cancel := context.WithTimeout(context.Background(), u.Config().ConnectTimeout())
	defer cancel()
	old := u.catalog.Load()
	cat, err := fetchCatalog(ctx, c.client, &mcp.InitializeResult{Capabilities: old.Capabilities, ServerInfo: old.Info, Instructions: old.Instructions})
	if err != nil {
		u.log.Warn("refresh after list change failed", "err", err)
		return
	}
	u.mu.Lock()
	current := u.conn == c
	if current {
		u.catalog.Store(cat)
	}
	u.mu.Unlock()
	if current {
		u.changed()
	}
}

// Refresh reconnects if needed and fetches every list again.
func (u *Upstream) Refresh(ctx context.Context) error {
	u.mu.Lock()
	c := u.conn
	u.mu.Unlock()
	if c == nil {
		u.Start()
		return u.WaitReady(ctx)
	}
	u.refresh(c)
	return nil
}

// watch runs health checks and the idle stop until Stop.
func (u *Upstream) watch() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastCheck time.Time
	for {
		select {
		case <-u.done:
			return
		case now := <-tick.C:
			if ttl := u.Config().IdleTTL(); ttl > 0 && u.inflight.Load() == 0 &&
				now.Sub(time.Unix(0, u.lastUsed.Load())) > ttl && u.State().Usable() {
				u.idleStop()
				continue
			}
			if now.Sub(lastCheck) >= u.Config().HealthCheckInterval() && u.State().Usable() {
				lastCheck = now
				u.healthCheck()
			}
		}
	}
}

// idleStop ends an unused server; its catalog stays so clients still see its
// tools, and the next call starts it again.
func (u *Upstream) idleStop() {
	u.mu.Lock()
	if !u.state.Usable() || u.inflight.Load() > 0 {
		u.mu.Unlock()
		return
	}
	c := u.conn
	u.conn = nil
	u.setStateLocked(StateCold)
	u.mu.Unlock()
	u.log.Info("stopped after idle", "idle_ttl_s", u.Config().IdleTTLS)
	c.close(u.log)
	u.changed()
}

func (u *Upstream) healthCheck() {
	u.mu.Lock()
	c := u.conn
	u.mu.Unlock()
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(u.Config().ConnectTimeout(), 10*time.Second))
	began := time.Now()
	err := c.client.Ping(ctx)
	cancel()
	check := HealthCheck{Time: began.UTC(), OK: err == nil, LatencyMS: float64(time.Since(began).Microseconds()) / 1000}
	if err != nil {
		check.Error = err.Error()
	}
	u.health.add(check)
	u.mu.Lock()
	if u.conn != c {
		u.mu.Unlock()
		return
	}
	before := u.state
	if err == nil {
		u.healthFails = 0
		if u.state == StateDegraded {
			u.setStateLocked(StateReady)
		}
		u.mu.Unlock()
		if before != StateReady {
			u.changed()
		}
		return
	}
	u.healthFails++
	u.lastErr = "health check: " + err.Error()
	if u.healthFails < healthFailuresBeforeRestart {
		u.setStateLocked(StateDegraded)
		u.mu.Unlock()
		u.changed()
		return
	}
	u.mu.Unlock()
	u.lost(c, fmt.Errorf("%d health checks failed in a row: %v", u.healthFails, err))
}

// The client handlers pass server-to-client requests to the gateway.

type samplingFunc struct{ u *Upstream }

func (f samplingFunc) CreateMessage(ctx context.Context, req mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
	u := f.u
	if u.hooks.Sampling == nil {
		return nil, errors.New("sampling is not available")
	}
	return u.hooks.Sampling(ctx, u, req)
}

type elicitationFunc struct{ u *Upstream }

func (f elicitationFunc) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	u := f.u
	if u.hooks.Elicitation == nil {
		return nil, errors.New("elicitation is not available")
	}
	return u.hooks.Elicitation(ctx, u, req)
}

type rootsFunc struct{ u *Upstream }

func (f rootsFunc) ListRoots(ctx context.Context, req mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	u := f.u
	if u.hooks.Roots == nil {
		return nil, errors.New("roots are not available")
	}
	return u.hooks.Roots(ctx, u, req)
}

// getStreamWait bounds how long a new HTTP connection waits for the server
// to answer its standalone GET stream before it takes calls.
const getStreamWait = time.Second

// getAnswered is an HTTP transport that notes when the server has answered
// the client's standalone GET stream (the stream open, or refused). Until
// then a server may lose what it sends there: mcp-go's server with an event
// store records a message sent while the stream is not attached for a GET
// that resumes, never for a fresh one, so a sampling request or list change
// caused by the first call could vanish (seen about once in a few hundred
// starts under load). A call waits for the answer, not for any message.
type getAnswered struct {
	once sync.Once
	done chan struct{}
}

func newGetAnswered() *getAnswered { return &getAnswered{done: make(chan struct{})} }

func (g *getAnswered) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if r.Method == http.MethodGet {
		g.once.Do(func() { close(g.done) })
	}
	return resp, err
}

// wait returns once the GET was answered, after at most d, or when ctx
// ends; a nil g (not HTTP) does not wait.
func (g *getAnswered) wait(ctx context.Context, d time.Duration) {
	if g == nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-g.done:
	case <-t.C:
	case <-ctx.Done():
	}
}
