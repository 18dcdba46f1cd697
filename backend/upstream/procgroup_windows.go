//go:build windows

package upstream

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// ConfigureProcessGroup starts the child in a new process group so a
// console Ctrl-C meant for Switchboard does not reach it. Windows has no
// group kill; KillProcessGroup kills the process tree instead.
func ConfigureProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= syscall.CREATE_NEW_PROCESS_GROUP
}

// KillProcessGroup kills the process tree rooted at pid. Windows has no
// SIGTERM for console programs, so grace only bounds the wait for taskkill.
func KillProcessGroup(pid int, grace time.Duration) error {
	if pid <= 0 {
		return fmt.Errorf("refusing to kill process %d: not a child's pid", pid)
	}
	if !GroupAlive(pid) {
		return nil
	}
	kill := exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(pid))
	if err := kill.Run(); err != nil {
		// taskkill missing or the tree already gone: kill the process itself.
		if p, ferr := os.FindProcess(pid); ferr == nil {
			if kerr := p.Kill(); kerr != nil && !errors.Is(kerr, os.ErrProcessDone) {
				return fmt.Errorf("kill process %d: %w", pid, kerr)
			}
		}
	}
	deadline := time.Now().Add(max(grace, time.Second))
	for GroupAlive(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d still running after kill", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// GroupAlive reports whether the process pid is still running.
func GroupAlive(pgid int) bool {
	h, err := syscall.OpenProcess(syscall.PROCESS_QUERY_INFORMATION|syscall.SYNCHRONIZE, false, uint32(pgid))
	if err != nil {
		return false
	}
	defer syscall.CloseHandle(h)
	ev, err := syscall.WaitForSingleObject(h, 0)
	return err == nil && ev == uint32(syscall.WAIT_TIMEOUT)
}
