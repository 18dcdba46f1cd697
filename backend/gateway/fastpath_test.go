package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/store"
)

// These tests speak raw HTTP to /mcp, as a client without sampling,
// elicitation or roots does, which is the case the gateway serves without
// mcp-go's server (fastpath.go): the bytes on the wire must be what a
// client expects all the same.

type recorded struct {
	mu   sync.Mutex
	recs []store.ActivityRecord
}

func (r *recorded) Record(rec store.ActivityRecord) {
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
}

func (r *recorded) all() []store.ActivityRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]store.ActivityRecord(nil), r.recs...)
}

type rawSession struct {
	t     *testing.T
	url   string
	id    string
	scope string // sent as X-Scope, for tests whose guard reads it
}

func (s *rawSession) post(body string) *http.Response {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if s.scope != "" {
		req.Header.Set("X-Scope", s.scope)
	}
	if s.id != "" {
		req.Header.Set("Mcp-Session-Id", s.id)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func rawConnect(t *testing.T, url string) *rawSession {
	s := &rawSession{t: t, url: url}
	resp := s.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw-client","version":"1"}}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("initialize: %s", resp.Status)
	}
	s.id = resp.Header.Get("Mcp-Session-Id")
	if s.id == "" {
		t.Fatal("initialize gave no session id")
	}
	if resp := s.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("initialized: %s", resp.Status)
	}
	return s
}

// sseMessages reads the data of every SSE event of a response.
func sseMessages(t *testing.T, r io.Reader) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("SSE data is not JSON: %q", data)
		}
		out = append(out, m)
	}
	return out
}

func TestRawToolCallKeepsIDResultAndStructuredContent(t *testing.T) {
	rec := &recorded{}
	gw := gateway.New(gateway.Options{Logger: testLogger(t), Recorder: rec})
	srv := httptest.NewServer(gw.Handler())
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); gw.Close() })
	gw.Apply(&config.Config{Servers: map[string]*config.Server{"alpha": stdioServer(t)}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)

	s := rawConnect(t, srv.URL+"/mcp")
	resp := s.post(`{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"héllo \"quoted\""}}}`)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("tools/call: %s, %s", resp.Status, ct)
	}
	var msg struct {
		JSONRPC string `json:"jsonrpc"`
		ID      any    `json:"id"`
		Result  struct {
			Content           []map[string]any `json:"content"`
			StructuredContent map[string]any   `json:"structuredContent"`
			IsError           bool             `json:"isError"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatal(err)
	}
	want := `héllo "quoted"`
	if msg.JSONRPC != "2.0" || msg.ID != "call-7" || msg.Result.IsError ||
		len(msg.Result.Content) != 1 || msg.Result.Content[0]["text"] != want || msg.Result.StructuredContent["text"] != want {
		t.Fatalf("response: %+v", msg)
	}

	// The call is recorded with its session, client, arguments and result.
	var got store.ActivityRecord
	for _, r := range rec.all() {
		if r.Tool == "echo" {
			got = r
		}
	}
	res, _ := json.Marshal(got.ResultValue)
	if got.Server != "alpha" || got.SessionID != s.id || got.Client != "raw-client 1" || got.Outcome != "ok" ||
		!strings.Contains(string(got.Arguments), "quoted") || !strings.Contains(string(res), `"structuredContent"`) {
		t.Fatalf("record: %+v, result %s", got, res)
	}

	// A tool that reports an error is recorded as one.
	resp = s.post(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"alpha__fail","arguments":{"message":"no luck"}}}`)
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"isError":true`) || !strings.Contains(string(body), `"id":8`) {
		t.Fatalf("fail: %s", body)
	}
	var outcome string
	for _, r := range rec.all() {
		if r.Tool == "fail" {
			outcome = r.Outcome
		}
	}
	if outcome != "error" {
		t.Fatalf("fail recorded as %q", outcome)
	}
}

func TestRawToolCallStreamsItsLogMessagesBeforeTheResult(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	s := rawConnect(t, h.url("/mcp"))
	resp := s.post(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"alpha__log","arguments":{"level":"warning","message":"disk almost full"}}}`)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("a call that logs must answer as an SSE stream, got %q", ct)
	}
	msgs := sseMessages(t, resp.Body)
	if len(msgs) != 2 {
		t.Fatalf("want the log message and then the result, got %v", msgs)
	}
	params, _ := msgs[0]["params"].(map[string]any)
	if msgs[0]["method"] != "notifications/message" || params["level"] != "warning" || params["data"] != "disk almost full" {
		t.Fatalf("first event: %v", msgs[0])
	}
	result, _ := msgs[1]["result"].(map[string]any)
	if msgs[1]["id"] != float64(3) || result == nil || !strings.Contains(mustJSON(t, result), "logged at warning") {
		t.Fatalf("second event: %v", msgs[1])
	}
}

func TestRawRequestOverTheSizeLimitIsRefused(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	s := rawConnect(t, h.url("/mcp"))
	big := `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"` +
		strings.Repeat("x", 33<<20) + `"}}}`
	resp := s.post(big)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "RequestTooLarge") {
		t.Fatalf("oversized request: %s %s", resp.Status, body)
	}
	// The session goes on working.
	resp = s.post(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"still here"}}}`)
	body, _ = io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "still here") {
		t.Fatalf("after the oversized request: %s", body)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
