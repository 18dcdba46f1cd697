package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/events"
	"switchboard/backend/upstream"
)

// Types of the messages the streams add to the bus's own. They carry no id:
// a client that resumes goes on from the last real event it saw.
const (
	// EventsMissed comes first when a resumed stream cannot deliver every
	// event after the id it was given (they left the ring, or the id is from
	// an earlier run of Switchboard, whose ids started again at 1).
	EventsMissed = "events.missed"
	// EventsFilter answers a WebSocket client that changed its filter; the
	// events after it follow the new filter.
	EventsFilter = "events.filter"
	// EventsError answers a WebSocket client message that was not understood.
	EventsError = "events.error"
)

// streamBuffer is how many events a stream may fall behind before the bus
// drops it. An SSE stream holds what comes in one sseBatch, so this lets a
// subscriber of every event keep up with 10,000 events a second (a gateway
// making 5,000 calls a second) before it is dropped; about 100 KB each.
const streamBuffer = 1024

// heartbeatNanos is the interval of the SSE comment heartbeat and of the
// WebSocket ping: short enough for proxies and clients that close idle
// connections to see the stream alive.
var heartbeatNanos atomic.Int64

func init() { heartbeatNanos.Store(int64(15 * time.Second)) }

func heartbeat() time.Duration { return time.Duration(heartbeatNanos.Load()) }

// wsWriteTimeout bounds one WebSocket write: a client that takes nothing for
// that long is gone or stuck, and its connection is closed.
const wsWriteTimeout = 10 * time.Second

// MissedEvents is the data of an events.missed message.
type MissedEvents struct {
	LastEventID uint64 `json:"last_event_id"`
	Message     string `json:"message"`
}

// EventFilter is the message a WebSocket client sends to change which event
// types it receives (all when empty), and the data of the events.filter answer.
type EventFilter struct {
	Types []string `json:"types"`
}

// LogMessage is one message of the server log tail.
type LogMessage struct {
	// Type is "line" for a line of stderr; "skipped" when this connection
	// fell behind and lines were left out; "removed" when the server left
	// the config (the connection then closes).
	Type   string `json:"type"`
	Server string `json:"server"`
	Line   string `json:"line"`
	// History marks the lines written before the connection opened.
	History bool   `json:"history,omitempty"`
	Message string `json:"message,omitempty"`
}

// registerEvents adds the routes for events over SSE and WebSocket, live server logs.
func (s *Server) registerEvents() {
	const tag = "Events"
	s.handle(Route{Method: "GET", Path: "/api/v1/events", Tag: tag, Perm: auth.EventsRead,
		Summary: "Server-Sent Events: every event as it happens (id, event type, JSON data); send Last-Event-ID to resume; a comment ping every 15 s",
		Query: []Param{
			{"types", "string", "comma-separated event types to receive (default: all)"},
			{"last_event_id", "integer", "resume after this id, like the Last-Event-ID header (for clients that cannot set it)"},
		},
		Response: events.Event{}, ContentType: "text/event-stream"}, s.streamEvents)
	s.handleWebSocket(Route{Method: "GET", Path: "/api/v1/ws/events", Tag: tag, Perm: auth.EventsRead,
		Summary: "Events over a WebSocket, one JSON text message each; send {\"types\":[...]} to change the filter",
		Query: []Param{
			{"types", "string", "comma-separated event types to receive (default: all)"},
			{"since", "integer", "resume after this event id"},
		},
		Response: events.Event{}}, "GET /api/v1/ws/events", s.wsEvents)
	s.handleWebSocket(Route{Method: "GET", Path: "/api/v1/ws/servers/:name/logs", Tag: tag, Perm: auth.ServersRead,
		Summary:  "Live tail of a server's stderr: the last lines, then each new line as it is written",
		Query:    []Param{{"lines", "integer", "how many earlier lines to send first (default 100, 0 to 500)"}},
		Response: LogMessage{}}, "GET /api/v1/ws/servers/{name}/logs", s.wsServerLogs)
}

