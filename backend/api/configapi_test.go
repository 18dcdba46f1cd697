package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

const secretToken = "tok-3f9a1c7e5b"

// secretHarness runs server t with a secret env value, a reference that may
// show, and a secret header.
func secretHarness(t *testing.T) *harness {
	sc := stdioServer(t)
	sc.Env = map[string]string{"TOKEN": secretToken, "HOME_DIR": "${env:HOME}"}
	sc.Headers = map[string]string{"Authorization": "Bearer " + secretToken}
	return newHarness(t, map[string]*config.Server{"t": sc})
}

// configBody is a config as GET returns it, decoded to change and send back.
func configBody(t *testing.T, r response) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("want 200, got %d: %s", r.Status, r.Body)
	}
	return r.Map(t)
}

func noSecrets(t *testing.T, what string, h *harness, body []byte) {
	t.Helper()
	for _, s := range []string{secretToken, h.key} {
		if bytes.Contains(body, []byte(s)) {
			t.Fatalf("%s shows a secret: %s", what, body)
		}
	}
}

func TestConfigGetAndExportMaskSecrets(t *testing.T) {
	h := secretHarness(t)
	for _, r := range []response{h.req("GET", "/api/v1/config", nil), h.sock("GET", "/api/v1/config", nil)} {
		noSecrets(t, "GET /config", h, r.Body)
		var c config.Config
		r.JSON(t, &c)
		sc := c.Servers["t"]
		if c.APIKey != "***" || sc == nil || sc.Env["TOKEN"] != "***" || sc.Env["HOME_DIR"] != "${env:HOME}" ||
			sc.Headers["Authorization"] != "***" || sc.Command == "" {
			t.Fatalf("GET /config: %s", r.Body)
		}
		if r.Header.Get("ETag") == "" {
			t.Fatal("no ETag")
		}
	}

	for _, r := range []response{h.req("GET", "/api/v1/config/export", nil), h.sock("GET", "/api/v1/config/export?include_secrets=true", nil)} {
		noSecrets(t, "the export", h, r.Body)
		if r.Status != http.StatusOK || r.Header.Get("Content-Disposition") != `attachment; filename="switchboard-config.json"` {
			t.Fatalf("export: %d %v", r.Status, r.Header)
		}
		// It is a config file: it loads, and only the masked secrets differ.
		c, err := config.Parse(r.Body)
		if err != nil || c.Servers["t"] == nil || c.Servers["t"].Env["TOKEN"] != "***" {
			t.Fatalf("the export is not a config file (%v): %s", err, r.Body)
		}
	}
}

