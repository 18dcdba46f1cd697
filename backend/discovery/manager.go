package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/store"
	"switchboard/backend/trust"
)

// Actions of a pending entry.
const (
	ActionAdd    = "add"
	ActionRemove = "remove"
	// ActionUpdate: a server the source added is now reached another way
	// there (a container restarted on a new port, a client file's command
	// edited). Approving it changes how the config's server is reached
	// (type, command, args, url), and the changed server is held in
	// quarantine again, as any server whose launch changes is.
	ActionUpdate = "update"
)

// Pending is a finding waiting for the user: a server to add, a server it
// added that is reached another way now, or (from an authoritative source)
// a server it added that is gone from the source.
type Pending struct {
	// ID is "source/name", stable across scans so approve and reject can
	// name it.
	ID     string         `json:"id"`
	Source string         `json:"source"`
	Action string         `json:"action"`
	Name   string         `json:"name"`
	Server *config.Server `json:"server,omitempty"`
	// Previous is the config's server as it is, for an update.
	Previous *config.Server `json:"previous,omitempty"`
	Where    string         `json:"where,omitempty"`
	Format   string         `json:"format,omitempty"`
	FoundAt  time.Time      `json:"found_at"`
}

// Status is a source with the outcome of its last scan.
type Status struct {
	SourceConfig
	LastScan  *time.Time `json:"last_scan,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	Found     int        `json:"found"`
	Problems  []Problem  `json:"problems,omitempty"`
}

// KV is where the discovery state is kept; *store.Store is one.
type KV interface {
	PutJSON(key string, v any) error
	GetJSON(key string, v any) error
}

// stateKey is the store key of the discovery state. Sources live in the
// store, not the config file: they are the app's own bookkeeping (with the
// rejections and what each source added), not a description of servers a
// user edits by hand.
const stateKey = "discovery/state"

// state is what survives a restart.
type state struct {
	Sources []SourceConfig `json:"sources"`
	// Rejected maps source -> server name -> identity of the server that
	// was rejected; the same server is not offered again, a changed one is.
	Rejected map[string]map[string]string `json:"rejected"`
	// Added maps source -> names of servers approved from it, which an
	// authoritative source may propose to remove.
	Added   map[string][]string `json:"added"`
	Pending []*Pending          `json:"pending"`
}

// Errors the API maps to statuses.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// Manager keeps the sources, scans them and holds the pending list.
type Manager struct {
	kv     KV
	config *config.Manager
	log    *slog.Logger
	// build makes a Source of a config; tests swap the clients' Env.
	build     func(SourceConfig) (Source, error)
	onPending func(string, []Pending)
	onScanned func(Status)

	mu      sync.Mutex
	st      state
	status  map[string]*Status
	scanMu  sync.Mutex // one scan at a time, so two never race on pending
	changed chan struct{}
}

// Options configure a Manager.
type Options struct {
	Store  KV
	Config *config.Manager
	Logger *slog.Logger
	// Build overrides how a source is made of its config (nil: the real
	// folder and clients sources).
	Build func(SourceConfig) (Source, error)
	// OnPending is told of entries a scan put in the pending list for the
	// first time (not those already waiting), so the user can be told
	// once; it runs outside the manager's lock.
	OnPending func(source string, entries []Pending)
	// OnScanned is told of every scan's outcome, an error too, so a page
	// showing the sources can follow scans it did not ask for (the
	// periodic ones, and the first one after a source is added). It runs
	// outside the manager's lock.
	OnScanned func(Status)
}

// New loads the kept state.
func New(o Options) (*Manager, error) {
	if o.Store == nil || o.Config == nil {
		return nil, errors.New("discovery: a store and a config manager are required")
	}
	m := &Manager{kv: o.Store, config: o.Config, log: o.Logger, build: o.Build, onPending: o.OnPending, onScanned: o.OnScanned,
		status: map[string]*Status{}, changed: make(chan struct{}, 1)}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.build == nil {
		m.build = build
	}
	if err := o.Store.GetJSON(stateKey, &m.st); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("discovery: load state: %w", err)
	}
	if m.st.Rejected == nil {
		m.st.Rejected = map[string]map[string]string{}
	}
	if m.st.Added == nil {
		m.st.Added = map[string][]string{}
	}
	for _, c := range m.st.Sources {
		m.status[c.ID] = &Status{SourceConfig: c}
	}
	return m, nil
}

func (m *Manager) saveLocked() error {
	if err := m.kv.PutJSON(stateKey, m.st); err != nil {
		return fmt.Errorf("discovery: save state: %w", err)
	}
	return nil
}

// poke tells Run the sources changed, so watches are started or stopped.
func (m *Manager) poke() {
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// Sources lists the sources with their last scan.
func (m *Manager) Sources() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Status, 0, len(m.st.Sources))
	for _, c := range m.st.Sources {
		s := *m.status[c.ID]
		s.SourceConfig = c
		out = append(out, s)
	}
	return out
}

// Source returns one source.
func (m *Manager) Source(id string) (Status, error) {
	for _, s := range m.Sources() {
		if s.ID == id {
			return s, nil
		}
	}
	return Status{}, fmt.Errorf("source %q: %w", id, ErrNotFound)
}

func (m *Manager) indexLocked(id string) int {
	return slices.IndexFunc(m.st.Sources, func(c SourceConfig) bool { return c.ID == id })
}

// AddSource keeps a new source; it is scanned by Run at once.
func (m *Manager) AddSource(c SourceConfig) (Status, error) {
	if err := c.Validate(); err != nil {
		return Status{}, err
	}
	if err := checkFolder(c); err != nil {
		return Status{}, err
	}
	m.mu.Lock()
	if m.indexLocked(c.ID) >= 0 {
		m.mu.Unlock()
		return Status{}, fmt.Errorf("source %q: %w", c.ID, ErrExists)
	}
	m.st.Sources = append(m.st.Sources, c)
	m.status[c.ID] = &Status{SourceConfig: c}
	err := m.saveLocked()
	m.mu.Unlock()
	if err != nil {
		return Status{}, err
	}
	m.poke()
	return m.Source(c.ID)
}

// UpdateSource changes a source with fn (its id and kind cannot change).
func (m *Manager) UpdateSource(id string, fn func(*SourceConfig)) (Status, error) {
	m.mu.Lock()
	i := m.indexLocked(id)
	if i < 0 {
		m.mu.Unlock()
		return Status{}, fmt.Errorf("source %q: %w", id, ErrNotFound)
	}
	c := m.st.Sources[i]
	fn(&c)
	if c.ID != id {
		m.mu.Unlock()
		return Status{}, fieldErr("id", "cannot be changed (it names the source's rejections and additions); delete the source and add a new one")
	}
	if c.Kind != m.st.Sources[i].Kind {
		m.mu.Unlock()
		return Status{}, fieldErr("kind", "cannot be changed; delete the source and add a new one")
	}
	if err := c.Validate(); err != nil {
		m.mu.Unlock()
		return Status{}, err
	}
	if c.Path != m.st.Sources[i].Path {
		if err := checkFolder(c); err != nil {
			m.mu.Unlock()
			return Status{}, err
		}
	}
	m.st.Sources[i] = c
	if c.Mode != ModeAuthoritative {
		// An additive source never proposes removals.
		m.dropPendingLocked(func(p *Pending) bool { return p.Source == id && p.Action == ActionRemove })
	}
	if !c.Enabled {
		m.dropPendingLocked(func(p *Pending) bool { return p.Source == id })
	}
	err := m.saveLocked()
	m.mu.Unlock()
	if err != nil {
		return Status{}, err
	}
	m.poke()
	return m.Source(id)
}

// DeleteSource forgets a source, its pending entries and its rejections.
// Servers approved from it stay in the config.
func (m *Manager) DeleteSource(id string) error {
	m.mu.Lock()
	i := m.indexLocked(id)
	if i < 0 {
		m.mu.Unlock()
		return fmt.Errorf("source %q: %w", id, ErrNotFound)
	}
	m.st.Sources = slices.Delete(m.st.Sources, i, i+1)
	delete(m.status, id)
	delete(m.st.Rejected, id)
	delete(m.st.Added, id)
	m.dropPendingLocked(func(p *Pending) bool { return p.Source == id })
	err := m.saveLocked()
	m.mu.Unlock()
	m.poke()
	return err
}

func (m *Manager) dropPendingLocked(drop func(*Pending) bool) {
	m.st.Pending = slices.DeleteFunc(m.st.Pending, drop)
}

// PendingList lists what waits for approval, oldest first.
func (m *Manager) PendingList() []Pending {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Pending, 0, len(m.st.Pending))
	for _, p := range m.st.Pending {
		out = append(out, *p)
	}
	return out
}

// ScanAll scans every enabled source.
func (m *Manager) ScanAll(ctx context.Context) {
	m.mu.Lock()
	ids := make([]string, 0, len(m.st.Sources))
	for _, c := range m.st.Sources {
		if c.Enabled {
			ids = append(ids, c.ID)
		}
	}
	m.mu.Unlock()
	for _, id := range ids {
		if _, err := m.Scan(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
			m.log.Warn("discovery scan failed", "source", id, "err", err)
		}
	}
}

// Scan scans one source now and updates the pending list; it returns the
// source's status after the scan. A disabled source is scanned too when
// asked by name, so the user can look before turning it on; its findings
// are then shown in the status only, not offered.
func (m *Manager) Scan(ctx context.Context, id string) (Status, error) {
	m.scanMu.Lock()
	defer m.scanMu.Unlock()
	m.mu.Lock()
	i := m.indexLocked(id)
	if i < 0 {
		m.mu.Unlock()
		return Status{}, fmt.Errorf("source %q: %w", id, ErrNotFound)
	}
	c := m.st.Sources[i]
	m.mu.Unlock()

	src, err := m.build(c)
	if err != nil {
		return Status{}, err
	}
	found, problems, scanErr := src.Scan(ctx)
	now := time.Now().UTC()

	m.mu.Lock()
	st := m.status[id]
	if st == nil || m.indexLocked(id) < 0 {
		// Deleted while it was being scanned.
		m.mu.Unlock()
		return Status{}, fmt.Errorf("source %q: %w", id, ErrNotFound)
	}
	for _, f := range found {
		if f.Unavailable != "" {
			problems = append(problems, Problem{Where: f.Where, Message: fmt.Sprintf("server %q: %s", f.Name, f.Unavailable)})
		}
	}
	st.LastScan, st.Problems, st.Found, st.LastError = &now, problems, len(found), ""
	if scanErr != nil {
		// A source that cannot be read says nothing about what it holds:
		// the pending list is left as it was rather than emptied, and an
		// authoritative source proposes no removals on an error.
		st.LastError = scanErr.Error()
		m.mu.Unlock()
		return m.scanned(id)
	}
	var fresh []Pending
	if c.Enabled {
		fresh = m.applyLocked(c, found, now)
	}
	err = m.saveLocked()
	m.mu.Unlock()
	if err != nil {
		return Status{}, err
	}
	if len(fresh) > 0 && m.onPending != nil {
		m.onPending(id, fresh)
	}
	return m.scanned(id)
}

// scanned answers a source's status after a scan, and tells OnScanned.
func (m *Manager) scanned(id string) (Status, error) {
	st, err := m.Source(id)
	if err == nil && m.onScanned != nil {
		m.onScanned(st)
	}
	return st, err
}

// applyLocked turns one scan's findings into pending entries and returns
// those that were not pending before.
func (m *Manager) applyLocked(c SourceConfig, found []Found, now time.Time) (fresh []Pending) {
	cur := m.config.Snapshot()
	byName := map[string]Found{}
	for _, f := range found {
		byName[f.Name] = f
	}
	old := map[string]*Pending{}
	for _, p := range m.st.Pending {
		if p.Source == c.ID {
			old[p.Action+"/"+p.Name] = p
		}
	}
	m.dropPendingLocked(func(p *Pending) bool { return p.Source == c.ID })

	// Names this source added that the user has since deleted are no
	// longer its to propose removing.
	added := slices.DeleteFunc(slices.Clone(m.st.Added[c.ID]), func(n string) bool { return cur.Servers[n] == nil })
	m.st.Added[c.ID] = added

	for _, name := range slices.Sorted(maps.Keys(byName)) {
		f := byName[name]
		if f.Unavailable != "" {
			continue // held but not reachable now: offered once it is
		}
		p := &Pending{ID: c.ID + "/" + name, Source: c.ID, Action: ActionAdd, Name: name,
			Server: f.Server, Where: f.Where, Format: f.Format, FoundAt: now}
		if have := cur.Servers[name]; have != nil {
			// Already there: added by hand is none of this source's
			// business; added from here, it is followed when it moves.
			if !slices.Contains(added, name) {
				continue
			}
			p.Action, p.Server, p.Previous = ActionUpdate, relaunched(have, f.Server), have.Clone()
			if p.Server == nil {
				continue
			}
		}
		if id, ok := m.st.Rejected[c.ID][name]; ok && id == trust.Identity(p.Server) {
			continue
		}
		if prev := old[p.Action+"/"+name]; prev != nil && trust.Identity(prev.Server) == trust.Identity(p.Server) {
			p.FoundAt = prev.FoundAt
		} else {
			fresh = append(fresh, *p)
		}
		m.st.Pending = append(m.st.Pending, p)
	}
	if c.Mode == ModeAuthoritative {
		for _, name := range added {
			if _, still := byName[name]; still {
				continue
			}
			p := &Pending{ID: c.ID + "/" + name, Source: c.ID, Action: ActionRemove, Name: name,
				Server: cur.Servers[name], FoundAt: now}
			if prev := old[ActionRemove+"/"+name]; prev != nil {
				p.FoundAt = prev.FoundAt
			} else {
				fresh = append(fresh, *p)
			}
			m.st.Pending = append(m.st.Pending, p)
		}
	}
	return fresh
}

// relaunched is have reached as the source now says (its type, command,
// args and url), or nil when that is how have is reached already.
func relaunched(have, found *config.Server) *config.Server {
	sc := have.Clone()
	setLaunch(sc, found)
	if trust.Identity(sc) == trust.Identity(have) {
		return nil
	}
	return sc
}

// setLaunch makes dst reached as src is: its type, command, args and url.
func setLaunch(dst, src *config.Server) {
	dst.Type, dst.Command, dst.Args, dst.URL = src.Type, src.Command, slices.Clone(src.Args), src.URL
}

func (m *Manager) pendingLocked(id string) (*Pending, error) {
	i := slices.IndexFunc(m.st.Pending, func(p *Pending) bool { return p.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("pending server %q: %w", id, ErrNotFound)
	}
	return m.st.Pending[i], nil
}

// Approve carries out a pending entry: an addition enters the config
// quarantined (its tools are held until reviewed, as for any new server);
// a removal deletes the server from the config.
func (m *Manager) Approve(id string) (Pending, error) {
	m.scanMu.Lock()
	defer m.scanMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := m.pendingLocked(id)
	if err != nil {
		return Pending{}, err
	}
	switch p.Action {
	case ActionAdd:
		// Not the config's "quarantined" flag: that is a hold by hand,
		// which approving does not lift. A server new to the config is
		// held by the trust keeper until approved, as any added server is.
		sc := p.Server.Clone()
		_, err = m.config.Update(func(cfg *config.Config) error {
			if cfg.Servers[p.Name] != nil {
				return fmt.Errorf("a server named %q is already in the config: %w", p.Name, ErrExists)
			}
			if cfg.Servers == nil {
				cfg.Servers = map[string]*config.Server{}
			}
			cfg.Servers[p.Name] = sc
			return nil
		})
		if err == nil && !slices.Contains(m.st.Added[p.Source], p.Name) {
			m.st.Added[p.Source] = append(m.st.Added[p.Source], p.Name)
		}
	case ActionUpdate:
		// Only how the server is reached changes: what the user set on it
		// since (tags, timeouts, env) stays.
		_, err = m.config.Update(func(cfg *config.Config) error {
			sc := cfg.Servers[p.Name]
			if sc == nil {
				return fmt.Errorf("%q is no longer in the config: %w", p.Name, ErrNotFound)
			}
			setLaunch(sc, p.Server)
			return nil
		})
	case ActionRemove:
		_, err = m.config.Update(func(cfg *config.Config) error {
			delete(cfg.Servers, p.Name)
			return nil
		})
		if err == nil {
			m.st.Added[p.Source] = slices.DeleteFunc(m.st.Added[p.Source], func(n string) bool { return n == p.Name })
		}
	}
	if err != nil {
		return Pending{}, err
	}
	m.dropPendingLocked(func(q *Pending) bool { return q == p })
	return *p, m.saveLocked()
}

// Reject turns a pending entry down. A rejected addition is not offered
// again while the source holds the same server; a rejected removal keeps the
// server, and the source stops treating it as its own.
func (m *Manager) Reject(id string) (Pending, error) {
	m.scanMu.Lock()
	defer m.scanMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := m.pendingLocked(id)
	if err != nil {
		return Pending{}, err
	}
	switch p.Action {
	case ActionAdd, ActionUpdate:
		if m.st.Rejected[p.Source] == nil {
			m.st.Rejected[p.Source] = map[string]string{}
		}
		m.st.Rejected[p.Source][p.Name] = trust.Identity(p.Server)
	case ActionRemove:
		m.st.Added[p.Source] = slices.DeleteFunc(m.st.Added[p.Source], func(n string) bool { return n == p.Name })
	}
	m.dropPendingLocked(func(q *Pending) bool { return q == p })
	return *p, m.saveLocked()
}

// Redacted is the entry fit to show in the API, events or logs: the
// server's env and header values become "***" unless they are references,
// as for servers in the config. Client files often hold tokens in plain
// text.
func (p Pending) Redacted() Pending {
	p.Server, p.Previous = p.Server.Redacted(), p.Previous.Redacted()
	return p
}

// RedactAll redacts each entry.
func RedactAll(ps []Pending) []Pending {
	out := make([]Pending, len(ps))
	for i, p := range ps {
		out[i] = p.Redacted()
	}
	return out
}

// checkFolder refuses a folder source whose folder is not there when it is
// added or moved: a typo would otherwise only show as a scan error later.
// A folder that goes away afterwards is a scan error, not a refusal, so the
// source can still be changed or turned off.
func checkFolder(c SourceConfig) error {
	if c.Kind != KindFolder {
		return nil
	}
	st, err := os.Stat(c.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fieldErr("path", "%s does not exist; create the folder first", c.Path)
	case err != nil:
		return fieldErr("path", "%v", err)
	case !st.IsDir():
		return fieldErr("path", "%s is not a folder", c.Path)
	}
	return nil
}
