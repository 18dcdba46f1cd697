// Package trust decides what of each server may reach a client: a server
// that was never approved (or whose command, arguments or URL changed since)
// is quarantined as a whole, and a tool whose definition changed since it
// was approved (a rug pull), or that appeared since, is held on its own
// until a person approves it. Approvals live in the store under "trust/";
// every decision goes to the audit log and the event bus.
package trust

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/events"
	"switchboard/backend/store"
)

// Decisions kept in a record.
const (
	Approved = "approved"
	Rejected = "rejected"
)

// Statuses of a server or tool under review.
const (
	StatusApproved = "approved"
	StatusPending  = "pending" // a server never approved, or changed since
	StatusNew      = "new"     // a tool that appeared after approval
	StatusChanged  = "changed" // a tool whose definition differs from its pin
	StatusRejected = "rejected"
)

// Audit record types.
const (
	AuditServerApproved   = "quarantine.server.approved"
	AuditServerRejected   = "quarantine.server.rejected"
	AuditToolApproved     = "quarantine.tool.approved"
	AuditToolRejected     = "quarantine.tool.rejected"
	AuditToolAutoApproved = "quarantine.tool.auto_approved"
	AuditBaseline         = "quarantine.baseline"
)

// Principals of decisions no person made at that moment.
const (
	PrincipalUpgrade     = "switchboard (servers present at upgrade)"
	PrincipalAutoApprove = "auto_approve_changes"
)

// Errors a caller tells apart.
var (
	// ErrBlocked means the tools carry high-severity poisoning findings and
	// no override was given.
	ErrBlocked = errors.New("blocked by poisoning findings")
	// ErrServerNotApproved means a tool decision was asked for on a server
	// that is itself still quarantined.
	ErrServerNotApproved = errors.New("server not approved")
)

const (
	keyMeta          = "trust/meta"
	keyServersPrefix = "trust/servers/"
)