func TestConfigPutKeepsSecretsShownMaskedAndWritesTheFile(t *testing.T) {
	h := secretHarness(t)
	get := h.req("GET", "/api/v1/config", nil)
	etag := get.Header.Get("ETag")
	doc := configBody(t, get)
	servers := doc["mcpServers"].(map[string]any)
	servers["t"].(map[string]any)["description"] = "changed through the API"
	servers["u"] = map[string]any{"command": testdeps.TestServerBinary(t), "args": []string{"--transport", "stdio"}, "env": map[string]string{"NEW": "fresh"}}
	doc["x_custom"] = map[string]any{"kept": true}

	r := h.req("PUT", "/api/v1/config", doc, "If-Match: "+etag)
	noSecrets(t, "PUT /config", h, r.Body)
	if r.Status != http.StatusOK || r.Header.Get("ETag") == etag {
		t.Fatalf("PUT: %d %s (ETag %s)", r.Status, r.Body, r.Header.Get("ETag"))
	}
	file := h.fileConfig()
	tf, uf := file.Servers["t"], file.Servers["u"]
	if file.APIKey != h.key || tf == nil || tf.Env["TOKEN"] != secretToken || tf.Headers["Authorization"] != "Bearer "+secretToken ||
		tf.Env["HOME_DIR"] != "${env:HOME}" || tf.Description != "changed through the API" || uf == nil || uf.Env["NEW"] != "fresh" ||
		file.Extra["x_custom"] == nil {
		t.Fatalf("the file after PUT: %+v t=%+v u=%+v", file, tf, uf)
	}
	waitState(t, h, "u", "ready")

	// The old ETag is stale now.
	h.req("PUT", "/api/v1/config", doc, "If-Match: "+etag).envelope(t, http.StatusPreconditionFailed, "ConfigChanged")

	// Without api_key the key stays; a placeholder with no secret behind it
	// (a new variable) is refused rather than saved as "***".
	delete(doc, "api_key")
	servers["t"].(map[string]any)["env"].(map[string]any)["OTHER"] = "***"
	r = h.req("PUT", "/api/v1/config", doc)
	r.envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
	var e api.Error
	r.JSON(t, &e)
	if len(e.Problems) != 1 || e.Problems[0].Path != "mcpServers.t.env.OTHER" {
		t.Fatalf("problems: %+v", e.Problems)
	}
	delete(servers["t"].(map[string]any)["env"].(map[string]any), "OTHER")
	delete(servers, "u")
	if r := h.sock("PUT", "/api/v1/config", doc); r.Status != http.StatusOK {
		t.Fatalf("PUT without api_key: %d %s", r.Status, r.Body)
	}
	if file := h.fileConfig(); file.APIKey != h.key || file.Servers["u"] != nil || file.Servers["t"].Env["TOKEN"] != secretToken {
		t.Fatalf("the file after the second PUT: %+v", file)
	}
	if _, err := os.Stat(h.configPath() + ".bak"); err != nil {
		t.Fatalf("no .bak of the file before the change: %v", err)
	}
}

func TestConfigPutAndValidateRefuseBadBodies(t *testing.T) {
	h := newHarness(t, nil)
	before, _ := os.ReadFile(h.configPath())
	for _, path := range []string{"/api/v1/config", "/api/v1/config/validate"} {
		method := "POST"
		if path == "/api/v1/config" {
			method = "PUT"
		}
		h.req(method, path, `{"mcpServers": {`).envelope(t, http.StatusBadRequest, "BadJSON")
		h.req(method, path, ``).envelope(t, http.StatusBadRequest, "EmptyBody")
		for body, field := range map[string]string{
			`[]`:                                 "(body)",
			`null`:                               "(body)",
			`{"listen": "127.0.0.1:7410"}`:       "mcpServers",
			`{"mcpServers": null}`:               "mcpServers",
			`{"mcpServers": {"a": {"args": 1}}}`: "mcpServers.a.args",
			`{"mcpServers": [], "listen": 1}`:    "listen",
		} {
			r := h.req(method, path, body)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s %s %s: %d %s", method, path, body, r.Status, r.Body)
			}
			r.envelope(t, http.StatusUnprocessableEntity, "")
			var e api.Error
			r.JSON(t, &e)
			if len(e.Problems) == 0 || !strings.HasPrefix(e.Problems[0].Path, field) {
				t.Fatalf("%s %s: problems %+v, want one at %s", method, body, e.Problems, field)
			}
		}
		// Every problem of a config is listed, each with where it is.
		r := h.req(method, path, map[string]any{"listen": "nowhere", "mcpServers": map[string]any{
			"a":       map[string]any{"type": "stdioo", "command": "x"},
			"b":       map[string]any{"command": "x", "call_timeout_s": -1},
			"bad.one": map[string]any{"command": "x"},
		}})
		r.envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
		var e api.Error
		r.JSON(t, &e)
		paths := map[string]bool{}
		for _, p := range e.Problems {
			paths[p.Path] = true
		}
		for _, want := range []string{"listen", "mcpServers.a.type", "mcpServers.b.call_timeout_s", `mcpServers["bad.one"]`} {
			if !paths[want] {
				t.Fatalf("%s: no problem at %s in %+v", method, want, e.Problems)
			}
		}
	}
	if after, _ := os.ReadFile(h.configPath()); !bytes.Equal(before, after) {
		t.Fatal("a refused config changed the file")
	}
}

