package client_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"

	"switchboard/backend/client"
	"switchboard/backend/config"
	"switchboard/backend/daemon"
	"switchboard/backend/testdeps"
)

// core is a real Switchboard (config file, store, gateway, TCP listener and
// control socket) in a temporary home, and a client of it on the socket.
type core struct {
	t    *testing.T
	d    *daemon.Daemon
	home string
	key  string
	c    *client.Client
}

func testServer(t testing.TB) *config.Server {
	return &config.Server{Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}
}

// startCore starts a core whose config has servers and waits until their
// first start attempts end.
func startCore(t *testing.T, servers map[string]*config.Server) *core {
	t.Helper()
	// A short path: unix socket paths are limited to about 100 bytes.
	home, err := os.MkdirTemp("", "sbcl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(home) })
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	if servers != nil {
		cfg.Servers = servers
	}
	if err := config.Save(filepath.Join(home, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d.Gateway().WaitReady(ctx)
	c, err := client.New(client.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	return &core{t: t, d: d, home: home, key: cfg.APIKey, c: c}
}

// tcp is a client of the core over TCP with key.
func (k *core) tcp(key string) *client.Client {
	c, err := client.New(client.Options{BaseURL: "http://" + k.d.Addr(), APIKey: key})
	if err != nil {
		k.t.Fatal(err)
	}
	return c
}

// file reads the config file as it is on disk.
func (k *core) file() map[string]any {
	k.t.Helper()
	data, err := os.ReadFile(filepath.Join(k.home, "config.json"))
	if err != nil {
		k.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		k.t.Fatalf("config file is not JSON: %v\n%s", err, data)
	}
	return m
}

// fileServer is one entry of mcpServers in the file, or nil.
func (k *core) fileServer(name string) map[string]any {
	servers, _ := k.file()["mcpServers"].(map[string]any)
	s, _ := servers[name].(map[string]any)
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// apiError checks that err is the envelope with this status and code.
func apiError(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	var ae *client.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want *client.Error %d %s, got %T: %v", status, code, err, err)
	}
	if ae.StatusCode != status || ae.Code != code || ae.Message == "" {
		t.Fatalf("want %d %s, got %d %s: %q", status, code, ae.StatusCode, ae.Code, ae.Message)
	}
	return ae
}

func TestServerLifecycleIsWrittenToTheConfigFile(t *testing.T) {
	k := startCore(t, nil)
	c := ctx(t)

	sc := testServer(t)
	sc.Env = map[string]string{"TOKEN": "s3cret"}
	sc.Tags = []string{"test"}
	created, err := k.c.CreateServer(c, "echo", sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(created.Created) != 1 || created.Created[0].Name != "echo" {
		t.Fatalf("created: %+v", created)
	}
	if k.fileServer("echo")["command"] != sc.Command {
		t.Fatalf("file after create: %v", k.file())
	}
	testdeps.Eventually(t, 15*time.Second, "echo is ready", func() bool {
		s, err := k.c.GetServer(c, "echo")
		return err == nil && s.State == "ready" && s.ToolCount > 0
	})
	got, err := k.c.GetServer(c, "echo")
	if err != nil {
		t.Fatal(err)
	}
	if got.Config == nil || got.Config.Env["TOKEN"] == "s3cret" || got.Config.Command != sc.Command {
		t.Fatalf("get shows the config with secrets redacted: %+v", got.Config)
	}

	list, err := k.c.ListServers(c, client.ServerFilter{Tag: "test"})
	if err != nil || list.Total != 1 || list.Servers[0].Name != "echo" {
		t.Fatalf("list by tag: %+v %v", list, err)
	}
	off := false
	if list, err := k.c.ListServers(c, client.ServerFilter{Enabled: &off}); err != nil || list.Total != 0 {
		t.Fatalf("list of disabled servers: %+v %v", list, err)
	}

	if _, err := k.c.DisableServer(c, "echo"); err != nil {
		t.Fatal(err)
	}
	if k.fileServer("echo")["enabled"] != false {
		t.Fatalf("file after disable: %v", k.fileServer("echo"))
	}
	if _, err := k.c.EnableServer(c, "echo"); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.fileServer("echo")["enabled"]; ok {
		t.Fatalf("file after enable keeps enabled: %v", k.fileServer("echo"))
	}

	patched, err := k.c.PatchServer(c, "echo", map[string]any{"description": "echoes", "tags": nil})
	if err != nil || patched.Description != "echoes" || len(patched.Tags) != 0 {
		t.Fatalf("patch: %+v %v", patched, err)
	}
	if f := k.fileServer("echo"); f["description"] != "echoes" || f["tags"] != nil || f["env"].(map[string]any)["TOKEN"] != "s3cret" {
		t.Fatalf("file after patch (the secret kept): %v", f)
	}

	testdeps.Eventually(t, 15*time.Second, "echo ready again", func() bool {
		s, err := k.c.GetServer(c, "echo")
		return err == nil && s.State == "ready"
	})
	if res, err := k.c.RestartServer(c, "echo"); err != nil || res.Action != "restart" {
		t.Fatalf("restart: %+v %v", res, err)
	}
	if res, err := k.c.StopServer(c, "echo", "maintenance"); err != nil || res.State != "stopped" {
		t.Fatalf("stop: %+v %v", res, err)
	}
	if res, err := k.c.StartServer(c, "echo"); err != nil || res.Action != "start" {
		t.Fatalf("start: %+v %v", res, err)
	}
	if logs, err := k.c.ServerLogs(c, "echo", 10); err != nil || logs.Name != "echo" || logs.Lines == nil {
		t.Fatalf("logs: %+v %v", logs, err)
	}
	testdeps.Eventually(t, 15*time.Second, "echo ready after start", func() bool {
		s, err := k.c.GetServer(c, "echo")
		return err == nil && s.State == "ready"
	})
	if hc, err := k.c.CheckServerHealth(c, "echo"); err != nil || !hc.OK {
		t.Fatalf("health check: %+v %v", hc, err)
	}
	if h, err := k.c.ServerHealth(c, "echo"); err != nil || len(h.Checks) == 0 {
		t.Fatalf("health history: %+v %v", h, err)
	}
	if res, err := k.c.Bulk(c, client.BulkRestartAll); err != nil || len(res.Results) != 1 {
		t.Fatalf("bulk restart: %+v %v", res, err)
	}

	if _, err := k.c.DeleteServer(c, "echo"); err != nil {
		t.Fatal(err)
	}
	if k.fileServer("echo") != nil {
		t.Fatalf("file after delete still has echo: %v", k.file())
	}
	_, err = k.c.GetServer(c, "echo")
	apiError(t, err, http.StatusNotFound, "ServerNotFound")
}

func TestPastedBlockAddsEveryServer(t *testing.T) {
	k := startCore(t, nil)
	bin := testdeps.TestServerBinary(t)
	block, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"one": map[string]any{"command": bin},
		"two": map[string]any{"command": bin, "enabled": false},
	}})
	created, err := k.c.CreateServersJSON(ctx(t), block)
	if err != nil || len(created.Created) != 2 {
		t.Fatalf("pasted block: %+v %v", created, err)
	}
	if k.fileServer("one") == nil || k.fileServer("two")["enabled"] != false {
		t.Fatalf("file: %v", k.file())
	}
	_, err = k.c.CreateServers(ctx(t), map[string]*config.Server{"one": testServer(t)})
	apiError(t, err, http.StatusConflict, "ServerExists")
}

func TestErrorsComeBackAsTheEnvelope(t *testing.T) {
	k := startCore(t, nil)
	c := ctx(t)

	_, err := k.c.GetServer(c, "nope")
	ae := apiError(t, err, http.StatusNotFound, "ServerNotFound")
	if !strings.Contains(ae.Error(), `"nope"`) {
		t.Fatalf("message: %q", ae.Error())
	}

	// A config with several problems lists each on its own line.
	bad := []byte(`{"mcpServers": {"a b": {"command": "x"}, "c": {}}}`)
	_, err = k.c.ValidateConfig(c, bad)
	ae = apiError(t, err, http.StatusUnprocessableEntity, "InvalidConfig")
	if len(ae.Problems) < 2 || strings.Count(ae.Error(), "\n") != len(ae.Problems) {
		t.Fatalf("problems: %+v\n%s", ae.Problems, ae.Error())
	}
	if !strings.Contains(ae.Error(), `mcpServers["a b"]`) {
		t.Fatalf("the problem does not name the server: %s", ae.Error())
	}

	_, err = k.c.CreateServer(c, "x", &config.Server{Command: "x", URL: "http://example.com"})
	if errors.As(err, &ae) && (ae.StatusCode != http.StatusUnprocessableEntity || len(ae.Problems) == 0) {
		t.Fatalf("invalid server: %+v", ae)
	}
	if _, err := k.c.ServerAction(c, "x", "explode"); err == nil || !strings.Contains(err.Error(), "explode") {
		t.Fatalf("unknown action: %v", err)
	}
}

func TestTCPNeedsTheKey(t *testing.T) {
	k := startCore(t, nil)
	c := ctx(t)
	if _, err := k.tcp(k.key).ListServers(c, client.ServerFilter{}); err != nil {
		t.Fatalf("with the key: %v", err)
	}
	_, err := k.tcp("").ListServers(c, client.ServerFilter{})
	apiError(t, err, http.StatusUnauthorized, "Unauthorized")
	_, err = k.tcp("sb_wrong").Status(c)
	var ae *client.Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong key: %v", err)
	}
	me, err := k.c.Me(c)
	if err != nil || me.Via != "socket" {
		t.Fatalf("me on the socket: %+v %v", me, err)
	}
	me, err = k.tcp(k.key).Me(c)
	if err != nil || me.Via != "api_key" {
		t.Fatalf("me over TCP: %+v %v", me, err)
	}
}

func TestNotRunningSaysHowToStart(t *testing.T) {
	home := t.TempDir()
	c, err := client.New(client.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(home, "switchboard.sock")
	check := func(err error, where string) {
		t.Helper()
		if !errors.Is(err, client.ErrNotRunning) {
			t.Fatalf("want ErrNotRunning, got %T: %v", err, err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "Switchboard is not running (") || !strings.Contains(msg, where) || !strings.Contains(msg, "`switchboard serve`") {
			t.Fatalf("message: %q", msg)
		}
	}
	_, err = c.Status(ctx(t))
	check(err, "no socket at "+sock)
	_, err = c.Events(ctx(t), nil, "")
	check(err, "no socket at "+sock)
	_, err = c.TailServerLogs(ctx(t), "x", -1)
	check(err, "no socket at "+sock)

	// A socket file left by a crash: nobody accepts on it.
	short, err := os.MkdirTemp("", "sbcl")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(short)
	stale := filepath.Join(short, "switchboard.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = l.Close()
	c, _ = client.New(client.Options{Socket: stale})
	_, err = c.ListServers(ctx(t), client.ServerFilter{})
	check(err, "nothing answers on the socket "+stale)

	// TCP, on a port nothing listens on.
	tl, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := tl.Addr().String()
	_ = tl.Close()
	c, _ = client.New(client.Options{BaseURL: "http://" + addr, APIKey: "k"})
	_, err = c.Status(ctx(t))
	check(err, "nothing listens at "+addr)
}

func TestNewRefusesABadBaseURL(t *testing.T) {
	for _, u := range []string{"127.0.0.1:7410", "ftp://x", "http://"} {
		if _, err := client.New(client.Options{BaseURL: u}); err == nil {
			t.Errorf("New accepted base URL %q", u)
		}
	}
}

func TestToolCallIsRecordedAndExported(t *testing.T) {
	k := startCore(t, map[string]*config.Server{"alpha": testServer(t)})
	c := ctx(t)

	all, err := k.c.ListTools(c, client.ToolQuery{})
	if err != nil || all.Total == 0 {
		t.Fatalf("tools: %+v %v", all, err)
	}
	found, err := k.c.SearchTools(c, "echo", 3)
	if err != nil || len(found.Tools) == 0 || len(found.Tools) > 3 || found.Tools[0].OriginalName != "echo" || found.Tools[0].Score == 0 {
		t.Fatalf("search: %+v %v", found, err)
	}
	if st, err := k.c.ServerTools(c, "alpha"); err != nil || st.Total != all.Total {
		t.Fatalf("server tools: %+v %v", st, err)
	}
	tool, err := k.c.GetTool(c, "alpha", "echo")
	if err != nil || tool.Name != "alpha__echo" || !tool.Enabled {
		t.Fatalf("get tool: %+v %v", tool, err)
	}

	res, err := k.c.CallTool(c, "alpha", "echo", map[string]any{"text": "hello from the client"})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || len(res.Content) == 0 || res.Content[0]["text"] != "hello from the client" {
		t.Fatalf("call: %+v", res)
	}
	if res, err := k.c.CallTool(c, "alpha", "fail", json.RawMessage(`{"message":"no"}`)); err != nil || !res.IsError {
		t.Fatalf("a failing tool is a result with isError: %+v %v", res, err)
	}

	if ti, err := k.c.DisableTool(c, "alpha", "echo"); err != nil || ti.Enabled {
		t.Fatalf("disable tool: %+v %v", ti, err)
	}
	_, err = k.c.CallTool(c, "alpha", "echo", map[string]any{"text": "x"})
	apiError(t, err, http.StatusConflict, "ToolDisabled")
	if ti, err := k.c.EnableTool(c, "alpha", "echo"); err != nil || !ti.Enabled {
		t.Fatalf("enable tool: %+v %v", ti, err)
	}

	testdeps.Eventually(t, 10*time.Second, "both calls in the activity log", func() bool {
		p, err := k.c.ListActivity(c, client.ActivityFilter{Server: "alpha"}, 10, "")
		return err == nil && len(p.Items) >= 2
	})
	p, err := k.c.ListActivity(c, client.ActivityFilter{Tool: "echo", Status: "ok"}, 10, "")
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("activity of echo: %+v %v", p, err)
	}
	one, err := k.c.GetActivity(c, p.Items[0].ID)
	if err != nil || !strings.Contains(string(one.Arguments), "hello from the client") {
		t.Fatalf("one entry: %+v %v", one, err)
	}
	if calls, err := k.c.ServerCalls(c, "alpha", 1, ""); err != nil || len(calls.Items) != 1 || calls.NextCursor == "" {
		t.Fatalf("server calls, a page of one: %+v %v", calls, err)
	}
	sum, err := k.c.ActivitySummary(c, client.ActivityFilter{})
	if err != nil || sum.Count != 2 || sum.Errors != 1 {
		t.Fatalf("summary: %+v %v", sum, err)
	}

	var jsonl bytes.Buffer
	if err := k.c.ActivityExport(c, client.FormatJSONL, client.ActivityFilter{Server: "alpha"}, &jsonl); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(jsonl.String()), "\n")
	if len(lines) != 2 || !json.Valid([]byte(lines[0])) {
		t.Fatalf("jsonl export: %q", jsonl.String())
	}
	var csvOut bytes.Buffer
	if err := k.c.ActivityExport(c, client.FormatCSV, client.ActivityFilter{Status: "error"}, &csvOut); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "id" || rows[1][4] != "fail" {
		t.Fatalf("csv export: %v %v", rows, err)
	}
	err = k.c.ActivityExport(c, "xml", client.ActivityFilter{}, &csvOut)
	apiError(t, err, http.StatusUnprocessableEntity, "InvalidField")
}

func TestConfigRoutes(t *testing.T) {
	k := startCore(t, map[string]*config.Server{"alpha": testServer(t)})
	c := ctx(t)

	cfg, etag, err := k.c.GetConfig(c)
	if err != nil || etag == "" || cfg.APIKey != config.Masked || cfg.Servers["alpha"] == nil {
		t.Fatalf("get config: %+v %q %v", cfg, etag, err)
	}
	v, err := k.c.ValidateConfig(c, cfg)
	if err != nil || !v.Valid || len(v.Changes.Added)+len(v.Changes.Removed)+len(v.Changes.Changed) != 0 {
		t.Fatalf("validate the config in force: %+v %v", v, err)
	}

	cfg.Servers["beta"] = testServer(t)
	after, etag2, err := k.c.PutConfig(c, cfg, etag)
	if err != nil || after.Servers["beta"] == nil || etag2 == etag {
		t.Fatalf("put config: %v", err)
	}
	if k.fileServer("beta") == nil || k.file()["api_key"] != k.key {
		t.Fatalf("file after put (the key kept): %v", k.file())
	}
	_, _, err = k.c.PutConfig(c, cfg, etag)
	apiError(t, err, http.StatusPreconditionFailed, "ConfigChanged")

	d, err := k.c.ConfigDiff(c)
	if err != nil || !d.InSync {
		t.Fatalf("diff: %+v %v", d, err)
	}
	// A hand edit not yet picked up (or rejected) shows in the diff, and
	// reload applies it.
	raw, _ := os.ReadFile(filepath.Join(k.home, "config.json"))
	var file map[string]any
	_ = json.Unmarshal(raw, &file)
	delete(file["mcpServers"].(map[string]any), "beta")
	raw, _ = json.Marshal(file)
	if err := os.WriteFile(filepath.Join(k.home, "config.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := k.c.ReloadConfig(c); err != nil {
		t.Fatal(err)
	}
	if s, err := k.c.ListServers(c, client.ServerFilter{}); err != nil || s.Total != 1 {
		t.Fatalf("after reload: %+v %v", s, err)
	}

	b, err := k.c.BackupConfig(c)
	if err != nil || b.Path == "" {
		t.Fatalf("backup: %+v %v", b, err)
	}
	if list, err := k.c.ConfigBackups(c); err != nil || len(list.Backups) == 0 || list.Backups[0].Path != b.Path {
		t.Fatalf("backups: %+v %v", list, err)
	}
	exp, err := k.c.ExportConfig(c)
	if err != nil || !bytes.Contains(exp, []byte(`"alpha"`)) || bytes.Contains(exp, []byte(k.key)) {
		t.Fatalf("export: %s %v", exp, err)
	}
}

func TestSystemRoutes(t *testing.T) {
	k := startCore(t, map[string]*config.Server{"alpha": testServer(t)})
	c := ctx(t)

	st, err := k.c.Status(c)
	if err != nil || !st.Running || st.Version != "test" || st.Servers.Total != 1 || st.ToolsTotal == 0 {
		t.Fatalf("status: %+v %v", st, err)
	}
	info, err := k.c.SystemInfo(c)
	if err != nil || info.Socket != k.c.Socket() || info.Home != k.home {
		t.Fatalf("info: %+v %v", info, err)
	}
	if _, err := k.c.Diagnostics(c); err != nil {
		t.Fatal(err)
	}
	doc, err := k.c.Doctor(c)
	if err != nil || len(doc.Checks) == 0 || doc.Status == "" {
		t.Fatalf("doctor: %+v %v", doc, err)
	}
	for _, p := range []string{client.ProbeLive, client.ProbeReady, client.ProbeStartup} {
		if h, err := k.c.Health(c, p); err != nil || h.Status == "" {
			t.Fatalf("%s: %+v %v", p, h, err)
		}
	}
	if h, err := k.c.Health(c, client.ProbeReady); err != nil || len(h.Servers) != 1 {
		t.Fatalf("ready lists the servers: %+v %v", h, err)
	}
	if m, err := k.c.Metrics(c); err != nil || !bytes.Contains(m, []byte("# TYPE")) {
		t.Fatalf("metrics: %.200s %v", m, err)
	}
	specJSON, err := k.c.OpenAPI(c)
	var spec struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err != nil || json.Unmarshal(specJSON, &spec) != nil || spec.Paths["/api/v1/servers"] == nil {
		t.Fatalf("openapi: %.200s %v", specJSON, err)
	}
}

func TestSessions(t *testing.T) {
	k := startCore(t, map[string]*config.Server{"alpha": testServer(t)})
	c := ctx(t)

	mc, err := mcpclient.NewStreamableHttpClient("http://" + k.d.Addr() + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	testdeps.Initialize(t, mc, "client-test")

	list, err := k.c.ListSessions(c)
	if err != nil || list.Total != 1 || list.Sessions[0].ClientName != "client-test" {
		t.Fatalf("sessions: %+v %v", list, err)
	}
	id := list.Sessions[0].ID
	if s, err := k.c.GetSession(c, id); err != nil || s.ID != id {
		t.Fatalf("get session: %+v %v", s, err)
	}
	if s, err := k.c.SuspendSession(c, id); err != nil || !s.Suspended {
		t.Fatalf("suspend: %+v %v", s, err)
	}
	if s, err := k.c.ResumeSession(c, id); err != nil || s.Suspended {
		t.Fatalf("resume: %+v %v", s, err)
	}
	if err := k.c.EndSession(c, id); err != nil {
		t.Fatal(err)
	}
	_, err = k.c.GetSession(c, id)
	apiError(t, err, http.StatusNotFound, "SessionNotFound")
}
