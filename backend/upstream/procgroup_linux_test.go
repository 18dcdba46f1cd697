package upstream

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelperStartsChild is not a test: run as a subprocess by
// TestChildDiesWithSwitchboard, it starts a child and waits to be killed.
func TestHelperStartsChild(t *testing.T) {
	if os.Getenv("SB_HELPER_START_CHILD") != "1" {
		t.Skip("helper process only")
	}
	cmd := exec.Command("sleep", "60")
	ConfigureProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		os.Exit(2)
	}
	os.Stdout.WriteString(strconv.Itoa(cmd.Process.Pid) + "\n")
	time.Sleep(60 * time.Second)
}

func TestChildDiesWithSwitchboard(t *testing.T) {
	parent := exec.Command(os.Args[0], "-test.run=^TestHelperStartsChild$")
	parent.Env = append(os.Environ(), "SB_HELPER_START_CHILD=1")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = parent.Process.Kill()
		t.Fatalf("helper printed no pid: %v", err)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(line))
	if child <= 0 || gone(child) {
		t.Fatalf("child not running (%q)", line)
	}
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })

	// SIGKILL leaves Switchboard no chance to clean up: the kernel must.
	_ = parent.Process.Kill()
	_ = parent.Wait()
	if !waitProcessGone(child, 3*time.Second) {
		t.Fatal("child survived its parent's SIGKILL")
	}
}
