package testserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// connect serves a fresh test server over streamable HTTP and returns an
// initialized client, plus a function that returns the notifications the
// client has received so far. With listen, the client keeps a standalone GET
// stream open.
func connect(t *testing.T, listen bool, opts ...client.ClientOption) (*client.Client, func() []mcp.JSONRPCNotification) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)

	h := server.NewStreamableHTTPServer(New("test"), server.WithEventStore(server.NewInMemoryEventStore()))
	// With an event store, a message sent while no GET stream is attached is
	// kept for a resuming GET but never reaches a fresh one, and the client
	// opens its GET only after initialize returns. A test that expects a
	// message on the stream therefore waits until the server has answered
	// the GET, which it does after attaching it.
	listening := make(chan struct{})
	var once sync.Once
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w = &onWriteHeader{ResponseWriter: w, fn: func() { once.Do(func() { close(listening) }) }}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)

	var topts []transport.StreamableHTTPCOption
	if listen {
		topts = append(topts, transport.WithContinuousListening())
	}
	tr, err := transport.NewStreamableHTTP(ts.URL, topts...)
	if err != nil {
		t.Fatalf("transport: %v", err)
	}
	c := client.NewClient(tr, opts...)
	var mu sync.Mutex
	var notes []mcp.JSONRPCNotification
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		mu.Lock()
		notes = append(notes, n)
		mu.Unlock()
	})
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "testserver-test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if listen {
		select {
		case <-listening:
		case <-ctx.Done():
			t.Fatal("the client's GET stream never reached the server")
		}
	}
	return c, func() []mcp.JSONRPCNotification {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(notes)
	}
}

// onWriteHeader calls fn once the handler has written the response header.
type onWriteHeader struct {
	http.ResponseWriter
	fn func()
}

func (w *onWriteHeader) WriteHeader(code int) {
	w.ResponseWriter.WriteHeader(code)
	w.fn()
}

func (w *onWriteHeader) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

// legacy pins the protocol to the newest version with sessions and
// server-initiated requests, which most clients speak today.
var legacy = client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION)

func call(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func text(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if len(res.Content) == 0 {
		t.Fatalf("result has no content: %+v", res)
	}
	tc, ok := res.Content[0].(mcp.TextContent)
	if !ok {
		t.Fatalf("first content is %T, want text", res.Content[0])
	}
	return tc.Text
}

func TestEcho(t *testing.T) {
	c, _ := connect(t, false, legacy)
	res := call(t, c, "echo", map[string]any{"text": "hello"})
	if got := text(t, res); got != "hello" || res.IsError {
		t.Fatalf("echo: text %q, isError %v; want hello, false", got, res.IsError)
	}
	sc, ok := res.StructuredContent.(map[string]any)
	if !ok || sc["text"] != "hello" {
		t.Fatalf("echo structuredContent = %#v, want {text: hello}", res.StructuredContent)
	}

	tools, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(tools.Tools, func(tool mcp.Tool) bool { return tool.Name == "echo" })
	if i < 0 || tools.Tools[i].OutputSchema.Type != "object" {
		t.Fatalf("echo is not listed with an output schema")
	}
}

// Without a GET stream every notification of a call travels on the call's
// own stream, so order is kept. (mcp-go v1.2.1 hands a session's notifications
// to whichever of its streams reads first; with a GET stream open, steps can
// arrive out of order or after the result.)
func TestProgressSendsEveryStepWithTheCallersToken(t *testing.T) {
	c, notes := connect(t, false, legacy)
	req := mcp.CallToolRequest{}
	req.Params.Name = "progress"
	req.Params.Arguments = map[string]any{"steps": 4, "interval_ms": 1}
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, res); got != "done" {
		t.Fatalf("progress returned %q, want done", got)
	}

	var steps []float64
	for _, n := range notes() {
		if n.Method != string(mcp.MethodNotificationProgress) {
			continue
		}
		f := n.Params.AdditionalFields
		if f["progressToken"] != "tok-1" {
			t.Errorf("progress notification carries token %v, want tok-1", f["progressToken"])
		}
		steps = append(steps, f["progress"].(float64))
	}
	if !slices.Equal(steps, []float64{1, 2, 3, 4}) {
		t.Fatalf("progress steps received before the result = %v, want [1 2 3 4]", steps)
	}
}

type fixedSampler struct{ prompts []string }

func (s *fixedSampler) CreateMessage(_ context.Context, req mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
	if len(req.Messages) > 0 {
		if tc, ok := req.Messages[0].Content.(mcp.TextContent); ok {
			s.prompts = append(s.prompts, tc.Text)
		}
	}
	return &mcp.CreateMessageResult{
		SamplingMessage: mcp.SamplingMessage{Role: mcp.RoleAssistant, Content: mcp.NewTextContent("sampled reply")},
		Model:           "fixed",
	}, nil
}

func TestSampleAsksTheClient(t *testing.T) {
	// Old clients get sampling/createMessage from the server; clients on
	// 2026-07-28 get an input_required result and retry. Both must work.
	for _, tc := range []struct {
		name string
		opts []client.ClientOption
	}{
		{"server-initiated request", []client.ClientOption{legacy}},
		{"multi round-trip", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &fixedSampler{}
			// mcp-go's HTTP server sends sampling/createMessage on the
			// client's standalone GET stream (only elicitation goes on the
			// call's own stream), so the client must keep one open.
			c, _ := connect(t, true, append(tc.opts, client.WithSamplingHandler(s))...)
			got := text(t, call(t, c, "sample", map[string]any{"prompt": "say hi"}))
			if got != "sampled reply" {
				t.Fatalf("sample returned %q, want the client's reply", got)
			}
			if !slices.Equal(s.prompts, []string{"say hi"}) {
				t.Fatalf("client was asked %q, want [say hi]", s.prompts)
			}
		})
	}
}

func TestAddAndRemoveToolChangeTheListAndNotify(t *testing.T) {
	c, notes := connect(t, false, legacy)
	listChanged := func() int {
		n := 0
		for _, note := range notes() {
			if note.Method == string(mcp.MethodNotificationToolsListChanged) {
				n++
			}
		}
		return n
	}
	has := func(name string) bool {
		tools, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(tools.Tools, func(tool mcp.Tool) bool { return tool.Name == name })
	}

	call(t, c, "add_tool", map[string]any{"name": "brand_new"})
	if listed, n := has("brand_new"), listChanged(); !listed || n != 1 {
		t.Fatalf("after add_tool: listed %v, list_changed %d; want true, 1", listed, n)
	}
	if got := text(t, call(t, c, "brand_new", nil)); got != "brand_new" {
		t.Fatalf("added tool returned %q", got)
	}

	call(t, c, "remove_tool", map[string]any{"name": "brand_new"})
	if listed, n := has("brand_new"), listChanged(); listed || n != 2 {
		t.Fatalf("after remove_tool: listed %v, list_changed %d; want false, 2", listed, n)
	}
	if res := call(t, c, "remove_tool", map[string]any{"name": "brand_new"}); !res.IsError {
		t.Fatalf("removing a missing tool should be a tool error")
	}
}
