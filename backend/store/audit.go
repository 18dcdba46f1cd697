package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// auditPrefix keeps audit records apart from activity and the KV space.
// Their keys sort by time because their ids do (as activity ids).
const auditPrefix = "aud/"

// AuditRecord is one decision a person (or a rule they set) made: who did
// what to which server or tool, and when. Audit records are kept forever:
// the activity retention does not apply to them.
type AuditRecord struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Type names the decision, such as "quarantine.server.approved".
	Type string `json:"type"`
	// Principal is who decided: a principal's name, or the rule that did
	// (such as "auto_approve_changes").
	Principal string `json:"principal"`
	Server    string `json:"server,omitempty"`
	Tool      string `json:"tool,omitempty"`
	// Note is the approver's note or the reason of a rejection.
	Note string `json:"note,omitempty"`
	// Detail holds facts of the decision (hashes, an override of findings).
	Detail map[string]string `json:"detail,omitempty"`
}

// AuditFilter selects audit records; zero fields match everything. Type
// matches a whole type or a prefix of it ending in a dot ("quarantine.").
type AuditFilter struct {
	Type   string
	Server string
	Since  time.Time
	Until  time.Time
	Limit  int
	Cursor string // the id of the last record of the previous page
}

// AppendAudit writes r at once (audit records are rare and must not be
// lost to a queue). A zero Time becomes now and the id is assigned.
func (s *Store) AppendAudit(r AuditRecord) (AuditRecord, error) {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	r.ID = NewActivityID(r.Time)
	data, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("store: encode audit record: %w", err)
	}
	if err := s.checkSpace(); err != nil {
		return r, err
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(auditPrefix+r.ID), data)
	})
	if err != nil {
		return r, fmt.Errorf("store: write audit record: %w", err)
	}
	return r, nil
}

// ValidAuditID reports whether id has the shape of an audit record's id.
func ValidAuditID(id string) bool { return validID(id) }

// ListAudit returns records matching f, newest first, and a cursor for the
// next page ("" when there is none).
func (s *Store) ListAudit(f AuditFilter) ([]AuditRecord, string, error) {
	q := pageQuery{prefix: auditPrefix, what: "audit", cursor: f.Cursor, since: f.Since, until: f.Until, limit: f.Limit}
	return listPage(s, q, func(r *AuditRecord) string { return r.ID }, f.matches)
}

func (f *AuditFilter) matches(r *AuditRecord) bool {
	typeOK := f.Type == "" || r.Type == f.Type ||
		strings.HasSuffix(f.Type, ".") && strings.HasPrefix(r.Type, f.Type)
	return typeOK && (f.Server == "" || r.Server == f.Server)
}
