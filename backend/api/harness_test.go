package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/daemon"
	"switchboard/backend/testdeps"
)

// harness is a real Switchboard core (config file, store, gateway, TCP and
// unix socket) in a temporary home, with clients for both listeners.
type harness struct {
	t      testing.TB
	d      *daemon.Daemon
	home   string
	key    string
	tcp    *http.Client
	socket *http.Client
}

// stdioServer is the config of our test MCP server over stdio.
func stdioServer(t testing.TB) *config.Server {
	return &config.Server{Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}
}

// newHarness starts a core whose config has servers; it waits until their
// first start attempts end.
func newHarness(t testing.TB, servers map[string]*config.Server) *harness {
	t.Helper()
	// A short home path: unix socket paths are limited to about 100 bytes.
	home, err := os.MkdirTemp("", "sbapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(home) })
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	if servers != nil {
		cfg.Servers = servers
	}
	if err := config.Save(filepath.Join(home, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("SB_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d, err := daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Logger: logger, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d.Gateway().WaitReady(ctx)
	sock := d.Socket()
	h := &harness{t: t, d: d, home: home, key: cfg.APIKey,
		tcp: &http.Client{Timeout: 30 * time.Second},
		socket: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			}}},
	}
	return h
}

// configPath is the harness's config file.
func (h *harness) configPath() string { return filepath.Join(h.home, "config.json") }

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.Body)
	}
}

// Map decodes the body as a JSON object.
func (r response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// envelope checks that the body is the error envelope with this status and
// code, and returns its message.
func (r response) envelope(t testing.TB, status int, code string) string {
	t.Helper()
	var e struct {
		Error      string `json:"error"`
		Message    string `json:"message"`
		StatusCode int    `json:"status_code"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("status %d: body is not the error envelope (%v): %s", r.Status, err, r.Body)
	}
	if r.Status != status || e.StatusCode != status || (code != "" && e.Error != code) || e.Message == "" {
		t.Fatalf("want %d %s, got HTTP %d with %s", status, code, r.Status, r.Body)
	}
	return e.Message
}

// req sends a request over TCP with the API key. body may be nil, a string
// (sent as is) or a value (sent as JSON). Extra headers as "Name: value".
func (h *harness) req(method, path string, body any, headers ...string) response {
	h.t.Helper()
	return h.send(h.tcp, "http://"+h.d.Addr(), method, path, body, append([]string{"X-API-Key: " + h.key}, headers...)...)
}

// anon sends a request over TCP with no key.
func (h *harness) anon(method, path string, body any, headers ...string) response {
	h.t.Helper()
	return h.send(h.tcp, "http://"+h.d.Addr(), method, path, body, headers...)
}

// sock sends a request over the unix socket (no key).
func (h *harness) sock(method, path string, body any, headers ...string) response {
	h.t.Helper()
	return h.send(h.socket, "http://localhost", method, path, body, headers...)
}

func (h *harness) send(c *http.Client, base, method, path string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	r, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		if strings.EqualFold(k, "Host") {
			r.Host = strings.TrimSpace(v)
			continue
		}
		r.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := c.Do(r)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	checkResponse(h.t, method, path, resp.StatusCode, resp.Header.Get("Content-Type"), data)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// fileConfig loads the config file as it is on disk now.
func (h *harness) fileConfig() *config.Config {
	h.t.Helper()
	c, err := config.Load(h.configPath())
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// mcpClient opens an initialised MCP session on the core's /mcp over TCP.
func (h *harness) mcpClient() *client.Client {
	h.t.Helper()
	tr, err := transport.NewStreamableHTTP("http://" + h.d.Addr() + "/mcp")
	if err != nil {
		h.t.Fatal(err)
	}
	c := client.NewClient(tr, client.WithLegacyProtocolOnly())
	testdeps.Initialize(h.t, c, "api-test")
	h.t.Cleanup(func() { _ = c.Close() })
	return c
}

// callTool calls a tool on /mcp and returns its result.
func (h *harness) callTool(c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		h.t.Fatalf("call %s: %v", name, err)
	}
	return res
}

// text joins the text content of a tool result.
func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
