// Package daemon runs the Switchboard core in one process: it owns the home
// folder (one instance at a time), the config and its live reload, the
// store, the gateway, and the listeners on TCP and the unix socket.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/discovery"
	"switchboard/backend/events"
	"switchboard/backend/gateway"
	"switchboard/backend/metrics"
	"switchboard/backend/poisoning"
	"switchboard/backend/policy"
	"switchboard/backend/secrets"
	"switchboard/backend/security"
	"switchboard/backend/store"
	"switchboard/backend/trust"
	"switchboard/backend/updatecheck"
	"switchboard/backend/upstream"
)

// Options say where the core lives and listens.
type Options struct {
	Home       string // default config.Home()
	ConfigPath string // default Home/config.json
	Listen     string // overrides the config's listen
	Logger     *slog.Logger
	Version    string
	// SecretsBackend is auto, keychain or file (see secrets.Options.Backend).
	SecretsBackend string
	// Reaper is the switchboard binary, to start as the reaper of the
	// upstreams' processes (upstream.StartReaper); "" starts none.
	Reaper string
}

// Daemon is a running core.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	lock    *os.File
	store   *store.Store
	secrets *secrets.Store
	gw      *gateway.Gateway
	events  *events.Bus
	trust   *trust.Trust
	api     *api.Server
	tcp     net.Listener
	sock    net.Listener
	http    *http.Server
	cfg     *config.Manager
	cancel  context.CancelFunc
	watched chan struct{}
	reaper  *upstream.Reaper
}

// ErrAlreadyRunning means another process owns this home folder.
var ErrAlreadyRunning = errors.New("switchboard is already running")

// SocketPath is where the control socket of a home folder lives.
func SocketPath(home string) string { return filepath.Join(home, "switchboard.sock") }

