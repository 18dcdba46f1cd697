package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/auth"
	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// claudeFile is a Claude Desktop file whose servers are our test server,
// so an import starts real processes and nothing is downloaded.
func claudeFile(t *testing.T, names ...string) string {
	servers := map[string]any{}
	for _, n := range names {
		servers[n] = map[string]any{"command": testdeps.TestServerBinary(t), "args": []string{"--transport", "stdio"},
			"env": map[string]string{"API_TOKEN": "sk-live-do-not-show"}}
	}
	data, _ := json.MarshalIndent(map[string]any{"globalShortcut": "Alt+Space", "mcpServers": servers}, "", "  ")
	return string(data)
}

func TestImportPreviewThenApplyQuarantinesNewServers(t *testing.T) {
	h := newHarness(t, nil)
	before, _ := os.ReadFile(h.configPath())
	body := api.ImportRequest{Content: claudeFile(t, "alpha", "beta")}

	r := h.req("POST", "/api/v1/import/preview", body)
	if r.Status != http.StatusOK {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	if bytes.Contains(r.Body, []byte("sk-live-do-not-show")) {
		t.Fatal("the preview shows a secret")
	}
	var prev api.ImportResult
	r.JSON(t, &prev)
	if prev.Plan.Format != clientconfig.ClaudeDesktop || prev.Plan.Summary.Add != 2 || len(prev.Applied) != 0 {
		t.Fatalf("preview: %+v", prev)
	}
	if after, _ := os.ReadFile(h.configPath()); !bytes.Equal(after, before) {
		t.Fatal("a preview changed the config file")
	}

	r = h.req("POST", "/api/v1/import", body)
	if r.Status != http.StatusOK {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	var res api.ImportResult
	r.JSON(t, &res)
	if strings.Join(res.Applied, ",") != "alpha,beta" || !strings.Contains(res.Message, "quarantined") {
		t.Fatalf("import: %+v", res)
	}
	cfg := h.fileConfig()
	if cfg.Servers["alpha"] == nil || cfg.Servers["alpha"].Env["API_TOKEN"] != "sk-live-do-not-show" {
		t.Fatalf("the file lacks the imported server: %+v", cfg.Servers["alpha"])
	}
	for _, n := range []string{"alpha", "beta"} {
		info := getJSON[api.ServerInfo](t, h.req("GET", "/api/v1/servers/"+n, nil))
		if !info.Quarantined {
			t.Errorf("%s was imported but is not quarantined: %+v", n, info)
		}
	}

	// The same file again changes nothing.
	r = h.req("POST", "/api/v1/import", body)
	r.JSON(t, &res)
	if r.Status != http.StatusOK || len(res.Applied) != 0 || res.Plan.Summary.Unchanged != 2 {
		t.Fatalf("second import: %d %s", r.Status, r.Body)
	}

	// A file with the same names but other settings conflicts unless replace.
	other := strings.ReplaceAll(claudeFile(t, "alpha"), `"stdio"`, `"stdio", "--name", "x"`)
	r = h.req("POST", "/api/v1/import", api.ImportRequest{Content: other})
	r.JSON(t, &res)
	if len(res.Applied) != 0 || res.Plan.Summary.Conflict != 1 {
		t.Fatalf("conflict: %s", r.Body)
	}
	r = h.req("POST", "/api/v1/import", api.ImportRequest{Content: other, Replace: true})
	r.JSON(t, &res)
	if strings.Join(res.Applied, ",") != "alpha" || len(h.fileConfig().Servers["alpha"].Args) != 4 {
		t.Fatalf("replace: %s", r.Body)
	}
}

func TestImportReadsAFileByPathAndChosenNames(t *testing.T) {
	h := newHarness(t, nil)
	path := filepath.Join(t.TempDir(), "mcp.json")
	_ = os.WriteFile(path, []byte(claudeFile(t, "one", "two")), 0o600)
	r := h.req("POST", "/api/v1/import", api.ImportRequest{Path: path, Format: "cursor", Names: []string{"two"}})
	var res api.ImportResult
	r.JSON(t, &res)
	if r.Status != http.StatusOK || strings.Join(res.Applied, ",") != "two" || res.Plan.Format != clientconfig.Cursor {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if h.fileConfig().Servers["one"] != nil {
		t.Fatal("a server not chosen was imported")
	}
}

func TestImportBadInput(t *testing.T) {
	h := newHarness(t, nil)
	cases := []struct {
		body   any
		status int
		code   string
		field  string
	}{
		{`{"content": `, 400, "BadJSON", ""},
		{"", 400, "EmptyBody", ""},
		{api.ImportRequest{}, 422, "InvalidField", "content"},
		{api.ImportRequest{Content: "{not json"}, 422, "InvalidField", "content"},
		{api.ImportRequest{Content: `{"name": "x"}`}, 422, "InvalidField", "content"},
		{api.ImportRequest{Content: "{}", Format: "emacs"}, 422, "InvalidField", "format"},
		{api.ImportRequest{Path: "relative/mcp.json"}, 422, "InvalidField", "path"},
		{api.ImportRequest{Path: "/nonexistent/mcp.json"}, 422, "InvalidField", "path"},
		{api.ImportRequest{Path: "/etc/passwd"}, 422, "InvalidField", "path"},
		{api.ImportRequest{Content: "{}", Path: "/x"}, 422, "InvalidField", "content"},
		{api.ImportRequest{Content: claudeFile(t, "a"), Names: []string{"nosuch"}}, 422, "InvalidField", "names"},
		{api.ImportRequest{Content: `{"mcpServers": {"bad": {"command": "x", "args": "not a list"}}}`}, 422, "InvalidConfig", "mcpServers.bad.args"},
		{api.ImportRequest{Content: `{"mcpServers": {"nothing": {"env": {"A": "b"}}}}`}, 422, "InvalidConfig", "mcpServers.nothing"},
	}
	before, _ := os.ReadFile(h.configPath())
	for _, tc := range cases {
		r := h.req("POST", "/api/v1/import", tc.body)
		msg := r.envelope(t, tc.status, tc.code)
		if tc.field != "" {
			var e api.Error
			r.JSON(t, &e)
			if len(e.Problems) == 0 || !strings.HasPrefix(e.Problems[0].Path, tc.field) {
				t.Errorf("%v: the error does not name %s: %s", tc.body, tc.field, r.Body)
			}
		}
		if msg == "" {
			t.Errorf("%v: no message", tc.body)
		}
	}
	if after, _ := os.ReadFile(h.configPath()); !bytes.Equal(after, before) {
		t.Fatal("a refused import changed the config file")
	}
}

func TestExportEveryFormatKeepsSecretsOut(t *testing.T) {
	srv := stdioServer(t)
	srv.Env = map[string]string{"TOKEN": "sk-live-do-not-show", "OTHER": "${keyring:OTHER}"}
	h := newHarness(t, map[string]*config.Server{"notes": srv})
	for _, f := range clientconfig.Formats {
		var ex api.ExportResult
		r := h.req("GET", "/api/v1/export?format="+string(f), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", f, r.Status, r.Body)
		}
		r.JSON(t, &ex)
		if strings.Contains(string(r.Body), "sk-live-do-not-show") {
			t.Fatalf("%s: the export holds a secret", f)
		}
		if ex.Format != f || len(ex.Servers) != 1 || ex.Filename == "" || len(ex.Warnings) == 0 {
			t.Fatalf("%s: %+v", f, ex)
		}
		// The content is the client's file: it imports back.
		p, err := clientconfig.Parse([]byte(ex.Content), "", f)
		if err != nil || len(p.Servers) != 1 || p.Servers[0].Name != "notes" {
			t.Fatalf("%s: the exported file does not import back: %v\n%s", f, err, ex.Content)
		}
	}
	r := h.req("GET", "/api/v1/export?format=emacs", nil)
	r.envelope(t, 422, "InvalidField")
	r = h.req("GET", "/api/v1/export?names=nosuch", nil)
	if msg := r.envelope(t, 422, "InvalidField"); !strings.Contains(msg, "nosuch") {
		t.Fatalf("%s", msg)
	}
}

func TestConnectAndUndoThroughTheAPI(t *testing.T) {
	h := newHarness(t, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	orig := []byte("{\n  // my servers\n  \"servers\": {\n    \"mine\": {\"command\": \"x\"}\n  },\n  \"inputs\": []\n}\n")
	_ = os.WriteFile(path, orig, 0o600)

	r := h.req("POST", "/api/v1/clients/vscode/connect", api.ConnectRequest{Path: path})
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var res clientconfig.ConnectResult
	r.JSON(t, &res)
	got, _ := os.ReadFile(path)
	if !res.Changed || !strings.Contains(string(got), `"url": "http://`+h.d.Addr()+`/mcp"`) || !strings.Contains(string(got), "// my servers") {
		t.Fatalf("%+v\n%s", res, got)
	}
	if backup, _ := os.ReadFile(res.Backup); !bytes.Equal(backup, orig) || !strings.HasPrefix(res.Backup, h.home) {
		t.Fatalf("backup %s", res.Backup)
	}
	var list api.ClientList
	h.req("GET", "/api/v1/clients", nil).JSON(t, &list)
	if list.MCPURL != "http://"+h.d.Addr()+"/mcp" || len(list.Clients) != len(clientconfig.ConnectFormats) || len(list.Locations) == 0 {
		t.Fatalf("clients: %+v", list)
	}

	r = h.req("POST", "/api/v1/clients/vscode/disconnect", api.ConnectRequest{Path: path})
	var undo clientconfig.UndoResult
	r.JSON(t, &undo)
	if r.Status != http.StatusOK || !undo.Restored {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if back, _ := os.ReadFile(path); !bytes.Equal(back, orig) {
		t.Fatalf("undo did not restore the file byte for byte:\n%s", back)
	}

	// Claude Desktop gets the stdio bridge.
	cd := filepath.Join(dir, "claude_desktop_config.json")
	r = h.req("POST", "/api/v1/clients/claude-desktop/connect", api.ConnectRequest{Path: cd, Command: "/opt/sb/switchboard"})
	r.JSON(t, &res)
	if got, _ := os.ReadFile(cd); r.Status != 200 || !strings.Contains(string(got), `"command": "/opt/sb/switchboard"`) || !strings.Contains(string(got), `"stdio"`) {
		t.Fatalf("%s\n%s", r.Body, got)
	}

	// Bad input.
	h.req("POST", "/api/v1/clients/emacs/connect", api.ConnectRequest{Path: path}).envelope(t, 404, "ClientNotFound")
	if msg := h.req("POST", "/api/v1/clients/cursor/connect", api.ConnectRequest{Path: "rel/mcp.json"}).envelope(t, 422, "InvalidField"); !strings.HasPrefix(msg, "path:") {
		t.Fatal(msg)
	}
	if msg := h.req("POST", "/api/v1/clients/claude-desktop/connect", api.ConnectRequest{Path: cd, Command: "switchboard"}).envelope(t, 422, "InvalidField"); !strings.HasPrefix(msg, "command:") {
		t.Fatal(msg)
	}
	broken := filepath.Join(dir, "broken.json")
	_ = os.WriteFile(broken, []byte(`{"mcpServers": {`), 0o600)
	if msg := h.req("POST", "/api/v1/clients/cursor/connect", api.ConnectRequest{Path: broken}).envelope(t, 422, "InvalidField"); !strings.Contains(msg, "nothing was changed") {
		t.Fatal(msg)
	}
	h.req("POST", "/api/v1/clients/cursor/connect", `{"path": `).envelope(t, 400, "BadJSON")
	h.req("POST", "/api/v1/clients/cursor/disconnect", api.ConnectRequest{Path: filepath.Join(dir, "never.json")}).envelope(t, 404, "NotConnected")
}

func TestImportExportAndConnectNeedTheirPermissions(t *testing.T) {
	h := newHarness(t, nil)
	viewer := h.createKey(t, api.KeyCreate{Name: "viewer", Role: auth.RoleViewer})
	agent := h.createKey(t, api.KeyCreate{Name: "agent", Role: auth.RoleAgent})
	body := api.ImportRequest{Content: claudeFile(t, "a")}
	for _, tc := range []struct {
		key, method, path string
		body              any
		perm              string
	}{
		{viewer.Key, "POST", "/api/v1/import", body, auth.ServersWrite},
		{viewer.Key, "POST", "/api/v1/clients/cursor/connect", api.ConnectRequest{Path: "/tmp/x.json"}, auth.ConfigWrite},
		{viewer.Key, "POST", "/api/v1/catalog/memory/deploy", nil, auth.ServersWrite},
		{viewer.Key, "POST", "/api/v1/catalog", map[string]any{"id": "x"}, auth.ServersWrite},
		{agent.Key, "POST", "/api/v1/import/preview", body, auth.ConfigRead},
		{agent.Key, "GET", "/api/v1/export", nil, auth.ConfigRead},
		{agent.Key, "GET", "/api/v1/catalog", nil, auth.ServersRead},
	} {
		r := h.withKey(tc.key, tc.method, tc.path, tc.body)
		if msg := r.envelope(t, http.StatusForbidden, "Forbidden"); !strings.Contains(msg, tc.perm) {
			t.Errorf("%s %s: %s", tc.method, tc.path, msg)
		}
	}
	// A viewer may preview and export.
	if r := h.withKey(viewer.Key, "POST", "/api/v1/import/preview", body); r.Status != http.StatusOK {
		t.Fatalf("viewer preview: %d %s", r.Status, r.Body)
	}
	if r := h.anon("GET", "/api/v1/export", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("no key: %d", r.Status)
	}
}

func TestInfoShowsTheUpdateFromTheConfiguredFeed(t *testing.T) {
	feed := releaseFeed(t, "v9.9.9", nil)
	h := newHarness(t, nil)
	// update_url set while running is asked within seconds.
	cfg := h.fileConfig()
	cfg.UpdateURL = feed.URL
	if err := h.d.Config().Replace(cfg); err != nil {
		t.Fatal(err)
	}
	var info api.SystemInfo
	testdeps.Eventually(t, 20*time.Second, "the update check asked the configured feed", func() bool {
		info = getJSON[api.SystemInfo](t, h.req("GET", "/api/v1/info", nil))
		return info.Update.Latest == "v9.9.9"
	})
	if info.Update.Feed != feed.URL || info.Update.Error != "" || info.Version != "test" {
		t.Fatalf("%+v", info.Update)
	}
}
