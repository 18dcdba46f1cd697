package gateway_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// TestRealServersFromNpm runs the reference MCP servers from the npm
// registry behind the gateway: server-everything over stdio and over
// streamable HTTP, and server-filesystem on a temporary folder.
func TestRealServersFromNpm(t *testing.T) {
	evCmd, evArgs := testdeps.ServerEverythingStdio(t)
	evURL := testdeps.ServerEverythingHTTP(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "note.txt"), []byte("remember the milk"), 0o600); err != nil {
		t.Fatal(err)
	}
	fsCmd, fsArgs := testdeps.ServerFilesystem(t, dir)

	h := newHarness(t, map[string]*config.Server{
		"everything": {Command: evCmd, Args: evArgs},
		"remote":     {URL: evURL},
		"files":      {Command: fsCmd, Args: fsArgs},
	})
	for _, u := range h.gw.Upstreams() {
		if st := u.Status(); st.State != "ready" {
			t.Fatalf("%s not ready: %+v (stderr: %v)", st.Name, st, u.Stderr(5))
		}
	}
	c := h.connect("/mcp")
	names := testdeps.ToolNames(t, c)
	for _, want := range []string{"everything__echo", "remote__get-sum", "files__read_text_file"} {
		if !slices.Contains(names, want) {
			t.Fatalf("missing %s in %v", want, names)
		}
	}
	if r := callTool(t, c, "everything__echo", map[string]any{"message": "over stdio"}); !strings.Contains(resultText(r), "over stdio") {
		t.Fatalf("stdio echo: %q", resultText(r))
	}
	if r := callTool(t, c, "remote__get-sum", map[string]any{"a": 17, "b": 25}); !strings.Contains(resultText(r), "42") {
		t.Fatalf("http get-sum: %q", resultText(r))
	}
	if r := callTool(t, c, "files__read_text_file", map[string]any{"path": filepath.Join(dir, "note.txt")}); !strings.Contains(resultText(r), "remember the milk") {
		t.Fatalf("filesystem read: %q (isError=%v)", resultText(r), r.IsError)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil || len(res.Resources) == 0 {
		t.Fatalf("resources/list through the gateway: %v (%d)", err, len(res.Resources))
	}
	read := mcp.ReadResourceRequest{}
	read.Params.URI = res.Resources[0].URI
	if rr, err := c.ReadResource(ctx, read); err != nil || len(rr.Contents) == 0 {
		t.Fatalf("resources/read %s: %v", read.Params.URI, err)
	}
	prompts, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil || len(prompts.Prompts) == 0 {
		t.Fatalf("prompts/list: %v", err)
	}
	var simple string
	for _, p := range prompts.Prompts {
		if strings.HasSuffix(p.Name, "__simple-prompt") {
			simple = p.Name
		}
	}
	if simple == "" {
		t.Fatalf("no simple-prompt among %v", prompts.Prompts)
	}
	get := mcp.GetPromptRequest{}
	get.Params.Name = simple
	if gp, err := c.GetPrompt(ctx, get); err != nil || len(gp.Messages) == 0 {
		t.Fatalf("prompts/get %s: %v", simple, err)
	}
}
