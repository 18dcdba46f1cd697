package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/events"
	"switchboard/backend/testdeps"
)

// waitFor is how long a test waits for something that should come at once;
// it only turns a hang into a failure with a message.
const waitFor = 10 * time.Second

// sseFrame is one frame of an event stream.
type sseFrame struct {
	ID, Event, Data, Comment string
}

// event decodes the frame's data.
func (f sseFrame) event(t testing.TB) events.Event {
	t.Helper()
	var ev events.Event
	if err := json.Unmarshal([]byte(f.Data), &ev); err != nil {
		t.Fatalf("frame data is not an event (%v): %q", err, f.Data)
	}
	return ev
}

// sseStream is an open GET /api/v1/events, read frame by frame as the
// bytes arrive.
type sseStream struct {
	t      testing.TB
	resp   *http.Response
	frames chan sseFrame
	cancel context.CancelFunc
}

// streamClient has no overall timeout, unlike the harness's clients: a
// stream lasts as long as the test wants.
func streamClient(c *http.Client) *http.Client { return &http.Client{Transport: c.Transport} }

// openSSE opens the event stream over TCP with the key, or over the socket.
func (h *harness) openSSE(overSocket bool, query string, headers ...string) *sseStream {
	h.t.Helper()
	base, c := "http://"+h.d.Addr(), streamClient(h.tcp)
	if overSocket {
		base, c = "http://localhost", streamClient(h.socket)
	} else {
		headers = append(headers, "X-API-Key: "+h.key)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/events"+query, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		h.t.Fatalf("GET /api/v1/events%s: %d %s", query, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{t: h.t, resp: resp, frames: make(chan sseFrame, 16), cancel: cancel}
	go s.read()
	h.t.Cleanup(s.close)
	return s
}

func (s *sseStream) read() {
	defer close(s.frames)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var f sseFrame
	has := false
	for sc.Scan() {
		line := sc.Text()
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch {
		case line == "":
			if has {
				s.frames <- f
			}
			f, has = sseFrame{}, false
			continue
		case field == "":
			f.Comment = value
		case field == "id":
			f.ID = value
		case field == "event":
			f.Event = value
		case field == "data":
			f.Data = value
		case field == "retry":
			continue // not a frame a test looks at
		}
		has = true
	}
}

// next returns the next event frame, skipping comments.
func (s *sseStream) next() sseFrame {
	s.t.Helper()
	for {
		f := s.nextRaw()
		if f.Comment == "" {
			return f
		}
	}
}

// nextRaw returns the next frame, comments included.
func (s *sseStream) nextRaw() sseFrame {
	s.t.Helper()
	select {
	case f, ok := <-s.frames:
		if !ok {
			s.t.Fatal("the event stream ended")
		}
		return f
	case <-time.After(waitFor):
		s.t.Fatalf("no frame within %s", waitFor)
	}
	return sseFrame{}
}

// rest reads frames until the server ends the stream.
func (s *sseStream) rest() []sseFrame {
	s.t.Helper()
	var out []sseFrame
	timeout := time.After(60 * time.Second)
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				return out
			}
			out = append(out, f)
		case <-timeout:
			s.t.Fatal("the event stream did not end")
		}
	}
}

func (s *sseStream) close() {
	s.cancel()
	_ = s.resp.Body.Close()
}

// waitSubscribers waits until the bus has n subscribers: a stream's
// subscription must end when its client goes.
func (h *harness) waitSubscribers(n int) {
	h.t.Helper()
	testdeps.Eventually(h.t, waitFor, fmt.Sprintf("%d bus subscribers", n), func() bool {
		return h.d.Events().Subscribers() == n
	})
}

// seqOf reads the "seq" a test put in an event's data.
func seqOf(t testing.TB, ev events.Event) int {
	t.Helper()
	m, ok := ev.Data.(map[string]any)
	if !ok {
		t.Fatalf("event data %v has no seq", ev.Data)
	}
	return int(m["seq"].(float64))
}

