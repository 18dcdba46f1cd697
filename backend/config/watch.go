package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the watcher waits after the last event
// before loading: editors write a file in several steps.
const DefaultDebounce = 100 * time.Millisecond

// Watcher reloads the config file when it changes on disk. It watches the
// file's folder, not the file, because editors save by writing a new file
// and renaming it over the old one, which a watch on the file would lose.
type Watcher struct {
	Path string
	// OnChange gets every valid config that differs from the last one seen.
	OnChange func(*Config)
	// OnError gets a load error (naming the file); the last good config
	// stays in force and watching goes on.
	OnError  func(error)
	Debounce time.Duration

	mu     sync.Mutex
	last   *Config
	failed bool // the last load failed, so the next good one is news

	started func() // tests: called once the folder is watched
}

// Watch runs a Watcher on path until ctx is done. The config on disk when it
// starts is the baseline: only later changes are reported.
func Watch(ctx context.Context, path string, onChange func(*Config), onError func(error)) error {
	w := &Watcher{Path: path, OnChange: onChange, OnError: onError}
	return w.Run(ctx)
}

// Accept records c as the config in force, for example right after the
// program saved it, so the watcher does not report that save back.
func (w *Watcher) Accept(c *Config) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = c.Clone()
	w.failed = false
}

// Run watches until ctx is done, then returns nil. It fails at once when the
// folder cannot be watched.
func (w *Watcher) Run(ctx context.Context) error {
	path, err := filepath.Abs(w.Path)
	if err != nil {
		return fmt.Errorf("watching config: %w", err)
	}
	targets := map[string]bool{path: true}
	// Through a symlink, changes land on the target's folder.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		targets[real] = true
	}

	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching config: %w", err)
	}
	defer fw.Close()
	for t := range targets {
		if err := fw.Add(filepath.Dir(t)); err != nil {
			return fmt.Errorf("watching config folder %s: %w", filepath.Dir(t), err)
		}
	}

	w.mu.Lock()
	if w.last == nil {
		if cfg, err := Load(path); err == nil {
			w.last = cfg
		}
	}
	w.mu.Unlock()
	if w.started != nil {
		w.started()
	}

	debounce := w.Debounce
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	// Look once right away: an edit made between the caller's load and the
	// start of the watch would otherwise go unnoticed. An unchanged file is
	// not reported.
	timer := time.NewTimer(debounce)
	defer timer.Stop()

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			if targets[filepath.Clean(ev.Name)] && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				timer.Reset(debounce)
			}
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				timer.Reset(debounce) // events were lost: look again
				continue
			}
			w.report(fmt.Errorf("watching config %s: %w", path, err))
		case <-timer.C:
			w.reload(path)
		}
	}
}

func (w *Watcher) reload(path string) {
	cfg, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Mid-replace by an editor; its Create event brings us back.
		return
	}
	if err != nil {
		w.mu.Lock()
		w.failed = true
		w.mu.Unlock()
		w.report(err)
		return
	}
	w.mu.Lock()
	news := w.failed || !cfg.Equal(w.last)
	if news {
		w.last = cfg.Clone()
		w.failed = false
	}
	w.mu.Unlock()
	if news && w.OnChange != nil {
		w.OnChange(cfg)
	}
}

func (w *Watcher) report(err error) {
	if w.OnError != nil {
		w.OnError(err)
	}
}
