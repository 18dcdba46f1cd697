package daemon_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/daemon"
	"switchboard/backend/store"
	"switchboard/backend/testdeps"
)

func start(t *testing.T, home string) *daemon.Daemon {
	t.Helper()
	d, err := daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// writeConfig rewrites the servers of the config, keeping the rest as it
// was at first start (config.json.first).
func writeConfig(t *testing.T, path string, servers map[string]any) {
	t.Helper()
	first := path + ".first"
	b, err := os.ReadFile(first)
	if errors.Is(err, os.ErrNotExist) {
		b, err = os.ReadFile(path)
		_ = os.WriteFile(first, b, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["mcpServers"] = servers
	out, _ := json.MarshalIndent(doc, "", "  ")
	// Write a new file and rename it over the old one, as editors do.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func connect(t *testing.T, d *daemon.Daemon) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient("http://" + d.Addr() + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	testdeps.Initialize(t, c, "daemon-test")
	return c
}

func TestFirstStartCreatesConfigSocketAndRefusesASecondInstance(t *testing.T) {
	home := t.TempDir()
	d := start(t, home)
	cfg, err := config.Load(filepath.Join(home, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.APIKey, "sb_") {
		t.Fatalf("no API key generated: %q", cfg.APIKey)
	}
	fi, err := os.Stat(d.Socket())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode %v, want a socket with 0600", fi.Mode())
	}
	_, err = daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, daemon.ErrAlreadyRunning) || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second instance: %v", err)
	}
	if _, err := os.Stat(d.Socket()); err != nil {
		t.Fatalf("the refused second instance removed the first one's socket: %v", err)
	}
}

func TestConfigEditsApplyLiveAndABrokenEditKeepsTheLastGoodConfig(t *testing.T) {
	home := t.TempDir()
	d := start(t, home)
	c := connect(t, d)
	path := filepath.Join(home, "config.json")
	bin := testdeps.TestServerBinary(t)

	began := time.Now()
	writeConfig(t, path, map[string]any{"alpha": map[string]any{"command": bin}})
	approve(t, d, "alpha")
	testdeps.Eventually(t, 10*time.Second, "alpha's tools listed after the edit", func() bool { return slices.Contains(testdeps.ToolNames(t, c), "alpha__echo") })
	t.Logf("edit to tools listed: %s", time.Since(began))

	// A broken edit is refused; alpha keeps serving.
	if err := os.WriteFile(path, []byte(`{"mcpServers": {"alpha": {"command": `), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if !slices.Contains(testdeps.ToolNames(t, c), "alpha__echo") {
		t.Fatal("a broken edit took alpha away")
	}
	// An invalid (but well-formed) edit is refused too.
	writeConfig(t, path, map[string]any{"alpha": map[string]any{"command": bin}, "bad__name": map[string]any{"command": bin}})
	time.Sleep(400 * time.Millisecond)
	if slices.ContainsFunc(testdeps.ToolNames(t, c), func(s string) bool { return strings.HasPrefix(s, "bad") }) {
		t.Fatal("an invalid server name was applied")
	}
	// Disable alpha, add beta.
	writeConfig(t, path, map[string]any{
		"alpha": map[string]any{"command": bin, "enabled": false},
		"beta":  map[string]any{"command": bin},
	})
	approve(t, d, "beta")
	testdeps.Eventually(t, 3*time.Second, "alpha hidden and beta listed", func() bool {
		names := testdeps.ToolNames(t, c)
		return slices.Contains(names, "beta__echo") && !slices.Contains(names, "alpha__echo")
	})
}

func TestEveryCallIsRecordedAndSurvivesRestart(t *testing.T) {
	home := t.TempDir()
	d := start(t, home)
	writeConfig(t, filepath.Join(home, "config.json"), map[string]any{
		"alpha": map[string]any{"command": testdeps.TestServerBinary(t)},
	})
	c := connect(t, d)
	approve(t, d, "alpha")
	testdeps.Eventually(t, 3*time.Second, "alpha listed", func() bool { return slices.Contains(testdeps.ToolNames(t, c), "alpha__echo") })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "alpha__echo"
	req.Params.Arguments = map[string]any{"text": "hi", "api_key": "sk-live-1234567890abcdef"}
	if _, err := c.CallTool(ctx, req); err != nil {
		t.Fatal(err)
	}
	d.Close()

	st, err := store.Open(filepath.Join(home, "data"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, _, err := st.ListActivity(store.ActivityFilter{Server: "alpha"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Tool != "echo" || recs[0].Outcome != "ok" || !strings.Contains(recs[0].Client, "daemon-test") {
		t.Fatalf("activity after restart: %+v", recs)
	}
	if strings.Contains(string(recs[0].Arguments), "sk-live") {
		t.Fatalf("secret stored in plain text: %s", recs[0].Arguments)
	}
}