// eventTypes reads a comma-separated list of event types; empty means all.
func eventTypes(v string) []string {
	var out []string
	for t := range strings.SplitSeq(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// eventID reads an event id to resume after; empty is 0, from the start of now.
func eventID(field, v string) (uint64, *Error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, errInvalid(field, "must be an event id (a whole number), got %q", v)
	}
	return id, nil
}

// subscribe starts a subscription that resumes after id since. missed says
// that some events after since cannot be delivered: they left the ring, or
// since is larger than any id of this run, so it is from an earlier one.
func (s *Server) subscribe(types []string, since uint64) (*events.Subscription, bool) {
	bus := s.opts.Events
	if since > bus.LastID() {
		sub, _ := bus.Subscribe(types, streamBuffer, 0)
		return sub, true
	}
	return bus.Subscribe(types, streamBuffer, since)
}

func missedEvent(since uint64) events.Event {
	return events.Event{Type: EventsMissed, Time: time.Now().UTC(), Data: MissedEvents{LastEventID: since,
		Message: "some events after this id are no longer kept (or the id is from an earlier run of Switchboard); reload the state you show, then carry on from here"}}
}

func (s *Server) streamEvents(c *fiber.Ctx) error {
	idText := c.Get("Last-Event-ID")
	field := "Last-Event-ID"
	if idText == "" {
		idText, field = c.Query("last_event_id"), "last_event_id"
	}
	since, aerr := eventID(field, idText)
	if aerr != nil {
		return aerr
	}
	sub, missed := s.subscribe(eventTypes(c.Query("types")), since)

	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Tells a reverse proxy (nginx) not to hold frames back.
	c.Set("X-Accel-Buffering", "no")

	// The writer runs after the handler has returned, so it uses none of c.
	ctx := ctxOf(requestOf(c))
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		// Ending the subscription when the caller goes is what keeps the bus
		// from carrying subscribers nobody reads.
		defer sub.Close()
		// A short retry suits a local server that restarts in a moment; the
		// first bytes also send the headers, so the caller knows it is in.
		if _, err := w.WriteString("retry: 2000\n\n"); err != nil || w.Flush() != nil {
			return
		}
		if missed && writeSSE(w, missedEvent(since), false) != nil {
			return
		}
		ping := time.NewTicker(heartbeat())
		defer ping.Stop()
		// An event goes out at once when events are sparse; when they come
		// fast, they are written together at most every sseBatch, so a busy
		// gateway costs each subscriber ten wake-ups and writes a second,
		// not one per event.
		var lastFlush time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.life.Done():
				return
			case <-ping.C:
				if _, err := w.WriteString(": ping\n\n"); err != nil || w.Flush() != nil {
					return
				}
			case ev, ok := <-sub.C:
				if !ok {
					_ = w.Flush()
					return
				}
				if ev.Type == events.Dropped {
					// No id: the caller resumes from the last event it got.
					ev.ID = 0
					_ = writeSSE(w, ev, false)
					return
				}
				if appendSSE(w, ev, true) != nil {
					return
				}
				// Right after a write, wait out the rest of sseBatch without
				// listening to sub.C: the events meanwhile queue in its buffer
				// and wake nobody, and go out together. While they keep
				// coming, the stream sleeps a whole sseBatch after each write,
				// so it wakes once per batch, on its timer; the first batch
				// that finds nothing waiting sends it back to sub.C.
				for {
					if wait := sseBatch - time.Since(lastFlush); wait > 0 && !sleepCtx(ctx, s.life, wait) {
						return
					}
					n, err := drainSSE(w, sub)
					if err != nil {
						_ = w.Flush() // what was drained before the end
						return
					}
					if w.Flush() != nil {
						return
					}
					lastFlush = time.Now()
					if n == 0 {
						break
					}
				}
			}
		}
	})
	return nil
}

// sleepCtx waits d, or less when ctx or life ends first; it reports whether
// the whole d passed.
func sleepCtx(ctx, life context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-life.Done():
		return false
	case <-t.C:
		return true
	}
}

// writeSSE writes one event frame and flushes it to the caller.
func writeSSE(w *bufio.Writer, ev events.Event, withID bool) error {
	if err := appendSSE(w, ev, withID); err != nil {
		return err
	}
	return w.Flush()
}

// sseBatch is the shortest time between two writes of an event stream
// while events keep coming. A tenth of a second is about the least a person
// watching the panel can notice, and each write costs a syscall in the
// gateway and a wake-up in every subscriber. Under a fan-out of 1,000
// events a second to 50 streams, tool calls were slowed by 6 % (median of
// ten runs) with 25 ms and by 4 % (of seven) with 100 ms
// (BenchmarkToolCallsUnderEventFanout, docs/benchmarks.md).
const sseBatch = 100 * time.Millisecond