func TestConfigValidateSaysWhatWouldChangeAndAppliesNothing(t *testing.T) {
	h := secretHarness(t)
	doc := configBody(t, h.req("GET", "/api/v1/config", nil))
	var v api.ConfigValidation
	r := h.req("POST", "/api/v1/config/validate", doc)
	r.JSON(t, &v)
	if r.Status != http.StatusOK || !v.Valid || len(v.Changes.Changed)+len(v.Changes.Added)+len(v.Changes.Settings) != 0 {
		t.Fatalf("the config in force, as GET shows it, must validate unchanged: %d %s", r.Status, r.Body)
	}
	doc["mcpServers"].(map[string]any)["t"].(map[string]any)["tags"] = []string{"x"}
	doc["mcpServers"].(map[string]any)["n"] = map[string]any{"url": "http://127.0.0.1:1/mcp"}
	doc["cors_origins"] = []string{"http://localhost:5173"}
	r = h.sock("POST", "/api/v1/config/validate", doc)
	r.JSON(t, &v)
	if r.Status != http.StatusOK || strings.Join(v.Changes.Changed, ",") != "t" || strings.Join(v.Changes.Added, ",") != "n" ||
		strings.Join(v.Changes.Settings, ",") != "cors_origins" {
		t.Fatalf("validate a change: %d %s", r.Status, r.Body)
	}
	if c := h.fileConfig(); c.Servers["n"] != nil || len(c.CORSOrigins) != 0 {
		t.Fatal("validate applied the config")
	}
}

