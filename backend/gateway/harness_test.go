package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/testdeps"
)

// stdioServer is the config of a test server over stdio.
func stdioServer(t testing.TB, extra ...func(*config.Server)) *config.Server {
	s := &config.Server{Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}
	for _, f := range extra {
		f(s)
	}
	return s
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("SB_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// harness is a gateway behind an httptest server.
type harness struct {
	t   *testing.T
	gw  *gateway.Gateway
	srv *httptest.Server
}

func newHarness(t *testing.T, servers map[string]*config.Server) *harness {
	t.Helper()
	gw := gateway.New(gateway.Options{Logger: testLogger(t)})
	srv := httptest.NewServer(gw.Handler())
	h := &harness{t: t, gw: gw, srv: srv}
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		gw.Close()
	})
	gw.Apply(&config.Config{Servers: servers})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)
	return h
}

func (h *harness) url(path string) string { return h.srv.URL + path }

// connect opens an initialised client session on an endpoint path.
func (h *harness) connect(path string, opts ...client.ClientOption) *client.Client {
	h.t.Helper()
	tr, err := transport.NewStreamableHTTP(h.url(path), transport.WithContinuousListening())
	if err != nil {
		h.t.Fatal(err)
	}
	c := client.NewClient(tr, append([]client.ClientOption{client.WithLegacyProtocolOnly()}, opts...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "gateway-test", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		h.t.Fatalf("initialize %s: %v", path, err)
	}
	h.t.Cleanup(func() { _ = c.Close() })
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

func resultText(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// processAlive reports whether a PID still runs (and is not a zombie).
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}
