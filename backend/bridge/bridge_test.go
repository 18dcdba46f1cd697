package bridge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// waitLimit only turns a hang into a failure; nothing here measures speed.
const waitLimit = 10 * time.Second

// newMCPServer builds a small MCP server with the tools the tests call.
func newMCPServer() *server.MCPServer {
	s := server.NewMCPServer("test", "1.0.0", server.WithToolCapabilities(true), server.WithLogging())
	s.EnableSampling()
	s.AddTool(mcp.NewTool("echo", mcp.WithString("text")),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(req.GetString("text", "")), nil
		})
	s.AddTool(mcp.NewTool("progress"),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var token any
			if req.Params.Meta != nil {
				token = req.Params.Meta.ProgressToken
			}
			srv := server.ServerFromContext(ctx)
			for i := 1; i <= 3; i++ {
				if err := srv.SendNotificationToClient(ctx, "notifications/progress",
					map[string]any{"progressToken": token, "progress": i, "total": 3}); err != nil {
					return nil, err
				}
			}
			return mcp.NewToolResultText("done"), nil
		})
	s.AddTool(mcp.NewTool("ask"),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			res, err := server.ServerFromContext(ctx).RequestSampling(ctx, mcp.CreateMessageRequest{
				CreateMessageParams: mcp.CreateMessageParams{
					Messages:  []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.NewTextContent("say hi")}},
					MaxTokens: 10,
				},
			})
			if err != nil {
				return nil, err
			}
			text, _ := res.Content.(mcp.TextContent)
			return mcp.NewToolResultText("model said: " + text.Text), nil
		})
	return s
}

var quietServer = server.WithStreamableHTTPLogger(slog.New(slog.DiscardHandler))

// testServer is Switchboard's /mcp as the bridge sees it: mcp-go's
// streamable HTTP server behind a real HTTP listener. The handler can be
// swapped to play a restart.
type testServer struct {
	mcp      *server.MCPServer
	ts       *httptest.Server
	endpoint string
	handler  atomic.Value // http.Handler
	gets     chan string  // Last-Event-ID of every GET
	serving  sync.RWMutex // read-held while a POST or DELETE is served
	deletes  chan string  // session id of every DELETE

	mu       sync.Mutex
	lastJSON []byte // the last application/json body the server wrote
}

func newTestServer(t *testing.T, opts ...server.StreamableHTTPOption) *testServer {
	t.Helper()
	s := &testServer{mcp: newMCPServer(), gets: make(chan string, 32), deletes: make(chan string, 4)}
	opts = append(opts, server.WithEventStore(server.NewInMemoryEventStore()), quietServer)
	s.handler.Store(http.Handler(server.NewStreamableHTTPServer(s.mcp, opts...)))
	s.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			s.gets <- r.Header.Get("Last-Event-ID")
		case http.MethodDelete:
			s.deletes <- r.Header.Get("Mcp-Session-Id")
		}
		if r.Method != http.MethodGet {
			s.serving.RLock()
			defer s.serving.RUnlock()
		}
		rec := &recordingWriter{ResponseWriter: w}
		s.handler.Load().(http.Handler).ServeHTTP(rec, r)
		if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			s.mu.Lock()
			s.lastJSON = rec.body.Bytes()
			s.mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
	s.endpoint = s.ts.URL + "/mcp"
	return s
}

func (s *testServer) lastJSONBody() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.TrimSpace(s.lastJSON)
}

// recordingWriter keeps a copy of the body and still streams.
type recordingWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *recordingWriter) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// client plays the MCP client that launched `switchboard stdio`.
type client struct {
	t     *testing.T
	in    *io.PipeWriter
	lines chan []byte
	done  chan struct{} // closed when Run returned
	err   error         // what Run returned
}

func startBridge(t *testing.T, hc *http.Client, endpoint string) *client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, in: inW, lines: make(chan []byte, 64), done: make(chan struct{})}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() {
		c.err = Run(context.Background(), inR, outW, hc, endpoint, logger)
		outW.Close()
		close(c.done)
	}()
	go func() {
		r := bufio.NewReader(outR)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				select {
				case c.lines <- line:
				case <-c.done:
				}
			}
			if err != nil {
				close(c.lines)
				return
			}
		}
	}()
	// Run logs through t, so it must be over before the test is.
	t.Cleanup(func() {
		inW.Close()
		<-c.done
	})
	return c
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (c *client) send(format string, args ...any) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.in, format+"\n", args...); err != nil {
		c.t.Fatalf("writing to the bridge's stdin: %v", err)
	}
}

type rpc struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	raw []byte
}

// next returns the next line the bridge wrote, which must be one JSON value.
func (c *client) next() rpc {
	c.t.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			c.t.Fatal("the bridge closed stdout")
		}
		if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
			c.t.Fatalf("not one line per message: %q", line)
		}
		var m rpc
		if err := json.Unmarshal(line, &m); err != nil {
			c.t.Fatalf("the bridge wrote a line that is not JSON-RPC: %q: %v", line, err)
		}
		m.raw = bytes.TrimSpace(line)
		return m
	case <-time.After(waitLimit):
		c.t.Fatal("no message from the bridge")
		return rpc{}
	}
}

