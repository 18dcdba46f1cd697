// Package secrets keeps the values that ${keyring:NAME} references in the
// config stand for: in the OS keychain (through go-keyring) where one
// exists, otherwise in an encrypted file in the home folder whose key lives
// in a separate file. Only names and times ever leave this package through
// List; values go to the code that starts a server (Get) and to the
// redaction of stored activity (Values).
package secrets

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Backend names, as Options.Backend takes them and Store.Backend reports them.
const (
	BackendAuto     = "auto"
	BackendKeychain = "keychain"
	BackendFile     = "file"
)

// BackendEnv names the environment variable that chooses the backend when
// Options.Backend is empty.
const BackendEnv = "SWITCHBOARD_SECRETS_BACKEND"

// DefaultService is the keychain service every secret is filed under.
const DefaultService = "switchboard"

// ErrNotFound is returned for a name the store does not hold.
var ErrNotFound = errors.New("secret not found")

// MaxValueBytes bounds one value: keychains slow down or refuse large ones.
const MaxValueBytes = 64 << 10

// nameRe is what a secret's name may look like: an environment variable's
// name, with dots and dashes allowed.
var nameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,127}$`)

// CheckName reports why name cannot name a secret, or nil.
func CheckName(name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("secret name %q: use 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or '_'", name)
	}
	return nil
}

// Info describes a secret without its value.
type Info struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Options say where the secrets live.
type Options struct {
	// Home is the folder of secrets.enc (file backend) and
	// secrets.index.json (keychain backend).
	Home string
	// KeyDir holds the file backend's key, secrets.key; default Home/keys.
	KeyDir string
	// Backend is auto (default), keychain or file; empty reads
	// $SWITCHBOARD_SECRETS_BACKEND.
	Backend string
	// Service is the keychain service name; default "switchboard".
	Service string
}

// backend persists the secrets; the Store keeps them in memory as well.
type backend interface {
	name() string
	// load returns every secret the backend holds.
	load() (map[string]*entry, error)
	// save persists one set; all is every entry after it.
	save(name string, e *entry, all map[string]*entry) error
	// remove deletes one; all is every entry after it.
	remove(name string, all map[string]*entry) error
}

type entry struct {
	Info
	value string
}

// Store is the secret store of one home folder. It is safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	b       backend
	entries map[string]*entry
	redact  *strings.Replacer
}

// Open chooses the backend (see Options.Backend) and loads the names and
// values it holds. With auto, an existing secrets.enc keeps the file
// backend; otherwise the keychain is used when a probe write, read and
// delete succeeds, and the file backend when it does not.
func Open(opts Options) (*Store, error) {
	if opts.Home == "" {
		return nil, errors.New("secrets: no home folder")
	}
	if opts.KeyDir == "" {
		opts.KeyDir = defaultKeyDir(opts.Home)
	}
	if opts.Service == "" {
		opts.Service = DefaultService
	}
	if opts.Backend == "" {
		opts.Backend = os.Getenv(BackendEnv)
	}
	var b backend
	switch strings.ToLower(opts.Backend) {
	case "", BackendAuto:
		if _, err := os.Stat(encPath(opts.Home)); err != nil && ProbeKeychain(opts.Service) == nil {
			b = newKeychain(opts.Home, opts.Service)
		} else {
			b = newFileBackend(opts.Home, opts.KeyDir)
		}
	case BackendKeychain:
		if err := ProbeKeychain(opts.Service); err != nil {
			return nil, fmt.Errorf("secrets: the OS keychain is not usable: %w (set %s=file to use the encrypted file store)", err, BackendEnv)
		}
		b = newKeychain(opts.Home, opts.Service)
	case BackendFile:
		b = newFileBackend(opts.Home, opts.KeyDir)
	default:
		return nil, fmt.Errorf("secrets: unknown backend %q: want auto, keychain or file", opts.Backend)
	}
	all, err := b.load()
	if err != nil {
		return nil, err
	}
	s := &Store{b: b, entries: all}
	s.rebuildRedactor()
	return s, nil
}

// Backend is the name of the backend in use: keychain or file.
func (s *Store) Backend() string { return s.b.name() }

// List returns every secret's name and times, sorted by name.
func (s *Store) List() []Info {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Info, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, e.Info)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Get returns a secret's value, or ErrNotFound.
func (s *Store) Get(name string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entries[name]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return e.value, nil
}

// Resolve is Get in the shape config.SetSecretResolver takes; its errors
// say how to fix a missing secret.
func (s *Store) Resolve(name string) (string, error) {
	v, err := s.Get(name)
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("no secret %s in the %s store (set it with `switchboard secrets set %s`)", name, s.Backend(), name)
	}
	return v, err
}

// Set stores a value under name, and reports whether the name is new.
func (s *Store) Set(name, value string) (Info, bool, error) {
	if err := CheckName(name); err != nil {
		return Info{}, false, err
	}
	if value == "" {
		return Info{}, false, errors.New("a secret's value cannot be empty")
	}
	if len(value) > MaxValueBytes {
		return Info{}, false, fmt.Errorf("a secret's value is limited to %d bytes", MaxValueBytes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC().Truncate(time.Millisecond)
	old, existed := s.entries[name]
	e := &entry{Info: Info{Name: name, Created: now, Updated: now}, value: value}
	if existed {
		e.Created = old.Created
	}
	all := maps.Clone(s.entries)
	all[name] = e
	if err := s.b.save(name, e, all); err != nil {
		return Info{}, false, err
	}
	s.entries = all
	s.rebuildRedactor()
	return e.Info, !existed, nil
}

// Delete removes a secret, or returns ErrNotFound.
func (s *Store) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[name]; !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	all := maps.Clone(s.entries)
	delete(all, name)
	if err := s.b.remove(name, all); err != nil {
		return err
	}
	s.entries = all
	s.rebuildRedactor()
	return nil
}
