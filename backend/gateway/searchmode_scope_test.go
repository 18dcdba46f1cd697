package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
)

// In search mode an upstream tool is reached through call_tool only: a
// call of it by its exposed name is refused on every path, and a caller
// whose key is scoped still sees the three search tools.
func TestSearchModeRefusesDirectCallsAndKeepsItsToolsForScopedCallers(t *testing.T) {
	gw := gateway.New(gateway.Options{Logger: testLogger(t)})
	scoped := gateway.Guarded(gw.Handler(), func(r *http.Request) (context.Context, *gateway.GuardError) {
		if r.Header.Get("X-Scope") == "" {
			return r.Context(), nil
		}
		return gateway.WithToolScope(r.Context(), func(server, tool string) (bool, string) {
			return tool == "echo", "only echo"
		}), nil
	})
	srv := httptest.NewServer(scoped)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); gw.Close() })
	gw.Apply(&config.Config{Servers: map[string]*config.Server{"alpha": stdioServer(t)}, ToolExposure: config.ExposureSearch})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)

	s := rawConnect(t, srv.URL+"/mcp")
	resp := s.post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"direct"}}}`)
	body := readAll(t, resp)
	if strings.Contains(body, `"direct"`) && !strings.Contains(body, "error") {
		t.Fatalf("a direct call in search mode reached the server: %s", body)
	}

	// A scoped caller lists the three search tools, and finds only what its
	// scope allows.
	s.scope = "echo-only"
	resp = s.post(`{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
	body = readAll(t, resp)
	for _, name := range []string{gateway.RetrieveToolsName, gateway.CallToolName} {
		if !strings.Contains(body, `"`+name+`"`) {
			t.Fatalf("a scoped caller does not see %s in search mode: %s", name, body)
		}
	}
	resp = s.post(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"` + gateway.CallToolName + `","arguments":{"name":"alpha__echo","arguments":{"text":"through call_tool"}}}}`)
	if body = readAll(t, resp); !strings.Contains(body, "through call_tool") {
		t.Fatalf("call_tool of a tool in scope: %s", body)
	}
	resp = s.post(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"` + gateway.CallToolName + `","arguments":{"name":"alpha__pid"}}}`)
	if body = readAll(t, resp); !strings.Contains(body, `"isError":true`) {
		t.Fatalf("call_tool of a tool out of scope: %s", body)
	}
}
