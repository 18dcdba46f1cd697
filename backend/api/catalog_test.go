package api_test

import (
	"net/http"
	"net/http/httptest"
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

// A registry on this machine, serving the MCP Registry API: the catalog
// fills from it, its entries deploy like any other, and a registry that
// cannot be read is a 502 that keeps the last sync.
func TestCatalogSyncFromARegistry(t *testing.T) {
	h := newHarness(t, nil)
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v0.1/servers" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"servers": [{"server": {"name": "io.github.example/notes", "title": "Notes", "description": "Team notes.",
			"version": "1.2.0", "packages": [{"registryType": "npm", "identifier": "@example/notes-mcp", "version": "1.2.0",
			"transport": {"type": "stdio"}}]}}], "metadata": {"count": 1}}`))
	}))
	defer reg.Close()

	var st api.CatalogSyncStatus
	h.req("GET", "/api/v1/catalog/sync", nil).JSON(t, &st)
	if st.SyncedAt != nil || st.Entries != 0 {
		t.Fatalf("before any sync: %+v", st)
	}
	var res catalog.SyncResult
	r := h.req("POST", "/api/v1/catalog/sync", map[string]any{"url": reg.URL})
	r.JSON(t, &res)
	if r.Status != http.StatusOK || res.Total != 1 || res.Added != 1 || res.Registry != reg.URL {
		t.Fatalf("sync: %d %s", r.Status, r.Body)
	}
	var list api.CatalogList
	h.req("GET", "/api/v1/catalog?q=notes&tags=registry", nil).JSON(t, &list)
	if list.Total != 1 || list.Entries[0].ID != "io.github.example-notes" || list.Entries[0].Source != catalog.SourceRegistry {
		t.Fatalf("search: %+v", list)
	}
	r = h.req("POST", "/api/v1/catalog/io.github.example-notes/deploy", catalog.DeployRequest{Name: "notes"})
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), "@example/notes-mcp@1.2.0") || !strings.Contains(string(r.Body), `"quarantined":true`) {
		t.Fatalf("deploy: %d %s", r.Status, r.Body)
	}

	reg.Close()
	if msg := h.req("POST", "/api/v1/catalog/sync", map[string]any{"url": reg.URL}).envelope(t, http.StatusBadGateway, "RegistryUnreadable"); !strings.Contains(msg, "keeps the last sync") {
		t.Fatalf("unreachable registry: %q", msg)
	}
	h.req("POST", "/api/v1/catalog/sync", map[string]any{"url": "http://registry.example.com"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("GET", "/api/v1/catalog/sync", nil).JSON(t, &st)
	if st.Entries != 1 || st.SyncedAt == nil || st.Registry != reg.URL {
		t.Fatalf("after the failed syncs: %+v", st)
	}
}
