package api_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/daemon"
	"switchboard/backend/secrets"
	"switchboard/backend/testdeps"

	"github.com/mark3labs/mcp-go/mcp"
)

// lockedBuffer collects the core's log lines from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newLoggedHarness is newHarness with the core's log, at debug level, kept
// in the returned buffer, and the encrypted file store for secrets.
func newLoggedHarness(t *testing.T, servers map[string]*config.Server) (*harness, *lockedBuffer) {
	t.Helper()
	return newSecretsHarness(t, servers, nil)
}

// newSecretsHarness is newLoggedHarness with prepare run on the home folder
// before the core starts.
func newSecretsHarness(t *testing.T, servers map[string]*config.Server, prepare func(home string)) (*harness, *lockedBuffer) {
	t.Helper()
	t.Setenv(secrets.BackendEnv, secrets.BackendFile)
	home, err := os.MkdirTemp("", "sbsec")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(home) })
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Servers = servers
	if err := config.Save(filepath.Join(home, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(home)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Logger: logger, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d.Gateway().WaitReady(ctx)
	sock := d.Socket()
	return &harness{t: t, d: d, home: home, key: cfg.APIKey,
		tcp: &http.Client{Timeout: 30 * time.Second},
		socket: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			}}},
	}, logs
}

func TestSecretsSetListDelete(t *testing.T) {
	srv := stdioServer(t)
	srv.Env = map[string]string{"SB_TOKEN": "${keyring:SB_TOKEN}"}
	h, _ := newLoggedHarness(t, map[string]*config.Server{"alpha": srv})

	// The reference has no secret yet: the server cannot start, and says why.
	dead := waitState(t, h, "alpha", "dead")
	if !strings.Contains(dead.LastError, "SB_TOKEN") {
		t.Errorf("last error does not name the missing secret: %q", dead.LastError)
	}
	var list api.SecretList
	h.req("GET", "/api/v1/secrets", nil).JSON(t, &list)
	if list.Backend != "file" || len(list.Secrets) != 0 || len(list.Missing) != 1 ||
		list.Missing[0].Name != "SB_TOKEN" || list.Missing[0].UsedBy[0] != "alpha" {
		t.Fatalf("list before set: %+v", list)
	}

	// Setting it restarts the server that needs it, which now comes up.
	r := h.req("PUT", "/api/v1/secrets/SB_TOKEN", api.SecretValue{Value: "first-value-123"})
	var set api.SecretSet
	r.JSON(t, &set)
	if r.Status != http.StatusOK || !set.Created || set.Secret.Name != "SB_TOKEN" ||
		len(set.Restarted) != 1 || set.Restarted[0] != "alpha" || set.Secret.UsedBy[0] != "alpha" {
		t.Fatalf("set: %d %s", r.Status, r.Body)
	}
	waitState(t, h, "alpha", "ready")
	if got := envOf(t, h, "alpha", "SB_TOKEN"); got != "first-value-123" {
		t.Fatalf("the server got %q", got)
	}

	// A new value reaches the server through its restart.
	r = h.req("PUT", "/api/v1/secrets/SB_TOKEN", api.SecretValue{Value: "second-value-456"})
	r.JSON(t, &set)
	if set.Created || !set.Secret.Updated.After(set.Secret.Created) && !set.Secret.Updated.Equal(set.Secret.Created) {
		t.Fatalf("update: %s", r.Body)
	}
	c := h.mcpClient()
	testdeps.Eventually(t, 10*time.Second, "the new value in the server", func() bool {
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = "alpha__env", map[string]any{"name": "SB_TOKEN"}
		res, err := c.CallTool(context.Background(), req)
		return err == nil && text(res) == "second-value-456"
	})

	h.req("GET", "/api/v1/secrets", nil).JSON(t, &list)
	if len(list.Secrets) != 1 || len(list.Missing) != 0 || list.Secrets[0].Created.IsZero() {
		t.Fatalf("list after set: %+v", list)
	}

	// Bad input.
	h.req("PUT", "/api/v1/secrets/bad%20name", api.SecretValue{Value: "x"}).envelope(t, http.StatusUnprocessableEntity, "")
	h.req("PUT", "/api/v1/secrets/OK_NAME", api.SecretValue{Value: ""}).envelope(t, http.StatusUnprocessableEntity, "")
	h.req("PUT", "/api/v1/secrets/OK_NAME", nil).envelope(t, http.StatusBadRequest, "EmptyBody")
	h.req("PUT", "/api/v1/secrets/OK_NAME", `{"value": 12}`).envelope(t, http.StatusUnprocessableEntity, "")
	h.req("PUT", "/api/v1/secrets/OK_NAME", api.SecretValue{Value: strings.Repeat("x", secrets.MaxValueBytes+1)}).
		envelope(t, http.StatusUnprocessableEntity, "")
	h.req("DELETE", "/api/v1/secrets/NOPE", nil).envelope(t, http.StatusNotFound, "SecretNotFound")
	h.anon("GET", "/api/v1/secrets", nil).envelope(t, http.StatusUnauthorized, "")

	// A secret in use is kept unless forced.
	msg := h.req("DELETE", "/api/v1/secrets/SB_TOKEN", nil).envelope(t, http.StatusConflict, "SecretInUse")
	if !strings.Contains(msg, "alpha") {
		t.Errorf("conflict does not name the server: %s", msg)
	}
	if r := h.sock("DELETE", "/api/v1/secrets/SB_TOKEN?force=true", nil); r.Status != http.StatusNoContent {
		t.Fatalf("forced delete: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/secrets", nil).JSON(t, &list)
	if len(list.Secrets) != 0 || len(list.Missing) != 1 {
		t.Fatalf("list after delete: %+v", list)
	}
}

// envOf calls the test server's env tool through /mcp, as an MCP client
// would: the server answers with the value of one of its environment
// variables. (The REST API's test call hides secret values in its answer.)
func envOf(t *testing.T, h *harness, server, name string) string {
	t.Helper()
	c := h.mcpClient()
	tool := server + "__env"
	// A server that just came up joins /mcp's tool list a moment later.
	testdeps.Eventually(t, 10*time.Second, tool+" listed on /mcp", func() bool {
		res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
		return err == nil && slices.ContainsFunc(res.Tools, func(x mcp.Tool) bool { return x.Name == tool })
	})
	return text(h.callTool(c, tool, map[string]any{"name": name}))
}

func TestSecretsMigrateRewritesTheConfig(t *testing.T) {
	srv := stdioServer(t)
	srv.Env = map[string]string{"GITHUB_TOKEN": "literal-token-abc", "LOG_LEVEL": "debug", "API_KEY": "${env:HOME}"}
	remote := &config.Server{URL: "http://127.0.0.1:9/mcp", Enabled: new(bool),
		Headers: map[string]string{"Authorization": "Bearer literal-bearer-xyz", "X-Client": "sb"}}
	h, _ := newLoggedHarness(t, map[string]*config.Server{"alpha": srv, "remote": remote})
	waitState(t, h, "alpha", "ready")

	var plan api.SecretMigration
	h.req("POST", "/api/v1/secrets/migrate", api.SecretMigrateRequest{DryRun: true}).JSON(t, &plan)
	if !plan.DryRun || len(plan.Moved) != 2 || h.fileConfig().Servers["alpha"].Env["GITHUB_TOKEN"] != "literal-token-abc" {
		t.Fatalf("dry run: %+v", plan)
	}

	// A backup taken before holds the literal values too.
	if r := h.req("POST", "/api/v1/config/backup", nil); r.Status != http.StatusCreated {
		t.Fatalf("backup: %d %s", r.Status, r.Body)
	}
	r := h.sock("POST", "/api/v1/secrets/migrate", nil)
	var done api.SecretMigration
	r.JSON(t, &done)
	if r.Status != http.StatusOK || done.DryRun || len(done.Moved) != 2 || done.Backend != "file" {
		t.Fatalf("migrate: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), "literal-") {
		t.Fatalf("the answer shows a value: %s", r.Body)
	}
	file := h.fileConfig()
	if e := file.Servers["alpha"].Env; e["GITHUB_TOKEN"] != "${keyring:ALPHA_GITHUB_TOKEN}" || e["LOG_LEVEL"] != "debug" || e["API_KEY"] != "${env:HOME}" {
		t.Fatalf("alpha env in the file: %v", e)
	}
	if hd := file.Servers["remote"].Headers; hd["Authorization"] != "Bearer ${keyring:REMOTE_AUTHORIZATION}" || hd["X-Client"] != "sb" {
		t.Fatalf("remote headers in the file: %v", hd)
	}
	// Neither the file, nor its .bak, nor the backup holds a value now; the
	// copies refer to the secrets instead, so they restore the same config.
	if len(done.Scrubbed) != 2 {
		t.Errorf("scrubbed %v, want the .bak and the backup", done.Scrubbed)
	}
	_ = filepath.WalkDir(h.home, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Type()&fs.ModeSocket == 0 {
			if data, _ := os.ReadFile(path); bytes.Contains(data, []byte("literal-")) {
				t.Errorf("%s still holds a literal secret", path)
			}
		}
		return nil
	})
	if bak, err := config.Load(h.configPath() + ".bak"); err != nil || bak.Servers["alpha"].Env["GITHUB_TOKEN"] != "${keyring:ALPHA_GITHUB_TOKEN}" {
		t.Errorf("the .bak after scrubbing: %v", err)
	}
	// The server restarts with the rewritten config and still gets the value.
	waitState(t, h, "alpha", "ready")
	if got := envOf(t, h, "alpha", "GITHUB_TOKEN"); got != "literal-token-abc" {
		t.Fatalf("after migrate the server has %q", got)
	}
	var list api.SecretList
	h.req("GET", "/api/v1/secrets", nil).JSON(t, &list)
	if len(list.Secrets) != 2 || list.Secrets[0].Name != "ALPHA_GITHUB_TOKEN" || list.Secrets[1].Name != "REMOTE_AUTHORIZATION" {
		t.Fatalf("list after migrate: %+v", list)
	}
	// Nothing left to move.
	h.req("POST", "/api/v1/secrets/migrate", "{}").JSON(t, &done)
	if len(done.Moved) != 0 {
		t.Fatalf("second migrate moved %+v", done.Moved)
	}
	h.req("POST", "/api/v1/secrets/migrate", `{"all": "yes"}`).envelope(t, http.StatusUnprocessableEntity, "")
}

// TestSecretValueNeverLeaks sets a secret with a unique marker, hands it to
// a server through ${keyring:...}, uses the server, and then looks for the
// marker everywhere Switchboard writes or answers: only the server process
// may have it.
func TestSecretValueNeverLeaks(t *testing.T) {
	const marker = "leakmarker-3b9e51d07fa2c64e"
	srv := stdioServer(t)
	srv.Env = map[string]string{"SB_LEAK": "${keyring:LEAK_TEST}"}
	srv.Args = append(srv.Args, "--listen=${keyring:LEAK_TEST}") // unused over stdio, but expanded
	// A server whose errors quote its URL, and the URL holds the secret.
	remote := &config.Server{URL: "http://127.0.0.1:9/mcp?token=${keyring:LEAK_TEST}"}
	h, logs := newLoggedHarness(t, map[string]*config.Server{"alpha": srv, "remote": remote})

	stream := h.openSSE(false, "")
	var answers []string
	keep := func(r response) response {
		answers = append(answers, string(r.Body)+"\n"+strings.Join(headerLines(r.Header), "\n"))
		return r
	}
	keep(h.req("PUT", "/api/v1/secrets/LEAK_TEST", api.SecretValue{Value: marker}))
	waitState(t, h, "alpha", "ready")
	if dead := waitState(t, h, "remote", "dead"); !strings.Contains(dead.LastError, "token="+secrets.Redacted) {
		t.Errorf("the remote server's error does not show the URL with the secret hidden: %q", dead.LastError)
	}

	// The server process really has the value. Its own answer echoes it,
	// as the tool is made to; an MCP client gets the answer as the server
	// gave it, but neither the REST API nor the activity log shows it.
	if got := envOf(t, h, "alpha", "SB_LEAK"); got != marker {
		t.Fatalf("the server got %q", got)
	}
	r := keep(h.req("POST", "/api/v1/servers/alpha/tools/env/call", map[string]any{"arguments": map[string]string{"name": "SB_LEAK"}}))
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), secrets.Redacted) {
		t.Errorf("test call of env through the API: %d %s", r.Status, r.Body)
	}
	// Arguments that carry the value are not kept either (the live answers
	// echo what the caller sent, so they are not among the answers checked).
	h.req("POST", "/api/v1/servers/alpha/tools/echo/call", map[string]any{"arguments": map[string]string{"text": "say " + marker}})
	h.req("POST", "/api/v1/servers/alpha/tools/fail/call", map[string]any{"arguments": map[string]string{"message": "failed with " + marker}})
	h.d.Store().Flush()

	for _, path := range []string{
		"/api/v1/secrets", "/api/v1/servers", "/api/v1/servers/alpha", "/api/v1/servers/alpha/logs?lines=500",
		"/api/v1/servers/remote", "/api/v1/servers/remote/health",
		"/api/v1/servers/alpha/tools", "/api/v1/tools", "/api/v1/config", "/api/v1/config/export", "/api/v1/config/diff",
		"/api/v1/activity", "/api/v1/activity/summary", "/api/v1/activity/export?format=jsonl", "/api/v1/activity/export?format=csv",
		"/api/v1/status", "/api/v1/system/info", "/api/v1/system/diagnostics", "/api/v1/system/doctor",
		"/api/v1/sessions", "/metrics",
	} {
		r := keep(h.req("GET", path, nil))
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	var act api.ActivityPage
	h.req("GET", "/api/v1/activity", nil).JSON(t, &act)
	if len(act.Items) < 3 {
		t.Fatalf("activity has %d records", len(act.Items))
	}
	for _, rec := range act.Items {
		keep(h.req("GET", "/api/v1/activity/"+rec.ID, nil))
	}
	// The event stream: server states with their errors, tool calls.
	var sawRemote bool
	for drained := false; !drained; {
		select {
		case f, ok := <-stream.frames:
			if !ok {
				drained = true
				break
			}
			answers = append(answers, "event "+f.Event+": "+f.Data)
			sawRemote = sawRemote || (f.Event == "server.state" && strings.Contains(f.Data, "token="+secrets.Redacted))
		case <-time.After(time.Second):
			drained = true
		}
	}
	if !sawRemote {
		t.Error("no server.state event showed the remote server's error, secret hidden")
	}
	for i, a := range answers {
		if strings.Contains(a, marker) {
			t.Errorf("API answer %d shows the secret: %s", i, a)
		}
	}
	if !strings.Contains(strings.Join(answers, ""), secrets.Redacted) {
		t.Error("the activity log shows no redaction where the value was")
	}

	// Files: the config, the encrypted store, the Badger data, and the
	// logs, live and after a clean shutdown.
	grepHome := func(when string) {
		_ = filepath.WalkDir(h.home, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
				return nil
			}
			data, err := os.ReadFile(path)
			if err == nil && bytes.Contains(data, []byte(marker)) {
				t.Errorf("%s: %s holds the secret", when, path)
			}
			return nil
		})
	}
	grepHome("running")
	h.d.Close()
	grepHome("after shutdown")
	if strings.Contains(logs.String(), marker) {
		t.Errorf("the log shows the secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "LEAK_TEST") {
		t.Error("the log does not mention the secret by name at all: is it captured?")
	}
}

