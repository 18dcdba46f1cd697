package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiscoveryCommands(t *testing.T) {
	home := startCore(t, nil)
	folder := t.TempDir()
	if err := os.WriteFile(filepath.Join(folder, "mcp.json"), []byte(`{"mcpServers": {
		"memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]},
		"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}
	}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, home, "discovery", "sources", "add", "drop", "--kind", "folder", "--path", folder)
	if !strings.Contains(out, "drop") || !strings.Contains(out, "additive") {
		t.Fatalf("add:\n%s", out)
	}
	if _, _, err := run(home, nil, "discovery", "sources", "add", "bad", "--kind", "folder", "--path", "rel"); err == nil || !strings.Contains(err.Error(), "path") {
		t.Fatalf("relative path: %v", err)
	}
	out = mustRun(t, home, "discovery", "scan", "drop")
	if !strings.Contains(out, "drop/memory") || !strings.Contains(out, "drop/fetch") || !strings.Contains(out, "uvx mcp-server-fetch") {
		t.Fatalf("scan:\n%s", out)
	}
	out = mustRun(t, home, "discovery", "approve", "drop/memory")
	if !strings.Contains(out, "quarantined") {
		t.Fatalf("approve:\n%s", out)
	}
	if sc := fileServers(t, home)["memory"]; sc == nil || sc["command"] != "npx" {
		t.Fatalf("memory in config.json: %+v", sc)
	}
	if out := mustRun(t, home, "servers", "list", "--quarantined"); !strings.Contains(out, "memory") {
		t.Fatalf("servers list --quarantined:\n%s", out)
	}
	mustRun(t, home, "discovery", "reject", "drop/fetch")
	if out = mustRun(t, home, "discovery", "pending"); !strings.Contains(out, "Nothing pending") {
		t.Fatalf("pending after approve and reject:\n%s", out)
	}
	// The file's memory now runs a pinned version: offered as an update.
	if err := os.WriteFile(filepath.Join(folder, "mcp.json"), []byte(`{"mcpServers": {
		"memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory@1.0.0"]}
	}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, home, "discovery", "scan", "drop")
	if !strings.Contains(out, "update") || !strings.Contains(out, "server-memory@1.0.0 (was npx -y @modelcontextprotocol/server-memory)") {
		t.Fatalf("scan after the edit:\n%s", out)
	}
	if out = mustRun(t, home, "discovery", "approve", "drop/memory"); !strings.Contains(out, "Updated how memory is reached") {
		t.Fatalf("approve the update:\n%s", out)
	}
	if sc := fileServers(t, home)["memory"]; sc == nil || !strings.Contains(fmt.Sprint(sc["args"]), "server-memory@1.0.0") {
		t.Fatalf("memory in config.json after the update: %+v", sc)
	}
	if _, _, err := run(home, nil, "discovery", "approve", "memory"); err == nil || !strings.Contains(err.Error(), "SOURCE/NAME") {
		t.Fatalf("approve without a source: %v", err)
	}
	out = mustRun(t, home, "discovery", "sources", "set", "drop", "--enabled=false", "--mode", "authoritative")
	if !strings.Contains(out, "authoritative") || !strings.Contains(out, "false") {
		t.Fatalf("set:\n%s", out)
	}
	mustRun(t, home, "discovery", "sources", "rm", "drop")
	if out = mustRun(t, home, "discovery", "sources"); strings.Contains(out, "drop") {
		t.Fatalf("sources after rm:\n%s", out)
	}
}

func TestDiscoveryDockerAndKubernetesCommands(t *testing.T) {
	home := startCore(t, nil)
	missing := filepath.Join(t.TempDir(), "docker.sock")
	out := mustRun(t, home, "discovery", "sources", "add", "dock", "--kind", "docker", "--socket", missing, "--mode", "authoritative")
	if !strings.Contains(out, "docker") || !strings.Contains(out, missing) {
		t.Fatalf("add docker:\n%s", out)
	}
	if out = mustRun(t, home, "discovery", "scan", "dock"); !strings.Contains(out, "no Docker socket at "+missing) {
		t.Fatalf("scan docker without an engine:\n%s", out)
	}
	if _, _, err := run(home, nil, "discovery", "sources", "set", "dock", "--socket", "tcp://10.0.0.1:2375"); err == nil || !strings.Contains(err.Error(), "socket") {
		t.Fatalf("tcp socket: %v", err)
	}
	out = mustRun(t, home, "discovery", "sources", "add", "cluster", "--kind", "kubernetes", "--context", "kind-dev", "--namespace", "tools", "--label-selector", "team=ai", "--disabled")
	if !strings.Contains(out, "context kind-dev, namespace tools, selector team=ai") {
		t.Fatalf("add kubernetes:\n%s", out)
	}
	out = mustRun(t, home, "discovery", "sources", "set", "cluster", "--namespace", "")
	if !strings.Contains(out, "namespace all") {
		t.Fatalf("set namespace to every namespace:\n%s", out)
	}
	if _, _, err := run(home, nil, "discovery", "sources", "set", "cluster", "--path", "/srv"); err == nil || !strings.Contains(err.Error(), "path") {
		t.Fatalf("path on a kubernetes source: %v", err)
	}
}
