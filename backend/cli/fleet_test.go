package cli_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

func TestImportPreviewsThenApplies(t *testing.T) {
	home := startCore(t, nil)
	bin := testdeps.TestServerBinary(t)
	file := filepath.Join(t.TempDir(), "claude_desktop_config.json")
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"echo": map[string]any{"command": bin, "args": []string{"--transport", "stdio"}}}})
	_ = os.WriteFile(file, data, 0o600)

	out := mustRun(t, home, "import", file)
	if !strings.Contains(out, "claude-desktop") || !strings.Contains(out, "echo") || !strings.Contains(out, "Preview only") {
		t.Fatalf("preview:\n%s", out)
	}
	if fileServers(t, home)["echo"] != nil {
		t.Fatal("a preview imported")
	}
	out = mustRun(t, home, "import", file, "--apply")
	if !strings.Contains(out, "quarantined") || fileServers(t, home)["echo"] == nil {
		t.Fatalf("apply:\n%s", out)
	}
	if _, _, err := run(home, nil, "import", filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Fatal("a missing file was imported")
	}
}

func TestExportConnectAndUndo(t *testing.T) {
	srv := stdioServerConfig(t)
	home := startCore(t, srv)
	out := mustRun(t, home, "export", "--format", "cursor")
	if !strings.Contains(out, `"mcpServers"`) || !strings.Contains(out, `"echo"`) {
		t.Fatalf("export:\n%s", out)
	}
	if _, _, err := run(home, nil, "export", "--format", "emacs"); err == nil || !strings.Contains(err.Error(), "format") {
		t.Fatalf("bad format: %v", err)
	}

	path := filepath.Join(t.TempDir(), "mcp.json")
	orig := []byte("{\n  // keep me\n  \"mcpServers\": {\n    \"other\": {\"url\": \"https://example.com/mcp\"}\n  }\n}\n")
	_ = os.WriteFile(path, orig, 0o600)
	out = mustRun(t, home, "connect", "cursor", "--path", path)
	got, _ := os.ReadFile(path)
	if !strings.Contains(out, "Cursor now reaches Switchboard") || !strings.Contains(string(got), "/mcp\"") || !strings.Contains(string(got), "// keep me") {
		t.Fatalf("connect:\n%s\n%s", out, got)
	}
	mustRun(t, home, "connect", "cursor", "--undo", "--path", path)
	if back, _ := os.ReadFile(path); !bytes.Equal(back, orig) {
		t.Fatalf("undo:\n%s", back)
	}
	if _, _, err := run(home, nil, "connect", "emacs"); err == nil || !strings.Contains(err.Error(), "claude-desktop") {
		t.Fatalf("unknown client: %v", err)
	}
}

func TestCatalogSearchAddAndDeploy(t *testing.T) {
	home := startCore(t, nil)
	out := mustRun(t, home, "catalog", "search", "memory")
	if !strings.Contains(out, "memory") || !strings.Contains(out, "TRANSPORT") {
		t.Fatalf("search:\n%s", out)
	}
	if out := mustRun(t, home, "catalog", "list", "--tag", "official"); !strings.Contains(out, "sequential-thinking") {
		t.Fatalf("list:\n%s", out)
	}
	_, _, err := run(home, nil, "catalog", "deploy", "github")
	if err == nil || !strings.Contains(err.Error(), "GITHUB_PERSONAL_ACCESS_TOKEN") {
		t.Fatalf("deploy without env: %v", err)
	}
	entry := filepath.Join(t.TempDir(), "entry.json")
	data, _ := json.Marshal(map[string]any{"id": "echo-tools", "name": "Echo", "command": testdeps.TestServerBinary(t), "args": []string{"--transport", "stdio"}})
	_ = os.WriteFile(entry, data, 0o600)
	mustRun(t, home, "catalog", "add", "--json", entry)
	out = mustRun(t, home, "catalog", "deploy", "echo-tools", "--name", "echo2")
	if !strings.Contains(out, "quarantined") || fileServers(t, home)["echo2"] == nil {
		t.Fatalf("deploy:\n%s", out)
	}
	mustRun(t, home, "catalog", "delete", "echo-tools")
}

// stdioServerConfig is a config with our test server as "echo".
func stdioServerConfig(t *testing.T) map[string]*config.Server {
	return map[string]*config.Server{"echo": {Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}}
}

// connect edits a client's file even while Switchboard is not running,
// with the address of the config file.
func TestConnectWorksWithoutARunningSwitchboard(t *testing.T) {
	home := t.TempDir()
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = "127.0.0.1:7555"
	if err := config.Save(filepath.Join(home, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mcp.json")
	orig := []byte("{\n\t\"servers\": {}\n}\n")
	_ = os.WriteFile(path, orig, 0o600)
	out := mustRun(t, home, "connect", "vscode", "--path", path)
	got, _ := os.ReadFile(path)
	if !strings.Contains(string(got), "http://127.0.0.1:7555/mcp") || !strings.Contains(out, "VS Code now reaches") {
		t.Fatalf("%s\n%s", out, got)
	}
	mustRun(t, home, "connect", "vscode", "--undo", "--path", path)
	if back, _ := os.ReadFile(path); !bytes.Equal(back, orig) {
		t.Fatalf("undo:\n%s", back)
	}
}

func TestCatalogSyncFromARegistry(t *testing.T) {
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"servers": [
			{"server": {"name": "io.github.example/notes", "description": "Team notes.", "version": "1.2.0",
			  "packages": [{"registryType": "npm", "identifier": "@example/notes-mcp", "version": "1.2.0", "transport": {"type": "stdio"}}]}},
			{"server": {"name": "io.github.example/bundle", "description": "A bundle.", "version": "1.0.0",
			  "packages": [{"registryType": "mcpb", "identifier": "https://example.com/b.mcpb", "transport": {"type": "stdio"}}]}}],
			"metadata": {"count": 2}}`))
	}))
	defer reg.Close()
	home := startCore(t, nil)
	out := mustRun(t, home, "catalog", "sync", "--url", reg.URL)
	if !strings.Contains(out, "Synced 1 entries") || !strings.Contains(out, "skipped io.github.example/bundle: a mcpb package") {
		t.Fatalf("catalog sync:\n%s", out)
	}
	if out = mustRun(t, home, "catalog", "search", "notes", "--tag", "registry"); !strings.Contains(out, "io.github.example-notes") {
		t.Fatalf("catalog search after the sync:\n%s", out)
	}
	if _, _, err := run(home, nil, "catalog", "sync", "--url", "http://registry.example.com"); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Fatalf("sync from a plain-http registry: %v", err)
	}
}
