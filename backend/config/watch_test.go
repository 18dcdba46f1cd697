package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type watchRun struct {
	path    string
	changes chan *Config
	errs    chan error
	w       *Watcher
}

// startWatch writes initial, starts a watcher and waits until it watches.
func startWatch(t *testing.T, initial string) *watchRun {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, initial)
	r := &watchRun{path: path, changes: make(chan *Config, 10), errs: make(chan error, 10)}
	ready := make(chan struct{})
	r.w = &Watcher{
		Path:     path,
		OnChange: func(c *Config) { r.changes <- c },
		OnError:  func(err error) { r.errs <- err },
		started:  func() { close(ready) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("watcher stopped: %v", err)
	}
	return r
}

func (r *watchRun) change(t *testing.T) *Config {
	t.Helper()
	select {
	case c := <-r.changes:
		return c
	case err := <-r.errs:
		t.Fatalf("want a change, got error %v", err)
	case <-time.After(time.Second):
		t.Fatal("no change reported within 1 s")
	}
	return nil
}

func (r *watchRun) error(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.errs:
		return err
	case c := <-r.changes:
		t.Fatalf("want an error, got a change %+v", c)
	case <-time.After(time.Second):
		t.Fatal("no error reported within 1 s")
	}
	return nil
}

// quiet checks nothing is reported while a few debounce periods pass.
func (r *watchRun) quiet(t *testing.T) {
	t.Helper()
	select {
	case c := <-r.changes:
		t.Fatalf("unexpected change %+v", c)
	case err := <-r.errs:
		t.Fatalf("unexpected error %v", err)
	case <-time.After(4 * DefaultDebounce):
	}
}

const (
	cfgA = `{"mcpServers": {"a": {"command": "one"}}}`
	cfgB = `{"mcpServers": {"a": {"command": "two"}}}`
)

func TestWatchEditThenBrokenThenFixed(t *testing.T) {
	r := startWatch(t, cfgA)
	writeFile(t, r.path, cfgB)
	if c := r.change(t); c.Servers["a"].Command != "two" {
		t.Fatalf("got %+v", c.Servers["a"])
	}

	writeFile(t, r.path, `{"mcpServers": {"a": {"command": "two",}}}`)
	if err := r.error(t); !strings.HasPrefix(err.Error(), r.path+":1:") {
		t.Fatalf("error %q should name the file and line", err)
	}
	writeFile(t, r.path, `{"mcpServers": {"a": {"type": "http"}}}`)
	if err := r.error(t); !strings.Contains(err.Error(), "mcpServers.a.url") {
		t.Fatalf("error %q should name the field", err)
	}

	// Back to the last good content: reported, so the error can be cleared.
	writeFile(t, r.path, cfgB)
	if c := r.change(t); c.Servers["a"].Command != "two" {
		t.Fatalf("got %+v", c.Servers["a"])
	}
}

func TestWatchRenameReplace(t *testing.T) {
	r := startWatch(t, cfgA)
	tmp := filepath.Join(filepath.Dir(r.path), ".config.json.swp")
	writeFile(t, tmp, cfgB)
	if err := os.Rename(tmp, r.path); err != nil {
		t.Fatal(err)
	}
	if c := r.change(t); c.Servers["a"].Command != "two" {
		t.Fatalf("got %+v", c.Servers["a"])
	}
}

func TestWatchFileBrieflyMissing(t *testing.T) {
	r := startWatch(t, cfgA)
	// Some editors move the old file aside and then write a new one.
	if err := os.Rename(r.path, r.path+"~"); err != nil {
		t.Fatal(err)
	}
	r.quiet(t)
	writeFile(t, r.path, cfgB)
	if c := r.change(t); c.Servers["a"].Command != "two" {
		t.Fatalf("got %+v", c.Servers["a"])
	}
}

func TestWatchIgnoresOwnSave(t *testing.T) {
	r := startWatch(t, cfgA)
	cfg, err := Load(r.path)
	if err != nil {
		t.Fatal(err)
	}
	// Same content, written differently: not a change.
	if err := Save(r.path, cfg); err != nil {
		t.Fatal(err)
	}
	r.quiet(t)

	// A save the program announces first is not reported back either.
	cfg.Servers["b"] = &Server{URL: "https://example.com/mcp"}
	r.w.Accept(cfg)
	if err := Save(r.path, cfg); err != nil {
		t.Fatal(err)
	}
	r.quiet(t)

	writeFile(t, r.path, cfgB)
	if c := r.change(t); len(c.Servers) != 1 || c.Servers["a"].Command != "two" {
		t.Fatalf("got %+v", c.Servers)
	}
}

func TestWatchMissingFolder(t *testing.T) {
	err := Watch(context.Background(), filepath.Join(t.TempDir(), "nope", "config.json"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("got %v, want an error naming the folder", err)
	}
}
