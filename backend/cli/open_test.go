package cli_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `switchboard open --print` gives the running instance's panel address with
// the key in the fragment (never in the path or query, which reach the
// server), optionally at a page.
func TestOpenPrintsSignedInPanelURL(t *testing.T) {
	home := startCore(t, nil)
	data, err := os.ReadFile(filepath.Join(home, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil || cfg.APIKey == "" {
		t.Fatalf("no api_key in the config: %v", err)
	}
	got := strings.TrimSpace(mustRun(t, home, "open", "--print"))
	u, err := url.Parse(got)
	if err != nil {
		t.Fatalf("not a URL: %q", got)
	}
	if u.Scheme != "http" || u.Path != "/ui/" || u.RawQuery != "" || !strings.HasPrefix(u.Host, "127.0.0.1:") {
		t.Fatalf("open --print = %q, want http://127.0.0.1:<port>/ui/#key=...", got)
	}
	if u.Fragment != "key="+cfg.APIKey {
		t.Fatalf("fragment %q does not carry the key", u.Fragment)
	}

	atPage := strings.TrimSpace(mustRun(t, home, "open", "--print", "quarantine"))
	if !strings.HasSuffix(atPage, "/ui/#/quarantine&key="+url.QueryEscape(cfg.APIKey)) {
		t.Fatalf("open --print quarantine = %q", atPage)
	}
}
