package bridge

import (
	"strings"
	"testing"
	"time"
)

func TestReadSSE(t *testing.T) {
	stream := ": keep-alive\r\n" +
		"id: prime\r\nretry: 250\r\ndata:\r\n\r\n" + // priming event: id only, no message
		"event: message\nid: 7\ndata: {\"a\":\ndata: 1}\n\n" +
		"data: {\"b\":2}\n\n" +
		"event: other\ndata: {\"c\":3}\n\n" +
		"data: {\"cut\":" // cut off by the end of the stream
	st := &sseState{}
	var got []string
	err := readSSE(strings.NewReader(stream), st, func(ev sseEvent) {
		got = append(got, ev.event+"="+string(ev.data))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"=", "message={\"a\":\n1}", "={\"b\":2}", "other={\"c\":3}"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
	if st.lastID != "7" || st.retry != 250*time.Millisecond {
		t.Errorf("state: last id %q, retry %v", st.lastID, st.retry)
	}
}
