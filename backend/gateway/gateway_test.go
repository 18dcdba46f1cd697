package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/testdeps"
)

func ptr[T any](v T) *T { return &v }

func TestToolsFromEveryServerArePrefixedAndCallable(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"alpha": stdioServer(t),
		"beta":  stdioServer(t, func(s *config.Server) { s.Prefix = ptr("b") }),
	})
	c := h.connect("/mcp")
	names := testdeps.ToolNames(t, c)
	for _, want := range []string{"alpha__echo", "b__echo", "alpha__sleep"} {
		if !slices.Contains(names, want) {
			t.Fatalf("tools/list lacks %q: %v", want, names)
		}
	}
	if slices.Contains(names, "beta__echo") || slices.Contains(names, "echo") {
		t.Fatalf("beta must be exposed under its prefix b only: %v", names)
	}
	res := callTool(t, c, "b__echo", map[string]any{"text": "hello"})
	if res.IsError || resultText(res) != "hello" {
		t.Fatalf("echo through gateway: %+v", res)
	}
	sc, _ := res.StructuredContent.(map[string]any)
	if sc["text"] != "hello" {
		t.Fatalf("structuredContent lost: %#v", res.StructuredContent)
	}
}

func TestPerServerEndpointUsesUnprefixedNames(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	c := h.connect("/mcp/servers/alpha")
	names := testdeps.ToolNames(t, c)
	if !slices.Contains(names, "echo") || slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "__") }) {
		t.Fatalf("per-server endpoint must list the server's own names: %v", names)
	}
	if r := callTool(t, c, "echo", map[string]any{"text": "x"}); resultText(r) != "x" {
		t.Fatalf("echo: %+v", r)
	}
	resp, err := http.Post(h.url("/mcp/servers/nope"), "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown server endpoint: status %d, want 404", resp.StatusCode)
	}
}

func TestEmptyPrefixCollisionIsReportedNotHidden(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"alpha": stdioServer(t, func(s *config.Server) { s.Prefix = ptr("") }),
		"beta":  stdioServer(t, func(s *config.Server) { s.Prefix = ptr("") }),
	})
	c := h.connect("/mcp")
	names := testdeps.ToolNames(t, c)
	if !slices.Contains(names, "echo") {
		t.Fatalf("echo missing: %v", names)
	}
	var found bool
	for _, col := range h.gw.Collisions() {
		if col.Kind == "tool" && col.Name == "echo" && col.Kept == "alpha" && col.Dropped == "beta" {
			found = true
		}
	}
	if !found {
		t.Fatalf("collision of echo not reported: %+v", h.gw.Collisions())
	}
}

func TestProgressAndLogsReachTheCallingSession(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp")
	var mu sync.Mutex
	var progress []float64
	var logs []string
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		mu.Lock()
		defer mu.Unlock()
		switch n.Method {
		case "notifications/progress":
			if n.Params.AdditionalFields["progressToken"] != "my-token" {
				t.Errorf("progress token not restored: %v", n.Params.AdditionalFields["progressToken"])
			}
			p, _ := n.Params.AdditionalFields["progress"].(float64)
			progress = append(progress, p)
		case "notifications/message":
			if d, ok := n.Params.AdditionalFields["data"].(string); ok {
				logs = append(logs, d)
			}
		}
	})
	req := mcp.CallToolRequest{}
	req.Params.Name = "alpha__progress"
	req.Params.Arguments = map[string]any{"steps": 3, "interval_ms": 5}
	req.Params.Meta = &mcp.Meta{ProgressToken: "my-token"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.CallTool(ctx, req); err != nil {
		t.Fatal(err)
	}
	testdeps.Eventually(t, 2*time.Second, "3 progress notifications", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(progress) == 3
	})
	callTool(t, c, "alpha__log", map[string]any{"level": "warning", "message": "disk nearly full"})
	testdeps.Eventually(t, 2*time.Second, "log notification", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(logs, func(s string) bool { return strings.Contains(s, "disk nearly full") })
	})
}

type fakeModel struct{ prompts []string }

func (f *fakeModel) CreateMessage(ctx context.Context, req mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
	var text string
	if len(req.Messages) > 0 {
		if tc, ok := req.Messages[0].Content.(mcp.TextContent); ok {
			text = tc.Text
		}
	}
	f.prompts = append(f.prompts, text)
	return &mcp.CreateMessageResult{
		SamplingMessage: mcp.SamplingMessage{Role: mcp.RoleAssistant, Content: mcp.NewTextContent("model says: " + text)},
		Model:           "test-model",
		StopReason:      "endTurn",
	}, nil
}

