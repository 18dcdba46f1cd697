package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// Outcomes of a tool call.
const (
	OutcomeOK          = "ok"
	OutcomeError       = "error"
	OutcomeTimeout     = "timeout"
	OutcomeUnavailable = "unavailable"
	OutcomeCancelled   = "cancelled"
	// OutcomeDenied is a call the call guard refused (a tool policy, a key's
	// scope, sensitive data in the arguments): it never reached the server.
	OutcomeDenied = "denied"
)

// DefaultRetention is how long activity records are kept unless SetRetention
// says otherwise.
const DefaultRetention = 30 * 24 * time.Hour

const (
	// Records waiting for the writer before Record starts dropping. A burst
	// of 10,000 calls must fit whole, since queueing is far faster than the
	// writer's transactions. The queue holds pointers (8 bytes a slot, 128 KB
	// in all) rather than records of about 200 bytes each.
	queueSize  = 16384
	batchSize  = 256                    // records per transaction at most
	batchDelay = 100 * time.Millisecond // longest a record waits for its batch to fill

	// Arguments larger than this are not kept: the activity log is for
	// seeing what was called, not an archive of file contents, and small
	// records stay in Badger's LSM tree (see WithValueThreshold).
	maxStoredArguments = 32 << 10
	maxStoredError     = 4 << 10
	// Results share the record with the arguments; together they stay
	// under Badger's value threshold.
	maxStoredResult = 16 << 10

	defaultListLimit = 100
	maxListLimit     = 1000
)

// ActivityRecord is one tool call as seen by the gateway.
type ActivityRecord struct {
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	SessionID string    `json:"session_id,omitempty"`
	Client    string    `json:"client,omitempty"`
	Server    string    `json:"server"`
	Group     string    `json:"group,omitempty"` // the group the call came through; Server is its member that took it
	// Principal is who made the call: the name behind the API key, the
	// socket's user, or "anonymous" for a keyless client.
	Principal  string          `json:"principal,omitempty"`
	Tool       string          `json:"tool"`
	Arguments  json.RawMessage `json:"arguments,omitempty"`
	DurationMS float64         `json:"duration_ms"`
	Outcome    string          `json:"outcome"` // ok, error, timeout, unavailable, cancelled
	Error      string          `json:"error,omitempty"`
	// Result is what the tool returned (an MCP CallToolResult), redacted
	// like Arguments; one too large to keep is cut to a preview.
	Result json.RawMessage `json:"result,omitempty"`
	// ResultValue, when Result is empty, is encoded into Result by the
	// writer, off the caller's path; the caller must not modify it after
	// Record.
	ResultValue any `json:"-"`
	// Sensitive lists the sensitive data (private keys, cloud keys, tokens,
	// card numbers...) the writer found in the arguments and result; each
	// value found was redacted before the record was stored.
	Sensitive []SensitiveFinding `json:"sensitive,omitempty"`
}

// ActivityFilter selects activity records. Empty fields match everything.
// Since is inclusive, Until exclusive. Limit defaults to 100 and is capped at
// 1000. Cursor is the next-cursor of the previous page.
type ActivityFilter struct {
	Server    string
	Tool      string
	SessionID string
	Client    string
	Group     string
	Principal string
	Outcome   string
	// Sensitive keeps only records with sensitive data found.
	Sensitive bool
	Since     time.Time
	Until     time.Time
	Limit     int
	Cursor    string
}

// idCounter tells apart records stamped with the same nanosecond.
var idCounter atomic.Uint32

const idLen = 24 // hex of 8 bytes unix nanos + 4 bytes counter

// NewActivityID returns a unique id for a record at time t. Ids sort in time
// order, so the key space of the activity log does too. Record assigns one
// when the record has none; a caller that needs the id up front (to refer to
// the record elsewhere) can make it here and set it.
func NewActivityID(t time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], unixNanos(t))
	binary.BigEndian.PutUint32(b[8:], idCounter.Add(1))
	return hex.EncodeToString(b[:])
}

