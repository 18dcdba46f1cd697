//go:build unix

package store

import "golang.org/x/sys/unix"

// FreeBytes is the space on dir's filesystem that an unprivileged writer
// may still use.
func FreeBytes(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
