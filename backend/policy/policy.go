// Package policy holds the tool access policies: rules that allow or deny a
// principal the tools of a server (names may be glob patterns), the tools
// withdrawn from everyone by an admin, and what to do with a call whose
// arguments carry sensitive data. Rules are kept in the store, beside the
// API keys whose principals they name; the gateway asks Decide for every
// tools/list entry and every tools/call.
package policy

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/backend/store"
)

// Effects of a rule.
const (
	Allow = "allow"
	Deny  = "deny"
)

// What to do with a call whose arguments carry sensitive data.
const (
	// SensitiveFlag lets the call go; the activity record is flagged and the
	// data redacted in what is stored.
	SensitiveFlag = "flag"
	// SensitiveBlock refuses the call before it reaches the server.
	SensitiveBlock = "block"
)

// Principals of callers that present no key.
const (
	// Anonymous is a client of /mcp on TCP that sent no key (allowed when
	// mcp_require_key is off).
	Anonymous = "anonymous"
	// LocalUser is the owner of the control socket (the CLI, the stdio
	// bridge that Claude Desktop runs).
	LocalUser = "local-user"
)

// RolePrefix in a rule's principal matches callers by role ("role:agent").
const RolePrefix = "role:"

// Errors the engine returns; the API maps them to statuses.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")
	ErrConflict = errors.New("conflict")
)

// Rule allows or denies a principal the tools of servers. Principal, Server
// and Tool are glob patterns ("*" any run of characters, "?" one, [a-z] a
// class); an empty one means "*".
type Rule struct {
	ID string `json:"id"`
	// Principal is a principal's name or pattern, or "role:NAME" for every
	// caller holding that role. "anonymous" is a keyless TCP client,
	// "local-user" the owner of the control socket.
	Principal string `json:"principal"`
	Server    string `json:"server"`
	// Tool is the tool's own name on its server (not the prefixed name).
	Tool   string `json:"tool"`
	Effect string `json:"effect"`
	// Sensitive, when set, is what to do with a matching call whose
	// arguments carry sensitive data: flag or block. Unset: the settings'.
	Sensitive string `json:"sensitive,omitempty"`
	// Priority orders rules: higher first (default 0).
	Priority    int       `json:"priority"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Withdrawal is a tool taken from every client by an admin.
type Withdrawal struct {
	Server string    `json:"server"`
	Tool   string    `json:"tool"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Settings apply where no rule says otherwise.
type Settings struct {
	// SensitiveAction is flag (the default) or block.
	SensitiveAction string `json:"sensitive_action"`
	// SensitiveMinSeverity is the lowest severity of a finding that blocks
	// a call where the action is block: high (default), medium or low.
	SensitiveMinSeverity string `json:"sensitive_min_severity"`
}

func (s Settings) withDefaults() Settings {
	if s.SensitiveAction == "" {
		s.SensitiveAction = SensitiveFlag
	}
	if s.SensitiveMinSeverity == "" {
		s.SensitiveMinSeverity = "high"
	}
	return s
}

// state is what the store keeps, one document: rules are tens, not
// thousands.
type state struct {
	Rules     []*Rule       `json:"rules"`
	Withdrawn []*Withdrawal `json:"withdrawn"`
	Settings  Settings      `json:"settings"`
}

const stateKey = "policy/state"

// Caller is who makes a request, as far as policies care.
type Caller struct {
	Principal string
	Roles     []string
}

// Decision is the answer for one caller, server and tool.
type Decision struct {
	Allowed bool `json:"allowed"`
	// Reason says why, in words a client can be shown.
	Reason string `json:"reason"`
	// Rule is the id of the rule that decided ("" when none matched).
	Rule string `json:"rule,omitempty"`
	// Withdrawn is true when the tool is withdrawn from everyone.
	Withdrawn bool `json:"withdrawn,omitempty"`
	// Sensitive is what to do with sensitive data in the call's arguments.
	Sensitive string `json:"sensitive"`
}

// compiled is the rule set in evaluation order, swapped whole on change so
// Decide takes no lock.
type compiled struct {
	rules     []*Rule
	withdrawn map[[2]string]*Withdrawal
	settings  Settings
}

// Engine keeps the policies and decides.
type Engine struct {
	st   *store.Store
	mu   sync.Mutex
	s    state
	snap atomic.Pointer[compiled]
	now  func() time.Time
}

// Open loads the policies kept in st. A nil store keeps them in memory.
func Open(st *store.Store) (*Engine, error) {
	e := &Engine{st: st, now: time.Now}
	if st != nil {
		if err := st.GetJSON(stateKey, &e.s); err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("policy: load: %w", err)
		}
	}
	e.compile()
	return e, nil
}

