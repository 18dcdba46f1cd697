package upstream

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// setParentDeathSignal asks the kernel to SIGKILL the child when
// Switchboard dies, even by SIGKILL. It reaches the group leader only;
// its own children see their stdin close and exit with it. (The signal
// fires when the creating OS thread exits; Go keeps threads alive unless a
// goroutine exits while locked to one, which this code never does.)
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}

// groupHasLiveMember scans /proc for a non-zombie process in group pgid.
func groupHasLiveMember(pgid int) (live, ok bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, group, ok := procStat(pid)
		if ok && group == pgid && state != 'Z' && state != 'X' {
			return true, true
		}
	}
	return false, true
}

// pidLive reports whether pid exists and is not a zombie.
func pidLive(pid int) (live, ok bool) {
	state, _, found := procStat(pid)
	if !found {
		if _, err := os.Stat("/proc/self/stat"); err != nil {
			return false, false // no /proc: let the caller fall back
		}
		return false, true
	}
	return state != 'Z' && state != 'X', true
}

// procStat reads the state and process group of pid from /proc/pid/stat.
func procStat(pid int) (state byte, pgrp int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may contain spaces or ')':
	// the fields we want follow the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := bytes.Fields(b[i+1:])
	// fields: state ppid pgrp ...
	if len(fields) < 3 || len(fields[0]) == 0 {
		return 0, 0, false
	}
	pgrp, err = strconv.Atoi(string(fields[2]))
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], pgrp, true
}
