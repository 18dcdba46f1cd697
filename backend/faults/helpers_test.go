package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/loadtest"
	"switchboard/backend/testdeps"
)

var built struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// switchboardBinary builds the switchboard binary of this repository once
// per test process.
func switchboardBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			built.err = err
			return
		}
		if built.dir, built.err = os.MkdirTemp("", "sb-faults-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "switchboard")
		cmd := exec.Command("go", "build", "-o", built.path, ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		built.out, built.err = cmd.CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build switchboard: %v\n%s", built.err, built.out)
	}
	return built.path
}

// testServer is our Go test server over stdio, with extra environment.
func testServer(t testing.TB, env map[string]string) *config.Server {
	return &config.Server{Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}, Env: env}
}

// gateway is a `switchboard serve` process started for one test.
type gateway struct {
	t    testing.TB
	sb   *loadtest.Switchboard
	home string
	base string // http://127.0.0.1:PORT
	key  string
	http *http.Client
}

// startGateway runs switchboard serve in home (a new temporary folder when
// empty) with the given servers, waits until it serves, and stops it (its
// whole process group) when the test ends.
func startGateway(t testing.TB, home string, servers map[string]*config.Server) *gateway {
	t.Helper()
	if home == "" {
		home = t.TempDir()
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sb, err := loadtest.StartSwitchboard(ctx, loadtest.SwitchboardOptions{
		Binary: switchboardBinary(t), Home: home, Servers: servers, LogLevel: "info",
	})
	if err != nil {
		t.Fatalf("start switchboard: %v", err)
	}
	g := &gateway{t: t, sb: sb, home: home, base: strings.TrimSuffix(sb.URL, "/mcp"),
		// No keep-alive: a scrape must not leave a connection (and its
		// goroutine) behind in the gateway that the count would include.
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
	t.Cleanup(func() {
		sb.Stop()
		if t.Failed() {
			t.Logf("switchboard output (last lines):\n%s", tail(sb.Output(), 40))
			// The whole output, for a crash whose cause is above its
			// goroutine dump.
			if f := os.Getenv("SB_FAULTS_OUTPUT"); f != "" {
				_ = os.WriteFile(f, []byte(sb.Output()), 0o600)
			}
		}
	})
	g.key = g.readKey()
	return g
}

// restart starts a new switchboard serve on the same home folder, with the
// config that is there now.
func (g *gateway) restart(t testing.TB) *gateway {
	t.Helper()
	argv := []string{switchboardBinary(t), "serve", "--home", g.home, "--listen", "127.0.0.1:0", "--log-level", "info"}
	p, err := loadtest.StartProcess(argv, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, err := p.WaitOutput(ctx, func(line string) string {
		if !strings.Contains(line, "switchboard serving") {
			return ""
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "mcp="); ok {
				return v
			}
		}
		return ""
	})
	if err != nil {
		t.Fatalf("restart switchboard: %v", err)
	}
	sb, _ := loadtest.AttachSwitchboard(url, g.home, "", p.PID(), nil)
	n := &gateway{t: t, sb: sb, home: g.home, base: strings.TrimSuffix(url, "/mcp"), http: g.http}
	n.key = n.readKey()
	return n
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func (g *gateway) pid() int { return g.sb.PID() }

// death says, when the gateway process has died, how: the first lines of
// the Go runtime's fatal error. Empty while it runs.
func (g *gateway) death() string {
	// A failed call may come just before the process is gone.
	for i := 0; testdeps.ProcessAlive(g.pid()); i++ {
		if i == 20 {
			return ""
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := g.sb.Output()
	for _, mark := range []string{"fatal error", "panic:", "SIGBUS", "SIGSEGV"} {
		if i := strings.Index(out, mark); i >= 0 {
			j := i
			if k := strings.LastIndexByte(out[:i], '\n'); k >= 0 {
				j = k + 1
			}
			lines := strings.SplitN(out[j:], "\n", 14)
			return "\nswitchboard died:\n" + strings.Join(lines[:min(len(lines), 13)], "\n")
		}
	}
	return "\nswitchboard is no longer running"
}

func (g *gateway) readKey() string {
	g.t.Helper()
	b, err := os.ReadFile(filepath.Join(g.home, "config.json"))
	if err != nil {
		g.t.Fatal(err)
	}
	var c struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.APIKey == "" {
		g.t.Fatalf("no api_key in config.json (%v): %s", err, b)
	}
	return c.APIKey
}

// api makes a control API request with the key and returns the status and
// body.
func (g *gateway) api(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, g.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-API-Key", g.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// metrics reads the gateway's Prometheus metrics (name -> value of the
// series without labels).
func (g *gateway) metrics() (map[string]float64, error) {
	resp, err := g.http.Get(g.base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || strings.Contains(line, "{") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out, sc.Err()
}

// goroutines is the gateway's go_goroutines.
func (g *gateway) goroutines() int {
	g.t.Helper()
	m, err := g.metrics()
	if err != nil {
		g.t.Fatal(err)
	}
	v, ok := m["go_goroutines"]
	if !ok {
		g.t.Fatal("/metrics has no go_goroutines")
	}
	return int(v)
}

// settleGoroutines waits until the gateway runs at most limit goroutines
// and fails the test with the last count when it does not within d.
// Goroutines end asynchronously (connections closing, timers), so a count
// taken at once would flap.
func (g *gateway) settleGoroutines(limit int, d time.Duration, what string) int {
	g.t.Helper()
	deadline := time.Now().Add(d)
	n := g.goroutines()
	for n > limit && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		n = g.goroutines()
	}
	if n > limit {
		g.t.Fatalf("%s: the gateway runs %d goroutines, more than %d, %s after", what, n, limit, d)
	}
	return n
}

// rss is the gateway process's resident size in bytes.
func (g *gateway) rss() int64 {
	g.t.Helper()
	v, err := loadtest.ProcessMemory(g.pid(), "VmRSS")
	if err != nil {
		g.t.Fatal(err)
	}
	return v
}

// sessions opens n initialised MCP sessions on /mcp, closed when the test
// ends.
func (g *gateway) sessions(n int) []*client.Client {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	pool, err := loadtest.HTTPTarget{URL: g.sb.URL}.Open(ctx, n)
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(pool.Close)
	return pool.Clients
}

// call calls a tool with a timeout and returns the result, or an error for
// a protocol failure or a tool error (with the tool's text).
func call(c *client.Client, tool string, args map[string]any, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return "", err
	}
	text := resultText(res)
	if res.IsError {
		return text, fmt.Errorf("tool error: %s", text)
	}
	return text, nil
}

func resultText(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// startLog reads a test server's SB_TEST_START_LOG: the start times and
// pids, and the pids of the children it started.
type startEntry struct {
	pid int
	at  time.Time
}

func readStartLog(t testing.TB, path string) (starts []startEntry, children []int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "start":
			pid, _ := strconv.Atoi(f[1])
			ns, _ := strconv.ParseInt(f[2], 10, 64)
			starts = append(starts, startEntry{pid: pid, at: time.Unix(0, ns)})
		case len(f) == 2 && f[0] == "child":
			pid, _ := strconv.Atoi(f[1])
			children = append(children, pid)
		}
	}
	return starts, children
}

// alive lists those of pids that still run (zombies do not count).
func alive(pids []int) []int {
	var out []int
	for _, pid := range pids {
		if testdeps.ProcessAlive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// killAll ends processes a failed test may have left, so nothing outlives
// the test run even when Switchboard did not clean up.
func killAll(pids []int) {
	for _, pid := range alive(pids) {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	}
}

// soak says whether the long versions run: SB_SOAK=1 (make soak), and not
// -short.
func soak() bool { return os.Getenv("SB_SOAK") == "1" && !testing.Short() }
