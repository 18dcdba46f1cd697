package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
	"switchboard/backend/store"
	"switchboard/backend/trust"
)

type rig struct {
	cfgPath string
	config  *config.Manager
	store   *store.Store
	m       *Manager
}

// newRig makes a manager over a real config file and a real store.
func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	if err := config.Save(path, cfg); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{cfgPath: path, config: config.NewManager(path, cfg, nil, nil), store: st}
	r.m, err = New(Options{Store: st, Config: r.config})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// onDisk reads config.json as written, not the manager's copy.
func (r *rig) onDisk(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Load(r.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// heldByTrust checks an approved server is quarantined the way any new
// server is: held by the trust keeper until approved there, and not by the
// config's "quarantined" flag, which approving would not lift.
func (r *rig) heldByTrust(t *testing.T, name string, sc *config.Server) {
	t.Helper()
	if sc.Quarantined {
		t.Fatalf("%s has the config's quarantined flag, a hold by hand that approving does not lift", name)
	}
	if st := trust.New(trust.Options{Store: r.store}).ServerStatus(name, sc); st != trust.StatusPending {
		t.Fatalf("%s: trust status %q, want %q", name, st, trust.StatusPending)
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const claudeFile = `{
  // a comment, as people leave in these files
  "mcpServers": {
    "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
    "memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]},
  },
  "globalShortcut": "Ctrl+Space"
}`

// waitPending polls until the pending list satisfies ok or fails after 5s.
func waitPending(t *testing.T, m *Manager, what string, ok func([]Pending) bool) []Pending {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p := m.PendingList()
		if ok(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s; pending is %+v", what, p)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func byID(p []Pending, id string) *Pending {
	for i := range p {
		if p[i].ID == id {
			return &p[i]
		}
	}
	return nil
}

func TestFolderSourceEndToEnd(t *testing.T) {
	r := newRig(t)
	folder := t.TempDir()
	if _, err := r.m.AddSource(SourceConfig{ID: "drop", Kind: KindFolder, Path: folder, Mode: ModeAuthoritative, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { r.m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// The first scan (empty folder) must be over before the file lands, or
	// the test would not show that the watch, not the first scan, found it.
	deadline := time.Now().Add(5 * time.Second)
	for s, _ := r.m.Source("drop"); s.LastScan == nil; s, _ = r.m.Source("drop") {
		if time.Now().After(deadline) {
			t.Fatal("no first scan within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	file := filepath.Join(folder, "claude_desktop_config.json")
	write(t, file, claudeFile)
	p := waitPending(t, r.m, "files and memory", func(p []Pending) bool { return len(p) == 2 })
	files := byID(p, "drop/files")
	if files == nil || files.Action != ActionAdd || files.Where != file || files.Server.Command != "npx" {
		t.Fatalf("pending files = %+v", files)
	}

	if _, err := r.m.Approve("drop/files"); err != nil {
		t.Fatal(err)
	}
	got := r.onDisk(t).Servers["files"]
	if got == nil || got.Command != "npx" {
		t.Fatalf("config.json files = %+v, want it there", got)
	}
	r.heldByTrust(t, "files", got)
	if _, err := r.m.Reject("drop/memory"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Scan(ctx, "drop"); err != nil {
		t.Fatal(err)
	}
	if p := r.m.PendingList(); len(p) != 0 {
		t.Fatalf("after approve, reject and a rescan, pending = %+v, want nothing", p)
	}

	// The rejection is kept: a manager over the same store offers nothing.
	m2, err := New(Options{Store: r.store, Config: r.config})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Scan(ctx, "drop"); err != nil {
		t.Fatal(err)
	}
	if p := m2.PendingList(); len(p) != 0 {
		t.Fatalf("after a restart, pending = %+v, want the rejection kept", p)
	}

	// Authoritative: the file goes, the server it brought is proposed for
	// removal, and stays in the config until that is approved.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	p = waitPending(t, r.m, "the removal of files", func(p []Pending) bool { return byID(p, "drop/files") != nil })
	if rm := byID(p, "drop/files"); rm.Action != ActionRemove || len(p) != 1 {
		t.Fatalf("pending = %+v, want only the removal of files", p)
	}
	if r.onDisk(t).Servers["files"] == nil {
		t.Fatal("files was removed from config.json without approval")
	}
	if _, err := r.m.Approve("drop/files"); err != nil {
		t.Fatal(err)
	}
	if r.onDisk(t).Servers["files"] != nil {
		t.Fatal("approved removal left files in config.json")
	}
}

func TestAdditiveNeverProposesRemoval(t *testing.T) {
	r := newRig(t)
	folder := t.TempDir()
	file := filepath.Join(folder, "mcp.json")
	write(t, file, claudeFile)
	if _, err := r.m.AddSource(SourceConfig{ID: "drop", Kind: KindFolder, Path: folder, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.m.Scan(ctx, "drop"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Approve("drop/files"); err != nil {
		t.Fatal(err)
	}
	os.Remove(file)
	s, err := r.m.Scan(ctx, "drop")
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != ModeAdditive {
		t.Fatalf("mode = %q, want the default additive", s.Mode)
	}
	if p := r.m.PendingList(); len(p) != 0 {
		t.Fatalf("an additive source proposed %+v", p)
	}
}

func TestRejectedServerIsOfferedAgainWhenItChanges(t *testing.T) {
	r := newRig(t)
	folder := t.TempDir()
	file := filepath.Join(folder, "mcp.json")
	write(t, file, `{"mcpServers": {"memory": {"command": "npx", "args": ["server-memory"]}}}`)
	r.m.AddSource(SourceConfig{ID: "drop", Kind: KindFolder, Path: folder, Enabled: true})
	ctx := context.Background()
	r.m.Scan(ctx, "drop")
	if _, err := r.m.Reject("drop/memory"); err != nil {
		t.Fatal(err)
	}
	write(t, file, `{"mcpServers": {"memory": {"command": "uvx", "args": ["other-memory"]}}}`)
	r.m.Scan(ctx, "drop")
	if p := r.m.PendingList(); len(p) != 1 || p[0].Server.Command != "uvx" {
		t.Fatalf("pending = %+v, want the changed server offered", p)
	}
}

func TestFolderProblemsNameTheFile(t *testing.T) {
	r := newRig(t)
	folder := t.TempDir()
	write(t, filepath.Join(folder, "broken.json"), `{"mcpServers": {`)
	write(t, filepath.Join(folder, "good.json"), `{"mcpServers": {"ok": {"command": "echo"}}}`)
	write(t, filepath.Join(folder, "notes.txt"), `not a config`)
	r.m.AddSource(SourceConfig{ID: "drop", Kind: KindFolder, Path: folder, Enabled: true})
	s, err := r.m.Scan(context.Background(), "drop")
	if err != nil {
		t.Fatal(err)
	}
	if s.Found != 1 || len(s.Problems) != 1 || !strings.HasSuffix(s.Problems[0].Where, "broken.json") {
		t.Fatalf("status = %+v, want one found and broken.json named as a problem", s)
	}
	// A missing folder is the source's error, and leaves pending as it was.
	gone := filepath.Join(folder, "gone")
	var fe *FieldError
	if _, err := r.m.UpdateSource("drop", func(c *SourceConfig) { c.Path = gone }); !errors.As(err, &fe) || fe.Field != "path" || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("moving to a missing folder = %v, want a path error", err)
	}
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.UpdateSource("drop", func(c *SourceConfig) { c.Path = gone }); err != nil {
		t.Fatal(err)
	}
	os.Remove(gone)
	s, _ = r.m.Scan(context.Background(), "drop")
	if !strings.Contains(s.LastError, "gone") || len(r.m.PendingList()) != 1 {
		t.Fatalf("status = %+v pending = %+v", s, r.m.PendingList())
	}
}

func TestClientsSourceOnAFakeHome(t *testing.T) {
	home := t.TempDir()
	xdg := filepath.Join(home, ".config")
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("APPDATA", filepath.Join(home, "AppData", "Roaming"))
	env := clientconfig.HostEnv()
	loc := func(f clientconfig.Format) string {
		for _, l := range clientconfig.Locations(env) {
			if l.Format == f && l.Primary {
				return l.Path
			}
		}
		t.Fatalf("no location for %s", f)
		return ""
	}
	write(t, loc(clientconfig.ClaudeDesktop), `{
  "mcpServers": {
    "switchboard": {"command": "/usr/local/bin/switchboard", "args": ["stdio"]},
    "github": {"command": "docker", "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server"]}
  }
}`)
	write(t, loc(clientconfig.Cursor), `{"mcpServers": {"linear": {"url": "https://mcp.linear.app/sse"}}}`)
	write(t, loc(clientconfig.VSCode), `{
  // VS Code keeps its servers under "servers"
  "servers": {"playwright": {"type": "stdio", "command": "npx", "args": ["@playwright/mcp@latest"]}},
  "inputs": []
}`)
	write(t, loc(clientconfig.Windsurf), `{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}`)
	write(t, loc(clientconfig.ClaudeCode), `{"numStartups": 3, "mcpServers": {"sentry": {"type": "http", "url": "https://mcp.sentry.dev/mcp"}}}`)

	r := newRig(t)
	if _, err := r.m.AddSource(SourceConfig{ID: "clients", Kind: KindClients, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	s, err := r.m.Scan(context.Background(), "clients")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) != 0 || s.LastError != "" {
		t.Fatalf("status = %+v", s)
	}
	got := map[string]string{}
	for _, p := range r.m.PendingList() {
		got[p.Name] = p.Where
	}
	want := map[string]string{
		"github":     loc(clientconfig.ClaudeDesktop),
		"linear":     loc(clientconfig.Cursor),
		"playwright": loc(clientconfig.VSCode),
		"fetch":      loc(clientconfig.Windsurf),
		"sentry":     loc(clientconfig.ClaudeCode),
	}
	if g, w := mustJSON(got), mustJSON(want); g != w {
		t.Fatalf("pending by name -> file:\n got %s\nwant %s (Switchboard's own entry must be left out)", g, w)
	}
	if _, err := r.m.Approve("clients/linear"); err != nil {
		t.Fatal(err)
	}
	sc := r.onDisk(t).Servers["linear"]
	if sc == nil || sc.URL != "https://mcp.linear.app/sse" {
		t.Fatalf("config.json linear = %+v", sc)
	}
	r.heldByTrust(t, "linear", sc)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSourceValidationNamesTheField(t *testing.T) {
	r := newRig(t)
	cases := []struct {
		c     SourceConfig
		field string
	}{
		{SourceConfig{Kind: KindClients}, "id"},
		{SourceConfig{ID: "a b", Kind: KindClients}, "id"},
		{SourceConfig{ID: "a"}, "kind"},
		{SourceConfig{ID: "a", Kind: "consul"}, "kind"},
		{SourceConfig{ID: "a", Kind: KindFolder}, "path"},
		{SourceConfig{ID: "a", Kind: KindFolder, Path: "relative/dir"}, "path"},
		{SourceConfig{ID: "a", Kind: KindClients, Mode: "mirror"}, "mode"},
		{SourceConfig{ID: "a", Kind: KindClients, Interval: "soon"}, "interval"},
		{SourceConfig{ID: "a", Kind: KindClients, Interval: "1s"}, "interval"},
	}
	for _, tc := range cases {
		_, err := r.m.AddSource(tc.c)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("AddSource(%+v) = %v, want an error on %q", tc.c, err, tc.field)
		}
	}
	if _, err := r.m.AddSource(SourceConfig{ID: "c", Kind: KindClients}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.AddSource(SourceConfig{ID: "c", Kind: KindClients}); !errors.Is(err, ErrExists) {
		t.Fatalf("second add = %v, want ErrExists", err)
	}
	if _, err := r.m.UpdateSource("c", func(c *SourceConfig) { c.Kind = KindFolder }); err == nil {
		t.Fatal("kind changed")
	}
	if _, err := r.m.Scan(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("scan of an unknown source = %v", err)
	}
	if _, err := r.m.Approve("c/nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("approve of an unknown entry = %v", err)
	}
}

// A server of the same name added by hand after the scan: approving the
// found one is refused and the config keeps the hand-made one.
func TestApproveRefusesATakenName(t *testing.T) {
	r := newRig(t)
	folder := t.TempDir()
	write(t, filepath.Join(folder, "mcp.json"), `{"mcpServers": {"memory": {"command": "npx", "args": ["server-memory"]}}}`)
	r.m.AddSource(SourceConfig{ID: "drop", Kind: KindFolder, Path: folder, Enabled: true})
	if _, err := r.m.Scan(context.Background(), "drop"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.config.Update(func(c *config.Config) error {
		c.Servers["memory"] = &config.Server{Command: "echo"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Approve("drop/memory"); !errors.Is(err, ErrExists) {
		t.Fatalf("approve over a taken name = %v, want ErrExists", err)
	}
	if sc := r.onDisk(t).Servers["memory"]; sc.Command != "echo" {
		t.Fatalf("config.json memory = %+v, want the hand-made one kept", sc)
	}
	if len(r.m.PendingList()) != 1 {
		t.Fatal("a refused approval dropped the pending entry")
	}
}

// Claude Code's file often holds settings and no servers; that is not shown
// as a problem, while a broken client file is.
func TestClientsSourceQuietOnAFileWithoutServers(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	write(t, filepath.Join(home, ".claude.json"), `{"numStartups": 12, "theme": "dark"}`)
	write(t, filepath.Join(home, ".cursor", "mcp.json"), `{"mcpServers": {"x": {"command": 5}}}`)
	r := newRig(t)
	r.m.AddSource(SourceConfig{ID: "clients", Kind: KindClients, Enabled: true})
	s, err := r.m.Scan(context.Background(), "clients")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) != 1 || !strings.HasSuffix(s.Problems[0].Where, filepath.Join(".cursor", "mcp.json")) || !strings.Contains(s.Problems[0].Message, "mcpServers") {
		t.Fatalf("problems = %+v, want only Cursor's bad entry, named", s.Problems)
	}
}

// OnPending hears of each entry once: when it first appears, not on every
// rescan while it waits.
func TestOnPendingTellsOfNewEntriesOnce(t *testing.T) {
	r := newRig(t)
	var told [][]string
	m, err := New(Options{Store: r.store, Config: r.config, OnPending: func(source string, ps []Pending) {
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.Action+" "+p.ID)
		}
		told = append(told, ids)
	}})
	if err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	file := filepath.Join(folder, "mcp.json")
	write(t, file, `{"mcpServers": {"a": {"command": "echo"}}}`)
	m.AddSource(SourceConfig{ID: "d", Kind: KindFolder, Path: folder, Enabled: true, Mode: ModeAuthoritative})
	ctx := context.Background()
	m.Scan(ctx, "d")
	m.Scan(ctx, "d")
	write(t, file, `{"mcpServers": {"a": {"command": "echo"}, "b": {"command": "cat"}}}`)
	m.Scan(ctx, "d")
	if _, err := m.Approve("d/a"); err != nil {
		t.Fatal(err)
	}
	write(t, file, `{"mcpServers": {"b": {"command": "cat"}}}`)
	m.Scan(ctx, "d")
	m.Scan(ctx, "d")
	if got, want := mustJSON(told), `[["add d/a"],["add d/b"],["remove d/a"]]`; got != want {
		t.Fatalf("told %s, want %s", got, want)
	}
}