// until reads messages up to the first that matches, returning the ones
// before it too.
func (c *client) until(match func(rpc) bool) (rpc, []rpc) {
	c.t.Helper()
	var before []rpc
	for {
		m := c.next()
		if match(m) {
			return m, before
		}
		before = append(before, m)
	}
}

func responseTo(id string) func(rpc) bool {
	return func(m rpc) bool { return m.Method == "" && string(m.ID) == id }
}

func method(name string) func(rpc) bool {
	return func(m rpc) bool { return m.Method == name }
}

func (c *client) initialize() {
	c.t.Helper()
	c.send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"sampling":{}},"clientInfo":{"name":"test-client","version":"1"}}}`)
	m, _ := c.until(responseTo("0"))
	if m.Error != nil || !bytes.Contains(m.Result, []byte(`"protocolVersion":"2025-06-18"`)) {
		c.t.Fatalf("initialize: %s", m.raw)
	}
	c.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	// A ping sent after the notification comes back once the server has
	// both. mcp-go lets every request in flight on a session pick up that
	// session's notifications, so the tests start with none in flight.
	c.send(`{"jsonrpc":"2.0","id":"after-init","method":"ping"}`)
	c.until(responseTo(`"after-init"`))
}

func (c *client) closeAndWait() error {
	c.t.Helper()
	c.in.Close()
	select {
	case <-c.done:
		return c.err
	case <-time.After(waitLimit):
		c.t.Fatal("Run did not return after stdin closed")
		return nil
	}
}

func TestSessionRoundTrip(t *testing.T) {
	s := newTestServer(t)
	c := startBridge(t, s.ts.Client(), s.endpoint)
	c.initialize()

	c.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	list, _ := c.until(responseTo("1"))
	for _, name := range []string{`"echo"`, `"progress"`, `"ask"`} {
		if !bytes.Contains(list.Result, []byte(name)) {
			t.Errorf("tools/list lacks %s: %s", name, list.raw)
		}
	}
	if want := s.lastJSONBody(); !bytes.Equal(list.raw, want) {
		t.Errorf("tools/list was not relayed byte for byte:\n got %s\nwant %s", list.raw, want)
	}

	c.send(`{"jsonrpc":"2.0","id":"call-1","method":"tools/call","params":{"name":"echo","arguments":{"text":"héllo \"there\""}}}`)
	echo, _ := c.until(responseTo(`"call-1"`))
	if !bytes.Contains(echo.Result, []byte(`héllo \"there\"`)) {
		t.Errorf("echo result: %s", echo.raw)
	}

	// A malformed line is answered with a parse error and the bridge goes on.
	c.send(`{"jsonrpc":"2.0", this is not json`)
	bad := c.next()
	if bad.Error == nil || bad.Error.Code != -32700 || string(bad.ID) != "null" {
		t.Errorf("malformed line: want a parse error with id null, got %s", bad.raw)
	}
	c.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if pong, _ := c.until(responseTo("2")); pong.Error != nil {
		t.Errorf("ping after a malformed line: %s", pong.raw)
	}

	if err := c.closeAndWait(); err != nil {
		t.Fatalf("Run after EOF: %v", err)
	}
	select {
	case id := <-s.deletes:
		if !strings.HasPrefix(id, "mcp-session-") {
			t.Errorf("DELETE carried session %q", id)
		}
	default:
		t.Error("the session was not ended with a DELETE at EOF")
	}
}

