package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"switchboard/backend/cli"
	"switchboard/backend/config"
	"switchboard/backend/daemon"
	"switchboard/backend/testdeps"
)

// startCore runs a real core in a temporary home and returns the home.
func startCore(t *testing.T, servers map[string]*config.Server) string {
	t.Helper()
	home, err := os.MkdirTemp("", "sbcli") // short: socket paths are limited
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
	return home
}

// run runs one CLI command in this process, as `switchboard --home home args...`.
func run(home string, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	root := &cobra.Command{Use: "switchboard", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(cli.Commands(func() cli.Globals { return cli.Globals{Home: home, Version: "test"} })...)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	if stdin != nil {
		root.SetIn(stdin)
	}
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, home string, args ...string) string {
	t.Helper()
	out, errOut, err := run(home, nil, args...)
	if err != nil {
		t.Fatalf("switchboard %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func fileServers(t *testing.T, home string) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(home, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Servers map[string]map[string]any `json:"mcpServers"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f.Servers
}

func TestAddTakesWhatAClientConfigHolds(t *testing.T) {
	home := startCore(t, nil)
	bin := testdeps.TestServerBinary(t)
	dir := t.TempDir()
	write := func(name string, v any) string {
		data, _ := json.Marshal(v)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// A whole Claude Desktop config, other keys and all: every server in it.
	desktop := write("claude_desktop_config.json", map[string]any{
		"globalShortcut": "Ctrl+Space",
		"mcpServers": map[string]any{
			"one": map[string]any{"command": bin},
			"two": map[string]any{"command": bin, "env": map[string]string{"K": "v"}},
		},
	})
	out := mustRun(t, home, "servers", "add", "--json", desktop)
	if !strings.Contains(out, "Added one") || !strings.Contains(out, "Added two") {
		t.Fatalf("add --json: %s", out)
	}
	if s := fileServers(t, home); s["one"] == nil || s["two"]["env"].(map[string]any)["K"] != "v" || len(s) != 2 {
		t.Fatalf("file: %v", s)
	}

	// NAME with a block: only that one.
	block := write("block.json", map[string]any{
		"three": map[string]any{"command": bin},
		"four":  map[string]any{"command": bin},
	})
	mustRun(t, home, "servers", "add", "three", "--json", block)
	if s := fileServers(t, home); s["three"] == nil || s["four"] != nil {
		t.Fatalf("file after adding three alone: %v", s)
	}
	if _, _, err := run(home, nil, "servers", "add", "five", "--json", block); err == nil || !strings.Contains(err.Error(), `no server named "five"`) {
		t.Fatalf("a name the file lacks: %v", err)
	}

	// One server's entry from stdin, named on the command line.
	out, _, err := run(home, strings.NewReader(`{"command": "`+bin+`", "tags": ["piped"]}`), "servers", "add", "six", "--json", "-", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Created []struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		} `json:"created"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(created.Created) != 1 || created.Created[0].Tags[0] != "piped" {
		t.Fatalf("add six -o json: %v %s", err, out)
	}
	if _, _, err := run(home, strings.NewReader(`{"command": "x"}`), "servers", "add", "--json", "-"); err == nil || !strings.Contains(err.Error(), "name it") {
		t.Fatalf("an unnamed entry: %v", err)
	}
}

func TestAddSaysWhatIsMissing(t *testing.T) {
	home := startCore(t, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"servers", "add"}, "name the server"},
		{[]string{"servers", "add", "x"}, "what should x run?"},
		{[]string{"servers", "add", "x", "--url", "http://127.0.0.1:1/mcp", "--", "npx"}, "not both"},
		{[]string{"servers", "add", "x", "--env", "NOVALUE", "--", "npx"}, `--env "NOVALUE": want KEY=VALUE`},
		{[]string{"servers", "add", "bad name", "--", "npx"}, "server name must be"},
		{[]string{"servers", "list", "-o", "yaml"}, "want table or json"},
	} {
		_, _, err := run(home, nil, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want an error with %q, got %v", tc.args, tc.want, err)
		}
	}
	if s := fileServers(t, home); len(s) != 0 {
		t.Fatalf("a refused add changed the file: %v", s)
	}
}

func TestAddFromFlagsWritesEveryKey(t *testing.T) {
	home := startCore(t, nil)
	mustRun(t, home, "servers", "add", "remote", "--url", "http://127.0.0.1:1/mcp", "--header", "Authorization=Bearer ${env:TOKEN}",
		"--tag", "a", "--tag", "b", "--description", "far away", "--prefix", "r", "--disabled")
	s := fileServers(t, home)["remote"]
	if s["url"] != "http://127.0.0.1:1/mcp" || s["headers"].(map[string]any)["Authorization"] != "Bearer ${env:TOKEN}" ||
		s["enabled"] != false || s["prefix"] != "r" || s["description"] != "far away" || len(s["tags"].([]any)) != 2 {
		t.Fatalf("file: %v", s)
	}
}

func TestCallReadsArgumentsAsTheSchemaSays(t *testing.T) {
	bin := testdeps.TestServerBinary(t)
	home := startCore(t, map[string]*config.Server{"alpha": {Command: bin}})
	// "123" is text where the schema wants a string...
	if out := mustRun(t, home, "tools", "call", "alpha", "echo", "--arg", "text=123"); strings.TrimSpace(out) != "123" {
		t.Fatalf("echo 123: %q", out)
	}
	// ...and a number where it wants one.
	if out := mustRun(t, home, "tools", "call", "alpha", "sleep", "--arg", "ms=1"); !strings.Contains(out, "slept 1 ms") {
		t.Fatalf("sleep 1: %q", out)
	}
	// --arg adds to --args and wins over it.
	if out := mustRun(t, home, "tools", "call", "alpha", "echo", "--args", `{"text": "a"}`, "--arg", "text=b"); strings.TrimSpace(out) != "b" {
		t.Fatalf("--arg over --args: %q", out)
	}
	if _, _, err := run(home, nil, "tools", "call", "alpha", "echo", "--args", `[1]`); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Fatalf("--args not an object: %v", err)
	}
	if _, _, err := run(home, nil, "tools", "call", "alpha", "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("an unknown tool: %v", err)
	}
}

func TestActivityFiltersByAge(t *testing.T) {
	bin := testdeps.TestServerBinary(t)
	home := startCore(t, map[string]*config.Server{"alpha": {Command: bin}})
	mustRun(t, home, "tools", "call", "alpha", "echo", "--arg", "text=x")
	testdeps.Eventually(t, 10*time.Second, "the call in the log", func() bool {
		return strings.Contains(mustRun(t, home, "activity", "list", "--since", "1h"), "echo")
	})
	if out := mustRun(t, home, "activity", "list", "--until", "1h"); !strings.Contains(out, "No calls recorded") {
		t.Fatalf("--until 1h ago: %s", out)
	}
	if out := mustRun(t, home, "activity", "list", "--since", "2000-01-01T00:00:00Z", "--status", "ok"); !strings.Contains(out, "echo") {
		t.Fatalf("--since a date: %s", out)
	}
	if _, _, err := run(home, nil, "activity", "list", "--since", "yesterday"); err == nil || !strings.Contains(err.Error(), "--since") {
		t.Fatalf("a bad --since: %v", err)
	}
	f := filepath.Join(t.TempDir(), "calls.csv")
	_, errOut, err := run(home, nil, "activity", "export", "--format", "csv", "--file", f)
	data, _ := os.ReadFile(f)
	if err != nil || !strings.HasPrefix(string(data), "id,type,time") || !strings.Contains(errOut, f) {
		t.Fatalf("export to a file: %v %s %q", err, errOut, data)
	}
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file mode %v", fi.Mode())
	}
}

func TestDescribeWritesTheServersOwnWords(t *testing.T) {
	bin := testdeps.TestServerBinary(t)
	home := startCore(t, map[string]*config.Server{"alpha": {Command: bin}})
	out := mustRun(t, home, "servers", "describe")
	if !strings.Contains(out, "alpha") || !strings.Contains(out, "tools for exercising an MCP gateway") || !strings.Contains(out, "instructions") || strings.Contains(out, "written") {
		t.Fatalf("servers describe:\n%s", out)
	}
	if got := fileServers(t, home)["alpha"]["description"]; got != nil {
		t.Fatalf("describe without --apply wrote %v", got)
	}
	if out = mustRun(t, home, "servers", "describe", "alpha", "--apply"); !strings.Contains(out, "written") {
		t.Fatalf("servers describe alpha --apply:\n%s", out)
	}
	if got, _ := fileServers(t, home)["alpha"]["description"].(string); !strings.HasPrefix(got, "Switchboard's test server") {
		t.Fatalf("config.json description %q", got)
	}
}