type fakeUser struct{}

func (fakeUser) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
		Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"name": "Ada"}}}, nil
}

func TestSamplingAndElicitationGoToTheCallingClient(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	model := &fakeModel{}
	c := h.connect("/mcp", client.WithSamplingHandler(model), client.WithElicitationHandler(fakeUser{}))
	other := h.connect("/mcp") // a second session that must not be asked
	_ = other
	res := callTool(t, c, "alpha__sample", map[string]any{"prompt": "what is 2+2"})
	if !strings.Contains(resultText(res), "model says: what is 2+2") {
		t.Fatalf("sampling result not relayed: %q (isError=%v)", resultText(res), res.IsError)
	}
	res = callTool(t, c, "alpha__elicit", map[string]any{"message": "who are you?"})
	if !strings.Contains(resultText(res), "Ada") || !strings.Contains(resultText(res), "accept") {
		t.Fatalf("elicitation result not relayed: %q", resultText(res))
	}
}

func TestCrashMidCallGivesAnErrorAndTheServerComesBack(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	c := h.connect("/mcp")
	pid := resultText(callTool(t, c, "alpha__pid", nil))
	start := time.Now()
	res := callTool(t, c, "alpha__crash", map[string]any{"code": 3})
	if !res.IsError {
		t.Fatalf("a crash mid-call must give an error result, got %+v", res)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("crash error took %s", time.Since(start))
	}
	// The other server is unaffected.
	if r := callTool(t, c, "beta__echo", map[string]any{"text": "still here"}); resultText(r) != "still here" {
		t.Fatalf("beta affected by alpha's crash: %+v", r)
	}
	// While alpha is down, calls fail at once with a clear message.
	r := callTool(t, c, "alpha__echo", map[string]any{"text": "x"})
	if r.IsError && !strings.Contains(resultText(r), "alpha") {
		t.Fatalf("unavailable message must name the server: %q", resultText(r))
	}
	var newPID string
	testdeps.Eventually(t, 10*time.Second, "alpha restarted", func() bool {
		r := callTool(t, c, "alpha__pid", nil)
		newPID = resultText(r)
		return !r.IsError
	})
	if newPID == pid {
		t.Fatalf("expected a new process after the crash, pid still %s", pid)
	}
	if st := h.gw.Upstreams()[0].Status(); st.Restarts < 1 {
		t.Fatalf("restart not counted: %+v", st)
	}
}

func TestHungServerTimesOutAndOthersStayFast(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"slow": stdioServer(t, func(s *config.Server) { s.CallTimeoutS = 1 }),
		"fast": stdioServer(t),
	})
	c := h.connect("/mcp")
	done := make(chan *mcp.CallToolResult)
	start := time.Now()
	go func() { done <- callTool(t, c, "slow__sleep", map[string]any{"ms": 30000}) }()
	time.Sleep(100 * time.Millisecond)
	fastStart := time.Now()
	if r := callTool(t, c, "fast__echo", map[string]any{"text": "ok"}); resultText(r) != "ok" {
		t.Fatalf("fast: %+v", r)
	}
	if d := time.Since(fastStart); d > time.Second {
		t.Fatalf("a hung server slowed another one's call to %s", d)
	}
	res := <-done
	if !res.IsError || !strings.Contains(resultText(res), "did not answer within 1s") {
		t.Fatalf("timeout result: %q", resultText(res))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timeout took %s", d)
	}
}

func TestCallsToOneServerRunConcurrently(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp")
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			callTool(t, c, "alpha__sleep", map[string]any{"ms": 500})
		}()
	}
	wg.Wait()
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("8 concurrent 500 ms calls took %s: calls are serialised", d)
	}
}

func TestGarbageOnStdoutDoesNotBreakTheServer(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp")
	callTool(t, c, "alpha__garbage", nil)
	if r := callTool(t, c, "alpha__echo", map[string]any{"text": "after garbage"}); resultText(r) != "after garbage" {
		t.Fatalf("after garbage: %+v", r)
	}
}