func (e *Engine) save() error {
	if e.st == nil {
		return nil
	}
	if err := e.st.PutJSON(stateKey, &e.s); err != nil {
		return fmt.Errorf("policy: save: %w", err)
	}
	return nil
}

// commit saves the state and, only once it is saved, puts it in force; on
// failure the previous state is put back.
func (e *Engine) commit(prev state) error {
	if err := e.save(); err != nil {
		e.s = prev
		return err
	}
	e.compile()
	return nil
}

func (e *Engine) clone() state {
	return state{Rules: slices.Clone(e.s.Rules), Withdrawn: slices.Clone(e.s.Withdrawn), Settings: e.s.Settings}
}

func (e *Engine) compile() {
	c := &compiled{rules: slices.Clone(e.s.Rules), withdrawn: map[[2]string]*Withdrawal{}, settings: e.s.Settings.withDefaults()}
	sort.SliceStable(c.rules, func(i, j int) bool { return before(c.rules[i], c.rules[j]) })
	for _, w := range e.s.Withdrawn {
		c.withdrawn[[2]string{w.Server, w.Tool}] = w
	}
	e.snap.Store(c)
}

// before orders rules: higher priority, then more specific (more literal
// characters in principal, server and tool), then deny before allow, then
// the older rule.
func before(a, b *Rule) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if sa, sb := specificity(a), specificity(b); sa != sb {
		return sa > sb
	}
	if a.Effect != b.Effect {
		return a.Effect == Deny
	}
	return a.CreatedAt.Before(b.CreatedAt)
}

func specificity(r *Rule) int {
	return literal(strings.TrimPrefix(r.Principal, RolePrefix)) + literal(r.Server) + literal(r.Tool)
}

// literal counts the characters of a pattern that are not wildcards.
func literal(p string) int {
	n := 0
	inClass := false
	for _, c := range p {
		switch {
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c != '*' && c != '?':
			n++
		}
	}
	return n
}

// Empty says whether no rule and no withdrawal is in force, so callers can
// skip the work of asking.
func (e *Engine) Empty() bool {
	c := e.snap.Load()
	return len(c.rules) == 0 && len(c.withdrawn) == 0
}

// Decide says whether caller may see and call server's tool (by its own
// name), and what to do with sensitive data in its arguments. With no rule
// matching, the tool is allowed.
func (e *Engine) Decide(caller Caller, server, tool string) Decision {
	c := e.snap.Load()
	d := Decision{Allowed: true, Sensitive: c.settings.SensitiveAction}
	if w := c.withdrawn[[2]string{server, tool}]; w != nil {
		d.Allowed, d.Withdrawn = false, true
		d.Reason = fmt.Sprintf("tool %q of server %q was withdrawn by %s", tool, server, w.By)
		if w.Reason != "" {
			d.Reason += ": " + w.Reason
		}
		return d
	}
	decided, sensitiveSet := false, false
	for _, r := range c.rules {
		if !r.matches(caller, server, tool) {
			continue
		}
		if !decided {
			decided = true
			d.Rule = r.ID
			d.Allowed = r.Effect == Allow
			if d.Allowed {
				d.Reason = fmt.Sprintf("allowed to %s by policy %s", caller.Principal, r.ID)
			} else {
				d.Reason = fmt.Sprintf("tool %q of server %q is denied to %s by policy %s", tool, server, caller.Principal, r.ID)
				if r.Description != "" {
					d.Reason += " (" + r.Description + ")"
				}
			}
		}
		if !sensitiveSet && r.Sensitive != "" {
			sensitiveSet = true
			d.Sensitive = r.Sensitive
		}
		if sensitiveSet {
			break
		}
	}
	if !decided {
		d.Reason = "no policy matches; tools are allowed unless a policy denies them"
	}
	return d
}

