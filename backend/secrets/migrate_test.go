package secrets

import (
	"testing"

	"switchboard/backend/config"
)

func migrateConfig() *config.Config {
	return &config.Config{Servers: map[string]*config.Server{
		"github": {Command: "gh-mcp", Env: map[string]string{
			"GITHUB_TOKEN": "ghp_literal",
			"LOG_LEVEL":    "debug",
			"API_KEY":      "${env:API_KEY}",
			"DB_PASSWORD":  "",
		}},
		"remote-api": {URL: "https://example.com/mcp", Headers: map[string]string{
			"Authorization": "Bearer abc.def",
			"X-Client":      "switchboard",
		}},
		"other": {Command: "x", Env: map[string]string{"SECRET": "ghp_literal"}},
	}}
}

func TestMigrateMovesSecretLookingLiterals(t *testing.T) {
	s := openFile(t, t.TempDir())
	cfg := migrateConfig()

	plan, err := s.Migrate(cfg, false, true)
	if err != nil || len(plan) != 3 || len(s.List()) != 0 || cfg.Servers["github"].Env["GITHUB_TOKEN"] != "ghp_literal" {
		t.Fatalf("dry run: %+v %v, store %v", plan, err, s.List())
	}

	moved, err := s.Migrate(cfg, false, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []Moved{
		{Server: "github", Field: "env", Key: "GITHUB_TOKEN", Name: "GITHUB_GITHUB_TOKEN"},
		{Server: "other", Field: "env", Key: "SECRET", Name: "OTHER_SECRET"},
		{Server: "remote-api", Field: "headers", Key: "Authorization", Name: "REMOTE_API_AUTHORIZATION"},
	}
	if len(moved) != len(want) {
		t.Fatalf("moved %+v", moved)
	}
	for i := range want {
		if moved[i] != want[i] {
			t.Errorf("moved[%d] = %+v, want %+v", i, moved[i], want[i])
		}
	}
	gh := cfg.Servers["github"]
	if gh.Env["GITHUB_TOKEN"] != "${keyring:GITHUB_GITHUB_TOKEN}" || gh.Env["LOG_LEVEL"] != "debug" ||
		gh.Env["API_KEY"] != "${env:API_KEY}" || gh.Env["DB_PASSWORD"] != "" {
		t.Errorf("github env now %v", gh.Env)
	}
	if h := cfg.Servers["remote-api"].Headers; h["Authorization"] != "Bearer ${keyring:REMOTE_API_AUTHORIZATION}" || h["X-Client"] != "switchboard" {
		t.Errorf("headers now %v", h)
	}
	if v, _ := s.Get("REMOTE_API_AUTHORIZATION"); v != "abc.def" {
		t.Errorf("stored header credential %q", v)
	}
	// Expanding the rewritten config gives back the original values.
	config.SetSecretResolver(s.Resolve)
	defer config.SetSecretResolver(nil)
	exp, err := config.ExpandRefs("remote-api", cfg.Servers["remote-api"])
	if err != nil || exp.Headers["Authorization"] != "Bearer abc.def" {
		t.Fatalf("expanded %v %v", exp, err)
	}
	if again, _ := s.Migrate(cfg, false, false); len(again) != 0 {
		t.Errorf("a second run moved %+v", again)
	}
}

func TestMigrateAllAndNameClashes(t *testing.T) {
	s := openFile(t, t.TempDir())
	if _, _, err := s.Set("GITHUB_LOG_LEVEL", "something else"); err != nil {
		t.Fatal(err)
	}
	cfg := migrateConfig()
	moved, err := s.Migrate(cfg, true, false)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, m := range moved {
		names[m.Server+"."+m.Key] = m.Name
	}
	if names["github.LOG_LEVEL"] != "GITHUB_LOG_LEVEL_2" || names["remote-api.X-Client"] != "REMOTE_API_X_CLIENT" {
		t.Fatalf("names %v", names)
	}
	if v, _ := s.Get("GITHUB_LOG_LEVEL"); v != "something else" {
		t.Fatal("an existing secret was overwritten")
	}
	if len(moved) != 5 {
		t.Fatalf("moved %d: %+v", len(moved), moved)
	}
}

func TestLooksSecret(t *testing.T) {
	for k, want := range map[string]bool{
		"GITHUB_TOKEN": true, "api_key": true, "OPENAI_API_KEY": true, "client_secret": true, "DB_PASSWORD": true,
		"Authorization": true, "X-Auth-Token": true, "Proxy-Authorization": true,
		"LOG_LEVEL": false, "PATH": false, "AUTHOR_NAME": false, "X-Client": false,
	} {
		if LooksSecret(k) != want {
			t.Errorf("LooksSecret(%q) = %v", k, !want)
		}
	}
}