var (
	errSubscriberDropped = errors.New("subscriber dropped")
	errSubscriptionEnded = errors.New("subscription ended")
)

// drainSSE appends the events already waiting on sub and says how many; a
// drop notice is written and flushed, and ends the stream, as does the end
// of the subscription.
func drainSSE(w *bufio.Writer, sub *events.Subscription) (int, error) {
	n := 0
	for range cap(sub.C) {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				return n, errSubscriptionEnded
			}
			if ev.Type == events.Dropped {
				ev.ID = 0 // the caller resumes from the last event it got
				_ = appendSSE(w, ev, false)
				_ = w.Flush()
				return n, errSubscriberDropped
			}
			if err := appendSSE(w, ev, true); err != nil {
				return n, err
			}
			n++
		default:
			return n, nil
		}
	}
	return n, nil
}

// appendSSE writes one event frame without flushing it.
func appendSSE(w *bufio.Writer, ev events.Event, withID bool) error {
	data, err := ev.JSON()
	if err != nil {
		return err
	}
	if withID {
		w.WriteString("id: ")
		w.WriteString(strconv.FormatUint(ev.ID, 10))
		w.WriteByte('\n')
	}
	w.WriteString("event: ")
	w.WriteString(ev.Type)
	w.WriteString("\ndata: ")
	w.Write(data) // JSON from marshalJSON is one line: no newline to split
	w.WriteString("\n\n")
	return nil
}

// acceptOptions are the WebSocket handshake options of every socket route.
// The origin check is off here ONLY because ServeHTTP has already checked
// the Origin of every TCP request against loopback and "cors_origins" before
// any route runs, and the unix socket has no browser behind it; checking
// again here would refuse the origins that config allows.
var acceptOptions = &websocket.AcceptOptions{InsecureSkipVerify: true}

// wsWrite sends one JSON text message.
func wsWrite(ctx context.Context, conn *websocket.Conn, v any) error {
	data, err := marshalJSON(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, data)
}

func (s *Server) wsEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, aerr := eventID("since", q.Get("since"))
	if aerr != nil {
		writeEnvelope(w, aerr)
		return
	}
	types := eventTypes(q.Get("types"))
	// Subscribed before the handshake ends, so every event published after
	// the client's dial returns reaches it. The bus subscription takes every
	// type and the filter is applied here, so the client can change it
	// without a gap or a repeat in the ids.
	sub, missed := s.subscribe(nil, since)
	defer sub.Close()
	conn, err := websocket.Accept(w, r, acceptOptions)
	if err != nil {
		return // Accept has answered the request
	}
	defer conn.CloseNow()
	// The request's context is not to be used once the connection is taken
	// over; this one ends when either side goes, or at Close.
	ctx, cancel := context.WithCancel(s.life)
	defer cancel()
	filters := make(chan EventFilter)
	go s.readFilters(ctx, cancel, conn, filters)

	if missed && wsWrite(ctx, conn, missedEvent(since)) != nil {
		return
	}
	ping := time.NewTicker(heartbeat())
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			pctx, pcancel := context.WithTimeout(ctx, wsWriteTimeout)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				return
			}
		case f := <-filters:
			types = f.Types
			if f.Types == nil {
				f.Types = []string{}
			}
			if wsWrite(ctx, conn, events.Event{Type: EventsFilter, Time: time.Now().UTC(), Data: f}) != nil {
				return
			}
		case ev, ok := <-sub.C:
			if !ok {
				return
			}
			if ev.Type == events.Dropped {
				ev.ID = 0 // a notice, not an event to resume after
				_ = wsWrite(ctx, conn, ev)
				conn.Close(websocket.StatusTryAgainLater, "fell behind; reconnect with ?since= the last id received")
				return
			}
			if len(types) > 0 && !slices.Contains(types, ev.Type) {
				continue
			}
			if wsWrite(ctx, conn, ev) != nil {
				return
			}
		}
	}
}