// Start brings the core up. It fails, and leaves nothing running, when the
// home folder is owned by another process, the config is invalid, or the
// listen address is taken.
func Start(opts Options) (_ *Daemon, err error) {
	if opts.Home == "" {
		opts.Home = config.Home()
	}
	if opts.ConfigPath == "" {
		opts.ConfigPath = filepath.Join(opts.Home, "config.json")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	d := &Daemon{opts: opts, log: opts.Logger, watched: make(chan struct{})}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if err := os.MkdirAll(opts.Home, 0o700); err != nil {
		return nil, fmt.Errorf("create home folder: %w", err)
	}
	if d.lock, err = acquireLock(filepath.Join(opts.Home, "switchboard.lock")); err != nil {
		return nil, err
	}
	cfg, created, err := config.LoadOrCreate(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	if created {
		d.log.Info("created config with defaults", "path", opts.ConfigPath)
	}
	if d.store, err = store.Open(filepath.Join(opts.Home, "data"), d.log.With("component", "store")); err != nil {
		return nil, err
	}
	d.store.SetRetention(time.Duration(cfg.RetentionDays()) * 24 * time.Hour)
	d.openSecrets()

	d.events = events.New(4096)
	// Each recorded call is counted in the metrics, then stored.
	m := metrics.New(opts.Version)
	// Quarantine is set up before the first Apply, so no unapproved server
	// is ever exposed, even for a moment.
	d.trust = trust.New(trust.Options{Store: d.store, Events: d.events, Logger: d.log.With("component", "trust")})
	if err := d.trust.Bootstrap(cfg); err != nil {
		return nil, fmt.Errorf("set up quarantine: %w", err)
	}
	// Tool policies and the security log: the call guard refuses what a
	// policy denies before it reaches a server, and every refusal, holds of
	// poisoned or changed tools and sensitive data seen in stored calls
	// become security events.
	policies, err := policy.Open(d.store)
	if err != nil {
		return nil, fmt.Errorf("load tool policies: %w", err)
	}
	secLog := security.NewLog(d.store, d.events, d.log.With("component", "security"))
	guard := &security.Guard{Policies: policies, Log: secLog}
	d.store.OnSensitive(secLog.FromActivity)
	d.trust.SetObserver(secLog.FromQuarantine)
	if opts.Reaper != "" {
		// Before any server starts, so none can outlive a killed Switchboard.
		if d.reaper, err = upstream.StartReaper(opts.Reaper); err != nil {
			d.log.Warn("no reaper for the servers' processes: if Switchboard is killed, what its servers started may live on", "err", err)
		}
	}
	d.gw = gateway.New(gateway.Options{Logger: d.log, Recorder: m.Tee(d.store), Catalogs: catalogStore{d.store, d.log}, Events: d.events, Trust: d.trust,
		CallGuard: guard.Call, CallerName: func(ctx context.Context) string { return security.CallerOf(ctx).Principal }})
	d.trust.SetOnDecision(d.gw.TrustChanged)
	d.trust.SetScanner(trust.Poisoning{Elsewhere: d.toolsElsewhere})
	m.Track(d.gw)

	listen := opts.Listen
	if listen == "" {
		listen = cfg.ListenAddr()
	}
	if d.tcp, err = net.Listen("tcp", listen); err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another program using this port? set \"listen\" in %s or pass --listen)", listen, err, opts.ConfigPath)
	}
	sockPath := SocketPath(opts.Home)
	_ = os.Remove(sockPath) // stale from a crash: we hold the lock, so nobody serves it
	if d.sock, err = net.Listen("unix", sockPath); err != nil {
		return nil, fmt.Errorf("listen on socket %s: %w", sockPath, err)
	}
	if err := os.Chmod(sockPath, 0o600); err != nil {
		return nil, fmt.Errorf("restrict socket %s: %w", sockPath, err)
	}

	d.gw.Apply(cfg)

	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.cfg = config.NewManager(opts.ConfigPath, cfg,
		func(c *config.Config) {
			d.store.SetRetention(time.Duration(c.RetentionDays()) * 24 * time.Hour)
			d.gw.Apply(c)
			d.events.Publish(events.ConfigReloaded, "", nil)
		},
		func(err error) {
			d.log.Error("config edit rejected; the last good config stays in force", "err", err)
			d.events.Publish(events.ConfigRejected, "", map[string]any{"error": err.Error()})
		})
	updates := &updatecheck.Checker{Current: opts.Version, State: d.store, Logger: d.log,
		Enabled: func() bool { return d.cfg.Current().UpdateCheckEnabled() },
		URLFrom: func() string { return d.cfg.Snapshot().UpdateURL },
		OnAvailable: func(st updatecheck.Status) {
			d.events.Publish(events.UpdateAvailable, "", map[string]any{"version": st.Latest, "url": st.URL})
		}}
	// Discovery that cannot load its state is left off (its routes answer
	// 503) rather than keeping the gateway from starting.
	disc, discErr := discovery.New(discovery.Options{Store: d.store, Config: d.cfg, Logger: d.log,
		OnPending: func(source string, entries []discovery.Pending) {
			d.events.Publish(events.DiscoveryFound, "", map[string]any{"source": source, "entries": discovery.RedactAll(entries)})
		},
		OnScanned: func(st discovery.Status) {
			d.events.Publish(events.DiscoveryScan, "", map[string]any{"source": st.ID, "found": st.Found,
				"problems": len(st.Problems), "error": st.LastError})
		}})
	if discErr != nil {
		d.log.Error("discovery is off", "err", discErr)
		disc = nil
	}
	d.api = api.New(api.Options{Gateway: d.gw, Store: d.store, Config: d.cfg, Events: d.events,
		Logger: d.log, Version: opts.Version, Started: time.Now(), Addr: d.Addr, Socket: sockPath,
		Metrics: m, Updates: updates, Trust: d.trust, Secrets: d.secrets, Guard: guard, Security: secLog,
		Discovery: disc})
	mux := http.NewServeMux()
	// The API's key check (mcp_require_key) runs before the gateway.
	mcp := gateway.Guarded(d.gw.Handler(), d.api.MCPGuard)
	mux.Handle("/mcp", mcp)
	mux.Handle("/mcp/", mcp)
	mux.Handle("/", d.api)
	d.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ConnContext: api.ConnContext}
	go d.serve(d.tcp)
	go d.serve(d.sock)

	go func() {
		defer close(d.watched)
		// The update check ends before the store closes.
		checked := make(chan struct{})
		go func() { defer close(checked); updates.Run(ctx) }()
		defer func() { <-checked }()
		// Discovery scans in the background, so start-up never waits on
		// it, and ends before the store closes.
		if disc != nil {
			scanned := make(chan struct{})
			go func() { defer close(scanned); disc.Run(ctx) }()
			defer func() { <-scanned }()
		}
		if err := d.cfg.Run(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("config watch stopped", "err", err)
		}
	}()
	d.log.Info("switchboard serving", "mcp", "http://"+d.tcp.Addr().String()+"/mcp", "socket", sockPath, "config", opts.ConfigPath)
	return d, nil
}

func (d *Daemon) serve(l net.Listener) {
	if err := d.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		d.log.Error("http server stopped", "addr", l.Addr().String(), "err", err)
	}
}

// Gateway is the running gateway.
func (d *Daemon) Gateway() *gateway.Gateway { return d.gw }

