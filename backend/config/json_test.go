package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnknownKeysSurviveASave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	writeFile(t, path, `{
  "zeta": {"nested": [1, 2.50, "x"]},
  "mcpServers": {
    "gh": {"command": "npx", "Command": "other", "autoApprove": ["a"], "big": 12345678901234567890}
  },
  "alpha": "https://x/?a=1&b=<2>",
  "listen": "127.0.0.1:7411"
}`)
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Servers["gh"].Command != "npx" {
		t.Fatalf("command = %q: keys must match exactly", cfg.Servers["gh"].Command)
	}
	if err := Save(path, cfg); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := `{
  "listen": "127.0.0.1:7411",
  "mcpServers": {
    "gh": {
      "command": "npx",
      "Command": "other",
      "autoApprove": [
        "a"
      ],
      "big": 12345678901234567890
    }
  },
  "alpha": "https://x/?a=1&b=<2>",
  "zeta": {
    "nested": [
      1,
      2.50,
      "x"
    ]
  }
}
`
	if string(got) != want {
		t.Fatalf("saved file:\n%s\nwant:\n%s", got, want)
	}
	again, err := Load(path)
	if err != nil || !again.Equal(cfg) {
		t.Fatalf("a second load differs: %v", err)
	}
}

func TestServerJSONOnItsOwn(t *testing.T) {
	var s Server
	if err := json.Unmarshal([]byte(`{"url": "https://x", "x-note": "hi", "prefix": ""}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.Extra["x-note"] != "hi" || s.Prefix == nil || *s.Prefix != "" {
		t.Fatalf("decoded %+v", s)
	}
	out, err := json.Marshal(s)
	if err != nil || string(out) != `{"url":"https://x","prefix":"","x-note":"hi"}` {
		t.Fatalf("encoded %s %v", out, err)
	}
	// An Extra key that names a known field must not produce a duplicate key.
	s.Extra["url"] = "shadow"
	if out, _ := json.Marshal(s); strings.Count(string(out), `"url"`) != 1 {
		t.Fatalf("duplicate key: %s", out)
	}
}
