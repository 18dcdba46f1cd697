package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/store"
	"switchboard/backend/testdeps"
)

// searchRecorder keeps the activity records of calls.
type searchRecorder struct {
	mu   sync.Mutex
	recs []store.ActivityRecord
}

func (r *searchRecorder) Record(rec store.ActivityRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
}

func (r *searchRecorder) find(server, tool string) (store.ActivityRecord, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.recs {
		if rec.Server == server && rec.Tool == tool {
			return rec, true
		}
	}
	return store.ActivityRecord{}, false
}

// newSearchHarness is newHarness with a recorder and a call guard, so the
// test can see that call_tool takes the path every call takes.
func newSearchHarness(t *testing.T, rec gateway.Recorder, guard gateway.CallGuard, cfg *config.Config) *harness {
	t.Helper()
	gw := gateway.New(gateway.Options{Logger: testLogger(t), Recorder: rec, CallGuard: guard})
	srv := httptest.NewServer(gw.Handler())
	h := &harness{t: t, gw: gw, srv: srv}
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		gw.Close()
	})
	gw.Apply(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)
	return h
}

// waitTools polls tools/list until it is the wanted set (the list follows
// a config change asynchronously).
func waitTools(t *testing.T, c *client.Client, ok func([]string) bool) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		names := testdeps.ToolNames(t, c)
		if ok(names) {
			return names
		}
		if time.Now().After(deadline) {
			t.Fatalf("tools/list never became what was wanted: %v", names)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type retrieved struct {
	Query string `json:"query"`
	Tools []struct {
		Name        string          `json:"name"`
		Server      string          `json:"server"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"inputSchema"`
		Score       float64         `json:"score"`
	} `json:"tools"`
}

func retrieve(t *testing.T, c *client.Client, query string) retrieved {
	t.Helper()
	res := callTool(t, c, gateway.RetrieveToolsName, map[string]any{"query": query, "limit": 5})
	if res.IsError {
		t.Fatalf("retrieve_tools %q: %s", query, resultText(res))
	}
	var out retrieved
	if err := json.Unmarshal([]byte(resultText(res)), &out); err != nil {
		t.Fatalf("retrieve_tools answer %q: %v", resultText(res), err)
	}
	return out
}

func (r retrieved) names() []string {
	var out []string
	for _, t := range r.Tools {
		out = append(out, t.Name)
	}
	return out
}

func TestSearchModeEndToEnd(t *testing.T) {
	rec := &searchRecorder{}
	guard := func(ctx context.Context, server, tool string, args json.RawMessage) error {
		if tool == "sleep" {
			return errors.New("sleep is not allowed by policy")
		}
		return nil
	}
	servers := map[string]*config.Server{
		"alpha": stdioServer(t, func(s *config.Server) { s.DisabledTools = []string{"fail"} }),
		"beta":  stdioServer(t, func(s *config.Server) { s.Quarantined = true; s.Prefix = ptr("b") }),
	}
	// Direct mode is the default: every tool is listed.
	h := newSearchHarness(t, rec, guard, &config.Config{Servers: servers})
	c := h.connect("/mcp")
	if names := testdeps.ToolNames(t, c); !slices.Contains(names, "alpha__echo") || len(names) <= 3 {
		t.Fatalf("direct mode: %v", names)
	}

	h.gw.Apply(&config.Config{Servers: servers, ToolExposure: config.ExposureSearch})
	// The client is told its list changed, and the list is the three
	// search tools.
	names := waitTools(t, c, func(n []string) bool { return len(n) == 3 })
	slices.Sort(names)
	if want := []string{gateway.CallToolName, gateway.DescribeToolName, gateway.RetrieveToolsName}; !slices.Equal(names, want) {
		t.Fatalf("search mode lists %v, want %v", names, want)
	}

	// A request in the user's words finds the echo tool first.
	got := retrieve(t, c, "repeat this text back to me")
	if len(got.Tools) == 0 || got.Tools[0].Name != "alpha__echo" || got.Tools[0].Server != "alpha" || got.Tools[0].Score <= 0 {
		t.Fatalf("retrieve_tools: %+v", got)
	}
	if !strings.Contains(string(got.Tools[0].InputSchema), `"text"`) {
		t.Fatalf("retrieve_tools gives no input schema: %s", got.Tools[0].InputSchema)
	}

	d := callTool(t, c, gateway.DescribeToolName, map[string]any{"name": "alpha__echo"})
	if d.IsError || !strings.Contains(resultText(d), `"inputSchema"`) || !strings.Contains(resultText(d), "Returns the given text") {
		t.Fatalf("describe_tool: %s", resultText(d))
	}

	// call_tool reaches the server, and the call is recorded as the
	// server's own tool.
	r := callTool(t, c, gateway.CallToolName, map[string]any{"name": "alpha__echo", "arguments": map[string]any{"text": "via search"}})
	if r.IsError || resultText(r) != "via search" {
		t.Fatalf("call_tool echo: %+v", r)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if rec, ok := rec.find("alpha", "echo"); ok {
			if rec.Outcome != "ok" {
				t.Fatalf("recorded outcome %q", rec.Outcome)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("call_tool's call was not recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The call guard applies.
	r = callTool(t, c, gateway.CallToolName, map[string]any{"name": "alpha__sleep", "arguments": map[string]any{"ms": 1}})
	if !r.IsError || !strings.Contains(resultText(r), "not allowed by policy") {
		t.Fatalf("guarded call: %+v", r)
	}

	// A disabled tool and a quarantined server's tools are neither found
	// nor callable.
	for _, q := range []string{"return a tool error with a message", "fail"} {
		if n := retrieve(t, c, q).names(); slices.Contains(n, "alpha__fail") {
			t.Fatalf("%q found the disabled tool: %v", q, n)
		}
	}
	if n := retrieve(t, c, "echo").names(); slices.ContainsFunc(n, func(s string) bool { return strings.HasPrefix(s, "b__") }) {
		t.Fatalf("found a quarantined server's tool: %v", n)
	}
	// A quarantined server is not part of the endpoint at all, as in direct
	// mode, so its tools are unknown here.
	for name, why := range map[string]string{"alpha__fail": "disabled", "b__echo": "no tool named", "nope__x": "no tool named"} {
		r := callTool(t, c, gateway.CallToolName, map[string]any{"name": name, "arguments": map[string]any{"text": "x", "message": "x"}})
		if !r.IsError || !strings.Contains(resultText(r), why) {
			t.Fatalf("call_tool %s: want an error saying %q, got %+v", name, why, r)
		}
		if d := callTool(t, c, gateway.DescribeToolName, map[string]any{"name": name}); !d.IsError {
			t.Fatalf("describe_tool %s: %s", name, resultText(d))
		}
	}
	for _, refused := range [][2]string{{"alpha", "fail"}, {"beta", "echo"}} {
		if _, ok := rec.find(refused[0], refused[1]); ok {
			t.Fatalf("a refused call of %v reached the server", refused)
		}
	}

	// A tool the server adds at run time is found at once; one it removes
	// is gone.
	callTool(t, c, gateway.CallToolName, map[string]any{"name": "alpha__add_tool", "arguments": map[string]any{"name": "zebra_stripes"}})
	deadline = time.Now().Add(10 * time.Second)
	for !slices.Contains(retrieve(t, c, "zebra stripes").names(), "alpha__zebra_stripes") {
		if time.Now().After(deadline) {
			t.Fatal("a tool added at run time was never found")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Back to direct: the full list returns.
	h.gw.Apply(&config.Config{Servers: servers, ToolExposure: config.ExposureDirect})
	waitTools(t, c, func(n []string) bool { return slices.Contains(n, "alpha__echo") })
}

func TestSearchModeArgumentsChecked(t *testing.T) {
	servers := map[string]*config.Server{"alpha": stdioServer(t)}
	h := newSearchHarness(t, nil, nil, &config.Config{Servers: servers, ToolExposure: config.ExposureSearch})
	c := h.connect("/mcp/servers/alpha")
	waitTools(t, c, func(n []string) bool { return len(n) == 3 })
	// On a server's own endpoint names are the server's own.
	if got := retrieve(t, c, "echo").names(); len(got) == 0 || got[0] != "echo" {
		t.Fatalf("retrieve on /mcp/servers/alpha: %v", got)
	}
	for _, args := range []map[string]any{
		{"name": "echo", "arguments": "text"},
		{"arguments": map[string]any{}},
	} {
		if r := callTool(t, c, gateway.CallToolName, args); !r.IsError {
			t.Fatalf("call_tool %v: want an error, got %s", args, resultText(r))
		}
	}
	if r := callTool(t, c, gateway.RetrieveToolsName, map[string]any{"query": "  "}); !r.IsError {
		t.Fatalf("empty query: %s", resultText(r))
	}
	// A query that matches nothing answers an empty list.
	if got := retrieve(t, c, "qqqxxzz"); len(got.Tools) != 0 {
		t.Fatalf("nonsense query found %v", got.names())
	}
}
