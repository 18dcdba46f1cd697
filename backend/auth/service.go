package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"switchboard/backend/store"
)

// KeyPrefix starts every key Switchboard makes.
const KeyPrefix = "sb_"

// rawKeyLen is "sb_" and 32 random bytes in unpadded base64url.
const rawKeyLen = len(KeyPrefix) + 43

// shownPrefix is how much of a key the list shows, to tell keys apart.
const shownPrefix = 10

// lastUsedEvery bounds how often a key's last use is written to the store.
const lastUsedEvery = time.Minute

// Errors the service returns; the API maps them to statuses.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrInvalid   = errors.New("invalid")
	ErrForbidden = errors.New("forbidden")
	// Key errors, each a 401 with its own message.
	ErrKeyMalformed = errors.New("the API key is malformed: keys made by Switchboard are \"sb_\" and 43 letters, digits, '-' or '_'")
	ErrKeyUnknown   = errors.New("the API key is not valid")
	ErrKeyRevoked   = errors.New("the API key was revoked")
	ErrKeyExpired   = errors.New("the API key has expired")
)

// Key is an API key as stored: its hash, never the key.
type Key struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Principal string `json:"principal"`
	// Role, when set, is what the key grants; otherwise the principal's roles.
	Role          string     `json:"role,omitempty"`
	Scope         *Scope     `json:"scope,omitempty"`
	Prefix        string     `json:"prefix"`
	Hash          string     `json:"hash"`
	CreatedAt     time.Time  `json:"created_at"`
	CreatedBy     string     `json:"created_by,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	LastUsedAt    *time.Time `json:"last_used_at,omitempty"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedBy     string     `json:"revoked_by,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
}

// Principal is who a key speaks for.
type Principal struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Roles       []string  `json:"roles"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// state is what the store keeps, one document: there are tens of keys,
// not thousands.
type state struct {
	Keys       []*Key       `json:"keys"`
	Roles      []*Role      `json:"roles"`
	Principals []*Principal `json:"principals"`
}

const stateKey = "auth/state"

// Service keeps keys, roles and principals in the store.
type Service struct {
	st  *store.Store
	mu  sync.Mutex
	s   state
	now func() time.Time
	// saved is when each key's last use was last written.
	saved map[string]time.Time
}

// Open loads what the store holds.
func Open(st *store.Store) (*Service, error) {
	svc := &Service{st: st, now: time.Now, saved: map[string]time.Time{}}
	if err := st.GetJSON(stateKey, &svc.s); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("auth: load: %w", err)
	}
	return svc, nil
}

