package testdeps_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/testdeps"
)

func initialize(t *testing.T, ctx context.Context, c *client.Client) *mcp.InitializeResult {
	t.Helper()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "switchboard-test", Version: "0"}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return res
}

func toolNames(t *testing.T, ctx context.Context, c *client.Client) []string {
	t.Helper()
	res, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

func callText(t *testing.T, ctx context.Context, c *client.Client, name string, args map[string]any) string {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("tools/call %s returned an error result: %+v", name, res.Content)
	}
	var b strings.Builder
	for _, content := range res.Content {
		if tc, ok := content.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// checkEverything runs what a gateway does first with an upstream: initialize,
// list its tools, call one.
func checkEverything(t *testing.T, ctx context.Context, c *client.Client) {
	t.Helper()
	res := initialize(t, ctx, c)
	if res.ServerInfo.Name != "mcp-servers/everything" {
		t.Errorf("serverInfo.name = %q, want mcp-servers/everything", res.ServerInfo.Name)
	}
	names := toolNames(t, ctx, c)
	for _, want := range []string{"echo", "get-sum", "trigger-long-running-operation"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools/list lacks %q; got %v", want, names)
		}
	}
	if got := callText(t, ctx, c, "echo", map[string]any{"message": "hello"}); !strings.Contains(got, "hello") {
		t.Errorf("echo returned %q, want it to contain hello", got)
	}
}

func TestServerEverythingHTTP(t *testing.T) {
	url := testdeps.ServerEverythingHTTP(t)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/mcp") {
		t.Fatalf("url = %q, want http://127.0.0.1:PORT/mcp", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := client.NewStreamableHttpClient(url)
	if err != nil {
		t.Fatalf("new client for %s: %v", url, err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start client: %v", err)
	}
	checkEverything(t, ctx, c)
}

func TestServerEverythingStdio(t *testing.T) {
	command, args := testdeps.ServerEverythingStdio(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// The constructor already starts the process; Start is still needed to
	// receive notifications and server requests, and is idempotent.
	c, err := client.NewStdioMCPClient(command, nil, args...)
	if err != nil {
		t.Fatalf("start %s %v: %v", command, args, err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start client: %v", err)
	}
	checkEverything(t, ctx, c)
}

func TestServerFilesystem(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("remember the milk\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	command, args := testdeps.ServerFilesystem(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := client.NewStdioMCPClient(command, nil, args...)
	if err != nil {
		t.Fatalf("start %s %v: %v", command, args, err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start client: %v", err)
	}
	initialize(t, ctx, c)
	if got := callText(t, ctx, c, "read_text_file", map[string]any{"path": filepath.Join(dir, "notes.txt")}); !strings.Contains(got, "remember the milk") {
		t.Errorf("read_text_file returned %q", got)
	}
}

func TestConformanceSuiteRunsOnNode22(t *testing.T) {
	entry := filepath.Join(testdeps.ConformanceDir(t), "dist", "index.js")
	out, err := runOutput(testdeps.Node22(t), entry, "--version")
	if err != nil {
		t.Fatalf("conformance --version on Node 22: %v\n%s", err, out)
	}
	if strings.TrimSpace(out) == "" {
		t.Errorf("conformance --version printed nothing")
	}
}
