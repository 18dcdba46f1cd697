//go:build !windows

package upstream

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolveCommandFindsSh(t *testing.T) {
	got, err := ResolveCommand("sh")
	if err != nil {
		t.Fatalf("ResolveCommand(sh): %v", err)
	}
	if !filepath.IsAbs(got) || filepath.Base(got) != "sh" || !isFileExecutable(got) {
		t.Fatalf("ResolveCommand(sh) = %q, want an absolute path to an executable sh", got)
	}
}

func TestResolveCommandMissingNameSaysWhereItLooked(t *testing.T) {
	_, err := ResolveCommand("switchboard-no-such-program")
	if !errors.Is(err, ErrCommandNotFound) {
		t.Fatalf("want ErrCommandNotFound, got %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `command "switchboard-no-such-program" not found in PATH (searched: `) {
		t.Fatalf("unclear message: %s", msg)
	}

	// A long PATH is shortened, not dumped whole.
	var dirs []string
	for i := range 20 {
		dirs = append(dirs, "/nonexistent/dir"+string(rune('a'+i)))
	}
	_, err = resolveIn("npx", "", dirs)
	if want := `command "npx" not found in PATH (searched: /nonexistent/dira, /nonexistent/dirb, /nonexistent/dirc, /nonexistent/dird, /nonexistent/dire, /nonexistent/dirf and 14 more)`; err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestResolveCommandWithPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "server.sh")
	plain := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	if got, err := ResolveCommand(exe); err != nil || got != exe {
		t.Fatalf("absolute executable: got %q, %v", got, err)
	}
	// Relative paths are checked against the child's working directory
	// and handed on unchanged, as exec.Cmd resolves them against Dir.
	if got, err := ResolveCommandIn("./server.sh", dir); err != nil || got != "./server.sh" {
		t.Fatalf("relative executable: got %q, %v", got, err)
	}
	for cmd, want := range map[string]string{
		plain:                      "is not executable",
		dir:                        "is a directory",
		filepath.Join(dir, "gone"): "does not exist",
	} {
		_, err := ResolveCommand(cmd)
		if !errors.Is(err, ErrCommandNotFound) || !strings.Contains(err.Error(), want) {
			t.Errorf("ResolveCommand(%q) = %v, want an error saying %q", cmd, err, want)
		}
	}
	if _, err := ResolveCommand("  "); err == nil {
		t.Error("empty command accepted")
	}
}

func TestChildEnvReplacesPathAndExtraWins(t *testing.T) {
	t.Setenv("SB_TEST_OUTER", "outer")
	t.Setenv("SB_TEST_KEEP", "kept")
	env := ChildEnv(map[string]string{"SB_TEST_OUTER": "inner", "SB_TEST_NEW": "new"})

	count := map[string]int{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		count[k]++
	}
	for k, n := range count {
		if n != 1 {
			t.Errorf("%s appears %d times", k, n)
		}
	}
	for key, want := range map[string]string{
		"SB_TEST_OUTER": "inner",
		"SB_TEST_NEW":   "new",
		"SB_TEST_KEEP":  "kept",
		"PATH":          LoginShellPath(),
	} {
		if got, _ := envValue(env, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}

	env = ChildEnv(map[string]string{"PATH": "/only/here"})
	if got, _ := envValue(env, "PATH"); got != "/only/here" {
		t.Errorf("PATH from extra lost: %q", got)
	}
}

// fakeShell writes an executable script that stands in for a login shell.
func fakeShell(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fakeshell")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestQueryShellPathIgnoresNoise(t *testing.T) {
	// Called as: fakeshell -l -i -c SCRIPT
	shell := fakeShell(t, `
echo "Welcome! You have new mail."
echo "bash: no job control in this shell" >&2
PATH=/opt/fake-tools/bin:/usr/bin:/bin
export PATH
/bin/sh -c "$4"
echo "bye"
`)
	got, err := queryShellPath(shell, 3*time.Second)
	if err != nil || got != "/opt/fake-tools/bin:/usr/bin:/bin" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestQueryShellPathGivesUpOnAHangingShell(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	shell := fakeShell(t, `sleep 30 & echo $! > `+pidFile+`; sleep 30`)
	start := time.Now()
	_, err := queryShellPath(shell, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not print its PATH") {
		t.Fatalf("want a timeout error, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("hung for %s", time.Since(start))
	}
	// What the shell started is killed with it.
	if pid := readPid(t, pidFile); !waitProcessGone(pid, 2*time.Second) {
		t.Fatalf("background process %d of the timed-out shell survived", pid)
	}
}

func TestQueryShellPathDoesNotWaitForBackgroundAgents(t *testing.T) {
	// An rc file that starts an agent keeping stdout open must not cost
	// the full timeout once the PATH is printed.
	pidFile := filepath.Join(t.TempDir(), "pid")
	shell := fakeShell(t, `sleep 30 & echo $! > `+pidFile+`
PATH=/agent/bin; export PATH
/bin/sh -c "$4"`)
	start := time.Now()
	got, err := queryShellPath(shell, 20*time.Second)
	if pid := readPid(t, pidFile); pid > 0 {
		_ = KillProcessGroup(pid, 0)
	}
	if err != nil || got != "/agent/bin" {
		t.Fatalf("got %q, %v", got, err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("waited %s for the background agent", time.Since(start))
	}
}

func TestBuildPathMergesWithoutDuplicates(t *testing.T) {
	home := t.TempDir()
	for _, d := range []string{
		".nvm/versions/node/v9.11.2/bin",
		".nvm/versions/node/v18.2.0/bin",
		".nvm/versions/node/v18.10.0/bin",
		".local/bin",
	} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("NVM_DIR", "")
	got := filepath.SplitList(buildPath("/usr/bin:/bin::relative/dir", "/usr/bin/:/from/shell:"+home+"/.local/bin", home))

	wantPrefix := []string{
		"/usr/bin", "/bin", // current PATH first
		"/from/shell",
		filepath.Join(home, ".local/bin"), // from the shell, so not repeated below
		filepath.Join(home, ".nvm/versions/node/v18.10.0/bin"), // newest node only
	}
	if len(got) < len(wantPrefix) || strings.Join(got[:len(wantPrefix)], ":") != strings.Join(wantPrefix, ":") {
		t.Fatalf("got %v\nwant it to start with %v", got, wantPrefix)
	}
	seen := map[string]bool{}
	for _, p := range got {
		if seen[p] || !filepath.IsAbs(p) || strings.Contains(p, "v9.11.2") || strings.Contains(p, "v18.2.0") {
			t.Fatalf("bad entry %q in %v", p, got)
		}
		seen[p] = true
	}
}

func TestLoginShellPathKeepsCurrentPath(t *testing.T) {
	got := filepath.SplitList(LoginShellPath())
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		if filepath.IsAbs(p) && !contains(got, filepath.Clean(p)) {
			t.Errorf("current PATH entry %q missing from %v", p, got)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
