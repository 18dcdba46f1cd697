package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

func serverInfo(t *testing.T, r response) api.ServerInfo {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("want 200, got %d: %s", r.Status, r.Body)
	}
	var info api.ServerInfo
	r.JSON(t, &info)
	return info
}

func waitState(t *testing.T, h *harness, name, state string) api.ServerInfo {
	t.Helper()
	var info api.ServerInfo
	testdeps.Eventually(t, 10*time.Second, name+" "+state, func() bool {
		info = serverInfo(t, h.req("GET", "/api/v1/servers/"+name, nil))
		return info.State == state
	})
	return info
}

func TestServerLifecycleIsWrittenToTheConfigFile(t *testing.T) {
	h := newHarness(t, nil)
	// A key the program does not know must survive every save.
	raw, _ := os.ReadFile(h.configPath())
	var doc map[string]any
	_ = json.Unmarshal(raw, &doc)
	doc["x_note"] = "kept"
	raw, _ = json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(h.configPath(), raw, 0o600); err != nil {
		t.Fatal(err)
	}

	bin := testdeps.TestServerBinary(t)
	r := h.req("POST", "/api/v1/servers", map[string]any{"name": "alpha", "command": bin, "args": []string{"--transport", "stdio"}, "tags": []string{"dev"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if sc := h.fileConfig().Servers["alpha"]; sc == nil || sc.Command != bin {
		t.Fatalf("the file does not have the new server: %+v", sc)
	}
	ready := waitState(t, h, "alpha", "ready")
	// A server added after start-up is quarantined until approved.
	if r := h.req("POST", "/api/v1/servers/alpha/approve", nil); r.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if ready.ToolCount == 0 || ready.PID == 0 || ready.Config == nil || ready.Type != "stdio" {
		t.Fatalf("details missing from a ready server: %+v", ready)
	}

	r = h.req("PATCH", "/api/v1/servers/alpha", map[string]any{"description": "the test server", "tags": nil})
	if info := serverInfo(t, r); info.Description != "the test server" || len(info.Tags) != 0 {
		t.Fatalf("patch not applied: %+v", info)
	}
	if sc := h.fileConfig().Servers["alpha"]; sc.Description != "the test server" || len(sc.Tags) != 0 || sc.Command != bin {
		t.Fatalf("patch not in the file: %+v", sc)
	}

	pid := waitState(t, h, "alpha", "ready").PID
	r = h.req("POST", "/api/v1/servers/alpha/stop", map[string]any{"reason": "maintenance"})
	if r.Status != http.StatusOK {
		t.Fatalf("stop: %d %s", r.Status, r.Body)
	}
	stopped := waitState(t, h, "alpha", "stopped")
	if !strings.Contains(stopped.LastError, "maintenance") {
		t.Fatalf("the stop reason is not shown: %+v", stopped)
	}
	if testdeps.ProcessAlive(pid) {
		t.Fatalf("process %d still runs after stop", pid)
	}
	c := h.mcpClient()
	if res := h.callTool(c, "alpha__echo", map[string]any{"text": "x"}); !res.IsError && !strings.Contains(text(res), "maintenance") {
		// A stopped server's tools leave /mcp; a call is an error either way.
		t.Fatalf("a call to a stopped server did not fail: %q", text(res))
	}

	h.req("POST", "/api/v1/servers/alpha/start", nil)
	waitState(t, h, "alpha", "ready")

	h.req("POST", "/api/v1/servers/alpha/disable", nil)
	if sc := h.fileConfig().Servers["alpha"]; sc.IsEnabled() {
		t.Fatal("disable is not in the file")
	}
	waitState(t, h, "alpha", "disabled")
	h.req("POST", "/api/v1/servers/alpha/enable", nil)
	pid = waitState(t, h, "alpha", "ready").PID

	r = h.req("DELETE", "/api/v1/servers/alpha", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/servers/alpha", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	if _, ok := h.fileConfig().Servers["alpha"]; ok {
		t.Fatal("the deleted server is still in the file")
	}
	testdeps.Eventually(t, 5*time.Second, "the deleted server's process ends", func() bool { return !testdeps.ProcessAlive(pid) })
	if !strings.Contains(readFile(t, h.configPath()), `"x_note": "kept"`) {
		t.Fatalf("an unknown key was lost:\n%s", readFile(t, h.configPath()))
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServerRoutesRefuseBadInputWithTheEnvelope(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	h.req("POST", "/api/v1/servers", `{"name": "x",`).envelope(t, http.StatusBadRequest, "BadJSON")
	h.req("POST", "/api/v1/servers", map[string]any{"command": "x"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	msg := h.req("POST", "/api/v1/servers", map[string]any{"name": "b", "command": "x", "args": "not-a-list"}).envelope(t, http.StatusUnprocessableEntity, "")
	if !strings.Contains(msg, "args") {
		t.Fatalf("the wrong field is not named: %s", msg)
	}
	msg = h.req("POST", "/api/v1/servers", map[string]any{"name": "bad name!", "command": "x"}).envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
	if !strings.Contains(msg, "bad name!") {
		t.Fatalf("the bad name is not named: %s", msg)
	}
	h.req("POST", "/api/v1/servers", map[string]any{"name": "c", "url": "ftp://x"}).envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
	h.req("POST", "/api/v1/servers", map[string]any{"name": "alpha", "command": "x"}).envelope(t, http.StatusConflict, "ServerExists")
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/servers/nope"}, {"PUT", "/api/v1/servers/nope"}, {"PATCH", "/api/v1/servers/nope"},
		{"DELETE", "/api/v1/servers/nope"}, {"POST", "/api/v1/servers/nope/restart"}, {"GET", "/api/v1/servers/nope/logs"},
		{"GET", "/api/v1/servers/nope/health"}, {"GET", "/api/v1/servers/nope/calls"},
	} {
		h.req(r.method, r.path, map[string]any{"command": "x"}).envelope(t, http.StatusNotFound, "ServerNotFound")
	}
	h.req("GET", "/api/v1/servers?state=sleepy", nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("GET", "/api/v1/servers?enabled=maybe", nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("GET", "/api/v1/servers/alpha/logs?lines=0", nil).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("PUT", "/api/v1/servers/alpha", map[string]any{"name": "other", "command": "x"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("PATCH", "/api/v1/servers/alpha", nil).envelope(t, http.StatusBadRequest, "EmptyBody")
	h.req("POST", "/api/v1/bulk/restart_all", map[string]any{"names": []string{"alpha", "ghost"}}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	// None of it reached the file.
	if cfg := h.fileConfig(); len(cfg.Servers) != 1 || cfg.Servers["alpha"].Command != stdioServer(t).Command {
		t.Fatalf("a refused request changed the file: %+v", cfg.Servers)
	}
	h.anon("GET", "/api/v1/servers", nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
	if r := h.sock("GET", "/api/v1/servers", nil); r.Status != http.StatusOK {
		t.Fatalf("socket without key: %d %s", r.Status, r.Body)
	}
}

func TestSecretsAreRedactedAndAPutOfTheRedactedConfigKeepsThem(t *testing.T) {
	srv := stdioServer(t)
	srv.Env = map[string]string{"TOKEN": "s3cret-value", "REF": "${env:HOME}"}
	h := newHarness(t, map[string]*config.Server{"alpha": srv})
	r := h.req("GET", "/api/v1/servers/alpha", nil)
	if strings.Contains(string(r.Body), "s3cret-value") {
		t.Fatalf("a secret was returned: %s", r.Body)
	}
	info := serverInfo(t, r)
	if info.Config.Env["TOKEN"] != "***" || info.Config.Env["REF"] != "${env:HOME}" {
		t.Fatalf("env not redacted as expected: %v", info.Config.Env)
	}
	info.Config.Description = "changed"
	r = h.req("PUT", "/api/v1/servers/alpha", info.Config)
	if r.Status != http.StatusOK {
		t.Fatalf("put: %d %s", r.Status, r.Body)
	}
	if sc := h.fileConfig().Servers["alpha"]; sc.Env["TOKEN"] != "s3cret-value" || sc.Description != "changed" {
		t.Fatalf("the PUT lost the secret or the change: %+v", sc)
	}
}

func TestListFiltersAndBulkActions(t *testing.T) {
	tagged := stdioServer(t)
	tagged.Tags = []string{"prod"}
	off := stdioServer(t)
	off.Enabled = new(bool)
	h := newHarness(t, map[string]*config.Server{"alpha": tagged, "beta": stdioServer(t), "gamma": off})
	list := func(q string) []string {
		var l api.ServerList
		h.req("GET", "/api/v1/servers"+q, nil).JSON(t, &l)
		var names []string
		for _, s := range l.Servers {
			names = append(names, s.Name)
		}
		return names
	}
	for q, want := range map[string]string{
		"": "alpha,beta,gamma", "?tag=prod": "alpha", "?enabled=false": "gamma", "?state=ready": "alpha,beta",
		"?quarantined=true": "",
	} {
		if got := strings.Join(list(q), ","); got != want {
			t.Errorf("GET /servers%s = %q, want %q", q, got, want)
		}
	}

	pids := map[string]int{}
	for _, n := range []string{"alpha", "beta"} {
		pids[n] = waitState(t, h, n, "ready").PID
	}
	var res api.BulkResult
	h.req("POST", "/api/v1/bulk/restart_all", nil).JSON(t, &res)
	if len(res.Results) != 3 {
		t.Fatalf("restart_all results: %+v", res)
	}
	for n, pid := range pids {
		if got := waitState(t, h, n, "ready").PID; got == pid {
			t.Errorf("%s was not restarted (pid %d)", n, pid)
		}
	}
	h.req("POST", "/api/v1/bulk/disable_all", map[string]any{"names": []string{"alpha", "beta"}})
	for n, sc := range h.fileConfig().Servers {
		if sc.IsEnabled() {
			t.Errorf("%s still enabled in the file after disable_all", n)
		}
	}
	h.req("POST", "/api/v1/bulk/enable_all", nil)
	for _, n := range []string{"alpha", "beta", "gamma"} {
		waitState(t, h, n, "ready")
	}
}

func TestLogsHealthAndCallHistoryOfAServer(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t)})
	c := h.mcpClient()
	h.callTool(c, "alpha__stderr", map[string]any{"lines": 3})
	var logs api.ServerLogs
	testdeps.Eventually(t, 3*time.Second, "stderr lines in the logs", func() bool {
		h.req("GET", "/api/v1/servers/alpha/logs?lines=2", nil).JSON(t, &logs)
		return len(logs.Lines) == 2
	})

	r := h.req("POST", "/api/v1/servers/alpha/health/check", nil)
	var check struct {
		OK        bool    `json:"ok"`
		LatencyMS float64 `json:"latency_ms"`
	}
	r.JSON(t, &check)
	if !check.OK {
		t.Fatalf("health check of a ready server failed: %s", r.Body)
	}
	var health api.ServerHealth
	h.req("GET", "/api/v1/servers/alpha/health", nil).JSON(t, &health)
	if !health.Healthy || len(health.Checks) == 0 || !health.Checks[len(health.Checks)-1].OK {
		t.Fatalf("health history: %+v", health)
	}

	for i := range 3 {
		h.callTool(c, "alpha__echo", map[string]any{"text": strconv.Itoa(i)})
	}
	h.d.Store().Flush()
	var page api.ActivityPage
	h.req("GET", "/api/v1/servers/alpha/calls?limit=2", nil).JSON(t, &page)
	if len(page.Items) != 2 || page.NextCursor == "" || page.Items[0].Tool != "echo" {
		t.Fatalf("first page of calls: %+v", page)
	}
	var next api.ActivityPage
	h.req("GET", "/api/v1/servers/alpha/calls?limit=10&cursor="+page.NextCursor, nil).JSON(t, &next)
	if len(next.Items) != 2 { // the third echo and the stderr call
		t.Fatalf("second page of calls: %+v", next)
	}
}