// Config is the config in force and the way to change it.
func (d *Daemon) Config() *config.Manager { return d.cfg }

// Events is the event bus.
func (d *Daemon) Events() *events.Bus { return d.events }

// Trust keeps quarantine approvals and tool pins.
func (d *Daemon) Trust() *trust.Trust { return d.trust }

// Store is the open store.
func (d *Daemon) Store() *store.Store { return d.store }

// Addr is the TCP address the core listens on.
func (d *Daemon) Addr() string { return d.tcp.Addr().String() }

// Socket is the path of the control socket.
func (d *Daemon) Socket() string { return SocketPath(d.opts.Home) }

// Close stops everything in order: listeners, servers (and their process
// groups), then the store, so every recorded call is written.
func (d *Daemon) Close() {
	if d.cancel != nil {
		d.cancel()
		<-d.watched
	}
	if d.api != nil {
		d.api.Close()
	}
	if d.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := d.http.Shutdown(ctx); err != nil {
			_ = d.http.Close() // streams still open after the grace period
		}
		cancel()
	}
	if d.gw != nil {
		d.gw.Close()
	}
	d.reaper.Close() // the servers are gone: it has nothing left to do
	if d.store != nil {
		config.SetSecretResolver(nil) // set by openSecrets, once the store is open
		events.SetRedactor(nil)
		if err := d.store.Close(); err != nil {
			d.log.Error("close store", "err", err)
		}
	}
	if d.sock != nil {
		_ = os.Remove(d.Socket())
	}
	if d.lock != nil {
		_ = d.lock.Close()
	}
}

// acquireLock takes an exclusive lock on the home folder's lock file and
// writes our PID into it, so a second instance can say who holds it.
func acquireLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		b, _ := os.ReadFile(path)
		_ = f.Close()
		pid := strings.TrimSpace(string(b))
		if _, convErr := strconv.Atoi(pid); convErr != nil {
			pid = "unknown"
		}
		return nil, fmt.Errorf("%w (pid %s holds %s); use `switchboard stdio` to connect to it, or stop it first", ErrAlreadyRunning, pid, path)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// Options returns the options the daemon runs with.
func (d *Daemon) Options() Options { return d.opts }

// catalogStore keeps each server's catalog in the store under
// "catalog/{server}", so servers with an idle_ttl_s can stay cold at start.
type catalogStore struct {
	st  *store.Store
	log *slog.Logger
}

func (c catalogStore) LoadCatalog(server string) ([]byte, bool) {
	var raw json.RawMessage
	if err := c.st.GetJSON("catalog/"+server, &raw); err != nil {
		return nil, false
	}
	return raw, true
}

func (c catalogStore) SaveCatalog(server string, data []byte) {
	if err := c.st.PutJSON("catalog/"+server, json.RawMessage(data)); err != nil {
		c.log.Warn("save catalog", "server", server, "err", err)
	}
}

// openSecrets opens the secret store and makes ${keyring:NAME} resolve
// through it, and stored activity hide its values. A store that cannot be
// opened (its key file lost, say) does not stop the core: servers that
// need a secret fail to start with the reason, and the rest run.
func (d *Daemon) openSecrets() {
	st, err := secrets.Open(secrets.Options{Home: d.opts.Home, Backend: d.opts.SecretsBackend})
	if err != nil {
		d.log.Error("secret store unavailable; servers that use ${keyring:...} will not start", "err", err)
		config.SetSecretResolver(func(string) (string, error) {
			return "", fmt.Errorf("secret store unavailable: %w", err)
		})
		return
	}
	d.secrets = st
	d.log = slog.New(secrets.RedactingHandler(d.log.Handler(), st))
	config.SetSecretResolver(st.Resolve)
	d.store.SetValueRedactor(st.Redact)
	events.SetRedactor(st.Redact)
	d.log.Info("secret store", "backend", st.Backend())
}

// Secrets is the secret store, or nil when it could not be opened.
func (d *Daemon) Secrets() *secrets.Store { return d.secrets }

// toolsElsewhere lists the tools of every server but one, for the checks
// that find a tool shadowing another server's tools.
func (d *Daemon) toolsElsewhere(server string) []poisoning.Tool {
	var out []poisoning.Tool
	for _, u := range d.gw.Upstreams() {
		if u.Name() == server {
			continue
		}
		// Names are all the cross-server checks read: no need to encode
		// each tool's schemas.
		for _, t := range u.Catalog().Tools {
			out = append(out, poisoning.Tool{Server: u.Name(), Name: t.Name})
		}
	}
	return out
}
