package events

import "testing"

// BenchmarkPublishToOthers publishes an event of a type none of 50
// subscribers wants, as a tool call's own events are while 50 panel streams
// watch server states: the cost every call pays for the watchers.
func BenchmarkPublishToOthers(b *testing.B) {
	bus := New(1024)
	for range 50 {
		s, _ := bus.Subscribe([]string{ServerState}, 16, 0)
		defer s.Close()
	}
	data := map[string]any{"server": "alpha", "tool": "echo"}
	b.ReportAllocs()
	for b.Loop() {
		bus.Publish(ToolCallStarted, "alpha", data)
	}
}
