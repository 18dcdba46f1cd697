// Package store keeps Switchboard's state in an embedded Badger database:
// the activity log of tool calls and a small JSON key-value space that other
// packages use for caches and settings.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// ErrNotFound is returned when a key or an activity record does not exist.
var ErrNotFound = errors.New("not found")

// ErrLocked matches (with errors.Is) the error Open returns when another
// process holds the store's folder.
var ErrLocked = errors.New("store is in use by another process")

type lockedError struct{ dir string }

func (e *lockedError) Error() string {
	return "store at " + e.dir + " is in use by another Switchboard process"
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

// Key spaces. Activity keys sort by time because their ids do; the KV space
// is kept apart so no caller-chosen key can land among activity records.
const (
	activityPrefix = "act/"
	kvPrefix       = "kv/"
)

// How often value-log GC runs. Activity values are small and live in the LSM
// tree, so the value log only holds the rare large argument blob; a few
// minutes is plenty.
const gcInterval = 5 * time.Minute

// Store is the embedded database. All methods are safe for concurrent use.
type Store struct {
	db     *badger.DB
	dir    string
	logger *slog.Logger

	// activity recorder
	queue     chan *ActivityRecord
	flushReq  chan chan struct{}
	stop      chan struct{} // closed by Close: writer and GC loop exit
	writerOut chan struct{} // closed when the writer has exited
	gcOut     chan struct{} // closed when the GC loop has exited
	closed    atomic.Bool
	dropped   atomic.Uint64
	diskLow   atomic.Bool  // the disk has less than minFreeBytes free (diskspace.go)
	retention atomic.Int64 // nanoseconds; <= 0 keeps records forever
	// valueRedactor hides known secret values in records (secretvalues.go).
	valueRedactor atomic.Pointer[func(string) string]
	// sensitiveHook hears of records with sensitive data (sensitive.go).
	sensitiveHook atomic.Pointer[func(ActivityRecord)]

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the store in dir. Badger's own log lines go
// to logger, its routine INFO chatter at debug level. A nil logger means
// slog.Default().
func Open(dir string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "store")

	db, err := badger.Open(badgerOptions(dir, logger))
	if err != nil {
		// Badger's lock error has no sentinel to match (it is formatted with
		// %+v), so recognise its wording; both the unix and windows variants
		// say this.
		if strings.Contains(err.Error(), "Another process is using this Badger database") {
			return nil, &lockedError{dir: dir}
		}
		return nil, fmt.Errorf("open store at %s: %w", dir, err)
	}

	s := &Store{
		db:        db,
		dir:       dir,
		logger:    logger,
		queue:     make(chan *ActivityRecord, queueSize),
		flushReq:  make(chan chan struct{}),
		stop:      make(chan struct{}),
		writerOut: make(chan struct{}),
		gcOut:     make(chan struct{}),
	}
	s.retention.Store(int64(DefaultRetention))
	go s.writer()
	go s.gcLoop()
	logger.Debug("store opened", "dir", dir)
	return s, nil
}

// badgerOptions sizes Badger for a desktop app that mostly idles: the
// defaults (64 MB memtables x5, 256 MB block cache, 1 GB value-log files,
// 4 compactors) are meant for servers. A memtable's arena stays resident as
// it fills, so the default grows the process by up to ~64 MB over a few days
// of activity; 4 MB caps that. Measured on linux/amd64 (process RSS after
// settling, binary baseline ~10 MB): empty store 12.4 MB either way; after
// 20k records 17-19 MB (defaults 23 MB); after a burst of 200k records
// 40-50 MB (defaults 114 MB), peak 80-90 MB (defaults 198 MB); reopening a
// store of 200k records about 15 MB.
func badgerOptions(dir string, logger *slog.Logger) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(badgerLogger{logger}).
		WithMemTableSize(4 << 20).
		WithNumMemtables(1).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBaseLevelSize(8 << 20).
		// Values above this go to the value log; tool arguments are capped
		// below it (maxStoredArguments), so activity stays in the LSM tree.
		WithValueThreshold(64 << 10).
		WithValueLogFileSize(32 << 20).
		WithBlockCacheSize(4 << 20).
		WithIndexCacheSize(2 << 20).
		WithCompression(options.Snappy).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithMetricsEnabled(false).
		// Nothing here does read-modify-write transactions, so conflict
		// tracking would only cost memory.
		WithDetectConflicts(false)
}

// Dir is the folder the store lives in.
func (s *Store) Dir() string { return s.dir }

// Close writes out every record enqueued so far, stops the background work
// and closes the database. Calling it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.Flush()
		s.closed.Store(true)
		close(s.stop)
		<-s.writerOut
		<-s.gcOut
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("close store at %s: %w", s.dir, err)
		}
	})
	return s.closeErr
}

// gcLoop reclaims value-log space now and then. RunValueLogGC rewrites at
// most one file per call, so it is repeated until there is nothing to do.
func (s *Store) gcLoop() {
	defer close(s.gcOut)
	t := time.NewTicker(gcInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for {
				err := s.db.RunValueLogGC(0.5)
				if err != nil {
					if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
						s.logger.Warn("value log GC failed", "dir", s.dir, "err", err)
					}
					break
				}
				select {
				case <-s.stop:
					return
				default:
				}
			}
		}
	}
}

// PutJSON stores v, encoded as JSON, under key.
func (s *Store) PutJSON(key string, v any) error {
	if key == "" {
		return errors.New("store: PutJSON: empty key")
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode value for key %q: %w", key, err)
	}
	if err := s.checkSpace(); err != nil {
		return err
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(kvPrefix+key), data)
	})
	if err != nil {
		return fmt.Errorf("store: put key %q: %w", key, err)
	}
	return nil
}

// GetJSON decodes the JSON stored under key into v. It returns ErrNotFound
// when the key does not exist.
func (s *Store) GetJSON(key string, v any) error {
	var data []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(kvPrefix + key))
		if err != nil {
			return err
		}
		data, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: get key %q: %w", key, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("store: decode value of key %q: %w", key, err)
	}
	return nil
}

// DeleteKey removes key. Deleting a missing key is not an error.
func (s *Store) DeleteKey(key string) error {
	if err := s.checkSpace(); err != nil {
		return err
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Delete([]byte(kvPrefix + key))
	})
	if err != nil {
		return fmt.Errorf("store: delete key %q: %w", key, err)
	}
	return nil
}

// badgerLogger sends Badger's log lines to slog. Badger logs routine events
// (compactions, table flushes, replay) at INFO; they mean nothing to a user,
// so they go to debug.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) log(level slog.Level, format string, args ...any) {
	ctx := context.Background()
	if !b.l.Enabled(ctx, level) {
		return // skip the formatting cost
	}
	b.l.Log(ctx, level, strings.TrimSpace(fmt.Sprintf(format, args...)), "source", "badger")
}

func (b badgerLogger) Errorf(f string, a ...any)   { b.log(slog.LevelError, f, a...) }
func (b badgerLogger) Warningf(f string, a ...any) { b.log(slog.LevelWarn, f, a...) }
func (b badgerLogger) Infof(f string, a ...any)    { b.log(slog.LevelDebug, f, a...) }

// Badger's DEBUG is per-operation noise; it sits below slog's debug level so
// that turning on debug logs does not drown in it.
func (b badgerLogger) Debugf(f string, a ...any) { b.log(slog.LevelDebug-4, f, a...) }
