//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package api

import "golang.org/x/sys/unix"

// peerUID is the user id of the process at the other end of a unix socket.
func peerUID(fd uintptr) (int, bool) {
	cred, err := unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, false
	}
	return int(cred.Uid), true
}