// MinSeverity is the lowest severity that blocks where the action is block.
func (e *Engine) MinSeverity() string { return e.snap.Load().settings.SensitiveMinSeverity }

func (r *Rule) matches(c Caller, server, tool string) bool {
	if !glob(r.Server, server) || !glob(r.Tool, tool) {
		return false
	}
	if role, ok := strings.CutPrefix(r.Principal, RolePrefix); ok {
		for _, have := range c.Roles {
			if glob(role, have) {
				return true
			}
		}
		return false
	}
	return glob(r.Principal, c.Principal)
}

func glob(pattern, name string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// validate checks a rule a caller sent, and fills the defaults.
func validate(r *Rule) error {
	for _, f := range []struct{ name, v string }{{"principal", r.Principal}, {"server", r.Server}, {"tool", r.Tool}} {
		if len(f.v) > 256 {
			return invalid(f.name, "at most 256 characters, got %d", len(f.v))
		}
		p := strings.TrimPrefix(f.v, RolePrefix)
		if _, err := path.Match(p, ""); err != nil {
			return invalid(f.name, "%q is not a valid pattern: brackets must close (use * for any run of characters, ? for one)", f.v)
		}
	}
	if r.Principal == RolePrefix {
		return invalid("principal", "\"role:\" needs a role name, as in \"role:agent\"")
	}
	for _, f := range []*string{&r.Principal, &r.Server, &r.Tool} {
		if *f == "" {
			*f = "*"
		}
	}
	switch r.Effect {
	case Allow, Deny:
	case "":
		return invalid("effect", "is required: allow or deny")
	default:
		return invalid("effect", "must be allow or deny, got %q", r.Effect)
	}
	switch r.Sensitive {
	case "", SensitiveFlag, SensitiveBlock:
	default:
		return invalid("sensitive", "must be flag or block (or absent), got %q", r.Sensitive)
	}
	if r.Priority < -1000 || r.Priority > 1000 {
		return invalid("priority", "must be from -1000 to 1000, got %d", r.Priority)
	}
	if len(r.Description) > 1024 {
		return invalid("description", "at most 1024 characters")
	}
	return nil
}

func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "pol_" + hex.EncodeToString(b[:])
}

// Rules lists the rules in the order they are tried.
func (e *Engine) Rules() []Rule {
	c := e.snap.Load()
	out := make([]Rule, len(c.rules))
	for i, r := range c.rules {
		out[i] = *r
	}
	return out
}

// Rule is one rule by id.
func (e *Engine) Rule(id string) (Rule, error) {
	for _, r := range e.snap.Load().rules {
		if r.ID == id {
			return *r, nil
		}
	}
	return Rule{}, fmt.Errorf("%w: no policy with id %q", ErrNotFound, id)
}

