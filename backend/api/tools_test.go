package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/store"
	"switchboard/backend/testdeps"
)

// toolView is a tool as the API returns it.
type toolView struct {
	Name         string         `json:"name"`
	Server       string         `json:"server"`
	OriginalName string         `json:"original_name"`
	Description  string         `json:"description"`
	InputSchema  map[string]any `json:"input_schema"`
	Enabled      bool           `json:"enabled"`
	Exposed      bool           `json:"exposed"`
	HiddenReason string         `json:"hidden_reason"`
	ServerState  string         `json:"server_state"`
	Score        float64        `json:"score"`
}

type toolListView struct {
	Tools []toolView `json:"tools"`
	Total int        `json:"total"`
}

// mcpClientFor opens an initialised MCP session on an endpoint of the
// harness's core, as clientName.
func mcpClientFor(t *testing.T, h *harness, path, clientName string) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP("http://"+h.d.Addr()+path, transport.WithContinuousListening())
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr)
	testdeps.Initialize(t, c, clientName)
	return c
}

// callMCP calls a tool through an MCP session; err is the MCP error, if any.
func callMCP(t *testing.T, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return c.CallTool(ctx, req)
}

func twoServers(t *testing.T) map[string]*config.Server {
	beta := stdioServer(t)
	beta.DisabledTools = []string{"fail"}
	beta.Tags = []string{"dev"}
	return map[string]*config.Server{"alpha": stdioServer(t), "beta": beta}
}

func findTool(tools []toolView, name string) (toolView, bool) {
	i := slices.IndexFunc(tools, func(t toolView) bool { return t.Name == name })
	if i < 0 {
		return toolView{}, false
	}
	return tools[i], true
}

