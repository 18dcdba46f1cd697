package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// pageQuery is one page of a list whose keys are prefix + a time-ordered
// id, read newest first: the audit log and the security events.
type pageQuery struct {
	prefix string
	what   string // names the list in errors
	cursor string // the id the previous page ended at; "" for the first
	since  time.Time
	until  time.Time
	limit  int
}

// listPage reads one page of records of type T that keep accepts, and
// returns the cursor of the next page ("" when there is none).
func listPage[T any](s *Store, q pageQuery, id func(*T) string, keep func(*T) bool) ([]T, string, error) {
	limit := q.limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)
	upper := []byte(q.prefix + "g") // above every hex id
	if q.cursor != "" {
		if !validID(q.cursor) {
			return nil, "", fmt.Errorf("store: invalid %s cursor %q", q.what, q.cursor)
		}
		upper = []byte(q.prefix + q.cursor)
	}
	if !q.until.IsZero() {
		if k := timeKey(q.prefix, q.until); bytes.Compare(k, upper) < 0 {
			upper = k
		}
	}
	var lower []byte
	if !q.since.IsZero() {
		lower = timeKey(q.prefix, q.since)
	}
	out := make([]T, 0, min(limit, 64))
	more := false
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Reverse = true
		opts.Prefix = []byte(q.prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(upper); it.Valid(); it.Next() {
			k := it.Item().Key()
			if bytes.Compare(k, upper) >= 0 {
				continue
			}
			if lower != nil && bytes.Compare(k, lower) < 0 {
				break
			}
			var r T
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &r) }); err != nil {
				return fmt.Errorf("decode %s record %s: %w", q.what, k, err)
			}
			if !keep(&r) {
				continue
			}
			if len(out) == limit {
				more = true
				break
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("store: list %s: %w", q.what, err)
	}
	next := ""
	if more {
		next = id(&out[len(out)-1])
	}
	return out, next, nil
}

// timeKey is the smallest key under prefix at time t.
func timeKey(prefix string, t time.Time) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], unixNanos(t))
	return []byte(prefix + hex.EncodeToString(b[:]) + "00000000")
}
