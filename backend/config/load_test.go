package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func loadString(t *testing.T, content string) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, content)
	return Load(path)
}

func TestHomeAndDefaultPath(t *testing.T) {
	t.Setenv("SWITCHBOARD_HOME", "/srv/sb")
	if Home() != "/srv/sb" || DefaultPath() != "/srv/sb/config.json" {
		t.Fatalf("Home=%q DefaultPath=%q", Home(), DefaultPath())
	}
	t.Setenv("SWITCHBOARD_HOME", "")
	t.Setenv("HOME", "/home/ann")
	if Home() != "/home/ann/.switchboard" {
		t.Fatalf("Home=%q", Home())
	}
}

func TestLoadClaudeDesktopBlock(t *testing.T) {
	cfg, err := loadString(t, `{
  "mcpServers": {
    "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
    "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ${env:TOKEN}"}},
    "events": {"type": "sse", "url": "http://127.0.0.1:9000/sse", "enabled": false, "prefix": ""}
  }
}`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != DefaultListen {
		t.Errorf("listen = %q, want default", cfg.Listen)
	}
	fs, remote, events := cfg.Servers["filesystem"], cfg.Servers["remote"], cfg.Servers["events"]
	if fs.TransportType() != TypeStdio || remote.TransportType() != TypeHTTP || events.TransportType() != TypeSSE {
		t.Errorf("transport types: %q %q %q", fs.TransportType(), remote.TransportType(), events.TransportType())
	}
	if !fs.IsEnabled() || events.IsEnabled() {
		t.Error("enabled: missing should mean on, false should mean off")
	}
	if fs.ToolPrefix("filesystem") != "filesystem" || events.ToolPrefix("events") != "" {
		t.Error("prefix: name by default, empty prefix kept")
	}
	if fs.ConnectTimeout() != DefaultConnectTimeoutS*1e9 || fs.CallTimeout() != DefaultCallTimeoutS*1e9 ||
		fs.HealthCheckInterval() != DefaultHealthCheckIntervalS*1e9 || fs.IdleTTL() != 0 {
		t.Error("timeouts should fall back to the defaults")
	}
}

func TestLoadEmptyServers(t *testing.T) {
	for _, content := range []string{`{}`, `{"mcpServers": {}}`, `{"mcpServers": null}`} {
		cfg, err := loadString(t, content)
		if err != nil {
			t.Fatalf("%s: %v", content, err)
		}
		if cfg.Servers == nil {
			t.Fatalf("%s: Servers is nil, want empty map", content)
		}
	}
}

func TestLoadSyntaxErrorGivesFileLineColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\",}\n  }\n}\n")
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":3:26: invalid JSON") {
		t.Fatalf("got %v, want %s:3:26: invalid JSON ...", err, path)
	}
}

func TestLoadTypeErrorsNameTheKey(t *testing.T) {
	for content, want := range map[string]string{
		`{"mcpServers": {"gh": {"command": "x", "args": "--flag"}}}`: "mcpServers.gh.args: expected an array of strings, got string",
		`{"mcpServers": {"gh": {"command": "x", "enabled": "yes"}}}`: "mcpServers.gh.enabled: expected true or false, got string",
		`{"mcpServers": {"gh": 5}}`:                                  "mcpServers.gh: expected an object, got number",
		`{"listen": 7410}`:                                           "listen: expected a string, got number",
		`[]`:                                                         "expected an object, got array",
		"  \n":                                                       "the file is empty",
	} {
		_, err := loadString(t, content)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "config.json") {
			t.Errorf("%s: got %v, want it to name the file and say %q", content, err, want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
}

func TestLoadOrCreateWritesDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", "config.json")
	cfg, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("created=%v err=%v", created, err)
	}
	if !regexp.MustCompile(`^sb_[0-9a-f]{64}$`).MatchString(cfg.APIKey) {
		t.Errorf("api key %q, want sb_ + 64 hex digits", cfg.APIKey)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", st, err)
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", dst.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{`"listen": "127.0.0.1:7410"`, `"api_key": "` + cfg.APIKey + `"`, `"update_check": true`, `"mcpServers": {}`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("file lacks %s:\n%s", want, data)
		}
	}

	again, created, err := LoadOrCreate(path)
	if err != nil || created || again.APIKey != cfg.APIKey {
		t.Fatalf("second start: created=%v err=%v key changed=%v", created, err, again.APIKey != cfg.APIKey)
	}
}

func TestLoadOrCreateAddsMissingKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, `{"api_key": "", "mcpServers": {"a": {"command": "x"}}, "mine": 1}`)
	cfg, created, err := LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("created=%v err=%v", created, err)
	}
	if !strings.HasPrefix(cfg.APIKey, "sb_") {
		t.Fatalf("no key generated: %q", cfg.APIKey)
	}
	onDisk, err := Load(path)
	if err != nil || onDisk.APIKey != cfg.APIKey {
		t.Fatalf("key not saved for scripts: %v", err)
	}
	if onDisk.Extra["mine"] == nil || onDisk.Servers["a"] == nil {
		t.Error("saving the key lost the rest of the file")
	}
}

func TestLoadOrCreateKeepsBrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, `{"mcpServers": {`)
	if _, _, err := LoadOrCreate(path); err == nil {
		t.Fatal("want an error for a broken file")
	}
	if data, _ := os.ReadFile(path); string(data) != `{"mcpServers": {` {
		t.Error("a broken file must not be overwritten")
	}
}
