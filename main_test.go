package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/backend/testdeps"
)

// buildSwitchboard builds this binary for the end-to-end tests.
func buildSwitchboard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "switchboard")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// writeHome writes a config with one test server into a new home folder.
func writeHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	cfg := map[string]any{
		"listen":     freeAddr(t),
		"mcpServers": map[string]any{"alpha": map[string]any{"command": testdeps.TestServerBinary(t)}},
	}
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(home, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// rpc speaks newline-delimited JSON-RPC to a `switchboard stdio` process.
type rpc struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
}

func (r *rpc) call(id int, method string, params any) map[string]any {
	r.t.Helper()
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if _, err := r.in.Write(append(msg, '\n')); err != nil {
		r.t.Fatal(err)
	}
	for r.out.Scan() {
		var resp map[string]any
		if err := json.Unmarshal(r.out.Bytes(), &resp); err != nil {
			r.t.Fatalf("stdout is not JSON-RPC: %q", r.out.Text())
		}
		if fmt.Sprint(resp["id"]) == fmt.Sprint(id) {
			return resp
		}
	}
	r.t.Fatalf("no answer to %s: %v", method, r.out.Err())
	return nil
}

func startStdio(t *testing.T, bin, home string, flags ...string) *rpc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"stdio", "--home", home}, flags...)...)
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("switchboard stdio did not exit after stdin closed")
		}
	})
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	return &rpc{t: t, in: in, out: sc}
}

func exercise(t *testing.T, r *rpc) {
	t.Helper()
	if names := toolNames(t, r); !slices.Contains(names, "alpha__echo") {
		t.Fatalf("tools/list through the bridge: %v", names)
	}
	res := r.call(3, "tools/call", map[string]any{"name": "alpha__echo", "arguments": map[string]any{"text": "via stdio"}})
	if !strings.Contains(fmt.Sprint(res), "via stdio") {
		t.Fatalf("tools/call through the bridge: %v", res)
	}
}

func TestStdioBridgeStartsTheCoreWhenNoneRuns(t *testing.T) {
	bin := buildSwitchboard(t)
	home := writeHome(t)
	exercise(t, startStdio(t, bin, home))

	log, err := os.ReadFile(filepath.Join(home, "logs", "switchboard.log"))
	if err != nil || !strings.Contains(string(log), "switchboard serving") {
		t.Fatalf("log file: %v\n%s", err, log)
	}
}

func TestStdioBridgeRelaysToTheRunningInstance(t *testing.T) {
	bin := buildSwitchboard(t)
	home := writeHome(t)
	serve := exec.Command(bin, "serve", "--home", home)
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("unix", filepath.Join(home, "switchboard.sock")); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not open its socket")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A second serve on the same home refuses clearly.
	out, err := exec.Command(bin, "serve", "--home", home).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already running") {
		t.Fatalf("second serve: err=%v output=%s", err, out)
	}

	exercise(t, startStdio(t, bin, home))
}

// toolNames initializes a bridge session and lists its tools' names.
func toolNames(t *testing.T, r *rpc) []string {
	t.Helper()
	init := r.call(1, "initialize", map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "claude-desktop-test", "version": "1"},
	})
	if init["result"] == nil {
		t.Fatalf("initialize: %v", init)
	}
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	_, _ = r.in.Write(append(msg, '\n'))
	list := r.call(2, "tools/list", map[string]any{})
	var res struct {
		Result struct {
			Tools []struct{ Name string } `json:"tools"`
		} `json:"result"`
	}
	b, _ := json.Marshal(list)
	_ = json.Unmarshal(b, &res)
	var names []string
	for _, tool := range res.Result.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// Claude Desktop speaks only stdio, so the bridge must reach one server, a
// profile or a group as the HTTP endpoints do.
func TestStdioBridgeServesOneServerProfileOrGroup(t *testing.T) {
	bin := buildSwitchboard(t)
	home := t.TempDir()
	cfg := map[string]any{
		"listen": freeAddr(t),
		"mcpServers": map[string]any{
			"alpha": map[string]any{"command": testdeps.TestServerBinary(t)},
			"beta":  map[string]any{"command": testdeps.TestServerBinary(t)},
		},
		"profiles": map[string]any{"echoes": map[string]any{"servers": []string{"alpha"}, "tools": []string{"alpha__echo"}}},
		"groups":   map[string]any{"pool": map[string]any{"members": []map[string]any{{"server": "alpha"}, {"server": "beta"}}}},
	}
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(home, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags     []string
		want, not string
	}{
		{[]string{"--server", "beta"}, "echo", "alpha__echo"},
		{[]string{"--profile", "echoes"}, "alpha__echo", "alpha__sleep"},
		{[]string{"--group", "pool"}, "echo", "beta__echo"},
	} {
		t.Run(tc.flags[0], func(t *testing.T) {
			names := toolNames(t, startStdio(t, bin, home, tc.flags...))
			if !slices.Contains(names, tc.want) || slices.Contains(names, tc.not) {
				t.Fatalf("stdio %v lists %v, want %s and not %s", tc.flags, names, tc.want, tc.not)
			}
		})
	}

	out, err := exec.Command(bin, "stdio", "--home", home, "--server", "alpha", "--group", "pool").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "none of the others can be") {
		t.Fatalf("stdio with --server and --group: err=%v output=%s", err, out)
	}
}

// childPIDs lists the processes whose parent is pid.
func childPIDs(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses.
		s := string(b)
		rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		var ppid, child int
		if len(rest) > 1 && rest[0] != "Z" {
			fmt.Sscan(rest[1], &ppid)
			fmt.Sscan(e.Name(), &child)
		}
		if ppid == pid {
			out = append(out, child)
		}
	}
	return out
}

func TestNoServerOutlivesSwitchboard(t *testing.T) {
	bin := buildSwitchboard(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			home := writeHome(t)
			serve := exec.Command(bin, "serve", "--home", home)
			if err := serve.Start(); err != nil {
				t.Fatal(err)
			}
			var children []int
			testdeps.Eventually(t, 10*time.Second, "the server process started", func() bool {
				children = childPIDs(serve.Process.Pid)
				return len(children) > 0
			})
			_ = serve.Process.Signal(sig)
			_ = serve.Wait()
			testdeps.Eventually(t, 5*time.Second, "servers gone after "+sig.String(), func() bool {
				for _, pid := range children {
					if testdeps.ProcessAlive(pid) {
						return false
					}
				}
				return true
			})
		})
	}
}