// Create adds a rule; by is who made it.
func (e *Engine) Create(r Rule, by string) (Rule, error) {
	if err := validate(&r); err != nil {
		return Rule{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now().UTC()
	r.ID, r.CreatedAt, r.UpdatedAt, r.CreatedBy = newID(), now, now, by
	prev := e.clone()
	e.s.Rules = append(e.s.Rules, &r)
	if err := e.commit(prev); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// Update replaces a rule's principal, server, tool, effect, sensitive,
// priority and description; its id and creation stay.
func (e *Engine) Update(id string, r Rule) (Rule, error) {
	if err := validate(&r); err != nil {
		return Rule{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.s.Rules, func(x *Rule) bool { return x.ID == id })
	if i < 0 {
		return Rule{}, fmt.Errorf("%w: no policy with id %q", ErrNotFound, id)
	}
	old := e.s.Rules[i]
	r.ID, r.CreatedAt, r.CreatedBy, r.UpdatedAt = old.ID, old.CreatedAt, old.CreatedBy, e.now().UTC()
	prev := e.clone()
	e.s.Rules[i] = &r
	if err := e.commit(prev); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// Delete removes a rule and returns it.
func (e *Engine) Delete(id string) (Rule, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.s.Rules, func(x *Rule) bool { return x.ID == id })
	if i < 0 {
		return Rule{}, fmt.Errorf("%w: no policy with id %q", ErrNotFound, id)
	}
	old := *e.s.Rules[i]
	prev := e.clone()
	e.s.Rules = slices.Delete(slices.Clone(e.s.Rules), i, i+1)
	if err := e.commit(prev); err != nil {
		return Rule{}, err
	}
	return old, nil
}

// Settings are the settings in force, defaults filled in.
func (e *Engine) Settings() Settings { return e.snap.Load().settings }

// SetSettings replaces the settings; empty fields take their defaults.
func (e *Engine) SetSettings(s Settings) (Settings, error) {
	switch s.SensitiveAction {
	case "", SensitiveFlag, SensitiveBlock:
	default:
		return Settings{}, invalid("sensitive_action", "must be flag or block, got %q", s.SensitiveAction)
	}
	switch s.SensitiveMinSeverity {
	case "", "high", "medium", "low":
	default:
		return Settings{}, invalid("sensitive_min_severity", "must be high, medium or low, got %q", s.SensitiveMinSeverity)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	prev := e.clone()
	e.s.Settings = s.withDefaults()
	if err := e.commit(prev); err != nil {
		return Settings{}, err
	}
	return e.s.Settings, nil
}

// Withdrawn lists the withdrawn tools by server and tool.
func (e *Engine) Withdrawn() []Withdrawal {
	c := e.snap.Load()
	out := make([]Withdrawal, 0, len(c.withdrawn))
	for _, w := range c.withdrawn {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Server != out[j].Server {
			return out[i].Server < out[j].Server
		}
		return out[i].Tool < out[j].Tool
	})
	return out
}

// Withdrawal says whether a tool is withdrawn, and by whom.
func (e *Engine) Withdrawal(server, tool string) (Withdrawal, bool) {
	w := e.snap.Load().withdrawn[[2]string{server, tool}]
	if w == nil {
		return Withdrawal{}, false
	}
	return *w, true
}

// Withdraw takes a tool from every client until it is restored.
func (e *Engine) Withdraw(server, tool, by, reason string) (Withdrawal, error) {
	if server == "" || tool == "" {
		return Withdrawal{}, invalid("tool", "a server and a tool name are needed")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range e.s.Withdrawn {
		if w.Server == server && w.Tool == tool {
			return Withdrawal{}, fmt.Errorf("%w: tool %q of server %q was withdrawn already, by %s at %s", ErrConflict, tool, server, w.By, w.At.Format(time.RFC3339))
		}
	}
	w := &Withdrawal{Server: server, Tool: tool, By: by, At: e.now().UTC(), Reason: reason}
	prev := e.clone()
	e.s.Withdrawn = append(e.s.Withdrawn, w)
	if err := e.commit(prev); err != nil {
		return Withdrawal{}, err
	}
	return *w, nil
}

// Restore gives a withdrawn tool back and returns the withdrawal it ends.
func (e *Engine) Restore(server, tool string) (Withdrawal, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.s.Withdrawn, func(w *Withdrawal) bool { return w.Server == server && w.Tool == tool })
	if i < 0 {
		return Withdrawal{}, fmt.Errorf("%w: tool %q of server %q is not withdrawn", ErrNotFound, tool, server)
	}
	old := *e.s.Withdrawn[i]
	prev := e.clone()
	e.s.Withdrawn = slices.Delete(slices.Clone(e.s.Withdrawn), i, i+1)
	if err := e.commit(prev); err != nil {
		return Withdrawal{}, err
	}
	return old, nil
}
