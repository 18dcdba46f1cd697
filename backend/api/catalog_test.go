package api_test

import (
	"net/http"
	"strings"
	"testing"

	"switchboard/backend/api"
	"switchboard/backend/catalog"
	"switchboard/backend/testdeps"
)

func TestCatalogSearchAddDeleteAndDeploy(t *testing.T) {
	h := newHarness(t, nil)
	var list api.CatalogList
	h.req("GET", "/api/v1/catalog?q=memory", nil).JSON(t, &list)
	if list.Total == 0 || list.Entries[0].ID != "memory" || list.Entries[0].Source != catalog.SourceBuiltin {
		t.Fatalf("search: %+v", list)
	}
	h.req("GET", "/api/v1/catalog?tags=official,python", nil).JSON(t, &list)
	if list.Total < 3 {
		t.Fatalf("tags: %+v", list)
	}
	h.req("GET", "/api/v1/catalog?q=zzzz-nothing", nil).JSON(t, &list)
	if list.Total != 0 || list.Entries == nil {
		t.Fatalf("no match: %+v", list)
	}
	e := getJSON[catalog.Entry](t, h.req("GET", "/api/v1/catalog/filesystem", nil))
	if e.Command != "npx" || !strings.Contains(strings.Join(e.Args, " "), "@modelcontextprotocol/server-filesystem") {
		t.Fatalf("%+v", e)
	}
	h.req("GET", "/api/v1/catalog/nosuch", nil).envelope(t, 404, "CatalogEntryNotFound")

	// A user entry for our test server.
	entry := catalog.Entry{ID: "echo-tools", Name: "Echo tools", Transport: "stdio", Command: testdeps.TestServerBinary(t),
		Args: []string{"--transport", "stdio"}, Tags: []string{"testing"},
		Env: []catalog.EnvVar{{Name: "ECHO_TOKEN", Required: true, Secret: true}}}
	r := h.req("POST", "/api/v1/catalog", entry)
	if r.Status != http.StatusCreated {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	h.req("POST", "/api/v1/catalog", entry).envelope(t, 409, "CatalogEntryExists")
	r = h.req("POST", "/api/v1/catalog", map[string]any{"id": "Bad Id", "transport": "pigeon"})
	var e422 api.Error
	r.JSON(t, &e422)
	if r.envelope(t, 422, "InvalidField"); len(e422.Problems) < 2 || e422.Problems[0].Path != "id" {
		t.Fatalf("%s", r.Body)
	}
	h.req("POST", "/api/v1/catalog", `{"id": `).envelope(t, 400, "BadJSON")
	h.req("POST", "/api/v1/catalog", "").envelope(t, 400, "EmptyBody")

	// Deploy asks for the required env, naming it.
	r = h.req("POST", "/api/v1/catalog/echo-tools/deploy", nil)
	var missing api.Error
	r.JSON(t, &missing)
	if r.envelope(t, 422, "InvalidField"); len(missing.Problems) != 1 || missing.Problems[0].Path != "env.ECHO_TOKEN" {
		t.Fatalf("%s", r.Body)
	}
	r = h.req("POST", "/api/v1/catalog/github/deploy", catalog.DeployRequest{})
	if msg := r.envelope(t, 422, "InvalidField"); !strings.Contains(msg, "GITHUB_PERSONAL_ACCESS_TOKEN") {
		t.Fatal(msg)
	}
	h.req("POST", "/api/v1/catalog/echo-tools/deploy", catalog.DeployRequest{Name: "bad name", Env: map[string]string{"ECHO_TOKEN": "x"}}).envelope(t, 422, "InvalidField")
	h.req("POST", "/api/v1/catalog/echo-tools/deploy", `{"env": 5}`).envelope(t, 422, "InvalidField")

	r = h.req("POST", "/api/v1/catalog/echo-tools/deploy", catalog.DeployRequest{Name: "echo", Env: map[string]string{"ECHO_TOKEN": "${keyring:ECHO_TOKEN}"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("deploy: %d %s", r.Status, r.Body)
	}
	var dep api.CatalogDeployed
	r.JSON(t, &dep)
	if !dep.Server.Quarantined || !strings.Contains(dep.Message, "quarantined") {
		t.Fatalf("a deployed server must start quarantined: %+v", dep)
	}
	if info := getJSON[api.ServerInfo](t, h.req("GET", "/api/v1/servers/echo", nil)); !info.Quarantined {
		t.Fatalf("%+v", info)
	}
	if sc := h.fileConfig().Servers["echo"]; sc == nil || sc.Env["ECHO_TOKEN"] != "${keyring:ECHO_TOKEN}" {
		t.Fatalf("%+v", sc)
	}
	h.req("POST", "/api/v1/catalog/echo-tools/deploy", catalog.DeployRequest{Name: "echo", Env: map[string]string{"ECHO_TOKEN": "x"}}).envelope(t, 409, "ServerExists")

	h.req("DELETE", "/api/v1/catalog/memory", nil).envelope(t, 409, "CatalogEntryBuiltIn")
	var del api.CatalogDeleted
	h.req("DELETE", "/api/v1/catalog/echo-tools", nil).JSON(t, &del)
	if !del.Deleted {
		t.Fatalf("%+v", del)
	}
	h.req("DELETE", "/api/v1/catalog/echo-tools", nil).envelope(t, 404, "CatalogEntryNotFound")
}