func unixNanos(t time.Time) uint64 {
	n := t.UnixNano()
	if n < 0 {
		return 0
	}
	return uint64(n)
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Record queues r for writing and returns at once. It never blocks: when the
// queue is full the record is dropped and counted (see Dropped). A zero Time
// becomes now and an empty ID is assigned. Arguments are redacted by the
// writer, off the caller's path; the caller must not modify the Arguments
// slice after the call.
func (s *Store) Record(r ActivityRecord) {
	if s.closed.Load() {
		s.dropped.Add(1)
		return
	}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	select {
	case s.queue <- &r:
	default:
		s.dropped.Add(1)
	}
}

// Dropped is the number of activity records lost since Open: the queue was
// full, the store was closed, or the write failed.
func (s *Store) Dropped() uint64 { return s.dropped.Load() }

// Flush returns once every record queued before the call is written.
func (s *Store) Flush() {
	done := make(chan struct{})
	select {
	case s.flushReq <- done:
	case <-s.writerOut:
		return
	}
	select {
	case <-done:
	case <-s.writerOut:
	}
}

// SetRetention sets how long activity records are kept; d <= 0 keeps them
// forever. New records get it as their Badger TTL, so they expire on their own
// without a sweeper. Records already stored keep the TTL they were written
// with, except that those older than a shorter new window are deleted now.
func (s *Store) SetRetention(d time.Duration) {
	s.retention.Store(int64(d))
	if d <= 0 {
		return
	}
	if n, err := s.pruneActivity(time.Now().Add(-d)); err != nil {
		s.logger.Warn("deleting activity older than the retention failed", "dir", s.dir, "retention", d, "err", err)
	} else if n > 0 {
		s.logger.Info("deleted activity older than the retention", "records", n, "retention", d)
	}
}

// Retention is the current retention; <= 0 means forever.
func (s *Store) Retention() time.Duration { return time.Duration(s.retention.Load()) }

// pruneActivity deletes records stamped before t. Keys are time-ordered, so
// this reads only the keys it deletes.
func (s *Store) pruneActivity(before time.Time) (int, error) {
	end := timeKey(activityPrefix, before)
	var keys [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		opts.Prefix = []byte(activityPrefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if bytes.Compare(k, end) >= 0 {
				break
			}
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		return nil
	})
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	if err := s.checkSpace(); err != nil {
		return 0, err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			return 0, err
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, err
	}
	return len(keys), nil
}

// writer owns all activity writes: it batches queued records into one
// transaction per batchSize records or per batchDelay, whichever comes first.
func (s *Store) writer() {
	defer close(s.writerOut)
	batch := make([]ActivityRecord, 0, batchSize)
	timer := time.NewTimer(batchDelay)
	timer.Stop()
	timerOn := false

	write := func() {
		if timerOn {
			timer.Stop()
			timerOn = false
		}
		if len(batch) == 0 {
			return
		}
		s.writeBatch(batch)
		clear(batch) // let argument buffers go
		batch = batch[:0]
	}
	drain := func() {
		for {
			select {
			case r := <-s.queue:
				batch = append(batch, *r)
				if len(batch) >= batchSize {
					write()
				}
			default:
				return
			}
		}
	}

	for {
		select {
		case r := <-s.queue:
			batch = append(batch, *r)
			if len(batch) >= batchSize {
				write()
			} else if !timerOn {
				timer.Reset(batchDelay)
				timerOn = true
			}
		case <-timer.C:
			timerOn = false
			write()
		case done := <-s.flushReq:
			drain()
			write()
			close(done)
		case <-s.stop:
			drain()
			write()
			return
		}
	}
}

// writeBatch writes records in as few transactions as Badger's size limit
// allows (normally one).
func (s *Store) writeBatch(batch []ActivityRecord) {
	if err := s.checkSpace(); err != nil {
		// Logged by checkSpace when the disk first runs low.
		s.dropped.Add(uint64(len(batch)))
		return
	}
	retention := time.Duration(s.retention.Load())
	now := time.Now()
	txn := s.db.NewTransaction(true)
	pending := 0
	commit := func() {
		if err := txn.Commit(); err != nil {
			s.dropped.Add(uint64(pending))
			s.logger.Error("writing activity records failed", "dir", s.dir, "records", pending, "err", err)
		}
		pending = 0
	}
	for i := range batch {
		e, ok := s.activityEntry(&batch[i], retention, now)
		if !ok {
			continue
		}
		err := txn.SetEntry(e)
		if errors.Is(err, badger.ErrTxnTooBig) {
			commit()
			txn = s.db.NewTransaction(true)
			err = txn.SetEntry(e)
		}
		if err != nil {
			s.dropped.Add(1)
			s.logger.Error("writing activity record failed", "dir", s.dir, "server", batch[i].Server, "tool", batch[i].Tool, "err", err)
			continue
		}
		pending++
	}
	if pending > 0 {
		commit()
	} else {
		txn.Discard()
	}
	s.tellSensitive(batch)
}

// activityEntry prepares r for storage: id, redaction, size caps, TTL. It
// reports false for a record already past the retention.
func (s *Store) activityEntry(r *ActivityRecord, retention time.Duration, now time.Time) (*badger.Entry, bool) {
	if !validID(r.ID) {
		r.ID = NewActivityID(r.Time)
	}
	s.redactValues(r)
	// Sensitive data is looked for before the key-name redaction, which
	// would hide some of it from the scan (and so from the flags).
	var found []SensitiveFinding
	r.Arguments, found = scanSensitive(r.Arguments, InArguments)
	r.Sensitive = append(r.Sensitive, found...)
	r.Arguments = RedactArguments(r.Arguments)
	if len(r.Arguments) > maxStoredArguments {
		r.Arguments, _ = json.Marshal(fmt.Sprintf("[arguments too large: %d bytes]", len(r.Arguments)))
	}
	r.Result, found = storedResult(r.Result, r.ResultValue)
	r.Sensitive = append(r.Sensitive, found...)
	r.ResultValue = nil
	r.Error = redactString(r.Error)
	if len(r.Error) > maxStoredError {
		cut := maxStoredError
		for cut > 0 && !utf8.RuneStart(r.Error[cut]) {
			cut-- // do not split a character
		}
		r.Error = r.Error[:cut] + "…"
	}
	val, err := json.Marshal(r)
	if err != nil {
		// Cannot happen: every field is plain data and Arguments is valid JSON.
		s.logger.Error("encoding activity record failed", "server", r.Server, "tool", r.Tool, "err", err)
		return nil, false
	}
	e := badger.NewEntry([]byte(activityPrefix+r.ID), val)
	if retention > 0 {
		exp := r.Time.Add(retention)
		if !exp.After(now) {
			return nil, false
		}
		// Badger's TTL has whole-second resolution; round up so a record is
		// never gone before its retention has passed.
		sec := exp.Unix()
		if exp.Nanosecond() > 0 {
			sec++
		}
		e.ExpiresAt = uint64(sec)
	}
	return e, true
}

// GetActivity returns the record with the given id, or ErrNotFound.
func (s *Store) GetActivity(id string) (ActivityRecord, error) {
	var r ActivityRecord
	if !validID(id) {
		return r, ErrNotFound
	}
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(activityPrefix + id))
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &r) })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ActivityRecord{}, ErrNotFound
	}
	if err != nil {
		return ActivityRecord{}, fmt.Errorf("store: read activity %s: %w", id, err)
	}
	return r, nil
}

