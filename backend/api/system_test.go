package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/daemon"
	"switchboard/backend/events"
	"switchboard/backend/testdeps"
	"switchboard/backend/updatecheck"
)

func getJSON[T any](t *testing.T, r response) T {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("want 200, got %d: %s", r.Status, r.Body)
	}
	var v T
	r.JSON(t, &v)
	return v
}

// releaseFeed answers like GitHub's latest-release API with tag; it holds
// each answer until hold is closed (nil: answers at once).
func releaseFeed(t *testing.T, tag string, hold chan struct{}) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"tag_name": %q, "html_url": "https://example.test/releases/tag/%s"}`, tag, tag)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// newReleaseHarness is newHarness for a build that says it is version.
func newReleaseHarness(t *testing.T, version string) *harness {
	t.Helper()
	home, err := os.MkdirTemp("", "sbapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(home) })
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Save(filepath.Join(home, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler), Version: version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	sock := d.Socket()
	return &harness{t: t, d: d, home: home, key: cfg.APIKey,
		tcp: &http.Client{Timeout: 30 * time.Second},
		socket: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			}}},
	}
}

func TestStatusCountsServersToolsCallsAndSessions(t *testing.T) {
	off := false
	disabled := stdioServer(t)
	disabled.Enabled = &off
	h := newHarness(t, map[string]*config.Server{"echo": stdioServer(t), "off": disabled})
	c := h.mcpClient()
	h.callTool(c, "echo__echo", map[string]any{"text": "hi"})
	h.callTool(c, "echo__fail", map[string]any{"message": "no"})

	st := getJSON[api.StatusInfo](t, h.req("GET", "/api/v1/status", nil))
	if !st.Running || st.Version != "test" || st.UptimeS <= 0 || st.StartedAt.IsZero() {
		t.Fatalf("status: %+v", st)
	}
	if st.Servers.Total != 2 || st.Servers.Enabled != 1 || st.Servers.ByState["ready"] != 1 ||
		st.Servers.ByState["disabled"] != 1 || st.Servers.ByState["dead"] != 0 {
		t.Fatalf("servers: %+v", st.Servers)
	}
	if st.ToolsTotal != len(testdeps.ToolNames(t, c)) {
		t.Fatalf("tools_total %d, a client of /mcp sees %d", st.ToolsTotal, len(testdeps.ToolNames(t, c)))
	}
	if st.CallsTotal == nil || *st.CallsTotal != 2 || st.ErrorsTotal == nil || *st.ErrorsTotal != 1 {
		t.Fatalf("calls %v errors %v, want 2 and 1", st.CallsTotal, st.ErrorsTotal)
	}
	if st.SessionsOpen != 1 {
		t.Fatalf("sessions open: %d", st.SessionsOpen)
	}
}

func TestSystemInfoSaysWhereItListensAndWhatTheUpdateCheckFound(t *testing.T) {
	feed := releaseFeed(t, "v9.9.9", nil)
	t.Setenv(updatecheck.URLEnv, feed.URL)
	h := newHarness(t, nil)
	var info api.SystemInfo
	testdeps.Eventually(t, 10*time.Second, "the update check ran", func() bool {
		info = getJSON[api.SystemInfo](t, h.req("GET", "/api/v1/system/info", nil))
		return info.Update.CheckedAt != nil
	})
	addr := h.d.Addr()
	if info.Listen != addr || info.MCPURL != "http://"+addr+"/mcp" || info.UIURL != "http://"+addr+"/ui/" ||
		info.APIURL != "http://"+addr+"/api/v1" || info.Socket != h.d.Socket() || info.ConfigPath != h.configPath() ||
		info.Home != h.home || info.PID != os.Getpid() || info.Version != "test" ||
		!strings.HasPrefix(info.GoVersion, "go") || info.OS == "" || info.Arch == "" {
		t.Fatalf("info: %+v", info)
	}
	// A test build is not a release: it is told the latest, never urged to update.
	if u := info.Update; !u.Enabled || u.Latest != "v9.9.9" || u.Available || u.Error != "" {
		t.Fatalf("update: %+v", u)
	}
}

func TestANewerReleaseIsShownAndPublished(t *testing.T) {
	hold := make(chan struct{})
	feed := releaseFeed(t, "v1.4.0", hold)
	t.Setenv(updatecheck.URLEnv, feed.URL)
	h := newReleaseHarness(t, "v1.3.2")
	sub, _ := h.d.Events().Subscribe([]string{events.UpdateAvailable}, 8, 0)
	defer sub.Close()
	close(hold)
	select {
	case ev := <-sub.C:
		data, _ := ev.Data.(map[string]any)
		if data["version"] != "v1.4.0" || data["url"] != "https://example.test/releases/tag/v1.4.0" {
			t.Fatalf("event: %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no update.available event")
	}
	info := getJSON[api.SystemInfo](t, h.req("GET", "/api/v1/system/info", nil))
	if u := info.Update; !u.Available || u.Latest != "v1.4.0" || u.Current != "v1.3.2" || u.URL == "" {
		t.Fatalf("update: %+v", u)
	}
	diag := getJSON[api.Diagnostics](t, h.req("GET", "/api/v1/system/diagnostics", nil))
	if diag.Update == nil || diag.Update.Latest != "v1.4.0" {
		t.Fatalf("diagnostics should mention the update: %+v", diag.Update)
	}
}

func TestDiagnosticsShowABrokenConfigEditWhileTheLastGoodConfigServes(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"echo": stdioServer(t)})
	good := getJSON[api.Diagnostics](t, h.req("GET", "/api/v1/system/diagnostics", nil))
	if !good.Config.OK || good.Config.Path != h.configPath() || len(good.Servers) != 0 || !good.Store.OK {
		t.Fatalf("healthy core: %+v", good)
	}

	data, err := os.ReadFile(h.configPath())
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `"mcpServers": {`, `"mcpServers": {,`, 1)
	if broken == string(data) {
		t.Fatalf("unexpected config layout:\n%s", data)
	}
	if err := os.WriteFile(h.configPath(), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	var diag api.Diagnostics
	testdeps.Eventually(t, 10*time.Second, "the watcher rejected the edit", func() bool {
		diag = getJSON[api.Diagnostics](t, h.req("GET", "/api/v1/system/diagnostics", nil))
		_, at := h.d.Config().LastError()
		return !diag.Config.OK && !at.IsZero()
	})
	if !strings.Contains(diag.Config.Error, "config.json:") || !strings.Contains(diag.Config.Error, "invalid JSON") || diag.Config.ErrorAt == nil {
		t.Fatalf("config problem should say where: %+v", diag.Config)
	}
	doc := getJSON[api.DoctorReport](t, h.req("GET", "/api/v1/system/doctor", nil))
	if ch := findCheck(t, doc, "config"); ch.Status != "fail" || ch.Fix == "" {
		t.Fatalf("doctor on a broken file: %+v", ch)
	}

	// The last good config keeps serving.
	c := h.mcpClient()
	if got := text(h.callTool(c, "echo__echo", map[string]any{"text": "still here"})); got != "still here" {
		t.Fatalf("echo after a broken edit: %q", got)
	}
	st := getJSON[api.StatusInfo](t, h.req("GET", "/api/v1/status", nil))
	if st.Servers.ByState["ready"] != 1 {
		t.Fatalf("status after a broken edit: %+v", st.Servers)
	}

	if err := os.WriteFile(h.configPath(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	testdeps.Eventually(t, 10*time.Second, "the fixed file is accepted", func() bool {
		return getJSON[api.Diagnostics](t, h.req("GET", "/api/v1/system/diagnostics", nil)).Config.OK
	})
}

func TestDiagnosticsShowFailingServersWithStderrAndCollisions(t *testing.T) {
	bare := stdioServer(t)
	empty := ""
	bare.Prefix = &empty
	bare.AutoApproveChanges = true // the tool it adds below is exposed without a review
	h := newHarness(t, map[string]*config.Server{
		"echo":   stdioServer(t),
		"bare":   bare,
		"broken": {Command: "sh", Args: []string{"-c", "echo 'cannot open database' >&2; exit 3"}},
	})
	diag := getJSON[api.Diagnostics](t, h.req("GET", "/api/v1/system/diagnostics", nil))
	if len(diag.Servers) != 1 || diag.Servers[0].Name != "broken" {
		t.Fatalf("only broken needs a look: %+v", diag.Servers)
	}
	b := diag.Servers[0]
	if b.LastError == "" || b.Type != "stdio" || len(b.Stderr) == 0 || b.Stderr[len(b.Stderr)-1] != "cannot open database" {
		t.Fatalf("broken: %+v", b)
	}
	toolClash := func() (api.CollisionInfo, bool) {
		for _, c := range diag.Collisions {
			if c.Kind == "tool" {
				return c, true
			}
		}
		return api.CollisionInfo{}, false
	}
	if c, found := toolClash(); found {
		t.Fatalf("no tool collides yet: %+v", c)
	}

	// bare's tools are not prefixed: one named like echo's clashes with it.
	h.callTool(h.mcpClient(), "add_tool", map[string]any{"name": "echo__pid"})
	var col api.CollisionInfo
	testdeps.Eventually(t, 10*time.Second, "the collision is reported", func() bool {
		diag = getJSON[api.Diagnostics](t, h.req("GET", "/api/v1/system/diagnostics", nil))
		var found bool
		col, found = toolClash()
		return found
	})
	if col.Name != "echo__pid" || col.Kept == col.Dropped || !strings.Contains(col.Message, "prefix") {
		t.Fatalf("collision: %+v", col)
	}
	doc := getJSON[api.DoctorReport](t, h.req("GET", "/api/v1/system/doctor", nil))
	if ch := findCheck(t, doc, "name collisions"); ch.Status != "warn" || ch.Fix == "" || !strings.Contains(ch.Detail, "echo__pid") {
		t.Fatalf("doctor on collisions: %+v", ch)
	}
}

func findCheck(t *testing.T, r api.DoctorReport, name string) api.DoctorCheck {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, r.Checks)
	return api.DoctorCheck{}
}

func TestDoctorFlagsMissingCommandsWithAFix(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"echo":  stdioServer(t),
		"ghost": {Command: "sb-no-such-mcp-server"},
		"notes": {Command: "/nonexistent/node/bin/npx", Args: []string{"-y", "@modelcontextprotocol/server-memory"}},
	})
	doc := getJSON[api.DoctorReport](t, h.sock("GET", "/api/v1/system/doctor", nil))
	if doc.Status != "fail" || doc.Summary.Fail < 4 || doc.Summary.OK+doc.Summary.Warn+doc.Summary.Fail != len(doc.Checks) {
		t.Fatalf("report: %s %+v", doc.Status, doc.Summary)
	}
	ghost := findCheck(t, doc, "command of ghost")
	if ghost.Status != "fail" || !strings.Contains(ghost.Detail, "sb-no-such-mcp-server") || !strings.Contains(ghost.Fix, "full path") {
		t.Fatalf("ghost: %+v", ghost)
	}
	npx := findCheck(t, doc, "command of notes")
	if npx.Status != "fail" || !strings.Contains(npx.Fix, "Node.js") {
		t.Fatalf("notes: %+v", npx)
	}
	if st := findCheck(t, doc, "start of ghost"); st.Status != "fail" || !strings.Contains(st.Detail, "not found") {
		t.Fatalf("start of ghost: %+v", st)
	}
	// Another program may hold the default port the config names: a warning.
	if l := findCheck(t, doc, "listen address"); l.Status == "fail" || !strings.Contains(l.Detail, "serving on "+h.d.Addr()) {
		t.Fatalf("listen: %+v", l)
	}
	for _, name := range []string{"config", "config file mode", "command of echo", "start of echo", "control socket", "name collisions", "store"} {
		if ch := findCheck(t, doc, name); ch.Status != "ok" {
			t.Errorf("%s: %+v", name, ch)
		}
	}
	if disk := findCheck(t, doc, "disk space"); disk.Status == "" || !strings.Contains(disk.Detail, "free") {
		t.Fatalf("disk: %+v", disk)
	}

	// A config file others can read is flagged: it holds the API key.
	if err := os.Chmod(h.configPath(), 0o644); err != nil {
		t.Fatal(err)
	}
	doc = getJSON[api.DoctorReport](t, h.req("GET", "/api/v1/system/doctor", nil))
	if ch := findCheck(t, doc, "config file mode"); ch.Status != "warn" || ch.Fix != "chmod 600 "+h.configPath() {
		t.Fatalf("mode 0644: %+v", ch)
	}
}

func TestMeSaysWhoIsCalling(t *testing.T) {
	h := newHarness(t, nil)
	if p := getJSON[api.Principal](t, h.req("GET", "/api/v1/system/me", nil)); p.Via != "api_key" || p.Role != "admin" || p.Name == "" {
		t.Fatalf("with the key: %+v", p)
	}
	if p := getJSON[api.Principal](t, h.sock("GET", "/api/v1/system/me", nil)); p.Via != "socket" || p.Role != "admin" || p.Name == "" {
		t.Fatalf("on the socket: %+v", p)
	}
}

func TestSystemRoutesNeedTheKeyOnTCPButNotOnTheSocket(t *testing.T) {
	h := newHarness(t, nil)
	for _, p := range []string{"/api/v1/status", "/api/v1/system/info", "/api/v1/system/diagnostics", "/api/v1/system/doctor", "/api/v1/system/me"} {
		h.anon("GET", p, nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
		if r := h.sock("GET", p, nil); r.Status != http.StatusOK {
			t.Fatalf("%s on the socket: %d %s", p, r.Status, r.Body)
		}
		if r := h.req("GET", p, nil); r.Status != http.StatusOK {
			t.Fatalf("%s with the key: %d %s", p, r.Status, r.Body)
		}
	}
}
