package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend/config"
	gw "switchboard/backend/gateway"
	"switchboard/backend/loadtest"
	"switchboard/backend/testdeps"
)

// rawClient speaks HTTP to an MCP endpoint by hand, so a test can send what
// no well-behaved client library would.
type rawClient struct {
	url string
	hc  *http.Client
}

func newRawClient(url string) *rawClient {
	return &rawClient{url: url, hc: &http.Client{Timeout: 30 * time.Second}}
}

// post sends body with the usual MCP headers (and a session id when sid is
// set) and returns the status, the body and the session id the server gave.
func (r *rawClient) post(sid string, body []byte, header map[string]string) (int, string, string, error) {
	req, err := http.NewRequest("POST", r.url, bytes.NewReader(body))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Mcp-Session-Id"), err
}

// initialize opens a session by hand and returns its id.
func (r *rawClient) initialize() (string, error) {
	code, body, sid, err := r.post("", []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"faults","version":"1"}}}`), nil)
	if err != nil {
		return "", err
	}
	if code != http.StatusOK || sid == "" {
		return "", fmt.Errorf("initialize: %d %q (session %q)", code, body, sid)
	}
	code, body, _, err = r.post(sid, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), nil)
	if err != nil {
		return "", err
	}
	if code != http.StatusAccepted && code != http.StatusOK {
		return "", fmt.Errorf("notifications/initialized: %d %q", code, body)
	}
	return sid, nil
}

// Malformed JSON-RPC, with or without a session, gets a 4xx or a JSON-RPC
// error, never a 5xx, a hang or a crash; afterwards the gateway serves as
// before and its goroutines are back where they were.
func TestMalformedRequestsAreRefusedCleanly(t *testing.T) {
	g := startGateway(t, "", map[string]*config.Server{"alpha": testServer(t, nil)})
	c := g.sessions(1)[0]
	if _, err := call(c, "alpha__echo", map[string]any{"text": "warm"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	raw := newRawClient(g.sb.URL)
	sid, err := raw.initialize()
	if err != nil {
		t.Fatal(err)
	}
	g0 := g.goroutines()

	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	bodies := map[string]string{
		"empty":                   ``,
		"not JSON":                `hello`,
		"cut short":               `{"jsonrpc":"2.0","id":1,"method":"tools/ca`,
		"empty batch":             `[]`,
		"batch of numbers":        `[1,2,3]`,
		"a string":                `"tools/call"`,
		"null":                    `null`,
		"no method":               `{"jsonrpc":"2.0","id":1}`,
		"wrong version":           `{"jsonrpc":"1.0","id":1,"method":"tools/list"}`,
		"object id":               `{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}`,
		"huge number id":          `{"jsonrpc":"2.0","id":1e999,"method":"tools/list"}`,
		"params a string":         `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"x"}`,
		"name a number":           `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":123}}`,
		"arguments a list":        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__echo","arguments":[1]}}`,
		"unknown tool":            `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope__nope","arguments":{}}}`,
		"unknown method":          `{"jsonrpc":"2.0","id":1,"method":"no/such/method"}`,
		"invalid UTF-8":           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"alpha__echo\",\"arguments\":{\"text\":\"\xff\xfe\"}}}",
		"NUL bytes":               "{\"jsonrpc\":\"2.0\",\"id\":1,\x00\"method\":\"tools/list\"}",
		"nested 200,000 deep":     deep,
		"result without request":  `{"jsonrpc":"2.0","id":99,"result":{}}`,
		"error without request":   `{"jsonrpc":"2.0","id":99,"error":{"code":1,"message":"x"}}`,
		"cancel of nothing":       `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12345}}`,
		"progress of nothing":     `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"x","progress":1}}`,
		"duplicate keys":          `{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/list","method":"ping"}`,
		"initialize with garbage": `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":42,"capabilities":"no"}}`,
	}
	headers := map[string]map[string]string{
		"":                 nil,
		"text/plain":       {"Content-Type": "text/plain"},
		"no Accept":        {"Accept": ""},
		"unknown session":  {"Mcp-Session-Id": "mcp-session-0b6f5a3e-8f3c-4f0e-9a57-2f1c7d1e9b11"},
		"protocol version": {"Mcp-Protocol-Version": "1999-01-01"},
	}
	n := 0
	for name, body := range bodies {
		for hname, h := range headers {
			for _, s := range []string{"", sid} {
				what := fmt.Sprintf("%s (headers %q, session %v)", name, hname, s != "")
				t0 := time.Now()
				code, resp, _, err := raw.post(s, []byte(body), h)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if code >= 500 {
					t.Errorf("%s: %d %.200s", what, code, resp)
				}
				if d := time.Since(t0); d > 5*time.Second {
					t.Errorf("%s: took %s", what, d)
				}
				n++
			}
		}
	}
	t.Logf("%d malformed requests answered", n)
	if _, err := call(c, "alpha__echo", map[string]any{"text": "still here"}, 10*time.Second); err != nil {
		t.Fatalf("after malformed requests: %v", err)
	}
	if code, body, _, err := raw.post(sid, []byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"raw ok"}}}`), nil); err != nil || !strings.Contains(body, "raw ok") {
		t.Fatalf("the hand-made session after malformed requests: %d %.200s %v", code, body, err)
	}
	g.settleGoroutines(g0+10, 10*time.Second, "after malformed requests")
}

// Bodies over the 32 MiB cap are refused with 413, whether they come with a
// length or chunked, with or without a session, several at once, and the
// gateway does not keep them: its resident memory stays within a few
// bodies' worth of where it started (a gateway that held on to them would
// grow by a body per request), and calls go on working meanwhile.
func TestHugeRequestsAreRefusedWithBoundedMemory(t *testing.T) {
	g := startGateway(t, "", map[string]*config.Server{"alpha": testServer(t, nil)})
	c := g.sessions(1)[0]
	if _, err := call(c, "alpha__echo", map[string]any{"text": "warm"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	raw := newRawClient(g.sb.URL)
	sid, err := raw.initialize()
	if err != nil {
		t.Fatal(err)
	}
	rss0 := g.rss()

	const size = 40 << 20
	huge := []byte(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"` +
		strings.Repeat("x", size) + `"}}}`)
	rounds, parallel := 4, 4
	if soak() {
		rounds = 20
	}
	var peak int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if v, err := processRSS(g.pid()); err == nil {
				peak = max(peak, v)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, parallel)
		for i := range parallel {
			wg.Go(func() {
				s := ""
				if i%2 == 0 {
					s = sid
				}
				var code int
				var resp string
				var err error
				if i%4 < 2 {
					code, resp, _, err = raw.post(s, huge, nil)
				} else {
					code, resp, err = postChunked(g.sb.URL, s, huge)
				}
				if err != nil {
					// The gateway may close the connection once it has
					// answered 413 without reading the rest; that is
					// a refusal too.
					if !isConnReset(err) {
						errs <- fmt.Errorf("round %d, request %d: %w", round, i, err)
					}
					return
				}
				if code != http.StatusRequestEntityTooLarge {
					errs <- fmt.Errorf("round %d, request %d: %d %.200s, want 413", round, i, code, resp)
				}
			})
		}
		if _, err := call(c, "alpha__echo", map[string]any{"text": "meanwhile"}, 30*time.Second); err != nil {
			t.Errorf("a call while huge requests arrived: %v", err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	close(stopSampling)
	<-sampled
	t.Logf("gateway RSS %d MB before, peak %d MB over %d requests of %d MiB (%d at a time)", rss0>>20, peak>>20, rounds*parallel, size>>20, parallel)
	// Each request in flight may hold up to the 32 MiB cap while it is
	// read, in a buffer that grows by doubling, and the runtime keeps
	// freed memory a while: a bound that grows with concurrency, not with
	// the number of requests.
	if limit := rss0 + int64(parallel)*3*(32<<20) + 64<<20; peak > limit {
		t.Errorf("the gateway reached %d MB; the bound for %d huge requests at a time is %d MB", peak>>20, parallel, limit>>20)
	}
	if code, body, _, err := raw.post(sid, []byte(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"after"}}}`), nil); err != nil || !strings.Contains(body, "after") {
		t.Fatalf("after the huge requests: %d %.200s %v", code, body, err)
	}
}

func processRSS(pid int) (int64, error) {
	return loadtest.ProcessMemory(pid, "VmRSS")
}

func isConnReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe") || strings.Contains(s, "EOF")
}

// postChunked sends body with chunked transfer encoding (no length up
// front), as a streaming client would.
func postChunked(url, sid string, body []byte) (int, string, error) {
	req, err := http.NewRequest("POST", url, io.MultiReader(bytes.NewReader(body)))
	if err != nil {
		return 0, "", err
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// Clients that drop their connection in the middle of a call (no DELETE,
// no cancel notification: the TCP connection just closes): every call is
// cancelled at the upstream, nothing stays in flight, the goroutines that
// served them end, and the next client is served at once.
func TestClientsThatVanishMidCall(t *testing.T) {
	// mcp-go's stdio server runs 5 tool calls at a time and queues the
	// rest, and a cancellation of a queued call is lost; the upstream here
	// runs every call at once, so what is measured is the gateway.
	g := startGateway(t, "", map[string]*config.Server{"alpha": testServer(t, map[string]string{"SB_TEST_STDIO_WORKERS": "100"})})
	c := g.sessions(1)[0]
	if _, err := call(c, "alpha__echo", map[string]any{"text": "warm"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	raw := newRawClient(g.sb.URL)
	vanishing := 50
	if soak() {
		vanishing = 95
	}
	sids := make([]string, vanishing)
	for i := range sids {
		var err error
		if sids[i], err = raw.initialize(); err != nil {
			t.Fatal(err)
		}
	}
	g0 := g.goroutines()
	addr := strings.TrimPrefix(g.base, "http://")
	conns := make([]net.Conn, vanishing)
	for i, sid := range sids {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"alpha__sleep","arguments":{"ms":60000}}}`, i+10)
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = conn
		fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"+
			"Mcp-Session-Id: %s\r\nMcp-Protocol-Version: 2025-06-18\r\nContent-Length: %d\r\n\r\n%s", addr, sid, len(body), body)
	}
	testdeps.Eventually(t, 10*time.Second, "every call reached the server", func() bool {
		return inFlight(t, g, "alpha") == vanishing
	})
	for _, conn := range conns {
		_ = conn.Close()
	}
	t0 := time.Now()
	testdeps.Eventually(t, 10*time.Second, "no call in flight after the clients vanished", func() bool {
		return inFlight(t, g, "alpha") == 0
	})
	t.Logf("%d abandoned calls cleared in %s", vanishing, time.Since(t0).Round(time.Millisecond))
	want := fmt.Sprintf(`"sleep:cancelled":%d`, vanishing)
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(text, want) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		text, _ = call(c, "alpha__calls", nil, 10*time.Second)
	}
	if !strings.Contains(text, want) {
		t.Errorf("the server did not see every call cancelled: its counts are %s, want %s", text, want)
	}
	if _, err := call(c, "alpha__echo", map[string]any{"text": "next"}, 2*time.Second); err != nil {
		t.Fatalf("the next call: %v", err)
	}
	g.settleGoroutines(g0+10, 10*time.Second, "after the clients vanished")
}