func TestListChangedUpstreamReachesClients(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp")
	changed := make(chan struct{}, 10)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/tools/list_changed" {
			changed <- struct{}{}
		}
	})
	callTool(t, c, "alpha__add_tool", map[string]any{"name": "fresh"})
	select {
	case <-changed:
	case <-time.After(3 * time.Second):
		t.Fatal("no notifications/tools/list_changed after the upstream's list changed")
	}
	testdeps.Eventually(t, 2*time.Second, "alpha__fresh listed", func() bool { return slices.Contains(testdeps.ToolNames(t, c), "alpha__fresh") })
	if r := callTool(t, c, "alpha__fresh", nil); r.IsError {
		t.Fatalf("new tool not callable: %q", resultText(r))
	}
}

func TestApplyTouchesOnlyChangedServers(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	c := h.connect("/mcp")
	alphaPID := resultText(callTool(t, c, "alpha__pid", nil))
	betaPID := resultText(callTool(t, c, "beta__pid", nil))

	h.gw.Apply(&config.Config{Servers: map[string]*config.Server{
		"alpha": stdioServer(t),
		"beta":  stdioServer(t, func(s *config.Server) { s.Env = map[string]string{"GREETING": "hi"} }),
		"gamma": stdioServer(t),
	}})
	// beta restarts with its new env, so its tools are back only once it is ready again.
	testdeps.Eventually(t, 3*time.Second, "gamma's and the restarted beta's tools listed", func() bool {
		names := testdeps.ToolNames(t, c)
		return slices.Contains(names, "gamma__echo") && slices.Contains(names, "beta__env")
	})
	if got := resultText(callTool(t, c, "alpha__pid", nil)); got != alphaPID {
		t.Fatalf("unchanged alpha was restarted: pid %s -> %s", alphaPID, got)
	}
	if got := resultText(callTool(t, c, "beta__env", map[string]any{"name": "GREETING"})); got != "hi" {
		t.Fatalf("changed beta did not get its new env: %q", got)
	}
	if pid, _ := strconv.Atoi(betaPID); testdeps.ProcessAlive(pid) {
		t.Fatalf("old beta process %d still runs after its config changed", pid)
	}

	disabled := stdioServer(t, func(s *config.Server) { s.Enabled = ptr(false) })
	h.gw.Apply(&config.Config{Servers: map[string]*config.Server{"alpha": disabled}})
	testdeps.Eventually(t, time.Second, "only nothing listed", func() bool { return len(testdeps.ToolNames(t, c)) == 0 })
	if pid, _ := strconv.Atoi(alphaPID); testdeps.ProcessAlive(pid) {
		t.Fatalf("disabled alpha's process %d still runs", pid)
	}
}

func TestCloseLeavesNoProcesses(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	c := h.connect("/mcp")
	var pids []int
	for _, s := range []string{"alpha", "beta"} {
		pid, err := strconv.Atoi(resultText(callTool(t, c, s+"__pid", nil)))
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	h.gw.Close()
	for _, pid := range pids {
		if testdeps.ProcessAlive(pid) {
			t.Fatalf("process %d survived Close", pid)
		}
	}
}

func TestIdleServerStopsAndStartsAgainOnUse(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"lazy": stdioServer(t, func(s *config.Server) { s.IdleTTLS = 1 })})
	c := h.connect("/mcp")
	pid, _ := strconv.Atoi(resultText(callTool(t, c, "lazy__pid", nil)))
	testdeps.Eventually(t, 5*time.Second, "idle server stopped", func() bool { return !testdeps.ProcessAlive(pid) })
	if !slices.Contains(testdeps.ToolNames(t, c), "lazy__echo") {
		t.Fatal("a cold server's tools must stay listed")
	}
	if r := callTool(t, c, "lazy__echo", map[string]any{"text": "wake"}); resultText(r) != "wake" {
		t.Fatalf("lazy start on use: %+v", r)
	}
}

func TestServerThatExitsAtStartBacksOff(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"broken": stdioServer(t, func(s *config.Server) { s.Env = map[string]string{"SB_TEST_EXIT_AT_START": "7"} }),
		"good":   stdioServer(t),
	})
	c := h.connect("/mcp")
	u := h.gw.Upstreams()[0]
	st := u.Status()
	if st.State != "dead" || st.LastError == "" {
		t.Fatalf("broken server: %+v", st)
	}
	if !st.NextRestart.After(time.Now().Add(-time.Second)) {
		t.Fatalf("no restart scheduled: %+v", st)
	}
	if r := callTool(t, c, "good__echo", map[string]any{"text": "fine"}); resultText(r) != "fine" {
		t.Fatalf("good server affected: %+v", r)
	}
}

