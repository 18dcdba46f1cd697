package cli_test

import (
	"strings"
	"testing"

	"switchboard/backend/config"
	"switchboard/backend/secrets"
)

func TestSecretsCommands(t *testing.T) {
	t.Setenv(secrets.BackendEnv, secrets.BackendFile)
	const value = "cli-secret-value-4a7d"
	home := startCore(t, map[string]*config.Server{
		"gh": {Command: "true", Enabled: new(bool), Env: map[string]string{"GITHUB_TOKEN": "literal-gh-token", "MODE": "x"}},
	})
	var all strings.Builder
	must := func(stdin string, args ...string) string {
		t.Helper()
		var in *strings.Reader
		if stdin != "" {
			in = strings.NewReader(stdin)
		}
		var out, errOut string
		var err error
		if in != nil {
			out, errOut, err = run(home, in, args...)
		} else {
			out, errOut, err = run(home, nil, args...)
		}
		all.WriteString(out + errOut)
		if err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
		}
		return out
	}

	if out := must(value+"\n", "secrets", "set", "API_TOKEN"); !strings.Contains(out, "Created secret API_TOKEN") {
		t.Errorf("set: %s", out)
	}
	if out := must(value, "secrets", "set", "API_TOKEN"); !strings.Contains(out, "Updated secret API_TOKEN") {
		t.Errorf("update: %s", out)
	}
	t.Setenv("SB_CLI_SECRET", value+"-env")
	must("", "secrets", "set", "FROM_ENV", "--from-env", "SB_CLI_SECRET")
	if _, _, err := run(home, strings.NewReader(""), "secrets", "set", "EMPTY"); err == nil {
		t.Error("an empty stdin set a secret")
	}

	out := must("", "secrets", "list")
	if !strings.Contains(out, "Backend: file") || !strings.Contains(out, "API_TOKEN") || !strings.Contains(out, "FROM_ENV") {
		t.Errorf("list: %s", out)
	}

	out = must("", "secrets", "migrate", "--dry-run")
	if !strings.Contains(out, "Would move 1") || !strings.Contains(out, "${keyring:GH_GITHUB_TOKEN}") {
		t.Errorf("dry run: %s", out)
	}
	out = must("", "secrets", "migrate")
	if !strings.Contains(out, "Moved 1") {
		t.Errorf("migrate: %s", out)
	}
	cfg, err := config.Load(home + "/config.json")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Servers["gh"].Env["GITHUB_TOKEN"] != "${keyring:GH_GITHUB_TOKEN}" || cfg.Servers["gh"].Env["MODE"] != "x" {
		t.Errorf("config after migrate: %v", cfg.Servers["gh"].Env)
	}
	if out := must("", "secrets", "list", "-o", "json"); !strings.Contains(out, `"GH_GITHUB_TOKEN"`) || !strings.Contains(out, `"gh"`) {
		t.Errorf("list json: %s", out)
	}

	if _, _, err := run(home, nil, "secrets", "delete", "GH_GITHUB_TOKEN"); err == nil || !strings.Contains(err.Error(), "gh") {
		t.Errorf("deleting a secret in use: %v", err)
	}
	must("", "secrets", "delete", "GH_GITHUB_TOKEN", "--force")
	must("", "secrets", "delete", "API_TOKEN")
	if out := must("", "secrets", "list"); strings.Contains(out, "API_TOKEN") || !strings.Contains(out, "Missing: GH_GITHUB_TOKEN") {
		t.Errorf("list after delete: %s", out)
	}
	if strings.Contains(all.String(), value) || strings.Contains(all.String(), "literal-gh-token") {
		t.Errorf("a value was printed:\n%s", all.String())
	}
}