func TestToolsAreListedAsClientsOfMCPSeeThem(t *testing.T) {
	h := newHarness(t, twoServers(t))
	var list toolListView
	r := h.req("GET", "/api/v1/tools", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /tools: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &list)
	if list.Total != len(list.Tools) || list.Total == 0 {
		t.Fatalf("total %d for %d tools", list.Total, len(list.Tools))
	}

	echo, ok := findTool(list.Tools, "alpha__echo")
	if !ok {
		t.Fatalf("alpha__echo is not listed: %s", r.Body)
	}
	props, _ := echo.InputSchema["properties"].(map[string]any)
	if echo.Server != "alpha" || echo.OriginalName != "echo" || !echo.Enabled || !echo.Exposed ||
		echo.ServerState != "ready" || props["text"] == nil || !strings.Contains(echo.Description, "Returns the given text") {
		t.Fatalf("alpha__echo: %+v", echo)
	}
	fail, ok := findTool(list.Tools, "beta__fail")
	if !ok || fail.Enabled || fail.Exposed || !strings.Contains(fail.HiddenReason, "disabled_tools") {
		t.Fatalf("a disabled tool must be listed, marked disabled and not exposed: %+v", fail)
	}

	// The exposed tools are exactly what a client of /mcp lists.
	c := mcpClientFor(t, h, "/mcp", "tools-test")
	var exposed []string
	for _, tv := range list.Tools {
		if tv.Exposed {
			exposed = append(exposed, tv.Name)
		}
	}
	seen := testdeps.ToolNames(t, c)
	slices.Sort(exposed)
	slices.Sort(seen)
	if !slices.Equal(exposed, seen) {
		t.Fatalf("API says exposed %v, /mcp lists %v", exposed, seen)
	}

	var beta toolListView
	h.req("GET", "/api/v1/tools?server=beta", nil).JSON(t, &beta)
	if beta.Total == 0 || slices.ContainsFunc(beta.Tools, func(tv toolView) bool { return tv.Server != "beta" }) {
		t.Fatalf("?server=beta: %+v", beta)
	}
	h.req("GET", "/api/v1/tools?server=nope", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	for _, bad := range []string{"0", "1001", "ten"} {
		h.req("GET", "/api/v1/tools?limit="+bad, nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	}
	var two toolListView
	h.req("GET", "/api/v1/tools?limit=2", nil).JSON(t, &two)
	if len(two.Tools) != 2 || two.Total != list.Total {
		t.Fatalf("limit=2: %d tools, total %d (want 2, %d)", len(two.Tools), two.Total, list.Total)
	}
}

func TestToolSearchRanksByRelevance(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	for q, want := range map[string]string{
		"sleep":        "alpha__sleep",
		"milliseconds": "alpha__sleep", // from the description
		"add tool":     "alpha__add_tool",
		"alpha__pid":   "alpha__pid",
		"process id":   "alpha__pid",
	} {
		var res toolListView
		h.req("GET", "/api/v1/tools?q="+strings.ReplaceAll(q, " ", "+"), nil).JSON(t, &res)
		if len(res.Tools) == 0 || res.Tools[0].Name != want {
			t.Errorf("q=%q: want %s first, got %+v", q, want, res.Tools)
			continue
		}
		for i := 1; i < len(res.Tools); i++ {
			if res.Tools[i].Score > res.Tools[i-1].Score || res.Tools[i].Score <= 0 {
				t.Errorf("q=%q: scores not ranked: %+v", q, res.Tools)
			}
		}
	}
	var one toolListView
	h.req("GET", "/api/v1/tools?q=text&limit=1", nil).JSON(t, &one)
	if len(one.Tools) != 1 || one.Total < 2 {
		t.Fatalf("q=text&limit=1: %+v", one)
	}
	var none toolListView
	h.req("GET", "/api/v1/tools?q=kubernetes", nil).JSON(t, &none)
	if none.Total != 0 || none.Tools == nil {
		t.Fatalf("no match must be an empty list: %+v", none)
	}
}

func TestOneServersToolsAndOneTool(t *testing.T) {
	h := newHarness(t, twoServers(t))
	var list toolListView
	h.req("GET", "/api/v1/servers/beta/tools", nil).JSON(t, &list)
	if _, ok := findTool(list.Tools, "beta__echo"); !ok || slices.ContainsFunc(list.Tools, func(tv toolView) bool { return tv.Server != "beta" }) {
		t.Fatalf("beta's tools: %+v", list)
	}
	var one toolView
	r := h.req("GET", "/api/v1/servers/beta/tools/fail", nil)
	r.JSON(t, &one)
	if r.Status != http.StatusOK || one.Name != "beta__fail" || one.Enabled {
		t.Fatalf("GET beta/tools/fail: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/servers/nope/tools", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	h.req("GET", "/api/v1/servers/nope/tools/echo", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	msg := h.req("GET", "/api/v1/servers/beta/tools/nope", nil).envelope(t, http.StatusNotFound, "ToolNotFound")
	if !strings.Contains(msg, `"nope"`) {
		t.Fatalf("the message should name the tool: %s", msg)
	}
}

func TestDisabledToolIsHiddenFromClientsAndRefused(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := mcpClientFor(t, h, "/mcp", "tools-test")

	var tv toolView
	r := h.req("POST", "/api/v1/servers/alpha/tools/echo/disable", nil)
	r.JSON(t, &tv)
	if r.Status != http.StatusOK || tv.Enabled || tv.Exposed {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	if got := h.fileConfig().Servers["alpha"].DisabledTools; !slices.Equal(got, []string{"echo"}) {
		t.Fatalf("the config file has disabled_tools %v, want [echo]", got)
	}
	testdeps.Eventually(t, 20*time.Second, "alpha__echo leaves tools/list", func() bool {
		return !slices.Contains(testdeps.ToolNames(t, c), "alpha__echo")
	})
	var refusal string
	testdeps.Eventually(t, 20*time.Second, "a call to alpha__echo is refused as disabled", func() bool {
		_, err := callMCP(t, c, "alpha__echo", map[string]any{"text": "hi"})
		if err != nil {
			refusal = err.Error()
		}
		return err != nil && strings.Contains(err.Error(), "disabled")
	})
	if !strings.Contains(refusal, "alpha__echo") {
		t.Fatalf("the refusal should name the tool: %s", refusal)
	}
	h.req("POST", "/api/v1/servers/alpha/tools/echo/call", `{"arguments": {"text": "hi"}}`).
		envelope(t, http.StatusConflict, "ToolDisabled")
	// Disabling twice changes nothing.
	if r := h.req("POST", "/api/v1/servers/alpha/tools/echo/disable", nil); r.Status != http.StatusOK {
		t.Fatalf("second disable: %d %s", r.Status, r.Body)
	}

	r = h.req("POST", "/api/v1/servers/alpha/tools/echo/enable", nil)
	r.JSON(t, &tv)
	if r.Status != http.StatusOK || !tv.Enabled {
		t.Fatalf("enable: %d %s", r.Status, r.Body)
	}
	if got := h.fileConfig().Servers["alpha"].DisabledTools; len(got) != 0 {
		t.Fatalf("the config file still has disabled_tools %v", got)
	}
	testdeps.Eventually(t, 20*time.Second, "alpha__echo is callable again", func() bool {
		res, err := callMCP(t, c, "alpha__echo", map[string]any{"text": "back"})
		return err == nil && !res.IsError
	})

	h.req("POST", "/api/v1/servers/nope/tools/echo/disable", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	h.req("POST", "/api/v1/servers/alpha/tools/nope/disable", nil).envelope(t, http.StatusNotFound, "ToolNotFound")
	h.req("POST", "/api/v1/servers/alpha/tools/nope/enable", nil).envelope(t, http.StatusNotFound, "ToolNotFound")
}

type callView struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	IsError           bool           `json:"isError"`
	StructuredContent map[string]any `json:"structuredContent"`
	ElapsedMS         float64        `json:"elapsed_ms"`
}

func TestTestCallReturnsTheResultAndIsRecorded(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	var res callView
	r := h.req("POST", "/api/v1/servers/alpha/tools/echo/call", `{"arguments": {"text": "hello"}}`)
	r.JSON(t, &res)
	if r.Status != http.StatusOK || res.IsError || len(res.Content) != 1 || res.Content[0].Text != "hello" ||
		res.StructuredContent["text"] != "hello" || res.ElapsedMS <= 0 {
		t.Fatalf("echo: %d %s", r.Status, r.Body)
	}
	r = h.req("POST", "/api/v1/servers/alpha/tools/fail/call", `{"arguments": {"message": "on purpose"}}`)
	r.JSON(t, &res)
	if r.Status != http.StatusOK || !res.IsError || res.Content[0].Text != "on purpose" {
		t.Fatalf("fail: %d %s", r.Status, r.Body)
	}
	// No body and no arguments are the same as {}.
	if r := h.req("POST", "/api/v1/servers/alpha/tools/pid/call", nil); r.Status != http.StatusOK {
		t.Fatalf("pid without a body: %d %s", r.Status, r.Body)
	}

	h.d.Store().Flush()
	recs, _, err := h.d.Store().ListActivity(store.ActivityFilter{Client: "switchboard-api"})
	if err != nil {
		t.Fatal(err)
	}
	var tools []string
	for _, rec := range recs {
		if rec.SessionID != "api" || rec.Server != "alpha" {
			t.Fatalf("record of a test call: %+v", rec)
		}
		tools = append(tools, rec.Tool+":"+rec.Outcome)
	}
	slices.Sort(tools)
	if !slices.Equal(tools, []string{"echo:ok", "fail:error", "pid:ok"}) {
		t.Fatalf("recorded test calls: %v", tools)
	}

	h.req("POST", "/api/v1/servers/alpha/tools/echo/call", `{"arguments": `).envelope(t, http.StatusBadRequest, "BadJSON")
	h.req("POST", "/api/v1/servers/alpha/tools/echo/call", `{"arguments": "hello"}`).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("POST", "/api/v1/servers/alpha/tools/echo/call", `[1]`).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("POST", "/api/v1/servers/alpha/tools/nope/call", `{}`).envelope(t, http.StatusNotFound, "ToolNotFound")
	h.req("POST", "/api/v1/servers/nope/tools/echo/call", `{}`).envelope(t, http.StatusNotFound, "ServerNotFound")
}

func TestTestCallHonoursTimeoutAndServerState(t *testing.T) {
	slow := stdioServer(t)
	slow.CallTimeoutS = 1
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "slow": slow})

	msg := h.req("POST", "/api/v1/servers/slow/tools/sleep/call", `{"arguments": {"ms": 5000}}`).
		envelope(t, http.StatusGatewayTimeout, "UpstreamTimeout")
	if !strings.Contains(msg, "1s") {
		t.Fatalf("the timeout message should say the limit: %s", msg)
	}

	if r := h.req("POST", "/api/v1/servers/alpha/stop", `{"reason": "maintenance window"}`); r.Status != http.StatusOK {
		t.Fatalf("stop: %d %s", r.Status, r.Body)
	}
	msg = h.req("POST", "/api/v1/servers/alpha/tools/echo/call", `{"arguments": {"text": "x"}}`).
		envelope(t, http.StatusServiceUnavailable, "ServerUnavailable")
	if !strings.Contains(msg, "maintenance window") {
		t.Fatalf("the refusal should carry the stop reason: %s", msg)
	}

	quarantined := stdioServer(t)
	quarantined.Quarantined = true
	h2 := newHarness(t, map[string]*config.Server{"q": quarantined})
	h2.req("POST", "/api/v1/servers/q/tools/echo/call", `{}`).envelope(t, http.StatusConflict, "ServerQuarantined")
}

// TestToolRoutesNeedTheKeyOnTCPButNotOnTheSocket covers every tools route.
func TestToolRoutesNeedTheKeyOnTCPButNotOnTheSocket(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/tools", ""},
		{"GET", "/api/v1/tools?q=echo", ""},
		{"GET", "/api/v1/servers/alpha/tools", ""},
		{"GET", "/api/v1/servers/alpha/tools/echo", ""},
		{"POST", "/api/v1/servers/alpha/tools/echo/call", `{"arguments": {"text": "x"}}`},
		{"POST", "/api/v1/servers/alpha/tools/echo/disable", ""},
		{"POST", "/api/v1/servers/alpha/tools/echo/enable", ""},
	}
	for _, rt := range routes {
		var body any
		if rt.body != "" {
			body = rt.body
		}
		h.anon(rt.method, rt.path, body).envelope(t, http.StatusUnauthorized, "Unauthorized")
		if r := h.sock(rt.method, rt.path, body); r.Status != http.StatusOK {
			t.Errorf("%s %s on the socket: %d %s", rt.method, rt.path, r.Status, r.Body)
		}
	}
}