func TestEventsSSEFramesArriveAsSent(t *testing.T) {
	h := newHarness(t, nil)
	base := h.d.Events().Subscribers()
	s := h.openSSE(false, "?types=test.live")
	h.waitSubscribers(base + 1)
	// Each event is read before the next is published: a response that is
	// buffered until it ends, or until a buffer fills, fails here.
	for i := 1; i <= 5; i++ {
		sent := h.d.Events().Publish("test.live", "alpha", map[string]any{"seq": i})
		f := s.next()
		if f.ID != strconv.FormatUint(sent.ID, 10) || f.Event != "test.live" {
			t.Fatalf("frame %d: id %q event %q, want id %d test.live", i, f.ID, f.Event, sent.ID)
		}
		ev := f.event(t)
		if ev.ID != sent.ID || ev.Type != "test.live" || ev.Server != "alpha" || seqOf(t, ev) != i || ev.Time.IsZero() {
			t.Fatalf("frame %d: %+v", i, ev)
		}
	}
	s.close()
	h.waitSubscribers(base)
}

func TestEventsSSEResumeMissesNothing(t *testing.T) {
	h := newHarness(t, nil)
	base := h.d.Events().Subscribers()
	const total = 300
	first := h.openSSE(false, "?types=test.tick")
	h.waitSubscribers(base + 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= total; i++ {
			h.d.Events().Publish("test.tick", "", map[string]any{"seq": i})
			time.Sleep(time.Millisecond)
		}
	}()
	t.Cleanup(func() { <-done })

	// The client leaves three times while events keep coming, and resumes
	// from the last id it saw: by header twice, by query parameter once.
	var seen []int
	last := ""
	for round := 0; len(seen) < total; round++ {
		var s *sseStream
		switch {
		case round == 0:
			s = first
		case round == 2:
			s = h.openSSE(false, "?types=test.tick&last_event_id="+last)
		default:
			s = h.openSSE(false, "?types=test.tick", "Last-Event-ID: "+last)
		}
		for n := 0; len(seen) < total && (round >= 3 || n < 40); n++ {
			f := s.next()
			if f.Event != "test.tick" || f.ID == "" {
				t.Fatalf("round %d: unexpected frame %+v", round, f)
			}
			seen = append(seen, seqOf(t, f.event(t)))
			last = f.ID
		}
		s.close()
		h.waitSubscribers(base)
	}
	for i, seq := range seen {
		if seq != i+1 {
			t.Fatalf("event %d is seq %d: events were lost or repeated across reconnects: %v", i+1, seq, seen)
		}
	}
}

func TestEventsSSETypeFilter(t *testing.T) {
	h := newHarness(t, nil)
	s := h.openSSE(false, "?types=test.a,%20test.b")
	all := h.openSSE(false, "")
	bus := h.d.Events()
	for _, typ := range []string{"test.c", "test.a", "test.d", "test.b"} {
		bus.Publish(typ, "", nil)
	}
	if got := []string{s.next().Event, s.next().Event}; got[0] != "test.a" || got[1] != "test.b" {
		t.Fatalf("filtered stream got %v", got)
	}
	var got []string
	for len(got) < 4 {
		if f := all.next(); strings.HasPrefix(f.Event, "test.") {
			got = append(got, f.Event)
		}
	}
	if strings.Join(got, " ") != "test.c test.a test.d test.b" {
		t.Fatalf("unfiltered stream got %v", got)
	}
}

