package faults

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// mountCmd runs mount or umount and reports what it said on failure.
func mountCmd(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// smallDisk mounts a small filesystem of the given kind on a new folder,
// unmounted when the test ends: "ext4" (an image on a loop device: the
// filesystem most users have) or "tmpfs" (size-limited; a home under /tmp
// or /dev/shm is on one on many systems). Either needs the right to mount
// (root, or CAP_SYS_ADMIN) and ext4 needs mkfs.ext4 and a loop device;
// without them the test is skipped, saying why.
func smallDisk(t *testing.T, kind string, sizeMB int) string {
	t.Helper()
	dir := t.TempDir()
	mnt := filepath.Join(dir, "disk")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	var err error
	switch kind {
	case "ext4":
		img := filepath.Join(dir, "disk.img")
		if err = mountCmd("truncate", "-s", fmt.Sprintf("%dM", sizeMB), img); err == nil {
			if err = mountCmd("mkfs.ext4", "-q", img); err == nil {
				err = mountCmd("mount", "-o", "loop", img, mnt)
			}
		}
	case "tmpfs":
		err = mountCmd("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm,mode=0700", sizeMB), "tmpfs", mnt)
	default:
		t.Fatalf("unknown filesystem %q", kind)
	}
	if err != nil {
		t.Skipf("cannot make a small %s disk to fill: %v", kind, err)
	}
	t.Cleanup(func() {
		if err := mountCmd("umount", mnt); err != nil {
			_ = mountCmd("umount", "-l", mnt)
		}
	})
	return mnt
}

// fill writes a file into dir until the disk is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatal(err)
		}
	}
	// The last partial chunk may leave a few bytes; take them too.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			break
		}
	}
	return path
}

// The disk that holds the home folder fills up while Switchboard runs, on
// ext4 and on tmpfs:
//   - tool calls go on working (the activity they cannot record is counted
//     as dropped, and the count shows in the diagnostics);
//   - a config change through the API is refused with an error that says
//     the disk is full, and config.json stays whole, as it was;
//   - once space is freed, config changes and activity recording work
//     again without a restart.
func TestDiskFullKeepsServing(t *testing.T) {
	for _, fs := range []string{"ext4", "tmpfs"} {
		t.Run(fs, func(t *testing.T) { diskFull(t, smallDisk(t, fs, 96)) })
	}
}

