package events

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedactorFiltersEncodedEvents(t *testing.T) {
	SetRedactor(func(s string) string {
		return strings.NewReplacer("hidden-value", "[REDACTED]", "987654321", "[REDACTED]").Replace(s)
	})
	defer SetRedactor(nil)
	b := New(16)
	sub, _ := b.Subscribe(nil, 4, 0)
	defer sub.Close()
	b.Publish("server.state", "s", map[string]any{"last_error": "dial http://x/?t=hidden-value"})
	b.Publish("server.state", "s", map[string]any{"n": 987654321})
	first, second := <-sub.C, <-sub.C
	data, _ := first.JSON()
	if strings.Contains(string(data), "hidden-value") || !strings.Contains(string(data), "t=[REDACTED]") {
		t.Fatalf("first event: %s", data)
	}
	data, _ = second.JSON()
	var ev struct {
		ID   uint64 `json:"id"`
		Type string `json:"type"`
		Data string `json:"data"`
	}
	if err := json.Unmarshal(data, &ev); err != nil || ev.Data != "[REDACTED]" || ev.Type != "server.state" || ev.ID != 2 {
		t.Fatalf("an event whose value is a number: %s (%v)", data, err)
	}
}
