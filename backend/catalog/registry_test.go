package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// registryStandIn serves pages of the registry API (GET /v0.1/servers,
// or /v0/servers when v01 is false) from server.json documents, two a
// page, as the official registry pages with metadata.nextCursor.
func registryStandIn(t *testing.T, v01 bool, servers ...string) *httptest.Server {
	t.Helper()
	path := "/v0/servers"
	if v01 {
		path = "/v0.1/servers"
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("version") != "latest" {
			t.Errorf("asked for version %q, want latest", r.URL.Query().Get("version"))
		}
		start := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			start = int(c[0] - '0')
		}
		end := min(start+2, len(servers))
		page := map[string]any{"servers": []any{}, "metadata": map[string]any{"count": end - start}}
		for _, s := range servers[start:end] {
			page["servers"] = append(page["servers"].([]any), map[string]any{"server": json.RawMessage(s),
				"_meta": map[string]any{"io.modelcontextprotocol.registry/official": map[string]any{"status": "active", "isLatest": true}}})
		}
		if end < len(servers) {
			key := "nextCursor"
			if !v01 {
				key = "next_cursor"
			}
			page["metadata"].(map[string]any)[key] = string(rune('0' + end))
		}
		_ = json.NewEncoder(w).Encode(page)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var registryServers = []string{
	`{"name": "io.github.user/local-weather", "description": "Local weather.", "version": "1.0.0",
	  "packages": [{"registryType": "npm", "identifier": "@example/server-weather", "version": "1.0.0", "transport": {"type": "stdio"},
	    "packageArguments": [{"type": "positional", "valueHint": "config_path", "isRequired": true}, {"type": "named", "name": "--port", "value": "8080"}],
	    "environmentVariables": [{"name": "API_KEY", "isSecret": true, "isRequired": true, "description": "The weather service's key"}]}]}`,
	`{"name": "io.github.user/remote-weather", "title": "Remote Weather", "description": "Remote weather.", "version": "2.1.0",
	  "repository": {"url": "https://github.com/example/weather", "source": "github"},
	  "remotes": [{"type": "streamable-http", "url": "https://{host}/mcp", "headers": [{"name": "Authorization", "isSecret": true, "isRequired": true}],
	    "variables": {"host": {"default": "api.example.com"}}}]}`,
	`{"name": "com.example/fetch", "description": "Fetch pages.", "version": "0.6.2",
	  "packages": [{"registryType": "pypi", "identifier": "mcp-server-fetch", "version": "0.6.2", "transport": {"type": "stdio"}}]}`,
	`{"name": "com.example/desktop-only", "description": "A bundle.", "version": "1.0.0",
	  "packages": [{"registryType": "mcpb", "identifier": "https://example.com/x.mcpb", "transport": {"type": "stdio"}}]}`,
	`{"name": "com.example/Container", "description": "In a container.", "version": "3.0.0",
	  "packages": [{"registryType": "oci", "identifier": "ghcr.io/example/mcp", "version": "3.0.0", "transport": {"type": "stdio"}}]}`,
	`{"name": "com.example/odd-remote", "description": "Not over HTTP.", "version": "1.0.0",
	  "remotes": [{"type": "sse", "url": "ftp://example.com/mcp"}]}`,
}

func TestSyncReadsEveryPageOfARegistry(t *testing.T) {
	reg := registryStandIn(t, true, registryServers...)
	dir := t.TempDir()
	c, err := New(filepath.Join(dir, "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Sync(context.Background(), reg.Client(), reg.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 4 || res.Added != 4 || res.Skipped != 2 || len(res.Why) != 2 || !strings.Contains(res.Why[0], "desktop-only: a mcpb package") ||
		!strings.Contains(res.Why[1], "odd-remote: url: must be an http:// or https:// URL") {
		t.Fatalf("sync: %+v", res)
	}
	get := func(id string) Entry {
		t.Helper()
		e, err := c.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Source != SourceRegistry || e.Validate() != nil {
			t.Fatalf("%s: source %q, valid: %v", id, e.Source, e.Validate())
		}
		return e
	}
	local := get("io.github.user-local-weather")
	if local.Command != "npx" || !slices.Equal(local.Args, []string{"-y", "@example/server-weather@1.0.0", "--port", "8080"}) ||
		local.ArgsHint != "add: config_path" || len(local.Env) != 1 || !local.Env[0].Secret || !local.Env[0].Required {
		t.Fatalf("npm entry: %+v", local)
	}
	remote := get("io.github.user-remote-weather")
	if remote.Name != "Remote Weather" || remote.Transport != "http" || remote.URL != "https://api.example.com/mcp" ||
		remote.Headers["Authorization"] != "{{AUTHORIZATION}}" || remote.Homepage != "https://github.com/example/weather" {
		t.Fatalf("remote entry: %+v", remote)
	}
	if e := get("com.example-fetch"); e.Command != "uvx" || !slices.Equal(e.Args, []string{"mcp-server-fetch==0.6.2"}) {
		t.Fatalf("pypi entry: %+v", e)
	}
	if e := get("com.example-container"); e.Image != "ghcr.io/example/mcp:3.0.0" {
		t.Fatalf("oci entry: %+v", e)
	}
	// A deploy asks for the header's value, as for any entry's variables.
	if _, err := remote.Server(DeployRequest{}); err == nil || !strings.Contains(err.Error(), "AUTHORIZATION") {
		t.Fatalf("deploy without the key: %v", err)
	}
	sc, err := remote.Server(DeployRequest{Env: map[string]string{"AUTHORIZATION": "${keyring:WEATHER}"}})
	if err != nil || sc.Headers["Authorization"] != "${keyring:WEATHER}" {
		t.Fatalf("deploy: %+v, %v", sc, err)
	}
	// Search finds them beside the built-in entries.
	if hits := c.Search("weather", []string{"registry"}); len(hits) != 2 {
		t.Fatalf("search weather among the registry's: %d hits", len(hits))
	}

	// Kept across a restart, and replaced whole by the next sync.
	c2, err := New(filepath.Join(dir, "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, when, n := c2.RegistryStatus(); n != 4 || when.IsZero() {
		t.Fatalf("after a restart: %d entries synced at %v", n, when)
	}
	smaller := registryStandIn(t, false, registryServers[2])
	res, err = c2.Sync(context.Background(), smaller.Client(), smaller.URL)
	if err != nil || res.Total != 1 || res.Added != 0 || res.Removed != 3 {
		t.Fatalf("second sync (a v0 registry): %+v, %v", res, err)
	}
	if _, err := c2.Get("io.github.user-local-weather"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an entry the registry dropped is still there: %v", err)
	}
	if err := c2.Delete("com.example-fetch"); !errors.Is(err, ErrBuiltin) || !strings.Contains(err.Error(), "registry") {
		t.Fatalf("deleting a registry entry: %v", err)
	}
}

func TestSyncErrorsSayWhatWentWrongAndKeepTheLastSync(t *testing.T) {
	c, err := New(filepath.Join(t.TempDir(), "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	ok := registryStandIn(t, true, registryServers[0])
	if _, err := c.Sync(context.Background(), ok.Client(), ok.URL); err != nil {
		t.Fatal(err)
	}
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }))
	defer notJSON.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	for _, tc := range []struct{ url, want string }{
		{notJSON.URL, "did not answer a registry's server list"},
		{down.URL, "503 Service Unavailable: maintenance"},
		{"http://example.com", "must be https://"},
		{"registry", "is not a URL"},
	} {
		_, err := c.Sync(context.Background(), http.DefaultClient, tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("sync %s: %v, want an error saying %q", tc.url, err, tc.want)
		}
	}
	if _, _, n := c.RegistryStatus(); n != 1 {
		t.Fatalf("failed syncs changed the entries: %d", n)
	}
}

func TestRegistryIDs(t *testing.T) {
	for in, want := range map[string]string{
		"io.github.user/weather":       "io.github.user-weather",
		"com.Example/My Server":        "com.example-my-server",
		"/odd/":                        "odd",
		strings.Repeat("a", 70) + "/b": strings.Repeat("a", 64),
	} {
		if got := registryID(in); got != want || !idRe.MatchString(got) {
			t.Errorf("registryID(%q) = %q, want %q", in, got, want)
		}
	}
}