func (s *Service) save() error {
	if err := s.st.PutJSON(stateKey, &s.s); err != nil {
		return fmt.Errorf("auth: save: %w", err)
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// KeyRequest is what a new key is made from.
type KeyRequest struct {
	Name      string
	Principal string
	Role      string
	Scope     *Scope
	ExpiresAt *time.Time
}

// CreateKey makes a key and returns it with the raw key, which is not kept
// and cannot be had again. creator may only hand out permissions they hold.
func (s *Service) CreateKey(req KeyRequest, creator *Identity) (Key, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !nameRE.MatchString(req.Name) {
		return Key{}, "", invalid("name", "1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
	}
	if req.Principal == "" {
		req.Principal = req.Name
	} else if !nameRE.MatchString(req.Principal) {
		return Key{}, "", invalid("principal", "1 to 64 letters, digits, '.', '_', '@' or '-'")
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(s.now()) {
		return Key{}, "", invalid("expires_at", "is in the past")
	}
	var roles []string
	if req.Role != "" {
		if s.role(req.Role) == nil {
			return Key{}, "", invalid("role", "no role named %q", req.Role)
		}
		roles = []string{req.Role}
	} else if p := s.principal(req.Principal); p != nil && len(p.Roles) > 0 {
		roles = p.Roles
	} else {
		return Key{}, "", invalid("role", "give a role, or a principal that has roles")
	}
	if req.Scope.Empty() {
		req.Scope = nil
	}
	if err := holds(creator, s.permissions(roles), "the key"); err != nil {
		return Key{}, "", err
	}
	for _, k := range s.s.Keys {
		if k.Name == req.Name && k.RevokedAt == nil {
			return Key{}, "", fmt.Errorf("%w: a key named %q exists", ErrConflict, req.Name)
		}
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Key{}, "", err
	}
	raw := KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	k := &Key{ID: newID(), Name: req.Name, Principal: req.Principal, Role: req.Role, Scope: req.Scope,
		Prefix: raw[:shownPrefix], Hash: hashKey(raw), CreatedAt: s.now().UTC(), ExpiresAt: req.ExpiresAt}
	if creator != nil {
		k.CreatedBy = creator.Principal
	}
	s.s.Keys = append(s.s.Keys, k)
	if err := s.save(); err != nil {
		s.s.Keys = s.s.Keys[:len(s.s.Keys)-1]
		return Key{}, "", err
	}
	return *k, raw, nil
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "key_" + hex.EncodeToString(b[:])
}

func hashKey(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// WellFormed says whether raw looks like a key Switchboard made.
func WellFormed(raw string) bool {
	if len(raw) != rawKeyLen || !strings.HasPrefix(raw, KeyPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(raw[len(KeyPrefix):])
	return err == nil
}

// Authenticate finds the key raw is and the identity it grants.
func (s *Service) Authenticate(raw string) (*Identity, error) {
	if !WellFormed(raw) {
		return nil, ErrKeyMalformed
	}
	want := []byte(hashKey(raw))
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *Key
	// Every stored hash is compared, in constant time, so timing says
	// nothing about which key came close.
	for _, k := range s.s.Keys {
		if subtle.ConstantTimeCompare([]byte(k.Hash), want) == 1 {
			found = k
		}
	}
	if found == nil {
		return nil, ErrKeyUnknown
	}
	now := s.now()
	if found.RevokedAt != nil {
		msg := fmt.Sprintf("%s on %s", found.RevokedAt.UTC().Format(time.RFC3339), found.ID)
		if found.RevokedReason != "" {
			msg += ": " + found.RevokedReason
		}
		return nil, fmt.Errorf("%w (%s)", ErrKeyRevoked, msg)
	}
	if found.ExpiresAt != nil && !now.Before(*found.ExpiresAt) {
		return nil, fmt.Errorf("%w (%s expired at %s)", ErrKeyExpired, found.ID, found.ExpiresAt.UTC().Format(time.RFC3339))
	}
	t := now.UTC()
	found.LastUsedAt = &t
	if now.Sub(s.saved[found.ID]) >= lastUsedEvery {
		s.saved[found.ID] = now
		_ = s.save() // a lost last-use time is not worth refusing the call
	}
	return s.identity(found), nil
}

// identity is what key grants now: roles deleted since grant nothing.
func (s *Service) identity(k *Key) *Identity {
	id := &Identity{Principal: k.Principal, Kind: KindUser, KeyID: k.ID, Scope: k.Scope}
	p := s.principal(k.Principal)
	if p != nil {
		id.Kind = p.Kind
	}
	if k.Role != "" {
		id.Roles = []string{k.Role}
	} else if p != nil {
		id.Roles = slices.Clone(p.Roles)
	}
	if p == nil && k.Role == RoleAgent {
		id.Kind = KindAgent
	}
	id.Permissions = s.permissions(id.Roles)
	return id
}

func (s *Service) permissions(roles []string) []string {
	var out []string
	for _, name := range roles {
		if r := s.role(name); r != nil {
			out = append(out, r.Permissions...)
		}
	}
	return sorted(out)
}

func (s *Service) role(name string) *Role {
	if r := builtin(name); r != nil {
		return r
	}
	for _, r := range s.s.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (s *Service) principal(name string) *Principal {
	for _, p := range s.s.Principals {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Keys lists every key, revoked ones too, oldest first.
func (s *Service) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Key, 0, len(s.s.Keys))
	for _, k := range s.s.Keys {
		out = append(out, *k)
	}
	return out
}

// Key is one key by id.
func (s *Service) Key(id string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.key(id)
	if k == nil {
		return Key{}, fmt.Errorf("%w: no key with id %q", ErrNotFound, id)
	}
	return *k, nil
}

func (s *Service) key(id string) *Key {
	for _, k := range s.s.Keys {
		if k.ID == id {
			return k
		}
	}
	return nil
}

// RevokeKey ends a key for good; it stays listed with the reason.
func (s *Service) RevokeKey(id, reason, by string) (Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.key(id)
	if k == nil {
		return Key{}, fmt.Errorf("%w: no key with id %q", ErrNotFound, id)
	}
	if k.RevokedAt != nil {
		return Key{}, fmt.Errorf("%w: key %s was revoked already", ErrConflict, id)
	}
	now := s.now().UTC()
	k.RevokedAt, k.RevokedBy, k.RevokedReason = &now, by, reason
	return *k, s.save()
}

// IdentityForKey is what key id grants now, revoked or not, for checks.
func (s *Service) IdentityForKey(id string) (*Identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.key(id)
	if k == nil {
		return nil, fmt.Errorf("%w: no key with id %q", ErrNotFound, id)
	}
	return s.identity(k), nil
}

// IdentityForPrincipal is what a principal's roles grant.
func (s *Service) IdentityForPrincipal(name string) (*Identity, error) {
	if name == RoleAdmin {
		return Admin(name), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.principal(name)
	if p == nil {
		return nil, fmt.Errorf("%w: no principal named %q", ErrNotFound, name)
	}
	return &Identity{Principal: p.Name, Kind: p.Kind, Roles: slices.Clone(p.Roles), Permissions: s.permissions(p.Roles)}, nil
}

// Roles lists the built-in roles, then the custom ones by name.
func (s *Service) Roles() []Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := BuiltinRoles()
	custom := make([]Role, 0, len(s.s.Roles))
	for _, r := range s.s.Roles {
		custom = append(custom, *r)
	}
	sort.Slice(custom, func(i, j int) bool { return custom[i].Name < custom[j].Name })
	return append(out, custom...)
}

// CreateRole adds a custom role.
func (s *Service) CreateRole(r Role) (Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !nameRE.MatchString(r.Name) {
		return Role{}, invalid("name", "1 to 64 letters, digits, '.', '_', '@' or '-'")
	}
	if builtin(r.Name) != nil {
		return Role{}, fmt.Errorf("%w: %q is a built-in role and cannot be changed", ErrConflict, r.Name)
	}
	if s.role(r.Name) != nil {
		return Role{}, fmt.Errorf("%w: a role named %q exists", ErrConflict, r.Name)
	}
	if len(r.Permissions) == 0 {
		return Role{}, invalid("permissions", "a role needs at least one permission")
	}
	for _, p := range r.Permissions {
		if !KnownPermission(p) {
			return Role{}, invalid("permissions", "unknown permission %q; known: %s", p, strings.Join(Permissions, ", "))
		}
	}
	r.Permissions, r.BuiltIn = sorted(slices.Clone(r.Permissions)), false
	s.s.Roles = append(s.s.Roles, &r)
	return r, s.save()
}

// DeleteRole removes a custom role no principal or live key uses.
func (s *Service) DeleteRole(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if builtin(name) != nil {
		return fmt.Errorf("%w: %q is a built-in role and cannot be deleted", ErrConflict, name)
	}
	i := slices.IndexFunc(s.s.Roles, func(r *Role) bool { return r.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: no role named %q", ErrNotFound, name)
	}
	for _, p := range s.s.Principals {
		if slices.Contains(p.Roles, name) {
			return fmt.Errorf("%w: principal %q has role %q", ErrConflict, p.Name, name)
		}
	}
	for _, k := range s.s.Keys {
		if k.Role == name && k.RevokedAt == nil {
			return fmt.Errorf("%w: key %s (%s) grants role %q; revoke it first", ErrConflict, k.ID, k.Name, name)
		}
	}
	s.s.Roles = slices.Delete(s.s.Roles, i, i+1)
	return s.save()
}

// Principals lists the principals by name.
func (s *Service) Principals() []Principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Principal, 0, len(s.s.Principals))
	for _, p := range s.s.Principals {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// CreatePrincipal adds a principal.
func (s *Service) CreatePrincipal(p Principal, by *Identity) (Principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !nameRE.MatchString(p.Name) {
		return Principal{}, invalid("name", "1 to 64 letters, digits, '.', '_', '@' or '-'")
	}
	if p.Name == RoleAdmin || s.principal(p.Name) != nil {
		return Principal{}, fmt.Errorf("%w: a principal named %q exists", ErrConflict, p.Name)
	}
	if p.Kind == "" {
		p.Kind = KindUser
	}
	if p.Kind != KindUser && p.Kind != KindAgent && p.Kind != KindService {
		return Principal{}, invalid("kind", "one of user, agent, service")
	}
	for _, r := range p.Roles {
		if s.role(r) == nil {
			return Principal{}, invalid("roles", "no role named %q", r)
		}
	}
	if err := holds(by, s.permissions(p.Roles), "principal "+p.Name); err != nil {
		return Principal{}, err
	}
	p.Roles = sorted(slices.Clone(p.Roles))
	if p.Roles == nil {
		p.Roles = []string{}
	}
	p.CreatedAt = s.now().UTC()
	s.s.Principals = append(s.s.Principals, &p)
	return p, s.save()
}

// DeletePrincipal removes a principal no live key speaks for.
func (s *Service) DeletePrincipal(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.s.Principals, func(p *Principal) bool { return p.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: no principal named %q", ErrNotFound, name)
	}
	for _, k := range s.s.Keys {
		if k.Principal == name && k.RevokedAt == nil {
			return fmt.Errorf("%w: key %s (%s) speaks for %q; revoke it first", ErrConflict, k.ID, k.Name, name)
		}
	}
	s.s.Principals = slices.Delete(s.s.Principals, i, i+1)
	return s.save()
}
