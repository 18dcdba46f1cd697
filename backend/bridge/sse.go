package bridge

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	event string
	data  []byte
}

// sseState is what outlives one connection of a stream: the last event id,
// sent back as Last-Event-ID to resume, and the server's reconnection delay.
type sseState struct {
	lastID string
	retry  time.Duration
}

// readSSE parses a text/event-stream body and calls onEvent for every
// complete event as soon as its terminating blank line arrives, so messages
// reach the client while the stream is still open. Event ids and retry
// delays are recorded in st, including those of events without data (a
// server may send such an event only to prime resumption). It returns nil at a clean
// end of stream, otherwise the read error. An event cut off by the end of
// the stream is dropped, as the SSE specification requires: its data may be
// truncated.
func readSSE(body io.Reader, st *sseState, onEvent func(sseEvent)) error {
	// bufio.Reader rather than Scanner: a tool result can be far larger than
	// any fixed line limit.
	r := bufio.NewReaderSize(body, 64*1024)
	var (
		ev      sseEvent
		data    bytes.Buffer
		hasData bool
	)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if hasData {
				ev.data = bytes.Clone(data.Bytes())
				onEvent(ev)
			}
			ev = sseEvent{}
			data.Reset()
			hasData = false
			continue
		}
		if line[0] == ':' {
			continue // comment, used as keep-alive
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.Write(value)
			hasData = true
		case "id":
			if !bytes.ContainsRune(value, 0) {
				st.lastID = string(value)
			}
		case "event":
			ev.event = string(value)
		case "retry":
			if ms, err := strconv.Atoi(strings.TrimSpace(string(value))); err == nil && ms >= 0 {
				st.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
}
