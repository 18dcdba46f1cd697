package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coder/websocket"

	"switchboard/backend/api"
)

// dialWS opens a WebSocket route. A refusal before the upgrade (unknown
// server, bad parameter, no key) is the envelope, as *Error.
func (c *Client) dialWS(ctx context.Context, path string, q url.Values) (*websocket.Conn, error) {
	h := http.Header{"User-Agent": {c.agent}}
	if c.key != "" && c.socket == "" {
		h.Set("X-API-Key", c.key)
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c.hc, HTTPHeader: h})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols && resp.Body != nil {
			return nil, decodeError(resp)
		}
		return nil, c.connError(err)
	}
	conn.SetReadLimit(maxEventBytes)
	return conn, nil
}

// readJSON reads one text message into v; a normal close is io.EOF.
func readJSON(ctx context.Context, conn *websocket.Conn, v any) error {
	_, data, err := conn.Read(ctx)
	if err != nil {
		if s := websocket.CloseStatus(err); s == websocket.StatusNormalClosure || s == websocket.StatusGoingAway {
			return io.EOF
		}
		return err
	}
	return json.Unmarshal(data, v)
}

// EventSocket is the event stream over a WebSocket, whose filter can be
// changed while it runs.
type EventSocket struct {
	conn *websocket.Conn
}

// EventsWebSocket opens the event stream over a WebSocket: only the given
// types when any are named, after event id since (0 for new events only).
func (c *Client) EventsWebSocket(ctx context.Context, types []string, since uint64) (*EventSocket, error) {
	q := url.Values{}
	if len(types) > 0 {
		q.Set("types", strings.Join(types, ","))
	}
	if since > 0 {
		q.Set("since", strconv.FormatUint(since, 10))
	}
	conn, err := c.dialWS(ctx, "/api/v1/ws/events", q)
	if err != nil {
		return nil, err
	}
	return &EventSocket{conn: conn}, nil
}

// Next waits for the next message: an event, or one of the stream's own
// (api.EventsMissed, api.EventsFilter, api.EventsError). A normal close is
// io.EOF.
func (s *EventSocket) Next(ctx context.Context) (*Event, error) {
	ev := &Event{}
	if err := readJSON(ctx, s.conn, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// SetTypes changes the filter (nil or empty: every type); an
// api.EventsFilter message marks where the new filter starts.
func (s *EventSocket) SetTypes(ctx context.Context, types []string) error {
	if types == nil {
		types = []string{}
	}
	data, err := json.Marshal(api.EventFilter{Types: types})
	if err != nil {
		return err
	}
	return s.conn.Write(ctx, websocket.MessageText, data)
}

// Close ends the stream.
func (s *EventSocket) Close() error {
	return s.conn.Close(websocket.StatusNormalClosure, "")
}

// LogTail follows a server's stderr: the last lines, then each new one.
type LogTail struct {
	conn *websocket.Conn
}

// TailServerLogs follows a server's stderr, starting with its last lines
// lines (negative: the API's default of 100; 0: new lines only).
func (c *Client) TailServerLogs(ctx context.Context, name string, lines int) (*LogTail, error) {
	q := url.Values{}
	if lines >= 0 {
		q.Set("lines", strconv.Itoa(lines))
	}
	conn, err := c.dialWS(ctx, "/api/v1/ws/servers/"+seg(name)+"/logs", q)
	if err != nil {
		return nil, err
	}
	return &LogTail{conn: conn}, nil
}

// Next waits for the next message. When the server leaves the config a
// message of Type "removed" comes, then io.EOF.
func (t *LogTail) Next(ctx context.Context) (*api.LogMessage, error) {
	m := &api.LogMessage{}
	if err := readJSON(ctx, t.conn, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Close ends the tail.
func (t *LogTail) Close() error {
	return t.conn.Close(websocket.StatusNormalClosure, "")
}
