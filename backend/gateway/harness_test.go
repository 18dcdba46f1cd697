package gateway_test

import (
	"context"
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
	testdeps.Initialize(h.t, c, "gateway-test")
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
