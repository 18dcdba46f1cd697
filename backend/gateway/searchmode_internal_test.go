package gateway

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/config"
)

// searchEndpoint is an endpoint in search mode whose routes hold n tools
// of n/40 servers, as sync would leave them.
func searchEndpoint(tb testing.TB, n int) (*endpoint, []server.ServerTool) {
	g := New(Options{Logger: slog.New(slog.DiscardHandler)})
	tb.Cleanup(g.Close)
	g.mu.Lock()
	g.cfg = &config.Config{ToolExposure: config.ExposureSearch, Servers: map[string]*config.Server{}}
	g.mu.Unlock()
	e := newEndpoint(g, "", "", "")
	rt := &routes{tools: map[string]target{}}
	tools := make([]server.ServerTool, 0, n)
	for i := range n {
		srv := fmt.Sprintf("server%d", i/40)
		name := fmt.Sprintf("tool_%d_%s", i%40, []string{"list", "read", "create", "delete", "search"}[i%5])
		exposed := srv + "__" + name
		schema, _ := json.Marshal(map[string]any{"type": "object", "properties": map[string]any{
			"path":  map[string]any{"type": "string", "description": "Path of the item to work on"},
			"limit": map[string]any{"type": "integer", "description": "At most this many results"},
		}})
		t := mcp.NewToolWithRawSchema(exposed, fmt.Sprintf("Does thing %d to the items of %s, with options.", i, srv), schema)
		tools = append(tools, server.ServerTool{Tool: t})
		rt.tools[exposed] = target{server: srv, name: name}
		if len(rt.servers) == 0 || rt.servers[len(rt.servers)-1] != srv {
			rt.servers = append(rt.servers, srv)
		}
	}
	e.routes.Store(rt)
	return e, tools
}

// BenchmarkSearchSync10k is what search mode adds to a sync of an endpoint
// with 10,000 tools when nothing changed (most syncs: a server's state
// changed, not its tools), and the first search after it.
func BenchmarkSearchSync10k(b *testing.B) {
	e, tools := searchEndpoint(b, 10000)
	e.exposure(tools)
	e.search().index.Search("list items", 10)
	b.ResetTimer()
	for range b.N {
		e.exposure(tools)
		e.search().index.Search("list items", 10)
	}
}

// BenchmarkSearchSyncOneServerChanged10k is the same when one server's
// tools changed (a description), until a search sees it.
func BenchmarkSearchSyncOneServerChanged10k(b *testing.B) {
	e, tools := searchEndpoint(b, 10000)
	e.exposure(tools)
	e.search().index.Search("list items", 10)
	b.ResetTimer()
	for i := range b.N {
		tools[0].Tool.Description = fmt.Sprintf("Changed %d times.", i)
		e.exposure(tools)
		e.search().index.Search("list items", 10)
	}
}

func TestSearchSyncFindsChanges(t *testing.T) {
	e, tools := searchEndpoint(t, 200)
	if got := e.exposure(tools); len(got) != 3 {
		t.Fatalf("search mode exposes %d tools", len(got))
	}
	tools[0].Tool.Description = "Turns zebras into unicorns."
	e.exposure(tools)
	if hits := e.search().index.Search("unicorn", 1); len(hits) != 1 || hits[0].ID != tools[0].Tool.Name {
		t.Fatalf("a changed description is not searched: %v", hits)
	}
}
