package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// securityPrefix keeps security events apart from activity and audit; their
// keys sort by time because their ids do.
const securityPrefix = "sec/"

// Levels of a security event.
const (
	LevelCritical = "critical"
	LevelWarning  = "warning"
	LevelInfo     = "info"
)

// LevelRank orders levels: critical is the highest. An unknown level is -1.
func LevelRank(level string) int {
	switch level {
	case LevelInfo:
		return 0
	case LevelWarning:
		return 1
	case LevelCritical:
		return 2
	}
	return -1
}

// SecurityRecord is one thing that matters to the safety of the gateway: a
// call refused by a policy, sensitive data seen in traffic, a poisoned or
// changed tool held. Like audit records, they are kept until deleted by
// hand: the activity retention does not apply.
type SecurityRecord struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Type names what happened, such as "policy.denied".
	Type string `json:"type"`
	// Level is critical, warning or info.
	Level     string `json:"level"`
	Principal string `json:"principal,omitempty"`
	Server    string `json:"server,omitempty"`
	Tool      string `json:"tool,omitempty"`
	Message   string `json:"message"`
	// ActivityID links the tool call this is about, when there is one.
	ActivityID string `json:"activity_id,omitempty"`
	// Detail holds facts (the rule that decided, kinds of data found); never
	// a secret.
	Detail map[string]string `json:"detail,omitempty"`
}

// SecurityFilter selects security records; zero fields match everything.
// Type matches a whole type or a prefix ending in a dot ("policy."); Level
// is the lowest level wanted (warning gives warning and critical).
type SecurityFilter struct {
	Type      string
	Level     string
	Server    string
	Principal string
	Since     time.Time
	Until     time.Time
	Limit     int
	Cursor    string
}

// AppendSecurity writes r at once. A zero Time becomes now; the id is
// assigned.
func (s *Store) AppendSecurity(r SecurityRecord) (SecurityRecord, error) {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	r.ID = NewActivityID(r.Time)
	data, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("store: encode security record: %w", err)
	}
	if err := s.checkSpace(); err != nil {
		return r, err
	}
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(securityPrefix+r.ID), data)
	}); err != nil {
		return r, fmt.Errorf("store: write security record: %w", err)
	}
	return r, nil
}

// GetSecurity returns one security record, or ErrNotFound.
func (s *Store) GetSecurity(id string) (SecurityRecord, error) {
	var r SecurityRecord
	if !validID(id) {
		return r, ErrNotFound
	}
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(securityPrefix + id))
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &r) })
	})
	if err == badger.ErrKeyNotFound {
		return SecurityRecord{}, ErrNotFound
	}
	return r, err
}

// ListSecurity returns records matching f, newest first, and a cursor for
// the next page ("" when there is none).
func (s *Store) ListSecurity(f SecurityFilter) ([]SecurityRecord, string, error) {
	q := pageQuery{prefix: securityPrefix, what: "security events", cursor: f.Cursor, since: f.Since, until: f.Until, limit: f.Limit}
	return listPage(s, q, func(r *SecurityRecord) string { return r.ID }, f.matches)
}

func (f *SecurityFilter) matches(r *SecurityRecord) bool {
	typeOK := f.Type == "" || r.Type == f.Type ||
		strings.HasSuffix(f.Type, ".") && strings.HasPrefix(r.Type, f.Type)
	levelOK := f.Level == "" || LevelRank(r.Level) >= LevelRank(f.Level)
	return typeOK && levelOK && (f.Server == "" || r.Server == f.Server) &&
		(f.Principal == "" || r.Principal == f.Principal)
}
