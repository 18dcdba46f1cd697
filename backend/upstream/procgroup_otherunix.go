//go:build unix && !linux && !darwin

package upstream

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}

// Without a portable way to list a group, GroupAlive falls back to kill(-pgid, 0).
func groupHasLiveMember(int) (live, ok bool) { return false, false }

func pidLive(int) (live, ok bool) { return false, false }