func TestEventsSSEMissedNotice(t *testing.T) {
	h := newHarness(t, nil)
	bus := h.d.Events()
	first := bus.Publish("test.fill", "", map[string]any{"seq": 0})
	// More than the ring keeps (4096), so the events right after first are gone.
	for i := 1; i <= 4200; i++ {
		bus.Publish("test.fill", "", map[string]any{"seq": i})
	}
	s := h.openSSE(false, "?types=test.fill", fmt.Sprintf("Last-Event-ID: %d", first.ID))
	f := s.next()
	if f.Event != api.EventsMissed || f.ID != "" {
		t.Fatalf("first frame %+v, want an %s notice without an id", f, api.EventsMissed)
	}
	if m := f.event(t).Data.(map[string]any); m["last_event_id"] != float64(first.ID) || m["message"] == "" {
		t.Fatalf("notice data %v", m)
	}
	// Then the oldest events still kept, in order.
	a, b := s.next(), s.next()
	ia, _ := strconv.Atoi(a.ID)
	ib, _ := strconv.Atoi(b.ID)
	if a.Event != "test.fill" || ia <= int(first.ID)+1 || ib != ia+1 {
		t.Fatalf("after the notice: %+v %+v", a, b)
	}

	// An id from an earlier run (ids start at 1 again after a restart).
	s2 := h.openSSE(false, "?types=test.fill", "Last-Event-ID: 99999999")
	if f := s2.next(); f.Event != api.EventsMissed {
		t.Fatalf("first frame %+v", f)
	}
	sent := bus.Publish("test.fill", "", nil)
	if f := s2.next(); f.ID != strconv.FormatUint(sent.ID, 10) {
		t.Fatalf("after the notice: %+v, want id %d", f, sent.ID)
	}

	// A resume from an id still kept has no notice.
	s3 := h.openSSE(false, "?types=test.fill", fmt.Sprintf("Last-Event-ID: %d", sent.ID-1))
	if f := s3.next(); f.ID != strconv.FormatUint(sent.ID, 10) {
		t.Fatalf("resume: %+v, want id %d", f, sent.ID)
	}

	h.req("GET", "/api/v1/events", nil, "Last-Event-ID: yesterday").envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("GET", "/api/v1/events?last_event_id=-3", nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
}

func TestEventsSSESlowSubscriberIsDropped(t *testing.T) {
	h := newHarness(t, nil)
	bus := h.d.Events()
	base := bus.Subscribers()
	s := h.openSSE(false, "?types=test.flood")
	h.waitSubscribers(base + 1)
	// The client reads nothing while large events are published. Once the
	// socket buffers are full the stream's subscription fills, and the bus
	// lets it go instead of waiting: every Publish here returns at once, or
	// this loop would never end.
	payload := strings.Repeat("x", 16<<10)
	var last events.Event
	for i := 0; bus.Subscribers() > base; i++ {
		if i > 20000 {
			t.Fatal("the slow subscriber was never dropped")
		}
		last = bus.Publish("test.flood", "", map[string]any{"seq": i, "payload": payload})
	}
	frames := s.rest()
	if len(frames) == 0 {
		t.Fatal("no frames")
	}
	notice := frames[len(frames)-1]
	if notice.Event != events.Dropped || notice.ID != "" {
		t.Fatalf("last frame %q (id %q), want %s without an id", notice.Event, notice.ID, events.Dropped)
	}
	if ev := notice.event(t); ev.ID != 0 || ev.Data == nil {
		t.Fatalf("notice %+v", ev)
	}
	// What the client got is in order, and resuming from its last id
	// delivers the rest.
	prev := 0
	for _, f := range frames[:len(frames)-1] {
		id, _ := strconv.Atoi(f.ID)
		if f.Event != "test.flood" || id <= prev {
			t.Fatalf("frame %q id %q after id %d", f.Event, f.ID, prev)
		}
		prev = id
	}
	lastSeen := frames[len(frames)-2].ID
	r := h.openSSE(false, "?types=test.flood", "Last-Event-ID: "+lastSeen)
	for {
		f := r.next()
		if f.Event != "test.flood" {
			t.Fatalf("resume: %+v", f.Event)
		}
		if f.ID == strconv.FormatUint(last.ID, 10) {
			break
		}
	}
}

func TestEventsSSEHeartbeat(t *testing.T) {
	defer api.SetHeartbeat(20 * time.Millisecond)()
	h := newHarness(t, nil)
	s := h.openSSE(false, "?types=test.none")
	if f := s.nextRaw(); f.Comment != "ping" {
		t.Fatalf("want a ping comment, got %+v", f)
	}
}

// dialWS opens a WebSocket over TCP with the key, or over the socket.
func (h *harness) dialWS(overSocket bool, path string) *websocket.Conn {
	h.t.Helper()
	opts := &websocket.DialOptions{HTTPClient: streamClient(h.tcp), HTTPHeader: http.Header{"X-Api-Key": {h.key}}}
	url := "ws://" + h.d.Addr() + path
	if overSocket {
		opts = &websocket.DialOptions{HTTPClient: streamClient(h.socket)}
		url = "ws://localhost" + path
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		h.t.Fatalf("dial %s: %v (HTTP %d)", path, err, status)
	}
	conn.SetReadLimit(4 << 20)
	h.t.Cleanup(func() { _ = conn.CloseNow() })
	return conn
}

// readWS reads the next JSON message into v.
func readWS(t testing.TB, conn *websocket.Conn, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	typ, data, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message type %v", typ)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("message is not JSON (%v): %s", err, data)
	}
}

