package testdeps

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var fakeDocker struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// FakeDocker is cmd/switchboard-fakedocker installed as "docker" first on
// PATH for the rest of the test, with its records going to a fresh log.
type FakeDocker struct {
	// Dir holds the docker program.
	Dir string
	// Log is the file each invocation's arguments are appended to.
	Log string
}

// InstallFakeDocker builds the stand-in docker program (once per test
// process), puts its folder first on PATH and gives it a log and a state
// folder of this test's own. It uses t.Setenv, so the test cannot run in
// parallel with others.
func InstallFakeDocker(t testing.TB) *FakeDocker {
	t.Helper()
	fakeDocker.once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			fakeDocker.err = err
			return
		}
		dir, err := os.MkdirTemp("", "sb-fakedocker")
		if err != nil {
			fakeDocker.err = err
			return
		}
		fakeDocker.dir = dir
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "docker"), "./cmd/switchboard-fakedocker")
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		fakeDocker.out, fakeDocker.err = build.CombinedOutput()
	})
	if fakeDocker.err != nil {
		t.Fatalf("build the stand-in docker: %v\n%s", fakeDocker.err, fakeDocker.out)
	}
	state := t.TempDir()
	fd := &FakeDocker{Dir: fakeDocker.dir, Log: filepath.Join(state, "docker.log")}
	t.Setenv("PATH", fakeDocker.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKEDOCKER_LOG", fd.Log)
	t.Setenv("FAKEDOCKER_STATE", state)
	return fd
}

// Calls returns the argument lists docker was called with, in order.
func (fd *FakeDocker) Calls(t testing.TB) [][]string {
	t.Helper()
	f, err := os.Open(fd.Log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var args []string
		if err := json.Unmarshal(sc.Bytes(), &args); err != nil {
			t.Fatalf("docker log line %q: %v", sc.Text(), err)
		}
		calls = append(calls, args)
	}
	return calls
}

// CallsOf returns the calls whose first argument is sub ("run", "kill").
func (fd *FakeDocker) CallsOf(t testing.TB, sub string) [][]string {
	t.Helper()
	var out [][]string
	for _, c := range fd.Calls(t) {
		if len(c) > 0 && c[0] == sub {
			out = append(out, c)
		}
	}
	return out
}