func TestConfigHandEditsShowInTheAPIAndBrokenOnesAreReported(t *testing.T) {
	h := secretHarness(t)
	raw, err := os.ReadFile(h.configPath())
	if err != nil {
		t.Fatal(err)
	}
	var d api.ConfigDiff
	r := h.req("GET", "/api/v1/config/diff", nil)
	r.JSON(t, &d)
	if r.Status != http.StatusOK || !d.InSync || d.Changes.Changed == nil {
		t.Fatalf("diff of an untouched file: %d %s", r.Status, r.Body)
	}

	edited := bytes.Replace(raw, []byte(`"mcpServers": {`), []byte(`"mcpServers": {
    "hand": {"url": "http://127.0.0.1:1/mcp", "description": "added by hand"},`), 1)
	if err := os.WriteFile(h.configPath(), edited, 0o600); err != nil {
		t.Fatal(err)
	}
	// Until the watcher picks the edit up, the diff shows it as pending.
	if r := h.req("GET", "/api/v1/config/diff", nil); r.Status == http.StatusOK {
		r.JSON(t, &d)
		if !d.InSync && strings.Join(d.Changes.Added, ",") != "hand" {
			t.Fatalf("diff of a pending edit: %s", r.Body)
		}
	}
	testdeps.Eventually(t, 10*time.Second, "the hand edit shows in GET /config", func() bool {
		var c config.Config
		h.req("GET", "/api/v1/config", nil).JSON(t, &c)
		return c.Servers["hand"] != nil && c.Servers["hand"].Description == "added by hand"
	})
	h.req("GET", "/api/v1/config/diff", nil).JSON(t, &d)
	if !d.InSync {
		t.Fatalf("diff after the edit was applied: %+v", d)
	}
	var re api.ConfigReloaded
	if r := h.sock("POST", "/api/v1/config/reload", nil); r.Status != http.StatusOK {
		t.Fatalf("reload: %d %s", r.Status, r.Body)
	} else if r.JSON(t, &re); len(re.Changes.Added)+len(re.Changes.Changed)+len(re.Changes.Removed) != 0 {
		t.Fatalf("reload of the file in force changed %+v", re.Changes)
	}

	// A file that is not JSON, then one that does not validate: diff and
	// reload say what is wrong, and the last good config stays.
	if err := os.WriteFile(h.configPath(), []byte(`{"mcpServers": {"t": `), 0o600); err != nil {
		t.Fatal(err)
	}
	msg := h.req("POST", "/api/v1/config/reload", nil).envelope(t, http.StatusUnprocessableEntity, "ConfigFileBroken")
	if !strings.Contains(msg, "config.json:1:") {
		t.Fatalf("the message does not say where: %s", msg)
	}
	h.req("GET", "/api/v1/config/diff", nil).envelope(t, http.StatusUnprocessableEntity, "ConfigFileBroken")

	bad := bytes.Replace(edited, []byte(`"description": "added by hand"`), []byte(`"idle_ttl_s": -5`), 1)
	if err := os.WriteFile(h.configPath(), bad, 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.req("POST", "/api/v1/config/reload", nil)
	r.envelope(t, http.StatusUnprocessableEntity, "InvalidConfig")
	var e api.Error
	r.JSON(t, &e)
	if len(e.Problems) != 1 || e.Problems[0].Path != "mcpServers.hand.idle_ttl_s" {
		t.Fatalf("problems of the bad file: %+v", e.Problems)
	}
	var c config.Config
	h.req("GET", "/api/v1/config", nil).JSON(t, &c)
	if c.Servers["hand"] == nil || c.Servers["hand"].Description != "added by hand" || c.Servers["t"] == nil {
		t.Fatalf("the last good config did not stay: %+v", c.Servers)
	}

	// A PUT over the broken file is the whole config: it is written, and the
	// broken edit is kept as the .bak.
	doc := configBody(t, h.req("GET", "/api/v1/config", nil))
	if r := h.req("PUT", "/api/v1/config", doc); r.Status != http.StatusOK {
		t.Fatalf("PUT over a broken file: %d %s", r.Status, r.Body)
	}
	if file := h.fileConfig(); file.Servers["t"].Env["TOKEN"] != secretToken || file.Servers["hand"] == nil {
		t.Fatalf("file after PUT: %+v", file.Servers)
	}
	if bak, _ := os.ReadFile(h.configPath() + ".bak"); !bytes.Equal(bak, bad) {
		t.Fatal("the broken edit was not kept as .bak")
	}
}

func TestConfigBackupsRotate(t *testing.T) {
	h := secretHarness(t)
	var list api.ConfigBackups
	h.req("GET", "/api/v1/config/backups", nil).JSON(t, &list)
	if list.Backups == nil || len(list.Backups) != 0 {
		t.Fatalf("backups before any: %+v", list)
	}
	var first config.BackupFile
	for i := 0; i < 12; i++ {
		r := h.req("POST", "/api/v1/config/backup", nil)
		var b config.BackupFile
		r.JSON(t, &b)
		if r.Status != http.StatusCreated || b.SizeBytes == 0 || b.Created.IsZero() || filepath.Dir(b.Path) != filepath.Join(h.home, "backups") {
			t.Fatalf("backup %d: %d %s", i, r.Status, r.Body)
		}
		if i == 0 {
			first = b
		}
	}
	h.sock("GET", "/api/v1/config/backups", nil).JSON(t, &list)
	if len(list.Backups) != 10 || !list.Backups[0].Created.After(list.Backups[9].Created) {
		t.Fatalf("backups kept: %+v", list.Backups)
	}
	if _, err := os.Stat(first.Path); !os.IsNotExist(err) {
		t.Fatal("the oldest backup was not rotated out")
	}
	// A backup is a real copy: it loads, secrets and all, and only its
	// owner can read it.
	newest := list.Backups[0].Path
	c, err := config.Load(newest)
	if err != nil || c.APIKey != h.key || c.Servers["t"].Env["TOKEN"] != secretToken {
		t.Fatalf("the backup does not load as the config in force: %v", err)
	}
	if info, _ := os.Stat(newest); info.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v", info.Mode().Perm())
	}
}