func TestProgressArrivesBeforeResult(t *testing.T) {
	// mcp-go puts a tool's notifications on the session's shared queue, from
	// which an open GET stream may take them; without a GET stream they all
	// travel on the call's own response stream, which is what this checks.
	// The server answers the bridge's GET with 405, which it must accept.
	s := newTestServer(t, server.WithDisableStreaming(true))
	c := startBridge(t, s.ts.Client(), s.endpoint)
	c.initialize()

	c.send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"progress","_meta":{"progressToken":"tok"}}}`)
	res, before := c.until(responseTo("7"))
	if !bytes.Contains(res.Result, []byte("done")) {
		t.Fatalf("progress tool result: %s", res.raw)
	}
	var progress []string
	for _, m := range before {
		if m.Method == "notifications/progress" {
			var p struct {
				Token    string  `json:"progressToken"`
				Progress float64 `json:"progress"`
			}
			_ = json.Unmarshal(m.Params, &p)
			progress = append(progress, fmt.Sprintf("%s:%g", p.Token, p.Progress))
		}
	}
	if got := strings.Join(progress, ","); got != "tok:1,tok:2,tok:3" {
		t.Errorf("progress notifications before the result: %q", got)
	}
}

func TestSamplingAnsweredWhileToolCallWaits(t *testing.T) {
	s := newTestServer(t)
	c := startBridge(t, s.ts.Client(), s.endpoint)
	c.initialize()

	c.send(`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"ask"}}`)
	req, _ := c.until(method("sampling/createMessage"))
	if !bytes.Contains(req.Params, []byte("say hi")) {
		t.Errorf("sampling request params: %s", req.raw)
	}

	// The tool call is still open; other requests are not held up by it.
	c.send(`{"jsonrpc":"2.0","id":11,"method":"ping"}`)
	if pong, _ := c.until(responseTo("11")); pong.Error != nil {
		t.Errorf("ping during a tool call: %s", pong.raw)
	}

	c.send(`{"jsonrpc":"2.0","id":%s,"result":{"role":"assistant","content":{"type":"text","text":"hi there"},"model":"test-model","stopReason":"endTurn"}}`, req.ID)
	res, _ := c.until(responseTo("10"))
	if res.Error != nil || !bytes.Contains(res.Result, []byte("model said: hi there")) {
		t.Errorf("tool result after sampling: %s", res.raw)
	}
}

func TestServerNotificationsArriveOnGetStream(t *testing.T) {
	s := newTestServer(t)
	c := startBridge(t, s.ts.Client(), s.endpoint)
	c.initialize()
	waitGET(t, s)

	// Adding a tool tells every client, outside of any request of theirs.
	s.mcp.AddTool(mcp.NewTool("late"), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("late"), nil
	})
	c.until(method("notifications/tools/list_changed"))

	// The stream drops; the bridge reconnects, resuming after the last event.
	s.ts.CloseClientConnections()
	if lastID := waitGET(t, s); lastID == "" {
		t.Error("the reconnected stream did not resume with Last-Event-ID")
	}
	s.mcp.SendNotificationToAllClients("notifications/resources/list_changed", nil)
	c.until(method("notifications/resources/list_changed"))
}

func waitGET(t *testing.T, s *testServer) string {
	t.Helper()
	select {
	case id := <-s.gets:
		return id
	case <-time.After(waitLimit):
		t.Fatal("the bridge did not open the GET stream")
		return ""
	}
}

func TestRequestWhileServerDownGetsError(t *testing.T) {
	s := newTestServer(t)
	c := startBridge(t, s.ts.Client(), s.endpoint)
	c.initialize()
	waitGET(t, s)

	s.ts.Config.Close() // stop listening and drop every connection
	c.send(`{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
	res, _ := c.until(responseTo("3"))
	if res.Error == nil || !strings.Contains(res.Error.Message, "Switchboard is not reachable at "+s.endpoint) {
		t.Fatalf("want an error naming the endpoint, got %s", res.raw)
	}
	if err := c.closeAndWait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestNothingListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String() + "/mcp"
	l.Close()
	c := startBridge(t, http.DefaultClient, endpoint)
	c.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`)
	res := c.next()
	if string(res.ID) != `"init"` || res.Error == nil || !strings.Contains(res.Error.Message, "not reachable") {
		t.Fatalf("want an error for the initialize, got %s", res.raw)
	}
}

func TestExpiredSessionIsReported(t *testing.T) {
	s := newTestServer(t, server.WithStateful(true))
	c := startBridge(t, s.ts.Client(), s.endpoint)
	c.initialize()
	waitGET(t, s)

	// Switchboard restarts: same address, no memory of the session.
	s.serving.Lock()
	s.handler.Store(http.Handler(server.NewStreamableHTTPServer(newMCPServer(),
		server.WithStateful(true), server.WithEventStore(server.NewInMemoryEventStore()), quietServer)))
	s.serving.Unlock()
	s.ts.CloseClientConnections()

	c.send(`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`)
	res, _ := c.until(responseTo("4"))
	if res.Error == nil || !strings.Contains(res.Error.Message, "restarted") {
		t.Fatalf("want an error telling the session expired, got %s", res.raw)
	}

	// The next request runs in a new session, and the client learns that
	// the tool list may have changed.
	c.send(`{"jsonrpc":"2.0","id":5,"method":"tools/list"}`)
	res, before := c.until(responseTo("5"))
	if res.Error != nil || !bytes.Contains(res.Result, []byte(`"echo"`)) {
		t.Fatalf("tools/list in the new session: %s", res.raw)
	}
	found := false
	for _, m := range before {
		found = found || m.Method == "notifications/tools/list_changed"
	}
	if !found {
		t.Error("no tools/list_changed after the new session started")
	}
}

func TestUnixSocketClient(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "switchboard.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: server.NewStreamableHTTPServer(newMCPServer(),
		server.WithEventStore(server.NewInMemoryEventStore()), quietServer)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	c := startBridge(t, UnixSocketClient(sock), "http://localhost/mcp")
	c.initialize()
	c.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"through the socket"}}}`)
	res, _ := c.until(responseTo("1"))
	if res.Error != nil || !bytes.Contains(res.Result, []byte("through the socket")) {
		t.Fatalf("tool call over the socket: %s", res.raw)
	}
	if err := c.closeAndWait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}
