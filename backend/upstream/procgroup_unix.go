//go:build unix

package upstream

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ConfigureProcessGroup makes the child lead a process group of its own, so
// KillProcessGroup reaches everything it starts (npx starts node, uvx
// starts python) and a Ctrl-C in Switchboard's terminal does not hit the
// upstreams before Switchboard has shut them down in order. On Linux the
// child is also killed when Switchboard dies without cleaning up.
func ConfigureProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pgid = 0
	setParentDeathSignal(cmd.SysProcAttr)
}

// pollInterval is how often KillProcessGroup looks whether the group is gone.
const pollInterval = 20 * time.Millisecond

// killWait bounds the wait for the kernel to finish a SIGKILL.
const killWait = 2 * time.Second

// KillProcessGroup stops the process group led by pid: SIGTERM, up to grace
// for it to exit, then SIGKILL. A group that is already gone is not an
// error. If pid is not a group leader (ConfigureProcessGroup was not used)
// only that process is signalled; Switchboard's own group never is.
func KillProcessGroup(pid int, grace time.Duration) error {
	if pid <= 1 || pid == os.Getpid() {
		return fmt.Errorf("refusing to kill process group %d: not a child's pid", pid)
	}
	target := -pid
	if pgid, err := syscall.Getpgid(pid); err == nil && pgid != pid {
		// A plain child shares some other group (maybe ours): signal it alone.
		target = pid
	}
	if target == -syscall.Getpgrp() {
		return fmt.Errorf("refusing to kill process group %d: it is Switchboard's own", pid)
	}
	alive := func() bool {
		if target < 0 {
			return GroupAlive(pid)
		}
		return processAlive(pid)
	}

	if err := syscall.Kill(target, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("SIGTERM to process group %d: %w", pid, err)
	}
	if waitGone(alive, grace) {
		return nil
	}
	if err := syscall.Kill(target, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("SIGKILL to process group %d: %w", pid, err)
	}
	if waitGone(alive, killWait) {
		return nil
	}
	return fmt.Errorf("process group %d still has live processes %s after SIGKILL", pid, killWait)
}

// waitGone polls alive until it reports false or d has passed.
func waitGone(alive func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !alive() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(min(pollInterval, time.Until(deadline)))
	}
}

// GroupAlive reports whether process group pgid has a member that has not
// exited. Zombies do not count: an exited leader stays a zombie until its
// exec.Cmd is waited for, and a reparented child stays one where nothing
// reaps orphans (some containers' init).
func GroupAlive(pgid int) bool {
	if pgid <= 1 {
		return false
	}
	if live, ok := groupHasLiveMember(pgid); ok {
		return live
	}
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	if live, ok := pidLive(pid); ok {
		return live
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
