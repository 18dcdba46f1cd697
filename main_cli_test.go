package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/backend/testdeps"
)

// startServe runs `switchboard serve` on home until the test ends, and
// waits for its control socket.
func startServe(t *testing.T, bin, home string) {
	t.Helper()
	serve := exec.Command(bin, "serve", "--home", home)
	if testing.Verbose() {
		serve.Stderr = os.Stderr
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
	})
	testdeps.Eventually(t, 10*time.Second, "serve opened its socket", func() bool {
		c, err := net.Dial("unix", filepath.Join(home, "switchboard.sock"))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// cliResult is what one run of the CLI printed and how it exited.
type cliResult struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r cliResult) String() string {
	return "switchboard " + strings.Join(r.args, " ") + ": exit " + strconv.Itoa(r.code) +
		"\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// runCLI runs the binary with args and env (added to a copy of ours
// without SWITCHBOARD_HOME, so only what the test gives counts).
func runCLI(t *testing.T, bin string, env []string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWITCHBOARD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := cliResult{args: args, stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run switchboard %v: %v", args, err)
	}
	return r
}

// runOK runs a command on home that must succeed.
func runOK(t *testing.T, bin, home string, args ...string) cliResult {
	t.Helper()
	r := runCLI(t, bin, nil, append([]string{"--home", home}, args...)...)
	if r.code != 0 {
		t.Fatalf("want success: %s", r)
	}
	return r
}

// runJSON runs a command with -o json and decodes what it printed.
func runJSON(t *testing.T, bin, home string, v any, args ...string) {
	t.Helper()
	r := runOK(t, bin, home, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("-o json is not JSON (%v): %s", err, r)
	}
}

// configServer is one entry of mcpServers in home's config file, or nil.
func configServer(t *testing.T, home, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(home, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Servers map[string]map[string]any `json:"mcpServers"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("config file: %v\n%s", err, data)
	}
	return cfg.Servers[name]
}

type serverRow struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	Enabled   bool   `json:"enabled"`
	ToolCount int    `json:"tool_count"`
}

func serverState(t *testing.T, bin, home, name string) string {
	var list struct {
		Servers []serverRow `json:"servers"`
	}
	runJSON(t, bin, home, &list, "servers", "list")
	for _, s := range list.Servers {
		if s.Name == name {
			return s.State
		}
	}
	return ""
}

func TestCLIDrivesAServerThroughItsLifecycle(t *testing.T) {
	bin := buildSwitchboard(t)
	home := writeHome(t) // one server, alpha
	startServe(t, bin, home)
	testServer := testdeps.TestServerBinary(t)

	st := runOK(t, bin, home, "status")
	for _, want := range []string{"running", "1 configured", filepath.Join(home, "switchboard.sock"), "/mcp"} {
		if !strings.Contains(st.stdout, want) {
			t.Fatalf("status lacks %q: %s", want, st)
		}
	}

	// Add: the file has the server as the command line gave it.
	add := runOK(t, bin, home, "servers", "add", "echo", "--env", "GREETING=hi", "--tag", "cli",
		"--", testServer, "--transport", "stdio")
	if !strings.Contains(add.stdout, "Added echo") {
		t.Fatalf("add: %s", add)
	}
	sc := configServer(t, home, "echo")
	if sc["command"] != testServer || strings.Join(toStrings(sc["args"]), " ") != "--transport stdio" ||
		sc["env"].(map[string]any)["GREETING"] != "hi" {
		t.Fatalf("config file after add: %v", sc)
	}

	// List: ready, in the table and in JSON.
	testdeps.Eventually(t, 15*time.Second, "echo ready in servers list", func() bool {
		return serverState(t, bin, home, "echo") == "ready"
	})
	list := runOK(t, bin, home, "servers", "list")
	if !hasRow(list.stdout, "echo", "stdio", "ready") || !hasRow(list.stdout, "NAME", "TYPE", "STATE") {
		t.Fatalf("servers list: %s", list)
	}
	var got struct {
		Name   string `json:"name"`
		Config struct {
			Env map[string]string `json:"env"`
		} `json:"config"`
	}
	runJSON(t, bin, home, &got, "servers", "get", "echo")
	if got.Name != "echo" || got.Config.Env["GREETING"] != "***" {
		t.Fatalf("servers get shows the env value redacted: %+v", got)
	}

	// A new server is quarantined: its tools reach nobody until approved.
	if r := runCLI(t, bin, nil, "--home", home, "tools", "call", "echo", "echo", "--arg", "text=x"); r.code == 0 || !strings.Contains(r.stderr, "awaits approval") {
		t.Fatalf("a call to an unapproved server was not refused: %s", r)
	}
	runOK(t, bin, home, "quarantine", "approve", "echo")

	// Call: the tool's text comes back.
	call := runOK(t, bin, home, "tools", "call", "echo", "echo", "--arg", "text=hello from the CLI")
	if strings.TrimSpace(call.stdout) != "hello from the CLI" {
		t.Fatalf("tools call: %s", call)
	}
	// A number goes as a number where the schema wants one.
	if r := runOK(t, bin, home, "tools", "call", "echo", "sleep", "--arg", "ms=5"); !strings.Contains(r.stdout, "slept 5 ms") {
		t.Fatalf("tools call with a number: %s", r)
	}
	var res struct {
		IsError bool `json:"isError"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	runJSON(t, bin, home, &res, "tools", "call", "echo", "echo", "--args", `{"text": "as json"}`)
	if res.IsError || len(res.Content) == 0 || res.Content[0].Text != "as json" {
		t.Fatalf("tools call -o json: %+v", res)
	}
	if r := runCLI(t, bin, nil, "--home", home, "tools", "call", "echo", "fail", "--arg", "message=it broke"); r.code == 0 ||
		!strings.Contains(r.stderr, "it broke") {
		t.Fatalf("a tool error exits non-zero with its text on stderr: %s", r)
	}
	runOK(t, bin, home, "tools", "call", "echo", "stderr", "--arg", "lines=2")
	if r := runOK(t, bin, home, "servers", "logs", "echo", "-n", "5"); !strings.Contains(r.stdout, "stderr line 2 of 2") {
		t.Fatalf("servers logs: %s", r)
	}
	if r := runOK(t, bin, home, "tools", "search", "echo"); !hasRow(r.stdout, "echo__echo", "echo", "exposed") {
		t.Fatalf("tools search: %s", r)
	}
	var tools struct {
		Tools []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	runJSON(t, bin, home, &tools, "tools", "list", "--server", "echo")
	if len(tools.Tools) == 0 || !strings.HasPrefix(tools.Tools[0].Name, "echo__") {
		t.Fatalf("tools list -o json: %+v", tools)
	}

	// Activity: the calls are there, and export streams them.
	testdeps.Eventually(t, 10*time.Second, "the calls in activity list", func() bool {
		r := runOK(t, bin, home, "activity", "list", "--server", "echo", "--tool", "echo")
		return strings.Count(r.stdout, "\n") >= 3 && hasRow(r.stdout, "echo", "echo", "ok")
	})
	exp := runOK(t, bin, home, "activity", "export", "--server", "echo", "--status", "error")
	lines := strings.Split(strings.TrimSpace(exp.stdout), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "it broke") {
		t.Fatalf("activity export of the failed call: %s", exp)
	}

	// Disable: saved in the file, shown in the list.
	runOK(t, bin, home, "servers", "disable", "echo")
	if sc := configServer(t, home, "echo"); sc == nil || sc["enabled"] != false {
		t.Fatalf("config file after disable: %v", sc)
	}
	if s := serverState(t, bin, home, "echo"); s != "disabled" {
		t.Fatalf("state after disable: %q", s)
	}
	runOK(t, bin, home, "servers", "enable", "echo")
	if sc := configServer(t, home, "echo"); sc == nil || sc["enabled"] != nil {
		t.Fatalf("config file after enable: %v", sc)
	}

	// Remove: gone from the file and the list.
	if r := runOK(t, bin, home, "servers", "remove", "echo"); !strings.Contains(r.stdout, "Removed echo") {
		t.Fatalf("remove: %s", r)
	}
	if sc := configServer(t, home, "echo"); sc != nil {
		t.Fatalf("config file after remove still has echo: %v", sc)
	}
	if s := serverState(t, bin, home, "echo"); s != "" {
		t.Fatalf("echo still listed: %q", s)
	}

	// Config: in sync, valid, reloads.
	if r := runOK(t, bin, home, "config", "diff"); !strings.Contains(r.stdout, "are the same") {
		t.Fatalf("config diff: %s", r)
	}
	if r := runOK(t, bin, home, "config", "validate"); !strings.Contains(r.stdout, "is valid") {
		t.Fatalf("config validate: %s", r)
	}
	runOK(t, bin, home, "config", "reload")
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`{"mcpServers": {"x": {}}}`), 0o600)
	if r := runCLI(t, bin, nil, "--home", home, "config", "validate", bad); r.code == 0 || !strings.Contains(r.stderr, "mcpServers.x") {
		t.Fatalf("an invalid file: %s", r)
	}

	// Doctor: every check with a verdict, and a summary.
	doc := runOK(t, bin, home, "doctor")
	if !hasRow(doc.stdout, "ok", "config") || !strings.Contains(doc.stdout, "0 failed") {
		t.Fatalf("doctor: %s", doc)
	}
	var report struct {
		Status string `json:"status"`
		Checks []any  `json:"checks"`
	}
	runJSON(t, bin, home, &report, "doctor")
	if report.Status == "" || len(report.Checks) == 0 {
		t.Fatalf("doctor -o json: %+v", report)
	}
	var status struct {
		Running bool `json:"running"`
		System  struct {
			Socket string `json:"socket"`
		} `json:"system"`
	}
	runJSON(t, bin, home, &status, "status")
	if !status.Running || status.System.Socket != filepath.Join(home, "switchboard.sock") {
		t.Fatalf("status -o json: %+v", status)
	}

	// The API's error, on stderr, with a non-zero exit.
	if r := runCLI(t, bin, nil, "--home", home, "servers", "get", "nope"); r.code == 0 || !strings.Contains(r.stderr, `no server named "nope"`) {
		t.Fatalf("an unknown server: %s", r)
	}
	// SWITCHBOARD_HOME finds the instance as --home does.
	if r := runCLI(t, bin, []string{"SWITCHBOARD_HOME=" + home}, "servers", "list"); r.code != 0 || !hasRow(r.stdout, "alpha", "stdio") {
		t.Fatalf("servers list with SWITCHBOARD_HOME: %s", r)
	}
	// --listen reaches it over TCP with the config's key.
	var cfg struct {
		Listen string `json:"listen"`
	}
	data, _ := os.ReadFile(filepath.Join(home, "config.json"))
	_ = json.Unmarshal(data, &cfg)
	if r := runCLI(t, bin, nil, "--home", home, "--listen", cfg.Listen, "servers", "list"); r.code != 0 || !hasRow(r.stdout, "alpha", "stdio") {
		t.Fatalf("servers list over TCP: %s", r)
	}
}

func TestCLISaysWhenNothingRuns(t *testing.T) {
	bin := buildSwitchboard(t)
	home := t.TempDir()
	want := "Switchboard is not running (no socket at " + filepath.Join(home, "switchboard.sock") + "); start it with `switchboard serve`"
	for _, args := range [][]string{
		{"status"}, {"servers", "list"}, {"servers", "add", "x", "--", "true"}, {"servers", "disable", "x"},
		{"tools", "call", "x", "y", "--arg", "a=1"}, {"activity", "export"}, {"config", "validate"}, {"doctor"},
		{"status", "-o", "json"},
	} {
		r := runCLI(t, bin, nil, append([]string{"--home", home}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, want) || r.stdout != "" {
			t.Fatalf("want exit 1 and %q: %s", want, r)
		}
	}
	r := runCLI(t, bin, []string{"SWITCHBOARD_HOME=" + home}, "status")
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("with SWITCHBOARD_HOME: %s", r)
	}
	if _, err := os.Stat(filepath.Join(home, "config.json")); !os.IsNotExist(err) {
		t.Fatal("a CLI command created a config: only serve should")
	}
}

// hasRow reports whether a line of a table holds these cells in order.
func hasRow(out string, cells ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		i := 0
		for _, f := range fields {
			if i < len(cells) && f == cells[i] {
				i++
			}
		}
		if i == len(cells) {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
