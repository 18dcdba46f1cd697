package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestValueRedactorHidesKnownSecretsBeforeStorage(t *testing.T) {
	s := openTest(t, t.TempDir())
	const value = "plain-looking-value-91"
	s.SetValueRedactor(func(text string) string { return strings.ReplaceAll(text, value, redacted) })

	id := NewActivityID(time.Now())
	s.Record(ActivityRecord{ID: id, Server: "a", Tool: "t", Outcome: OutcomeError,
		Arguments:   json.RawMessage(`{"note":"uses ` + value + `"}`),
		ResultValue: map[string]any{"content": []map[string]string{{"type": "text", "text": "echo " + value}}},
		Error:       "failed near " + value})
	s.Flush() // the redactor in force when the record is written applies
	// A value whose replacement would break the JSON (it is a number there).
	s.SetValueRedactor(func(text string) string { return strings.ReplaceAll(text, "123456789", redacted) })
	num := NewActivityID(time.Now())
	s.Record(ActivityRecord{ID: num, Server: "a", Tool: "t", Outcome: OutcomeOK, Arguments: json.RawMessage(`{"n":123456789}`)})
	s.Flush()
	s.SetValueRedactor(nil)
	plain := NewActivityID(time.Now())
	s.Record(ActivityRecord{ID: plain, Server: "a", Tool: "t", Outcome: OutcomeOK, Arguments: json.RawMessage(`{"n":123456789}`)})
	s.Flush()

	r, err := s.GetActivity(id)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := json.Marshal(r)
	if strings.Contains(string(all), value) || strings.Count(string(all), redacted) != 3 {
		t.Fatalf("stored %s", all)
	}
	if r, _ := s.GetActivity(num); string(r.Arguments) != `"[REDACTED]"` {
		t.Fatalf("arguments with the value as a number stored as %s", r.Arguments)
	}
	if r, _ := s.GetActivity(plain); string(r.Arguments) != `{"n":123456789}` {
		t.Fatalf("without a redactor, arguments stored as %s", r.Arguments)
	}
}