// readFilters reads the client's messages: each is a new filter. It ends the
// connection's context when the client goes.
func (s *Server) readFilters(ctx context.Context, cancel context.CancelFunc, conn *websocket.Conn, filters chan<- EventFilter) {
	defer cancel()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var f struct {
			Types *[]string `json:"types"`
		}
		if typ != websocket.MessageText || json.Unmarshal(data, &f) != nil || f.Types == nil {
			msg := events.Event{Type: EventsError, Time: time.Now().UTC(),
				Data: map[string]string{"message": `send a JSON text message {"types": ["server.state", ...]} to change the filter; [] means every type`}}
			if wsWrite(ctx, conn, msg) != nil {
				return
			}
			continue
		}
		var types []string
		for _, t := range *f.Types {
			types = append(types, eventTypes(t)...)
		}
		select {
		case filters <- EventFilter{Types: types}:
		case <-ctx.Done():
			return
		}
	}
}

func (s *Server) wsServerLogs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	n := 100
	if v := r.URL.Query().Get("lines"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 || n > 500 {
			writeEnvelope(w, errInvalid("lines", "must be a whole number from 0 to 500, got %q", v))
			return
		}
	}
	u := s.opts.Gateway.Server(name)
	if u == nil {
		writeEnvelope(w, errNotFound("ServerNotFound", "no server named %q is configured", name))
		return
	}
	// The follow starts before the handshake ends, so a line written once
	// the client's dial returns is never missed.
	t := &logTail{name: name}
	defer t.stop()
	history := t.follow(u, n)
	conn, err := websocket.Accept(w, r, acceptOptions)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	t.conn = conn
	// Nothing is read from the client; CloseRead answers its pings and close
	// and ends ctx when it goes.
	ctx := conn.CloseRead(s.life)
	if t.sendLines(ctx, history, true) != nil {
		return
	}
	// The gateway replaces a server's supervisor (and its stderr buffer) when
	// its config changes or it is started after a stop; checking every
	// second keeps the tail on the current one.
	check := time.NewTicker(time.Second)
	defer check.Stop()
	lastPing := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case line, ok := <-t.lines:
			if !ok {
				t.follow(t.cur, 0)
				if t.send(ctx, LogMessage{Type: "skipped", Message: "this connection fell behind the server's output; some lines were left out"}) != nil {
					return
				}
				continue
			}
			if t.send(ctx, LogMessage{Type: "line", Line: line}) != nil {
				return
			}
		case <-check.C:
			now := s.opts.Gateway.Server(name)
			if now == nil {
				_ = t.send(ctx, LogMessage{Type: "removed", Message: "the server is no longer in the config"})
				conn.Close(websocket.StatusNormalClosure, "server removed")
				return
			}
			if now != t.cur && t.switchTo(ctx, now) != nil {
				return
			}
			if time.Since(lastPing) >= heartbeat() {
				lastPing = time.Now()
				pctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
				err := conn.Ping(pctx)
				cancel()
				if err != nil {
					return
				}
			}
		}
	}
}

// logTail is one connection's follow of a server's stderr.
type logTail struct {
	conn  *websocket.Conn
	name  string
	cur   *upstream.Upstream
	lines <-chan string
	end   func()
}

// follow starts following u's stderr and returns its last n lines.
func (t *logTail) follow(u *upstream.Upstream, n int) []string {
	t.stop()
	last, lines, end := u.FollowStderr(n)
	t.cur, t.lines, t.end = u, lines, end
	return last
}

func (t *logTail) sendLines(ctx context.Context, lines []string, history bool) error {
	for _, l := range lines {
		if err := t.send(ctx, LogMessage{Type: "line", Line: l, History: history}); err != nil {
			return err
		}
	}
	return nil
}

// switchTo moves to a new supervisor: the lines the old one had already
// passed on are sent, then every line of the new one, all of them new.
func (t *logTail) switchTo(ctx context.Context, u *upstream.Upstream) error {
drain:
	for {
		select {
		case line, ok := <-t.lines:
			if !ok {
				break drain
			}
			if err := t.send(ctx, LogMessage{Type: "line", Line: line}); err != nil {
				return err
			}
		default:
			break drain
		}
	}
	return t.sendLines(ctx, t.follow(u, -1), false)
}

func (t *logTail) stop() {
	if t.end != nil {
		t.end()
		t.end = nil
	}
}

func (t *logTail) send(ctx context.Context, m LogMessage) error {
	m.Server = t.name
	return wsWrite(ctx, t.conn, m)
}