func nextEvent(t testing.TB, conn *websocket.Conn) events.Event {
	t.Helper()
	var ev events.Event
	readWS(t, conn, &ev)
	return ev
}

func writeWS(t testing.TB, conn *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func TestEventsWebSocket(t *testing.T) {
	h := newHarness(t, nil)
	bus := h.d.Events()
	base := bus.Subscribers()
	conn := h.dialWS(false, "/api/v1/ws/events?types=test.x")
	h.waitSubscribers(base + 1)

	bus.Publish("test.y", "", nil)
	x := bus.Publish("test.x", "alpha", map[string]any{"seq": 1})
	if ev := nextEvent(t, conn); ev.ID != x.ID || ev.Type != "test.x" || ev.Server != "alpha" || seqOf(t, ev) != 1 {
		t.Fatalf("got %+v, want %+v", ev, x)
	}

	// The client changes its filter; the answer marks where it applies.
	writeWS(t, conn, `{"types": ["test.y"]}`)
	if ev := nextEvent(t, conn); ev.Type != api.EventsFilter {
		t.Fatalf("got %+v, want %s", ev, api.EventsFilter)
	}
	bus.Publish("test.x", "", nil)
	y := bus.Publish("test.y", "", nil)
	if ev := nextEvent(t, conn); ev.ID != y.ID {
		t.Fatalf("got %+v, want %+v", ev, y)
	}
	writeWS(t, conn, `not json`)
	if ev := nextEvent(t, conn); ev.Type != api.EventsError {
		t.Fatalf("got %+v, want %s", ev, api.EventsError)
	}
	writeWS(t, conn, `{"types": []}`) // every type
	if ev := nextEvent(t, conn); ev.Type != api.EventsFilter {
		t.Fatalf("got %+v", ev)
	}
	z := bus.Publish("test.z", "", nil)
	if ev := nextEvent(t, conn); ev.ID != z.ID {
		t.Fatalf("got %+v, want %+v", ev, z)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	h.waitSubscribers(base)

	// Resume after an id: what came since is delivered first.
	a := bus.Publish("test.r", "", nil)
	b := bus.Publish("test.r", "", nil)
	c := bus.Publish("test.r", "", nil)
	r := h.dialWS(false, fmt.Sprintf("/api/v1/ws/events?types=test.r&since=%d", a.ID))
	if e1, e2 := nextEvent(t, r), nextEvent(t, r); e1.ID != b.ID || e2.ID != c.ID {
		t.Fatalf("resume got %d %d, want %d %d", e1.ID, e2.ID, b.ID, c.ID)
	}
	// An id from an earlier run is said to have missed events.
	m := h.dialWS(false, "/api/v1/ws/events?since=99999999")
	if ev := nextEvent(t, m); ev.Type != api.EventsMissed {
		t.Fatalf("got %+v", ev)
	}
	h.req("GET", "/api/v1/ws/events?since=soon", nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
}

func TestEventsWebSocketLogTail(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"demo": stdioServer(t)})
	call := func(lines int) {
		t.Helper()
		res := h.req("POST", "/api/v1/servers/demo/tools/stderr/call", map[string]any{"arguments": map[string]any{"lines": lines}})
		if res.Status != http.StatusOK {
			t.Fatalf("call: %d %s", res.Status, res.Body)
		}
	}
	call(2)
	testdeps.Eventually(t, waitFor, "the first lines in the server's stderr", func() bool {
		l := h.d.Gateway().Server("demo").Stderr(1)
		return len(l) == 1 && l[0] == "stderr line 2 of 2"
	})

	conn := h.dialWS(false, "/api/v1/ws/servers/demo/logs?lines=2")
	var m api.LogMessage
	for _, want := range []string{"stderr line 1 of 2", "stderr line 2 of 2"} {
		readWS(t, conn, &m)
		if m.Type != "line" || m.Line != want || !m.History || m.Server != "demo" {
			t.Fatalf("history: got %+v, want %q", m, want)
		}
	}
	// A line written after connecting arrives as it is written.
	call(3)
	for _, want := range []string{"stderr line 1 of 3", "stderr line 2 of 3", "stderr line 3 of 3"} {
		m = api.LogMessage{}
		readWS(t, conn, &m)
		if m.Type != "line" || m.Line != want || m.History {
			t.Fatalf("live: got %+v, want %q", m, want)
		}
	}
	u := h.d.Gateway().Server("demo")
	conn.Close(websocket.StatusNormalClosure, "")
	testdeps.Eventually(t, waitFor, "the follow of stderr to end", func() bool { return u.StderrFollowers() == 0 })

	// Over the socket no key is needed.
	s := h.dialWS(true, "/api/v1/ws/servers/demo/logs?lines=1")
	m = api.LogMessage{}
	readWS(t, s, &m)
	if m.Line != "stderr line 3 of 3" || !m.History {
		t.Fatalf("socket: got %+v", m)
	}

	h.req("GET", "/api/v1/ws/servers/nope/logs", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	h.req("GET", "/api/v1/ws/servers/demo/logs?lines=many", nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
}

// The tail stays on a server whose supervisor is replaced (a start after a
// stop), and says so when the server leaves the config.
func TestEventsWebSocketLogTailFollowsTheServer(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"demo": stdioServer(t)})
	conn := h.dialWS(false, "/api/v1/ws/servers/demo/logs?lines=0")
	old := h.d.Gateway().Server("demo")
	for _, action := range []string{"stop", "start"} {
		if r := h.req("POST", "/api/v1/servers/demo/"+action, nil); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", action, r.Status, r.Body)
		}
	}
	if h.d.Gateway().Server("demo") == old {
		t.Fatal("the start after a stop kept the old supervisor; this test needs a new one")
	}
	if r := h.req("POST", "/api/v1/servers/demo/tools/stderr/call", map[string]any{"arguments": map[string]any{"lines": 1}}); r.Status != http.StatusOK {
		t.Fatalf("call: %d %s", r.Status, r.Body)
	}
	for {
		var m api.LogMessage
		readWS(t, conn, &m)
		if m.Type == "line" && m.Line == "stderr line 1 of 1" {
			break
		}
	}
	testdeps.Eventually(t, waitFor, "the old supervisor to lose its follower", func() bool { return old.StderrFollowers() == 0 })

	if r := h.req("DELETE", "/api/v1/servers/demo", nil); r.Status/100 != 2 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	for {
		var m api.LogMessage
		readWS(t, conn, &m)
		if m.Type == "removed" {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, _, err := conn.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after removed: %v, want a normal close", err)
	}
}

func TestEventsNeedKeyOnTCP(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"demo": stdioServer(t)})
	for _, path := range []string{"/api/v1/events", "/api/v1/ws/events", "/api/v1/ws/servers/demo/logs"} {
		h.anon("GET", path, nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		_, resp, err := websocket.Dial(ctx, "ws://"+h.d.Addr()+path, &websocket.DialOptions{HTTPClient: streamClient(h.tcp)})
		cancel()
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: a WebSocket without the key got %v", path, err)
		}
	}
	// Browsers cannot set headers on a WebSocket: ?apikey= is accepted.
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+h.d.Addr()+"/api/v1/ws/events?apikey="+h.key, &websocket.DialOptions{HTTPClient: streamClient(h.tcp)})
	if err != nil {
		t.Fatal(err)
	}
	conn.CloseNow()
}

func TestEventsOverUnixSocket(t *testing.T) {
	h := newHarness(t, nil)
	bus := h.d.Events()
	base := bus.Subscribers()
	s := h.openSSE(true, "?types=test.sock")
	ws := h.dialWS(true, "/api/v1/ws/events?types=test.sock")
	h.waitSubscribers(base + 2)
	sent := bus.Publish("test.sock", "", nil)
	if f := s.next(); f.ID != strconv.FormatUint(sent.ID, 10) {
		t.Fatalf("SSE got %+v", f)
	}
	if ev := nextEvent(t, ws); ev.ID != sent.ID {
		t.Fatalf("WebSocket got %+v", ev)
	}
}
