package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestResultsAreRedactedAndLargeOnesCut(t *testing.T) {
	s := openTest(t, t.TempDir())
	secret := "sk-" + strings.Repeat("a", 40)
	type content struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	small := NewActivityID(time.Now())
	s.Record(ActivityRecord{ID: small, Server: "fs", Tool: "t", Outcome: OutcomeOK,
		ResultValue: map[string]any{"content": []content{{"text", "your key is " + secret}}, "structuredContent": map[string]any{"api_key": "hunter2"}}})
	big := NewActivityID(time.Now())
	s.Record(ActivityRecord{ID: big, Server: "fs", Tool: "t", Outcome: OutcomeOK,
		Result: json.RawMessage(`{"content":[{"type":"text","text":"` + strings.Repeat("é", 20000) + `"}]}`)})
	s.Flush()

	r, err := s.GetActivity(small)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(r.Result), secret) || strings.Contains(string(r.Result), "hunter2") || !strings.Contains(string(r.Result), redacted) {
		t.Fatalf("result not redacted: %s", r.Result)
	}
	r, err = s.GetActivity(big)
	if err != nil {
		t.Fatal(err)
	}
	var cut truncatedResult
	if err := json.Unmarshal(r.Result, &cut); err != nil || !cut.Truncated || cut.SizeBytes < 40000 || len(cut.Preview) > resultPreviewBytes || !strings.HasPrefix(cut.Preview, `{"content"`) {
		t.Fatalf("large result stored as %.200s (%v)", r.Result, err)
	}
}
