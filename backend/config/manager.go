package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/backend/fsutil"
)

// ErrFileBroken means the file on disk does not load, so a change made
// through the program is refused: saving it would overwrite the person's
// unfinished edit.
var ErrFileBroken = errors.New("the config file on disk has errors")

// Manager holds the config in force and is the one way to change it, from
// the API (Update, Replace) or from disk (Reload, and the watcher in Run).
// Every change is validated, saved atomically and then applied; a rejected
// one changes nothing.
type Manager struct {
	path    string
	apply   func(*Config)
	onError func(error)
	watcher *Watcher

	mu      sync.Mutex // one change at a time, applied in order
	cur     atomic.Pointer[Config]
	lastErr error
	errAt   time.Time
}

// NewManager starts from cfg, the config already loaded from path and in
// force. apply is called with every new config; onError with every edit on
// disk that was rejected.
func NewManager(path string, cfg *Config, apply func(*Config), onError func(error)) *Manager {
	m := &Manager{path: path, apply: apply, onError: onError}
	m.cur.Store(cfg.Clone())
	m.watcher = &Watcher{Path: path, OnChange: m.fromDisk, OnError: m.rejected}
	m.watcher.Accept(cfg)
	return m
}

// Path is the config file.
func (m *Manager) Path() string { return m.path }

// Current is a copy of the config in force.
func (m *Manager) Current() *Config { return m.cur.Load().Clone() }

// Snapshot is the config in force itself, for reading only: it is never
// changed in place (a change replaces it), so it needs no copy, but a caller
// must not change it either. Use Current for a copy to change.
func (m *Manager) Snapshot() *Config { return m.cur.Load() }

// LastError is the last rejected edit of the file and when it happened, or
// nil once a good config was loaded after it.
func (m *Manager) LastError() (error, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastErr, m.errAt
}

// Run watches the file until ctx is done.
func (m *Manager) Run(ctx context.Context) error { return m.watcher.Run(ctx) }

// Update changes the config with fn, starting from the file on disk so a
// hand edit the watcher has not picked up yet is kept. fn may return an
// error to refuse the change. The result is validated, saved and applied.
func (m *Manager) Update(fn func(*Config) error) (*Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	base, err := Load(m.path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v; fix the file or reload it before changing the config here", ErrFileBroken, err)
	}
	if err := fn(base); err != nil {
		return nil, err
	}
	if err := m.commitLocked(base); err != nil {
		return nil, err
	}
	return base.Clone(), nil
}

// Replace puts c in force as a whole, as if the file had been edited to it.
func (m *Manager) Replace(c *Config) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.commitLocked(c.Clone())
}

func (m *Manager) commitLocked(c *Config) error {
	c.normalise()
	if err := c.Validate(); err != nil {
		return err
	}
	if err := Save(m.path, c); err != nil {
		return err
	}
	m.watcher.Accept(c)
	m.setLocked(c)
	return nil
}

// Reload loads the file from disk and applies it, as the watcher does.
func (m *Manager) Reload() (*Config, error) {
	cfg, err := Load(m.path)
	if err != nil {
		m.rejected(err)
		return nil, err
	}
	m.watcher.Accept(cfg)
	m.fromDisk(cfg)
	return cfg.Clone(), nil
}

// DiskDiff compares the file on disk with the config in force.
func (m *Manager) DiskDiff() (DiffResult, error) {
	disk, err := Load(m.path)
	if err != nil {
		return DiffResult{}, err
	}
	return Diff(m.Current(), disk), nil
}

// Backup copies the file in force to backups/config-<time>.json beside it
// and keeps the newest keep copies. It returns the new file's path.
func (m *Manager) Backup(keep int) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, err := Encode(m.cur.Load())
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(m.path), "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating backup folder: %w", err)
	}
	name := filepath.Join(dir, "config-"+time.Now().UTC().Format("20060102T150405.000000000Z")+".json")
	if err := fsutil.WriteFileAtomic(name, data, 0o600); err != nil {
		return "", fmt.Errorf("writing backup: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return name, nil
	}
	var olds []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "config-") && strings.HasSuffix(e.Name(), ".json") {
			olds = append(olds, e.Name())
		}
	}
	sort.Strings(olds) // the time stamp sorts oldest first
	for len(olds) > keep {
		_ = os.Remove(filepath.Join(dir, olds[0]))
		olds = olds[1:]
	}
	return name, nil
}

func (m *Manager) fromDisk(c *Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setLocked(c.Clone())
}

func (m *Manager) setLocked(c *Config) {
	m.cur.Store(c)
	m.lastErr = nil
	if m.apply != nil {
		m.apply(c.Clone())
	}
}

func (m *Manager) rejected(err error) {
	m.mu.Lock()
	m.lastErr, m.errAt = err, time.Now()
	m.mu.Unlock()
	if m.onError != nil {
		m.onError(err)
	}
}
