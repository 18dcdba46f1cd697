package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"switchboard/backend/api"
	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// Profiles are written through PUT /api/v1/config, listed by
// /api/v1/profiles with what their endpoint shows, served at
// /mcp/profiles/{name} with a key's scope applied as on /mcp, and refused
// with the profile and field named when they are wrong.
func TestProfilesThroughTheAPI(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	var list api.ProfileList
	if r := h.req("GET", "/api/v1/profiles", nil); r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	} else if r.JSON(t, &list); len(list.Profiles) != 0 {
		t.Fatalf("profiles before any: %+v", list)
	}

	doc := configBody(t, h.req("GET", "/api/v1/config", nil))
	doc["profiles"] = map[string]any{
		"dev":  map[string]any{"servers": []string{"alpha"}, "tools": []string{"alpha__ec*"}, "description": "echo only"},
		"both": map[string]any{"servers": []string{"alpha", "beta"}},
	}
	if r := h.req("PUT", "/api/v1/config", doc); r.Status != http.StatusOK {
		t.Fatalf("PUT profiles: %d %s", r.Status, r.Body)
	}

	var dev api.ProfileInfo
	h.req("GET", "/api/v1/profiles/dev", nil).JSON(t, &dev)
	if dev.Name != "dev" || dev.Description != "echo only" || !slices.Equal(dev.Servers, []string{"alpha"}) ||
		!slices.Equal(dev.ExposedServers, []string{"alpha"}) || dev.ToolCount != 1 ||
		dev.MCPURL != "http://"+h.d.Addr()+"/mcp/profiles/dev" {
		t.Fatalf("profile dev: %+v", dev)
	}
	h.req("GET", "/api/v1/profiles", nil).JSON(t, &list)
	if len(list.Profiles) != 2 || list.Profiles[0].Name != "both" || list.Profiles[1].Name != "dev" || list.Profiles[0].ToolCount < 10 {
		t.Fatalf("list: %+v", list)
	}
	h.req("GET", "/api/v1/profiles/nope", nil).envelope(t, http.StatusNotFound, "ProfileNotFound")

	// The endpoint shows what the API counted, and not beta's echo.
	c := mcpClientFor(t, h, "/mcp/profiles/dev", "profile-test")
	if names := testdeps.ToolNames(t, c); !slices.Equal(names, []string{"alpha__echo"}) {
		t.Fatalf("/mcp/profiles/dev lists %v", names)
	}
	if res, err := callMCP(t, c, "beta__echo", map[string]any{"text": "x"}); err == nil && !res.IsError {
		t.Fatalf("beta__echo answered on profile dev: %+v", res)
	}

	// A key limited to alpha sees only alpha's tools on a profile that has
	// both servers: the guard does not take the profile's name for a server.
	agent := h.createKey(t, api.KeyCreate{Name: "bot", Role: auth.RoleAgent, Scope: &auth.Scope{Servers: []string{"alpha"}}})
	tools, err := h.mcpToolsWithKey(t, "/mcp/profiles/both", agent.Key)
	if err != nil || len(tools) == 0 {
		t.Fatalf("scoped key on profile both: %v (%d tools)", err, len(tools))
	}
	for _, tl := range tools {
		if !strings.HasPrefix(tl.Name, "alpha__") {
			t.Fatalf("scoped key sees %s on profile both", tl.Name)
		}
	}

	// Wrong profiles are refused, each problem at the profile's field.
	doc["profiles"] = map[string]any{"bad": map[string]any{"servers": []string{"alpha", "ghost"}}, "no/slash": map[string]any{"servers": []string{}}}
	r := h.req("PUT", "/api/v1/config", doc)
	r.envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
	var e api.Error
	r.JSON(t, &e)
	paths := map[string]string{}
	for _, p := range e.Problems {
		paths[p.Path] = p.Message
	}
	if m := paths["profiles.bad.servers[1]"]; !strings.Contains(m, `"ghost"`) || !strings.Contains(m, `"bad"`) {
		t.Fatalf("problems %+v: want one at profiles.bad.servers[1] naming the profile and the server", e.Problems)
	}
	if m := paths[`profiles["no/slash"]`]; !strings.Contains(m, "profile name") {
		t.Fatalf("problems %+v: want one naming the bad profile name", e.Problems)
	}
	// The refused change left the running profiles as they were.
	if h.req("GET", "/api/v1/profiles/dev", nil).Status != http.StatusOK {
		t.Fatal("profile dev gone after a refused change")
	}

	// The write routes go through the config file.
	var made api.ProfileInfo
	r = h.req("POST", "/api/v1/profiles", api.ProfileWrite{Name: "ops", Servers: []string{"beta"}, Tools: []string{"beta__pid"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST profile: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &made); made.ToolCount != 1 || made.Endpoint != "/mcp/profiles/ops" {
		t.Fatalf("created profile: %+v", made)
	}
	if p := h.fileConfig().Profiles["ops"]; p == nil || !slices.Equal(p.Servers, []string{"beta"}) {
		t.Fatalf("the file after POST: %+v", p)
	}
	h.req("POST", "/api/v1/profiles", api.ProfileWrite{Name: "ops", Servers: []string{}}).envelope(t, http.StatusConflict, "ProfileExists")
	r = h.req("POST", "/api/v1/profiles", api.ProfileWrite{Name: "ghostly", Servers: []string{"ghost"}})
	r.envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
	if r.JSON(t, &e); len(e.Problems) != 1 || e.Problems[0].Path != "profiles.ghostly.servers[0]" {
		t.Fatalf("POST with an unknown server: %+v", e.Problems)
	}
	r = h.req("PUT", "/api/v1/profiles/ops", api.ProfileWrite{Servers: []string{"alpha", "beta"}, Tools: []string{"*__pid"}})
	if r.Status != http.StatusOK {
		t.Fatalf("PUT profile: %d %s", r.Status, r.Body)
	}
	if r.JSON(t, &made); made.ToolCount != 2 || !slices.Equal(made.ExposedServers, []string{"alpha", "beta"}) {
		t.Fatalf("replaced profile: %+v", made)
	}
	h.req("PUT", "/api/v1/profiles/nope", api.ProfileWrite{Servers: []string{}}).envelope(t, http.StatusNotFound, "ProfileNotFound")
	if r := h.req("DELETE", "/api/v1/profiles/ops", nil); r.Status != http.StatusNoContent {
		t.Fatalf("DELETE profile: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/profiles/ops", nil).envelope(t, http.StatusNotFound, "ProfileNotFound")
	if h.fileConfig().Profiles["ops"] != nil {
		t.Fatal("profile ops still in the file after DELETE")
	}
	h.req("DELETE", "/api/v1/profiles/ops", nil).envelope(t, http.StatusNotFound, "ProfileNotFound")
}