// ListActivity returns records matching f, newest first, and a cursor for
// the next page ("" when there is none).
func (s *Store) ListActivity(f ActivityFilter) ([]ActivityRecord, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	if limit > maxListLimit {
		limit = maxListLimit
	}

	// Keys run from lower (inclusive) to upper (exclusive). Ids are hex, so
	// every activity key sorts below prefix+"g".
	upper := []byte(activityPrefix + "g")
	if f.Cursor != "" {
		if !validID(f.Cursor) {
			return nil, "", fmt.Errorf("store: invalid activity cursor %q", f.Cursor)
		}
		if k := []byte(activityPrefix + f.Cursor); bytes.Compare(k, upper) < 0 {
			upper = k
		}
	}
	if !f.Until.IsZero() {
		if k := timeKey(activityPrefix, f.Until); bytes.Compare(k, upper) < 0 {
			upper = k
		}
	}
	var lower []byte
	if !f.Since.IsZero() {
		lower = timeKey(activityPrefix, f.Since)
	}

	// Cheap byte checks before decoding: a record can only match if its JSON
	// holds the field as encoded (a hit inside arguments is weeded out by the
	// exact check after decoding).
	var needles [][]byte
	for _, c := range []struct{ name, val string }{
		{"session_id", f.SessionID}, {"client", f.Client}, {"server", f.Server},
		{"tool", f.Tool}, {"outcome", f.Outcome}, {"group", f.Group}, {"principal", f.Principal},
	} {
		if c.val != "" {
			q, _ := json.Marshal(c.val)
			needles = append(needles, append([]byte(`"`+c.name+`":`), q...))
		}
	}

	out := make([]ActivityRecord, 0, min(limit, 64))
	more := false
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Reverse = true
		opts.Prefix = []byte(activityPrefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		// In reverse, Seek lands on the largest key <= upper.
		for it.Seek(upper); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			if bytes.Compare(k, upper) >= 0 {
				continue
			}
			if lower != nil && bytes.Compare(k, lower) < 0 {
				break
			}
			var r ActivityRecord
			matched := false
			err := item.Value(func(v []byte) error {
				if f.Sensitive && !bytes.Contains(v, []byte(`"sensitive":[`)) {
					return nil
				}
				for _, n := range needles {
					if !bytes.Contains(v, n) {
						return nil
					}
				}
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("decode activity %s: %w", k, err)
				}
				matched = f.matches(&r)
				return nil
			})
			if err != nil {
				return err
			}
			if !matched {
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
		return nil, "", fmt.Errorf("store: list activity: %w", err)
	}
	next := ""
	if more {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

func (f *ActivityFilter) matches(r *ActivityRecord) bool {
	return (f.Server == "" || r.Server == f.Server) &&
		(f.Tool == "" || r.Tool == f.Tool) &&
		(f.SessionID == "" || r.SessionID == f.SessionID) &&
		(f.Client == "" || r.Client == f.Client) &&
		(f.Group == "" || r.Group == f.Group) &&
		(f.Principal == "" || r.Principal == f.Principal) &&
		(f.Outcome == "" || r.Outcome == f.Outcome) &&
		(!f.Sensitive || len(r.Sensitive) > 0)
}