// ServerRecord is the decision on one server and the pins of its tools.
type ServerRecord struct {
	Server   string    `json:"server"`
	Identity string    `json:"identity"`
	Decision string    `json:"decision"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
	// Baseline pins the first tools seen without asking: set for servers
	// approved at upgrade and for servers approved before their tools were
	// known. It is cleared once the tools are pinned.
	Baseline bool                `json:"baseline,omitempty"`
	Tools    map[string]*ToolPin `json:"tools,omitempty"`
}

// clone copies a record so it can be read outside the lock.
func (r *ServerRecord) clone() *ServerRecord {
	c := *r
	c.Tools = make(map[string]*ToolPin, len(r.Tools))
	for k, v := range r.Tools {
		p := *v
		c.Tools[k] = &p
	}
	return &c
}

// ToolPin is the approved (or rejected) definition of one tool.
type ToolPin struct {
	Hash       string          `json:"hash"`
	Decision   string          `json:"decision"`
	By         string          `json:"by"`
	At         time.Time       `json:"at"`
	Note       string          `json:"note,omitempty"`
	Definition json.RawMessage `json:"definition"`
}

// Event is the data of an events.Quarantine event.
type Event struct {
	// Action is held, approved, rejected or auto_approved.
	Action string `json:"action"`
	Kind   string `json:"kind"` // server or tool
	Tool   string `json:"tool,omitempty"`
	// Status is why something is held: pending, new, changed.
	Status string `json:"status,omitempty"`
	By     string `json:"by,omitempty"`
	Note   string `json:"note,omitempty"`
	// Findings are the poisoning findings of what is held, when any.
	Findings []Finding `json:"findings,omitempty"`
}

// Options configure a Trust.
type Options struct {
	Store  *store.Store
	Events *events.Bus // may be nil
	Logger *slog.Logger
	// OnDecision runs after every decision that changes what clients see,
	// so the gateway recomputes its endpoints at once.
	OnDecision func()
}

// Trust keeps approvals and answers the gateway's questions.
type Trust struct {
	st         *store.Store
	bus        *events.Bus
	log        *slog.Logger
	onDecision func()

	mu        sync.Mutex
	records   map[string]*ServerRecord // cache of the store; nil value: none stored
	announced map[string]bool          // holds already published
	hashes    map[string]*hashed       // per server: the hashes of the tools last checked
	scanner   Scanner
	observer  func(server string, ev Event)
}

// SetObserver sets fn to hear of every hold, with the poisoning findings
// of what is held (the security log). It runs on its own goroutine, so it
// may take its time.
func (t *Trust) SetObserver(fn func(server string, ev Event)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observer = fn
}

func (t *Trust) observeLocked(server string, ev Event) {
	if fn := t.observer; fn != nil {
		go fn(server, ev)
	}
}

// New makes a Trust over the store.
func New(opts Options) *Trust {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Trust{st: opts.Store, bus: opts.Events, log: opts.Logger, onDecision: opts.OnDecision,
		records: map[string]*ServerRecord{}, announced: map[string]bool{}, hashes: map[string]*hashed{}}
}

// SetOnDecision sets the function run after each decision.
func (t *Trust) SetOnDecision(fn func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onDecision = fn
}

// Bootstrap runs once per store: when no trust data exists yet, the
// servers of cfg are approved as they are and their tools are pinned when
// first seen, so upgrading to a Switchboard with quarantine does not hide a
// working setup. Every server added after that starts quarantined.
func (t *Trust) Bootstrap(cfg *config.Config) error {
	var meta struct {
		Created time.Time `json:"created"`
	}
	err := t.st.GetJSON(keyMeta, &meta)
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := time.Now().UTC()
	names := make([]string, 0, len(cfg.Servers))
	for name := range cfg.Servers {
		names = append(names, name)
	}
	slices.Sort(names)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, name := range names {
		rec := &ServerRecord{Server: name, Identity: Identity(cfg.Servers[name]), Decision: Approved,
			By: PrincipalUpgrade, At: now, Baseline: true, Tools: map[string]*ToolPin{}}
		if err := t.saveLocked(rec); err != nil {
			return err
		}
		t.audit(store.AuditRecord{Type: AuditBaseline, Principal: PrincipalUpgrade, Server: name,
			Note: "present in the config when quarantine was first set up; its tools are pinned as first seen"})
	}
	meta.Created = now
	return t.st.PutJSON(keyMeta, meta)
}

// Record returns the stored decision on a server, or nil.
func (t *Trust) Record(server string) *ServerRecord {
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec := t.loadLocked(server); rec != nil {
		return rec.clone()
	}
	return nil
}

func (t *Trust) loadLocked(server string) *ServerRecord {
	if rec, ok := t.records[server]; ok {
		return rec
	}
	var rec ServerRecord
	if err := t.st.GetJSON(keyServersPrefix+server, &rec); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			// Unreadable means unapproved: a broken record must never expose.
			t.log.Warn("trust record unreadable; the server stays quarantined", "server", server, "err", err)
		}
		t.records[server] = nil
		return nil
	}
	if rec.Tools == nil {
		rec.Tools = map[string]*ToolPin{}
	}
	t.records[server] = &rec
	return &rec
}

func (t *Trust) saveLocked(rec *ServerRecord) error {
	if err := t.st.PutJSON(keyServersPrefix+rec.Server, rec); err != nil {
		return err
	}
	t.records[rec.Server] = rec
	return nil
}

func (t *Trust) audit(r store.AuditRecord) {
	if _, err := t.st.AppendAudit(r); err != nil {
		t.log.Error("audit record lost", "type", r.Type, "server", r.Server, "tool", r.Tool, "err", err)
	}
}

func (t *Trust) publish(server string, ev Event) {
	if t.bus != nil {
		t.bus.Publish(events.Quarantine, server, ev)
	}
}

// serverStatus says whether a server is approved as configured now.
func serverStatus(rec *ServerRecord, cfg *config.Server) string {
	switch {
	case rec == nil || rec.Identity != Identity(cfg):
		return StatusPending
	case rec.Decision == Rejected:
		return StatusRejected
	}
	return StatusApproved
}

// serverReason is the message a client gets for a held server's tools.
func serverReason(name, status string, rec *ServerRecord) string {
	if status == StatusRejected {
		msg := fmt.Sprintf("server %q was rejected in Switchboard by %s", name, rec.By)
		if rec.Note != "" {
			msg += ": " + rec.Note
		}
		return msg
	}
	return fmt.Sprintf("server %q is quarantined: it awaits approval in Switchboard (it is new, or its command, arguments or URL changed)", name)
}

func toolReason(server, tool, status string) string {
	switch status {
	case StatusRejected:
		return fmt.Sprintf("tool %q of server %q was rejected in Switchboard", tool, server)
	case StatusNew:
		return fmt.Sprintf("tool %q of server %q is new since the server was approved: it awaits approval in Switchboard", tool, server)
	}
	return fmt.Sprintf("tool %q of server %q changed since it was approved: it awaits approval in Switchboard", tool, server)
}

// Check answers the gateway for one server and its current tools (a
// catalog's slice, which must not change afterwards): why the
// whole server is held ("" when it is not), and why each held tool is, by
// its name. It pins tools that are to be accepted without asking (the
// first tools of a baseline server, changes on a server with
// auto_approve_changes, unless a finding blocks them), and publishes each
// new hold once.
func (t *Trust) Check(name string, cfg *config.Server, tools []mcp.Tool) (string, map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.loadLocked(name)
	if st := serverStatus(rec, cfg); st != StatusApproved {
		key := "s\x00" + name + "\x00" + Identity(cfg) + "\x00" + st
		if !t.announced[key] {
			t.announced[key] = true
			t.publish(name, Event{Action: "held", Kind: "server", Status: st})
			t.observeLocked(name, Event{Action: "held", Kind: "server", Status: st})
		}
		// The tools of a held server are scanned once they are known, so a
		// poisoned new server is a security event at once, not at approval.
		if fkey := "f" + key[1:]; t.observer != nil && len(tools) > 0 && !t.announced[fkey] {
			t.announced[fkey] = true
			var fs []Finding
			for _, tool := range tools {
				fs = append(fs, t.scanLocked(name, tool)...)
			}
			if len(fs) > 0 {
				t.observeLocked(name, Event{Action: "held", Kind: "server", Status: st, Findings: fs})
			}
		}
		return serverReason(name, st, rec), nil
	}
	var held map[string]string
	changed := false
	now := time.Now().UTC()
	hs := t.hashesLocked(name, tools)
	for i, tool := range tools {
		hash, canon, err := hs.hash[i], hs.canon[i], hs.err[i]
		if err != nil {
			held = setReason(held, tool.Name, fmt.Sprintf("tool %q of server %q cannot be read: %v", tool.Name, name, err))
			continue
		}
		pin := rec.Tools[tool.Name]
		if pin != nil && pin.Hash == hash {
			if pin.Decision == Rejected {
				held = setReason(held, tool.Name, toolReason(name, tool.Name, StatusRejected))
			}
			continue
		}
		status := StatusChanged
		if pin == nil {
			status = StatusNew
		}
		if (rec.Baseline || cfg.AutoApproveChanges) && !Blocking(t.scanLocked(name, tool)) {
			by := PrincipalAutoApprove
			if rec.Baseline {
				by = PrincipalUpgrade
			}
			rec.Tools[tool.Name] = &ToolPin{Hash: hash, Decision: Approved, By: by, At: now, Definition: canon}
			changed = true
			if !rec.Baseline {
				detail := map[string]string{"status": status, "hash": hash}
				if pin != nil {
					detail["previous_hash"] = pin.Hash
				}
				t.audit(store.AuditRecord{Type: AuditToolAutoApproved, Principal: by, Server: name, Tool: tool.Name,
					Note: "accepted by the server's auto_approve_changes", Detail: detail})
				t.publish(name, Event{Action: "auto_approved", Kind: "tool", Tool: tool.Name, Status: status, By: by})
			}
			continue
		}
		held = setReason(held, tool.Name, toolReason(name, tool.Name, status))
		key := "t\x00" + name + "\x00" + tool.Name + "\x00" + hash
		if !t.announced[key] {
			t.announced[key] = true
			ev := Event{Action: "held", Kind: "tool", Tool: tool.Name, Status: status, Findings: t.scanLocked(name, tool)}
			t.publish(name, ev)
			t.observeLocked(name, ev)
		}
	}
	if rec.Baseline && len(tools) > 0 {
		rec.Baseline = false
		changed = true
	}
	if changed {
		if err := t.saveLocked(rec); err != nil {
			t.log.Error("save tool pins", "server", name, "err", err)
		}
	}
	return "", held
}

func setReason(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// ApproveServer approves a server as configured now and pins its current
// tools. High-severity findings on those tools refuse it unless override.
// With no tools known yet, the first tools seen are pinned.
func (t *Trust) ApproveServer(name string, cfg *config.Server, tools []mcp.Tool, by, note string, override bool) (*ServerRecord, error) {
	t.mu.Lock()
	var blocked []string
	for _, tool := range tools {
		if Blocking(t.scanLocked(name, tool)) {
			blocked = append(blocked, tool.Name)
		}
	}
	if len(blocked) > 0 && !override {
		t.mu.Unlock()
		return nil, fmt.Errorf("%w: tools %q of server %q have high-severity findings; review them and approve with override to accept them anyway",
			ErrBlocked, blocked, name)
	}
	now := time.Now().UTC()
	rec := &ServerRecord{Server: name, Identity: Identity(cfg), Decision: Approved, By: by, At: now, Note: note,
		Baseline: len(tools) == 0, Tools: map[string]*ToolPin{}}
	for _, tool := range tools {
		hash, canon, err := ToolHash(tool)
		if err != nil {
			continue // stays held as unreadable
		}
		rec.Tools[tool.Name] = &ToolPin{Hash: hash, Decision: Approved, By: by, At: now, Note: note, Definition: canon}
	}
	if err := t.saveLocked(rec); err != nil {
		t.mu.Unlock()
		return nil, err
	}
	detail := map[string]string{"identity": rec.Identity, "tools": fmt.Sprint(len(rec.Tools))}
	if len(blocked) > 0 {
		detail["override"] = fmt.Sprintf("approved despite high-severity findings on %q", blocked)
	}
	t.audit(store.AuditRecord{Type: AuditServerApproved, Principal: by, Server: name, Note: note, Detail: detail})
	t.publish(name, Event{Action: "approved", Kind: "server", By: by, Note: note})
	fn := t.onDecision
	t.mu.Unlock()
	if fn != nil {
		fn()
	}
	return rec.clone(), nil
}

// RejectServer keeps a server quarantined, with the reason recorded.
func (t *Trust) RejectServer(name string, cfg *config.Server, by, reason string) (*ServerRecord, error) {
	t.mu.Lock()
	rec := &ServerRecord{Server: name, Identity: Identity(cfg), Decision: Rejected, By: by,
		At: time.Now().UTC(), Note: reason, Tools: map[string]*ToolPin{}}
	if old := t.loadLocked(name); old != nil && old.Identity == rec.Identity {
		rec.Tools = old.Tools
	}
	if err := t.saveLocked(rec); err != nil {
		t.mu.Unlock()
		return nil, err
	}
	t.audit(store.AuditRecord{Type: AuditServerRejected, Principal: by, Server: name, Note: reason,
		Detail: map[string]string{"identity": rec.Identity}})
	t.publish(name, Event{Action: "rejected", Kind: "server", By: by, Note: reason})
	fn := t.onDecision
	t.mu.Unlock()
	if fn != nil {
		fn()
	}
	return rec.clone(), nil
}

// DecideTool approves (approve true) or rejects one tool's current
// definition on an approved server. others are the server's other tools,
// for the poisoning checks.
func (t *Trust) DecideTool(name string, cfg *config.Server, tool mcp.Tool, approve bool, by, note string, override bool) (*ToolPin, error) {
	t.mu.Lock()
	rec := t.loadLocked(name)
	if st := serverStatus(rec, cfg); st != StatusApproved {
		t.mu.Unlock()
		return nil, fmt.Errorf("%w: server %q is %s; decide on the server first", ErrServerNotApproved, name, st)
	}
	blocked := approve && Blocking(t.scanLocked(name, tool))
	if blocked && !override {
		t.mu.Unlock()
		return nil, fmt.Errorf("%w: tool %q of server %q has high-severity findings; review them and approve with override to accept it anyway",
			ErrBlocked, tool.Name, name)
	}
	hash, canon, err := ToolHash(tool)
	if err != nil {
		t.mu.Unlock()
		return nil, err
	}
	decision, typ, action := Approved, AuditToolApproved, "approved"
	if !approve {
		decision, typ, action = Rejected, AuditToolRejected, "rejected"
	}
	detail := map[string]string{"hash": hash}
	if old := rec.Tools[tool.Name]; old != nil {
		detail["previous_hash"] = old.Hash
	}
	if blocked {
		detail["override"] = "approved despite high-severity findings"
	}
	pin := &ToolPin{Hash: hash, Decision: decision, By: by, At: time.Now().UTC(), Note: note, Definition: canon}
	next := *rec
	next.Tools = make(map[string]*ToolPin, len(rec.Tools)+1)
	for k, v := range rec.Tools {
		next.Tools[k] = v
	}
	next.Tools[tool.Name] = pin
	if err := t.saveLocked(&next); err != nil {
		t.mu.Unlock()
		return nil, err
	}
	t.audit(store.AuditRecord{Type: typ, Principal: by, Server: name, Tool: tool.Name, Note: note, Detail: detail})
	t.publish(name, Event{Action: action, Kind: "tool", Tool: tool.Name, By: by, Note: note})
	fn := t.onDecision
	t.mu.Unlock()
	if fn != nil {
		fn()
	}
	c := *pin
	return &c, nil
}

// hashed is the hashes of one catalog's tools. Check runs on every
// recomputation of every endpoint, and hashing is the bulk of its cost
// (about 30µs a tool), so the hashes are kept while the server's catalog is
// the same one: catalogs are replaced whole, never changed in place, so the
// same backing array means the same tools. Holding the array keeps it from
// being reused for another catalog.
type hashed struct {
	first *mcp.Tool
	n     int
	hash  []string
	canon []json.RawMessage
	err   []error
}

func (t *Trust) hashesLocked(server string, tools []mcp.Tool) *hashed {
	if len(tools) == 0 {
		return &hashed{}
	}
	if h := t.hashes[server]; h != nil && h.first == &tools[0] && h.n == len(tools) {
		return h
	}
	h := &hashed{first: &tools[0], n: len(tools), hash: make([]string, len(tools)),
		canon: make([]json.RawMessage, len(tools)), err: make([]error, len(tools))}
	for i, tool := range tools {
		h.hash[i], h.canon[i], h.err[i] = ToolHash(tool)
	}
	t.hashes[server] = h
	return h
}