func TestHostAndOriginAreChecked(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{})
	body := `{"jsonrpc":"2.0","id":1,"method":"ping"}`
	for _, tc := range []struct {
		host, origin string
		want         int
	}{
		{"evil.example:7410", "", http.StatusForbidden},
		{"", "http://evil.example", http.StatusForbidden},
		{"", "http://localhost:5173", 0},
	} {
		req, _ := http.NewRequest("POST", h.url("/mcp"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if tc.host != "" {
			req.Host = tc.host
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if tc.want != 0 && resp.StatusCode != tc.want {
			t.Errorf("host %q origin %q: status %d, want %d", tc.host, tc.origin, resp.StatusCode, tc.want)
		}
		if tc.want == 0 && resp.StatusCode == http.StatusForbidden {
			t.Errorf("loopback origin refused")
		}
	}
}

func TestUnknownAndDeletedSessionsGet404(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{})
	post := func(session string) int {
		req, _ := http.NewRequest("POST", h.url("/mcp"), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Session-Id", session)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("mcp-session-0b6f5a3e-8f3c-4f0e-9a57-2f1c7d1e9b11"); code != http.StatusNotFound {
		t.Fatalf("made-up session: status %d, want 404", code)
	}
	c := h.connect("/mcp")
	id := c.GetSessionId()
	if code := post(id); code != http.StatusOK {
		t.Fatalf("live session: status %d", code)
	}
	req, _ := http.NewRequest("DELETE", h.url("/mcp"), nil)
	req.Header.Set("Mcp-Session-Id", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := post(id); code != http.StatusNotFound {
		t.Fatalf("deleted session: status %d, want 404", code)
	}
}

func TestRemoteServersOverHTTPAndSSE(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"web": {URL: testdeps.TestServerURL(t, "http")},
		"old": {URL: testdeps.TestServerURL(t, "sse"), Type: "sse"},
	})
	c := h.connect("/mcp")
	for _, name := range []string{"web__echo", "old__echo"} {
		if r := callTool(t, c, name, map[string]any{"text": name}); resultText(r) != name {
			t.Fatalf("%s: %q (isError=%v)", name, resultText(r), r.IsError)
		}
	}
}

func TestConnectTimeoutMarksTheServerDown(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"sluggish": stdioServer(t, func(s *config.Server) {
			s.ConnectTimeoutS = 1
			s.Env = map[string]string{"SB_TEST_START_DELAY_MS": "5000"}
		}),
	})
	st := h.gw.Upstreams()[0].Status()
	if st.State != "dead" || !strings.Contains(st.LastError, "no answer within 1s") {
		t.Fatalf("a server that does not initialise in time: %+v", st)
	}
}

func TestFrozenServerFailsHealthChecksAndIsRestarted(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{
		"frozen": stdioServer(t, func(s *config.Server) {
			s.HealthCheckIntervalS = 1
			s.ConnectTimeoutS = 1
		}),
	})
	c := h.connect("/mcp")
	pid, _ := strconv.Atoi(resultText(callTool(t, c, "frozen__pid", nil)))
	// SIGSTOP: the process lives but answers nothing, as a hung server does.
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	u := h.gw.Upstreams()[0]
	testdeps.Eventually(t, 5*time.Second, "degraded after a failed ping", func() bool { return u.State() == "degraded" })
	testdeps.Eventually(t, 15*time.Second, "restarted with a new process", func() bool {
		st := u.Status()
		return st.State == "ready" && st.PID != pid
	})
	testdeps.Eventually(t, 5*time.Second, "the frozen process killed", func() bool { return !testdeps.ProcessAlive(pid) })
}

// resourceUpdates gives the URI of each notifications/resources/updated c gets.
func resourceUpdates(c *client.Client) <-chan string {
	updated := make(chan string, 4)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/resources/updated" {
			uri, _ := n.Params.AdditionalFields["uri"].(string)
			updated <- uri
		}
	})
	return updated
}

