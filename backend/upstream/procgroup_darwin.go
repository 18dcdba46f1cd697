package upstream

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// macOS has no parent-death signal; children see their stdin close.
func setParentDeathSignal(*syscall.SysProcAttr) {}

// szomb is the zombie state in struct extern_proc (sys/proc.h).
const szomb = 5

// groupHasLiveMember asks the kernel for the members of group pgid.
func groupHasLiveMember(pgid int) (live, ok bool) {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.pgrp", pgid)
	if err != nil {
		return false, false
	}
	for _, p := range procs {
		if p.Proc.P_stat != szomb {
			return true, true
		}
	}
	return false, true
}

// pidLive reports whether pid exists and is not a zombie.
func pidLive(pid int) (live, ok bool) {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.pid", pid)
	if err != nil {
		return false, false
	}
	for _, p := range procs {
		if p.Proc.P_stat != szomb {
			return true, true
		}
	}
	return false, true
}