func diskFull(t *testing.T, disk string) {
	g := startGateway(t, filepath.Join(disk, "home"), map[string]*config.Server{"alpha": testServer(t, nil)})
	c := g.sessions(1)[0]
	if _, err := call(c, "alpha__echo", map[string]any{"text": "warm"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(g.home, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	filler := fill(t, disk)

	code, body, err := g.api("POST", "/api/v1/servers", map[string]any{"name": "beta", "command": testServer(t, nil).Command})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("adding a server with the disk full: %d %s", code, body)
	if code < 400 || !strings.Contains(string(body), "no space left on device") {
		t.Errorf("a config change with the disk full: %d %s; want an error that says the disk is full", code, body)
	}
	after, err := os.ReadFile(filepath.Join(g.home, "config.json"))
	if err != nil || string(after) != string(before) {
		t.Errorf("config.json changed while the disk was full (%v):\n%s", err, after)
	}
	if _, err := config.Load(filepath.Join(g.home, "config.json")); err != nil {
		t.Errorf("config.json with the disk full: %v", err)
	}
	// Enough calls for the activity log to need new space several times
	// over (a batch is written every 100 ms or 256 records).
	calls := 2000
	if soak() {
		calls = 20000
	}
	for i := range calls {
		if _, err := call(c, "alpha__echo", map[string]any{"text": fmt.Sprint("full ", i)}, 10*time.Second); err != nil {
			t.Fatalf("call %d with the disk full: %v%s", i, err, g.death())
		}
	}
	// The activity the store could not write is counted where a user
	// looks (diagnostics, doctor), not silently lost.
	testdeps.Eventually(t, 10*time.Second, "the activity records that could not be written are counted as dropped", func() bool {
		code, body, err := g.api("GET", "/api/v1/system/diagnostics", nil)
		m := regexp.MustCompile(`"dropped_records":\s*(\d+)`).FindSubmatch(body)
		return err == nil && code == 200 && m != nil && string(m[1]) != "0"
	})
	if code, _, err := g.api("GET", "/health/live", nil); err != nil || code != 200 {
		t.Errorf("/health/live with the disk full: %d %v", code, err)
	}

	// Space again: everything works without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, body, err := g.api("POST", "/api/v1/servers", map[string]any{"name": "beta", "command": testServer(t, nil).Command}); err != nil || code >= 300 {
		t.Fatalf("adding a server after space was freed: %d %s %v", code, body, err)
	}
	if _, err := call(c, "alpha__echo", map[string]any{"text": "recorded again"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	testdeps.Eventually(t, 10*time.Second, "calls are recorded again once there is space", func() bool {
		code, body, err := g.api("GET", "/api/v1/activity?limit=5", nil)
		return err == nil && code == 200 && strings.Contains(string(body), "recorded again")
	})
}

// The home folder becomes read-only while Switchboard runs (a read-only
// bind mount of the folder over itself, as root; chmod otherwise): tool
// calls go on working, a config change is refused with an error that says
// why, config.json stays as it was, and once the folder is writable again
// changes work without a restart.
func TestReadOnlyHomeKeepsServing(t *testing.T) {
	home := t.TempDir()
	g := startGateway(t, home, map[string]*config.Server{"alpha": testServer(t, nil)})
	c := g.sessions(1)[0]
	if _, err := call(c, "alpha__echo", map[string]any{"text": "warm"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(home, "config.json"))
	if err != nil {
		t.Fatal(err)
	}

	// Files already open (the store's, the log) stay writable either way:
	// what changes is that nothing new can be written in the folder.
	var undo func() error
	var want string
	if os.Geteuid() == 0 {
		if err := mountCmd("mount", "--bind", home, home); err != nil {
			t.Skipf("cannot make the home folder read-only as root: %v", err)
		}
		if err := mountCmd("mount", "-o", "remount,bind,ro", home); err != nil {
			_ = mountCmd("umount", home)
			t.Skipf("cannot make the home folder read-only as root: %v", err)
		}
		undo = func() error { return mountCmd("umount", home) }
		want = "read-only file system"
	} else {
		if err := os.Chmod(home, 0o500); err != nil {
			t.Fatal(err)
		}
		undo = func() error { return os.Chmod(home, 0o700) }
		want = "permission denied"
	}
	undone := false
	t.Cleanup(func() {
		if !undone {
			_ = undo()
		}
	})

	for i := range 500 {
		if _, err := call(c, "alpha__echo", map[string]any{"text": fmt.Sprint("read-only ", i)}, 10*time.Second); err != nil {
			t.Fatalf("call %d with the home folder read-only: %v", i, err)
		}
	}
	code, body, err := g.api("POST", "/api/v1/servers", map[string]any{"name": "beta", "command": testServer(t, nil).Command})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("adding a server with the home folder read-only: %d %s", code, body)
	if code < 400 || !strings.Contains(string(body), want) {
		t.Errorf("a config change with the home folder read-only: %d %s; want an error that says %q", code, body, want)
	}
	after, err := os.ReadFile(filepath.Join(home, "config.json"))
	if err != nil || string(after) != string(before) {
		t.Errorf("config.json changed while the home folder was read-only (%v)", err)
	}
	if code, _, err := g.api("GET", "/health/live", nil); err != nil || code != 200 {
		t.Errorf("/health/live with the home folder read-only: %d %v", code, err)
	}

	if err := undo(); err != nil {
		t.Fatal(err)
	}
	undone = true
	if code, body, err := g.api("POST", "/api/v1/servers", map[string]any{"name": "beta", "command": testServer(t, nil).Command}); err != nil || code >= 300 {
		t.Fatalf("adding a server once the folder is writable again: %d %s %v", code, body, err)
	}
	if _, err := call(c, "alpha__echo", map[string]any{"text": "after"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}