// TestActivityAndConfigRoutesNeedTheKeyOnTCPOnly calls every route of both
// areas without a key on TCP (401) and on the socket (success).
func TestActivityAndConfigRoutesNeedTheKeyOnTCPOnly(t *testing.T) {
	h := newHarness(t, nil)
	recordSpread(h, 2)
	id := activityPage(t, h.req("GET", "/api/v1/activity", nil)).Items[0].ID
	doc := configBody(t, h.req("GET", "/api/v1/config", nil))
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/v1/activity", nil, 200},
		{"GET", "/api/v1/activity/summary", nil, 200},
		{"GET", "/api/v1/activity/export?format=csv", nil, 200},
		{"GET", "/api/v1/activity/" + id, nil, 200},
		{"GET", "/api/v1/config", nil, 200},
		{"PUT", "/api/v1/config", doc, 200},
		{"POST", "/api/v1/config/validate", doc, 200},
		{"GET", "/api/v1/config/export", nil, 200},
		{"GET", "/api/v1/config/diff", nil, 200},
		{"POST", "/api/v1/config/backup", nil, 201},
		{"GET", "/api/v1/config/backups", nil, 200},
		{"POST", "/api/v1/config/reload", nil, 200},
	} {
		h.anon(c.method, c.path, c.body).envelope(t, http.StatusUnauthorized, "Unauthorized")
		h.anon(c.method, c.path, c.body, "X-API-Key: sb_wrong").envelope(t, http.StatusUnauthorized, "Unauthorized")
		if r := h.sock(c.method, c.path, c.body); r.Status != c.status {
			t.Fatalf("%s %s on the socket: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	if file := h.fileConfig(); file.APIKey != h.key {
		t.Fatal("a PUT of the config as GET shows it changed the API key")
	}
}

// FuzzValidateConfigBody sends arbitrary bodies to POST
// /api/v1/config/validate on a real core: every answer is a success or a
// 4xx with the error envelope, never a 500 or a dropped connection.
func FuzzValidateConfigBody(f *testing.F) {
	for _, seed := range []string{
		`{"mcpServers":{}}`,
		`{"api_key":"***","mcpServers":{"a":{"command":"x","env":{"K":"***"}}}}`,
		`{"listen":"127.0.0.1:0","cors_origins":[""],"mcpServers":{"a":{"url":"http://h/mcp","headers":{"":"v"}}}}`,
		`{"mcpServers":{"a":{"command":"x","args":"y"}}}`,
		`{"mcpServers":{"a":null,"b":{"prefix":"a__b"}}}`,
		`{"mcpServers":{"a":{"url":"https://u:xxxxx@h/mcp"}}}`,
		`{"mcpServers":{"a":{"command":"x","unknown":[1,{"deep":null}]}},"extra":1e400}`,
		`{"mcpServers":{"\u00e9 \"q\"":{"command":"x"}}}`,
		`[]`, `null`, `"x"`, `{`, `{"mcpServers":1}`, "\xef\xbb\xbf{\"mcpServers\":{}}", `{"mcpServers":{}} {}`,
	} {
		f.Add([]byte(seed))
	}
	h := newHarness(f, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		ht := *h
		ht.t = t // the harness reports through this input's test
		r := ht.req("POST", "/api/v1/config/validate", body)
		if r.Status == http.StatusOK {
			var v api.ConfigValidation
			if err := json.Unmarshal(r.Body, &v); err != nil || !v.Valid {
				t.Fatalf("body %q: 200 without a validation: %s", body, r.Body)
			}
			return
		}
		if r.Status < 400 || r.Status >= 500 {
			t.Fatalf("body %q: status %d: %s", body, r.Status, r.Body)
		}
		r.envelope(t, r.Status, "")
	})
}
