package store

import (
	"encoding/json"
)

// The key-name and token-shape redaction of redact.go cannot know a secret
// whose value has no telling shape. The secret store does: SetValueRedactor
// lets it hide each of its values, wherever one shows up in a recorded
// call's arguments, result or error (a server that echoes its token back,
// say), before the record is stored.

// SetValueRedactor sets fn to be applied to the text of every activity
// record before it is stored (nil: none). fn must be safe for concurrent
// use and, applied to JSON, must keep it JSON.
func (s *Store) SetValueRedactor(fn func(string) string) {
	if fn == nil {
		s.valueRedactor.Store(nil)
		return
	}
	s.valueRedactor.Store(&fn)
}

// redactValues applies the value redactor to r; a result still to be
// encoded is encoded first, so it is covered too.
func (s *Store) redactValues(r *ActivityRecord) {
	p := s.valueRedactor.Load()
	if p == nil {
		return
	}
	fn := *p
	if len(r.Result) == 0 && r.ResultValue != nil {
		if b, err := json.Marshal(r.ResultValue); err == nil {
			r.Result, r.ResultValue = b, nil
		}
	}
	r.Arguments = redactJSONText(fn, r.Arguments)
	r.Result = redactJSONText(fn, r.Result)
	r.Error = fn(r.Error)
}

func redactJSONText(fn func(string) string, b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return b
	}
	out := fn(string(b))
	if out == string(b) {
		return b
	}
	if !json.Valid([]byte(out)) {
		// A value matched across the JSON's own syntax: keep nothing of it.
		q, _ := json.Marshal(redacted)
		return q
	}
	return json.RawMessage(out)
}