func inFlight(t testing.TB, g *gateway, server string) int {
	t.Helper()
	code, body, err := g.api("GET", "/api/v1/servers/"+server, nil)
	if err != nil || code != 200 {
		t.Fatalf("GET server %s: %d %s %v", server, code, body, err)
	}
	var s struct {
		InFlight int `json:"in_flight"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	return s.InFlight
}

// Thousands of sessions opened and never closed: they cost a bounded
// amount of memory each, they expire after the session idle TTL (here 2 s,
// 10 s in the soak; 30 min by default), and memory and goroutines then go back to where they
// were; a session in use all along is not expired and its calls go on
// working. The gateway runs in this process (the TTL is an option of the
// gateway, not of the config file), so its heap can be measured exactly.
func TestAbandonedSessionsExpire(t *testing.T) {
	// Every abandoned session must be open at once before the first
	// expires: opening 10,000 takes a few seconds here.
	abandoned, ttl := 2000, 2*time.Second
	if soak() {
		abandoned, ttl = 10000, 10*time.Second
	}
	gwy := gw.New(gw.Options{Logger: slog.New(slog.DiscardHandler), SessionIdleTTL: ttl})
	srv := httptest.NewServer(gwy.Handler())
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		gwy.Close()
	})
	gwy.Apply(&config.Config{Servers: map[string]*config.Server{"alpha": testServer(t, nil)}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gwy.WaitReady(ctx)

	raw := newRawClient(srv.URL + "/mcp")
	live, err := raw.initialize()
	if err != nil {
		t.Fatal(err)
	}
	echo := func(text string) error {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":%q}}}`, text)
		code, resp, _, err := raw.post(live, []byte(body), nil)
		if err == nil && (code != 200 || !strings.Contains(resp, text)) {
			err = fmt.Errorf("%d %.200s", code, resp)
		}
		return err
	}
	if err := echo("warm"); err != nil {
		t.Fatal(err)
	}
	raw.hc.CloseIdleConnections()
	heap0, g0 := liveHeap(), runtime.NumGoroutine()

	var wg sync.WaitGroup
	errs := make(chan error, abandoned)
	sem := make(chan struct{}, 16)
	for range abandoned {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := raw.initialize(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("opening the sessions: %v", err)
	}
	raw.hc.CloseIdleConnections()
	open := gwy.Sessions()
	heap1, g1 := liveHeap(), runtime.NumGoroutine()
	t.Logf("%d sessions open: live heap %d KB -> %d KB (%d bytes a session), goroutines %d -> %d",
		open, heap0>>10, heap1>>10, (heap1-heap0)/int64(abandoned), g0, g1)
	if open < int64(abandoned) {
		t.Fatalf("%d sessions counted open, want at least %d", open, abandoned)
	}
	// A session that only initialised holds its state in maps, no
	// goroutine of its own.
	if g1 > g0+20 {
		t.Errorf("%d idle sessions hold %d goroutines", abandoned, g1-g0)
	}
	if per := (heap1 - heap0) / int64(abandoned); per > 64<<10 {
		t.Errorf("an idle session costs %d bytes of heap", per)
	}

	// The live session keeps calling through the expiry and is not swept.
	deadline := time.Now().Add(3 * ttl)
	for time.Now().Before(deadline) {
		t0 := time.Now()
		if err := echo("alive"); err != nil {
			t.Fatalf("the session in use failed while the others expired: %v", err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("a call took %s while %d sessions expired", d, abandoned)
		}
		time.Sleep(ttl / 5)
	}
	testdeps.Eventually(t, 4*ttl, "the abandoned sessions expired", func() bool { return gwy.Sessions() <= 1 })
	if err := echo("still alive"); err != nil {
		t.Fatalf("the session in use after the others expired: %v", err)
	}
	raw.hc.CloseIdleConnections()
	var heap2 int64
	var g2 int
	// Freed state goes with the next collections; poll briefly.
	for range 50 {
		heap2, g2 = liveHeap(), runtime.NumGoroutine()
		if heap2 <= heap0+(heap1-heap0)/4+512<<10 && g2 <= g0+10 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("after expiry: live heap %d KB, goroutines %d", heap2>>10, g2)
	if heap2 > heap0+(heap1-heap0)/4+512<<10 {
		t.Errorf("live heap %d KB after the sessions expired; %d KB before they opened, %d KB with them open", heap2>>10, heap0>>10, heap1>>10)
	}
	if g2 > g0+10 {
		t.Errorf("%d goroutines after the sessions expired, %d before", g2, g0)
	}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
