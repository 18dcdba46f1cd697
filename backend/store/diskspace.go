package store

import (
	"fmt"
	"syscall"
)

// minFreeBytes is the space the store leaves free on its disk. Badger writes
// through memory-mapped files that are sparse (its memtable log, new
// tables): when the disk cannot back a page of one, the process dies of
// SIGBUS instead of the write failing. So the store refuses to write while
// less than this is free, which leaves room for the pages of the files
// Badger already has open (a 4 MB memtable's log is 8 MB).
const minFreeBytes = 32 << 20

// checkSpace returns an error that wraps ENOSPC when the store's disk has
// less than minFreeBytes free. Where the free space cannot be read, it
// lets the write go.
func (s *Store) checkSpace() error {
	free, ok := FreeBytes(s.dir)
	if !ok || free >= minFreeBytes {
		if s.diskLow.CompareAndSwap(true, false) {
			s.logger.Info("disk space is back; the store writes again", "dir", s.dir, "free_mb", free>>20)
		}
		return nil
	}
	err := fmt.Errorf("store: %w: %d MB free on the disk of %s, under the %d MB the store keeps free; nothing is written until there is space",
		syscall.ENOSPC, free>>20, s.dir, minFreeBytes>>20)
	if s.diskLow.CompareAndSwap(false, true) {
		s.logger.Error("the store's disk is full; activity records are dropped (and counted) until there is space", "err", err)
	}
	return err
}
