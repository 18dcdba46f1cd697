package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// binaries finds the programs of this repository the load tool runs,
// building them into dir when no path was given, so a run always measures
// the code as it is.
type binaries struct {
	dir                     string
	switchboard, testserver string
}

func (b *binaries) switchboardBin() (string, error) {
	return b.get(&b.switchboard, "switchboard", ".")
}

func (b *binaries) testServer() (string, error) {
	return b.get(&b.testserver, "switchboard-testserver", "./cmd/switchboard-testserver")
}

func (b *binaries) get(path *string, name, pkg string) (string, error) {
	if *path != "" {
		return filepath.Abs(*path)
	}
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("%w; or give the %s binary with --%s", err, name, strings.TrimPrefix(name, "switchboard-"))
	}
	out := filepath.Join(b.dir, name)
	fmt.Fprintf(os.Stderr, "building %s ...\n", name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	*path = out
	return out, nil
}

// repoRoot is the nearest folder above the working directory that holds
// the go.mod of module switchboard.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isSwitchboardRoot(d) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("not inside the switchboard repository (no go.mod of module switchboard above %s)", wd)
		}
	}
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

// everything finds node and the entry point of server-everything as
// scripts/install-test-deps.sh installs it.
func everything(testdeps string) (node, entry string, err error) {
	if testdeps == "" {
		testdeps = os.Getenv("SWITCHBOARD_TESTDEPS")
	}
	if testdeps == "" {
		root, err := repoRoot()
		if err != nil {
			return "", "", fmt.Errorf("%w; or give --testdeps", err)
		}
		testdeps = filepath.Join(root, ".testdeps")
	}
	entry = filepath.Join(testdeps, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if _, err := os.Stat(entry); err != nil {
		return "", "", fmt.Errorf("server-everything is not installed in %s: run `make test-deps`", testdeps)
	}
	if node, err = exec.LookPath("node"); err != nil {
		return "", "", fmt.Errorf("node (Node.js 20 or newer) is not on PATH: %w", err)
	}
	return node, entry, nil
}

// pinning describes which CPUs the client and the servers may run on.
func pinning(serverCPUs string) string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil || set.Count() == 0 {
		return ""
	}
	var cpus []string
	for i := range 1024 {
		if set.IsSet(i) {
			cpus = append(cpus, fmt.Sprint(i))
		}
	}
	client := strings.Join(cpus, ",")
	if serverCPUs == "" {
		return fmt.Sprintf("client on CPUs %s; servers unpinned", client)
	}
	return fmt.Sprintf("client on CPUs %s; servers on CPUs %s", client, serverCPUs)
}
