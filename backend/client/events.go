package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Event is one event of the bus, as the stream carries it. Data is left
// as JSON: its shape depends on Type (see backend/events).
type Event struct {
	ID     uint64          `json:"id"`
	Type   string          `json:"type"`
	Time   time.Time       `json:"time"`
	Server string          `json:"server,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// EventStream reads events from the SSE stream until it is closed, its
// context ends or the instance stops.
type EventStream struct {
	body   io.ReadCloser
	r      *bufio.Reader
	lastID string
}

// maxEventBytes bounds one event; a line longer than this ends the stream
// with an error rather than growing without end.
const maxEventBytes = 4 << 20

// Events opens the event stream (SSE): only the given types when any are
// named, and after lastID ("" for new events only), so a caller that
// reconnects with the LastID of its previous stream misses nothing the
// instance still keeps.
func (c *Client) Events(ctx context.Context, types []string, lastID string) (*EventStream, error) {
	q := url.Values{}
	if len(types) > 0 {
		q.Set("types", strings.Join(types, ","))
	}
	h := http.Header{"Accept": {"text/event-stream"}}
	if lastID != "" {
		h.Set("Last-Event-ID", lastID)
	}
	resp, err := c.send(ctx, request{method: http.MethodGet, path: "/api/v1/events", query: q, header: h})
	if err != nil {
		return nil, err
	}
	return &EventStream{body: resp.Body, r: bufio.NewReaderSize(resp.Body, 64<<10), lastID: lastID}, nil
}

// Next waits for the next event. At the end of the stream it returns
// io.EOF.
func (s *EventStream) Next() (*Event, error) {
	var id, typ string
	var data strings.Builder
	size := 0
	for {
		line, err := s.r.ReadString('\n')
		size += len(line)
		if size > maxEventBytes {
			return nil, fmt.Errorf("event stream: an event is larger than %d bytes", maxEventBytes)
		}
		if err != nil {
			if err == io.EOF && line == "" {
				return nil, io.EOF
			}
			if err != io.EOF {
				return nil, err
			}
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if line == "" {
			if data.Len() == 0 {
				if err == io.EOF {
					return nil, io.EOF
				}
				continue // a keep-alive, or an event with no data
			}
			return s.event(id, typ, data.String())
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "": // a comment
		case "id":
			id = value
		case "event":
			typ = value
		case "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(value)
		}
		if err == io.EOF {
			return nil, io.EOF // an event cut short is not delivered
		}
	}
}

func (s *EventStream) event(id, typ, data string) (*Event, error) {
	ev := &Event{}
	if err := json.Unmarshal([]byte(data), ev); err != nil || (ev.Type == "" && ev.ID == 0) {
		// Not an event object: keep the frame as it came.
		ev = &Event{Data: json.RawMessage(strconv.Quote(data))}
		if json.Valid([]byte(data)) {
			ev.Data = json.RawMessage(data)
		}
	}
	if ev.Type == "" {
		ev.Type = typ
	}
	if ev.ID == 0 {
		ev.ID, _ = strconv.ParseUint(id, 10, 64)
	}
	if id != "" {
		s.lastID = id
	} else if ev.ID != 0 {
		s.lastID = strconv.FormatUint(ev.ID, 10)
	}
	return ev, nil
}

// LastID is the id of the last event read, for resuming with Events.
func (s *EventStream) LastID() string { return s.lastID }

// Close ends the stream.
func (s *EventStream) Close() error { return s.body.Close() }
