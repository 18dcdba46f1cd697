//go:build unix

package upstream

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
)

// gone reports whether pid has exited, checked without the code under
// test. A zombie counts as gone: it runs nothing, and where nothing reaps
// orphans it stays listed.
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	if runtime.GOOS == "linux" {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
			return s[i+2] == 'Z' || s[i+2] == 'X'
		}
	}
	return false
}

func waitProcessGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !gone(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func readPid(t *testing.T, file string) int {
	t.Helper()
	for i := 0; i < 200; i++ {
		b, _ := os.ReadFile(file)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no pid in %s", file)
	return 0
}

// startTree starts `sh -c script` in its own group; the script prints the
// PID of a background child first. It returns the leader's and the
// child's PIDs and a channel with the leader's exit error (the leader is
// reaped, as mcp-go's Close would).
func startTree(t *testing.T, script string) (leader, child int, exited <-chan error) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	ConfigureProcessGroup(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading child pid: %v", err)
	}
	child, err = strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("bad child pid %q", line)
	}
	ch := make(chan error, 1)
	go func() { ch <- cmd.Wait() }()
	return cmd.Process.Pid, child, ch
}

func TestKillProcessGroupKillsTheWholeTree(t *testing.T) {
	leader, child, exited := startTree(t, `sleep 60 & echo $!; sleep 60`)
	if gone(leader) || gone(child) || !GroupAlive(leader) {
		t.Fatal("tree not running before the kill")
	}
	if err := KillProcessGroup(leader, 5*time.Second); err != nil {
		t.Fatalf("KillProcessGroup: %v", err)
	}
	if !gone(leader) || !gone(child) {
		t.Fatalf("still running after KillProcessGroup: leader gone=%v child gone=%v", gone(leader), gone(child))
	}
	if GroupAlive(leader) {
		t.Fatal("GroupAlive true after the kill")
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "terminated") {
		t.Fatalf("leader should have died of SIGTERM, got %v", err)
	}
	// Killing a group that is already gone is fine.
	if err := KillProcessGroup(leader, time.Second); err != nil {
		t.Fatalf("second KillProcessGroup: %v", err)
	}
}

func TestKillProcessGroupKillsWhatIgnoresSIGTERM(t *testing.T) {
	// The ignored SIGTERM is inherited by the background sleep too.
	leader, child, exited := startTree(t, `trap "" TERM; sleep 60 & echo $!; sleep 60`)
	if err := KillProcessGroup(leader, 300*time.Millisecond); err != nil {
		t.Fatalf("KillProcessGroup: %v", err)
	}
	if !gone(leader) || !gone(child) {
		t.Fatalf("still running: leader gone=%v child gone=%v", gone(leader), gone(child))
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("leader should have died of SIGKILL after the grace, got %v", err)
	}
}

func TestKillProcessGroupRefusesWhatIsNotAChild(t *testing.T) {
	for _, pid := range []int{-5, 0, 1, os.Getpid()} {
		if err := KillProcessGroup(pid, 0); err == nil {
			t.Errorf("KillProcessGroup(%d) accepted", pid)
		}
	}
	// A child started without its own group is stopped alone: the test
	// process (in the same group) survives to check.
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := KillProcessGroup(cmd.Process.Pid, 2*time.Second); err != nil {
		t.Fatalf("KillProcessGroup on plain child: %v", err)
	}
	if err := <-done; err == nil {
		t.Fatal("plain child was not stopped")
	}
}

// The stdio transport of mcp-go starts the child through our Launcher: in
// its own group, in the configured folder, with the given env, not tied to
// the context given to Start, with stderr in our ring.
func TestLauncherWithMCPStdioTransport(t *testing.T) {
	dir := t.TempDir()
	ring := NewRingBuffer(50, 200)
	l := &Launcher{Dir: dir, Stderr: ring}
	script := `sleep 60 & echo "grandchild $!" >&2; echo "env $SB_TEST_TOKEN" >&2; echo "pwd $(pwd -P)" >&2; exec cat >/dev/null`
	tr := transport.NewStdioWithOptions("sh", []string{"SB_TEST_TOKEN=t0k"}, []string{"-c", script},
		transport.WithCommandFunc(l.CommandFunc()))

	ctx, cancel := context.WithCancel(context.Background())
	if err := tr.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	cancel() // a finished connect context must not kill the server
	pid := l.PID()
	if pid <= 0 {
		t.Fatal("no PID after Start")
	}
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })

	var lines []string
	for i := 0; i < 300 && len(lines) < 3; i++ {
		time.Sleep(10 * time.Millisecond)
		lines = ring.Lines(0)
	}
	realDir, _ := filepath.EvalSymlinks(dir)
	if len(lines) < 3 || lines[1] != "env t0k" || lines[2] != "pwd "+realDir {
		t.Fatalf("stderr lines %q; want env t0k and pwd %s", lines, realDir)
	}
	grandchild, err := strconv.Atoi(strings.TrimPrefix(lines[0], "grandchild "))
	if err != nil {
		t.Fatalf("bad line %q", lines[0])
	}
	if pgid, _ := syscall.Getpgid(pid); pgid != pid {
		t.Fatalf("child %d is in group %d, want its own", pid, pgid)
	}
	if gone(pid) {
		t.Fatal("child died when the Start context was cancelled")
	}

	// mcp-go's Close closes stdin and waits for the leader only; the
	// grandchild outlives it, which is why KillProcessGroup follows.
	closeErr := tr.Close()
	t.Logf("Close: err=%v, grandchild still running: %v", closeErr, !gone(grandchild))
	if err := KillProcessGroup(pid, time.Second); err != nil {
		t.Fatalf("KillProcessGroup: %v", err)
	}
	if !gone(pid) || !gone(grandchild) {
		t.Fatal("upstream process tree survived Close + KillProcessGroup")
	}
}

func TestLauncherReportsMissingCommand(t *testing.T) {
	l := &Launcher{}
	tr := transport.NewStdioWithOptions("switchboard-no-such-server", nil, nil, transport.WithCommandFunc(l.CommandFunc()))
	err := tr.Start(context.Background())
	if !errors.Is(err, ErrCommandNotFound) || !strings.Contains(err.Error(), `"switchboard-no-such-server" not found in PATH`) {
		t.Fatalf("want a not-found error, got %v", err)
	}
	if l.PID() != 0 {
		t.Fatal("PID set for a command that never started")
	}
}