func headerLines(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k+": "+v)
		}
	}
	return out
}

func TestSecretStoreWithoutItsKey(t *testing.T) {
	srv := stdioServer(t)
	srv.Env = map[string]string{"SB_TOKEN": "${keyring:SB_TOKEN}"}
	plain := stdioServer(t)
	h, logs := newSecretsHarness(t, map[string]*config.Server{"alpha": srv, "plain": plain}, func(home string) {
		st, err := secrets.Open(secrets.Options{Home: home, Backend: secrets.BackendFile})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Set("SB_TOKEN", "value-sealed-away"); err != nil {
			t.Fatal(err)
		}
		// The key is lost: the values cannot be opened.
		if err := os.Remove(filepath.Join(home, "keys", "secrets.key")); err != nil {
			t.Fatal(err)
		}
	})
	// The core runs; servers without secrets work, the one that needs one
	// says why it cannot start.
	waitState(t, h, "plain", "ready")
	if dead := waitState(t, h, "alpha", "dead"); !strings.Contains(dead.LastError, "secret store unavailable") || !strings.Contains(dead.LastError, "secrets.key") {
		t.Errorf("alpha's error: %q", dead.LastError)
	}
	for _, r := range []response{
		h.req("GET", "/api/v1/secrets", nil),
		h.req("PUT", "/api/v1/secrets/X", api.SecretValue{Value: "abcdefgh"}),
		h.req("POST", "/api/v1/secrets/migrate", nil),
	} {
		r.envelope(t, http.StatusServiceUnavailable, "SecretStoreUnavailable")
	}
	if !strings.Contains(logs.String(), "secret store unavailable") {
		t.Error("the log does not say the secret store is unavailable")
	}
	if _, err := os.Stat(filepath.Join(h.home, "keys", "secrets.key")); err == nil {
		t.Error("a new key was made over the sealed values")
	}
}
