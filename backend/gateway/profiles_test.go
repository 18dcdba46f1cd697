package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/testdeps"
)

// A profile's endpoint shows only its servers' tools, named as on /mcp,
// and refuses the others by name, on mcp-go's path and on the fast path;
// its tools patterns narrow it further, a config change reaches connected
// clients with list_changed, and a removed profile's sessions get 404.
func TestProfileEndpoint(t *testing.T) {
	servers := map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)}
	h := newHarness(t, servers)
	apply := func(profiles map[string]*config.Profile) {
		h.gw.Apply(&config.Config{Servers: servers, Profiles: profiles})
	}
	apply(map[string]*config.Profile{"dev": {Servers: []string{"alpha"}}, "none": {Servers: []string{}}})

	c := h.connect("/mcp/profiles/dev")
	names := testdeps.ToolNames(t, c)
	if !slices.Contains(names, "alpha__echo") || !slices.Contains(names, "alpha__pid") {
		t.Fatalf("profile dev lists %v, want alpha's tools named as on /mcp", names)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "beta__") {
			t.Fatalf("profile dev lists %s of a server outside it: %v", n, names)
		}
	}
	if r := callTool(t, c, "alpha__echo", map[string]any{"text": "in profile"}); resultText(r) != "in profile" {
		t.Fatalf("alpha__echo on the profile: %+v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "beta__echo"
	req.Params.Arguments = map[string]any{"text": "leaked"}
	if res, err := c.CallTool(ctx, req); err == nil && !res.IsError {
		t.Fatalf("beta__echo answered on profile dev: %+v", res)
	}

	// The fast path: a raw tools/call of an established session.
	raw := rawConnect(t, h.url("/mcp/profiles/dev"))
	body := rawCall(t, raw, "alpha__echo", "fast in profile")
	if !strings.Contains(body, `"fast in profile"`) || strings.Contains(body, `"isError":true`) {
		t.Fatalf("raw alpha__echo on the profile: %s", body)
	}
	if body := rawCall(t, raw, "beta__echo", "leaked"); strings.Contains(body, "leaked") || !strings.Contains(body, "error") {
		t.Fatalf("raw beta__echo on profile dev was not refused: %s", body)
	}

	// A profile with no servers shows nothing.
	if names := testdeps.ToolNames(t, h.connect("/mcp/profiles/none")); len(names) != 0 {
		t.Fatalf("profile none lists %v", names)
	}

	// Narrowing by tool pattern, live: the connected client is told.
	changed := make(chan struct{}, 10)
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/tools/list_changed" {
			changed <- struct{}{}
		}
	})
	apply(map[string]*config.Profile{"dev": {Servers: []string{"alpha", "beta"}, Tools: []string{"alpha__ec*", "beta__pi*"}}})
	select {
	case <-changed:
	case <-time.After(3 * time.Second):
		t.Fatal("no notifications/tools/list_changed after the profile changed")
	}
	names = testdeps.ToolNames(t, c)
	slices.Sort(names)
	if !slices.Equal(names, []string{"alpha__echo", "beta__pid"}) {
		t.Fatalf("narrowed profile lists %v, want [alpha__echo beta__pid]", names)
	}
	if body := rawCall(t, raw, "alpha__pid", ""); !strings.Contains(body, "error") || strings.Contains(body, `"result"`) {
		t.Fatalf("raw alpha__pid outside the profile's tools was not refused: %s", body)
	}
	if body := rawCall(t, raw, "beta__pid", ""); !strings.Contains(body, `"result"`) || strings.Contains(body, `"isError":true`) {
		t.Fatalf("raw beta__pid in the profile: %s", body)
	}

	// An unknown profile is 404 with the error envelope.
	resp := (&rawSession{t: t, url: h.url("/mcp/profiles/nope")}).post(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)
	var env map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&env)
	if resp.StatusCode != http.StatusNotFound || env["error"] != "ProfileNotFound" || !strings.Contains(env["message"].(string), `"nope"`) {
		t.Fatalf("unknown profile: %s %v", resp.Status, env)
	}

	// The profile removed: its sessions get 404 on their next request.
	apply(nil)
	if resp := raw.post(`{"jsonrpc":"2.0","id":99,"method":"tools/list"}`); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("session of a removed profile: %s, want 404", resp.Status)
	}
	if _, ok := h.gw.Profile("dev"); ok || len(h.gw.Profiles()) != 0 {
		t.Fatalf("removed profile still listed: %+v", h.gw.Profiles())
	}
}

// rawCall sends one tools/call on a raw session and returns the body.
func rawCall(t *testing.T, s *rawSession, name, text string) string {
	t.Helper()
	args := "{}"
	if text != "" {
		args = `{"text":` + strconvQuote(text) + `}`
	}
	resp := s.post(`{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"` + name + `","arguments":` + args + `}}`)
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// On a profile's endpoint, disabled tools are refused with the reason and
// search mode finds and calls only the profile's tools.
func TestProfileDisabledToolsAndSearchMode(t *testing.T) {
	servers := map[string]*config.Server{
		"alpha": stdioServer(t, func(s *config.Server) { s.DisabledTools = []string{"fail"} }),
		"beta":  stdioServer(t),
	}
	profiles := map[string]*config.Profile{"dev": {Servers: []string{"alpha"}, Tools: []string{"alpha__echo", "alpha__fail"}}}
	h := newSearchHarness(t, nil, nil, &config.Config{Servers: servers, Profiles: profiles})
	c := h.connect("/mcp/profiles/dev")
	if names := testdeps.ToolNames(t, c); !slices.Equal(names, []string{"alpha__echo"}) {
		t.Fatalf("profile dev lists %v, want [alpha__echo]", names)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "alpha__fail"
	if _, err := c.CallTool(ctx, req); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("disabled alpha__fail on the profile: %v, want refused as disabled", err)
	}

	h.gw.Apply(&config.Config{Servers: servers, Profiles: profiles, ToolExposure: config.ExposureSearch})
	waitTools(t, c, func(n []string) bool { return len(n) == 3 })
	// beta's echo would match as well as alpha's; the profile has only alpha's.
	if got := retrieve(t, c, "echo the text back").names(); !slices.Equal(got, []string{"alpha__echo"}) {
		t.Fatalf("retrieve_tools on the profile: %v, want [alpha__echo]", got)
	}
	r := callTool(t, c, gateway.CallToolName, map[string]any{"name": "beta__echo", "arguments": map[string]any{"text": "leaked"}})
	if !r.IsError || strings.Contains(resultText(r), "leaked") {
		t.Fatalf("call_tool beta__echo on the profile: %+v", r)
	}
	if r := callTool(t, c, gateway.CallToolName, map[string]any{"name": "alpha__echo", "arguments": map[string]any{"text": "ok"}}); r.IsError || resultText(r) != "ok" {
		t.Fatalf("call_tool alpha__echo on the profile: %+v", r)
	}
}