func TestResourceUpdatesReachSubscribedSessions(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp")
	updated := resourceUpdates(c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sub := mcp.SubscribeRequest{}
	sub.Params.URI = "test://counter"
	if err := c.Subscribe(ctx, sub); err != nil {
		t.Fatal(err)
	}
	callTool(t, c, "alpha__touch_resource", map[string]any{"uri": "test://counter"})
	select {
	case uri := <-updated:
		if uri != "test://counter" {
			t.Fatalf("updated %q", uri)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no notifications/resources/updated for a subscribed resource")
	}
}

func TestCancellationReachesTheServer(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "alpha__sleep"
	req.Params.Arguments = map[string]any{"ms": 20000}
	if _, err := c.CallTool(ctx, req); err == nil {
		t.Fatal("a call cancelled by its client must not succeed")
	}
	testdeps.Eventually(t, 3*time.Second, "the server saw the cancellation", func() bool {
		return strings.Contains(resultText(callTool(t, c, "alpha__calls", nil)), `"sleep:cancelled":1`)
	})
	if n := h.gw.Upstreams()[0].Status().InFlight; n != 0 {
		t.Fatalf("%d calls still in flight after the cancellation", n)
	}
}

// memCatalogs is a CatalogCache in memory, standing for the store.
type memCatalogs struct{ m sync.Map }

func (c *memCatalogs) LoadCatalog(s string) ([]byte, bool) {
	v, ok := c.m.Load(s)
	if !ok {
		return nil, false
	}
	return v.([]byte), true
}
func (c *memCatalogs) SaveCatalog(s string, data []byte) { c.m.Store(s, data) }

func TestLazyServerStaysColdOnTheNextRunUntilItsFirstCall(t *testing.T) {
	cache := &memCatalogs{}
	lazy := map[string]*config.Server{"lazy": stdioServer(t, func(s *config.Server) { s.IdleTTLS = 600 })}

	first := gateway.New(gateway.Options{Logger: testLogger(t), Catalogs: cache})
	first.Apply(&config.Config{Servers: lazy})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first.WaitReady(ctx)
	testdeps.Eventually(t, 2*time.Second, "catalog saved", func() bool { _, ok := cache.LoadCatalog("lazy"); return ok })
	first.Close()

	h := &harness{t: t, gw: gateway.New(gateway.Options{Logger: testLogger(t), Catalogs: cache})}
	h.srv = httptest.NewServer(h.gw.Handler())
	t.Cleanup(func() { h.srv.Close(); h.gw.Close() })
	h.gw.Apply(&config.Config{Servers: lazy})
	c := h.connect("/mcp")
	u := h.gw.Upstreams()[0]
	if st := u.Status(); st.State != "cold" || st.PID != 0 {
		t.Fatalf("a lazy server with a saved catalog must not start: %+v", st)
	}
	if !slices.Contains(testdeps.ToolNames(t, c), "lazy__echo") {
		t.Fatal("the saved catalog's tools are not listed")
	}
	if r := callTool(t, c, "lazy__echo", map[string]any{"text": "first call"}); resultText(r) != "first call" {
		t.Fatalf("first call: %+v", r)
	}
	if u.State() != "ready" {
		t.Fatalf("state after the first call: %s", u.State())
	}

	// A changed config invalidates the saved catalog: the server starts.
	changed := map[string]*config.Server{"lazy": stdioServer(t, func(s *config.Server) {
		s.IdleTTLS = 600
		s.Env = map[string]string{"X": "1"}
	})}
	third := gateway.New(gateway.Options{Logger: testLogger(t), Catalogs: cache})
	defer third.Close()
	third.Apply(&config.Config{Servers: changed})
	if st := third.Upstreams()[0].State(); st == "cold" {
		t.Fatal("a catalog saved for another config was used")
	}
}

func TestHidingAToolDoesNotRestartItsServer(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.connect("/mcp")
	pid := resultText(callTool(t, c, "alpha__pid", nil))
	h.gw.Apply(&config.Config{Servers: map[string]*config.Server{
		"alpha": stdioServer(t, func(s *config.Server) { s.DisabledTools = []string{"echo"}; s.Tags = []string{"x"} }),
	}})
	if slices.Contains(testdeps.ToolNames(t, c), "alpha__echo") {
		t.Fatal("a disabled tool is still listed once Apply returned")
	}
	if got := resultText(callTool(t, c, "alpha__pid", nil)); got != pid {
		t.Fatalf("hiding a tool restarted the server: pid %s -> %s", pid, got)
	}
}
