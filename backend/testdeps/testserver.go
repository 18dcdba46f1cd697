package testdeps

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
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
