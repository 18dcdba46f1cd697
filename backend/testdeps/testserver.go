package testdeps

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var testServer struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// TestServerBinary builds cmd/switchboard-testserver (our Go MCP test
// server) once per test process and returns its path.
func TestServerBinary(t testing.TB) string {
	t.Helper()
	testServer.once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			testServer.err = err
			return
		}
		dir, err := os.MkdirTemp("", "sb-testserver")
		if err != nil {
			testServer.err = err
			return
		}
		testServer.path = filepath.Join(dir, "switchboard-testserver")
		build := exec.Command("go", "build", "-o", testServer.path, "./cmd/switchboard-testserver")
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		testServer.out, testServer.err = build.CombinedOutput()
	})
	if testServer.err != nil {
		t.Fatalf("build the test server: %v\n%s", testServer.err, testServer.out)
	}
	return testServer.path
}

// TestServerURL starts our test server over "http" (streamable HTTP) or
// "sse" on a free 127.0.0.1 port, stops it when the test ends, and returns
// its endpoint URL.
func TestServerURL(t testing.TB, transport string) string {
	t.Helper()
	cmd := exec.Command(TestServerBinary(t), "--transport", transport, "--listen", "127.0.0.1:0")
	setProcessGroup(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		signalGroup(cmd, true)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				found <- strings.TrimSpace(url)
			}
		}
	}()
	select {
	case url := <-found:
		return url
	case <-time.After(10 * time.Second):
		t.Fatalf("test server over %s did not say where it listens", transport)
		return ""
	}
}
