//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package api

import "os"

// peerUID: Windows has no peer credentials on AF_UNIX sockets. The socket
// lives in the user's own Switchboard folder under their profile, whose ACL
// lets only that user (and administrators) open it, so the folder is the
// check there, and the peer is taken to be the owner.
func peerUID(uintptr) (int, bool) { return os.Getuid(), true }
