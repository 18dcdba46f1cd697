package store

import (
	"bytes"
	"encoding/json"

	"switchboard/backend/sensitive"
)

// Where sensitive data was found in a call.
const (
	InArguments = "arguments"
	InResult    = "result"
)

// SensitiveFinding is one piece of sensitive data found in a recorded call:
// what kind, where, and a masked excerpt that tells it apart without
// revealing it. The value itself is redacted in what is stored.
type SensitiveFinding struct {
	// In is "arguments" or "result".
	In       string `json:"in"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"` // high, medium or low
	// Path is the JSON path of the value that held it.
	Path    string `json:"path"`
	Excerpt string `json:"excerpt"`
}

// scanSensitive finds sensitive data in a JSON document and returns the
// document with each value found replaced by a placeholder naming its kind.
func scanSensitive(doc json.RawMessage, in string) (json.RawMessage, []SensitiveFinding) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return doc, nil
	}
	fs := sensitive.Scan(doc)
	if len(fs) == 0 {
		return doc, nil
	}
	out := make([]SensitiveFinding, len(fs))
	for i, f := range fs {
		out[i] = SensitiveFinding{In: in, Kind: string(f.Kind), Severity: string(f.Severity), Path: f.Path, Excerpt: f.Excerpt}
	}
	red := sensitive.Redact(doc, fs)
	if json.Valid(doc) && !json.Valid(red) {
		// Cannot happen by Redact's contract; keep nothing rather than a
		// document that may still hold the value.
		red, _ = json.Marshal(sensitive.Placeholder(fs[0].Kind))
	}
	return red, out
}

// OnSensitive sets fn to be told of every stored record in which sensitive
// data was found (nil: nobody). It runs on the writer, after the record is
// written, so it must not block for long.
func (s *Store) OnSensitive(fn func(ActivityRecord)) {
	if fn == nil {
		s.sensitiveHook.Store(nil)
		return
	}
	s.sensitiveHook.Store(&fn)
}

// tellSensitive passes the records of a written batch that carry findings
// to the hook.
func (s *Store) tellSensitive(batch []ActivityRecord) {
	p := s.sensitiveHook.Load()
	if p == nil {
		return
	}
	for i := range batch {
		if len(batch[i].Sensitive) > 0 {
			(*p)(batch[i])
		}
	}
}
