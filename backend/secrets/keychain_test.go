package secrets

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// secretService starts a private session bus and gnome-keyring-daemon on it
// (the Secret Service that go-keyring speaks to on Linux), with a login
// keyring unlocked by a throwaway password, in a temporary home, and points DBUS_SESSION_BUS_ADDRESS
// at it. It skips the test when the programs are missing or do not start.
func secretService(t *testing.T) {
	t.Helper()
	for _, p := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (scripts/install-test-deps.sh installs gnome-keyring and dbus); the keychain backend is not tested here", p)
		}
	}
	dir, err := os.MkdirTemp("", "sbkr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	addr := "unix:path=" + filepath.Join(dir, "bus")
	start := func(cmd *exec.Cmd) {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Start(); err != nil {
			t.Skipf("cannot start %s: %v", cmd.Path, err)
		}
		pid := cmd.Process.Pid
		t.Cleanup(func() {
			_ = syscall.Kill(-pid, syscall.SIGTERM) // its process group: ours alone
			_ = cmd.Wait()
			if t.Failed() && errOut.Len() > 0 {
				t.Logf("%s said: %s", filepath.Base(cmd.Path), errOut.String())
			}
		})
	}
	start(exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address="+addr))

	env := append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+addr, "HOME="+dir,
		"XDG_RUNTIME_DIR="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	var conn *dbus.Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		if conn, err = dbus.Connect(addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Skipf("the session bus did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer conn.Close()

	kr := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	kr.Env = env
	// The password on stdin creates and unlocks the login keyring, the
	// default collection. An empty one creates nothing.
	kr.Stdin = strings.NewReader("switchboard-test")
	start(kr)
	for {
		var owned bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&owned)
		if err == nil && owned {
			break
		}
		if time.Now().After(deadline) {
			t.Skipf("gnome-keyring-daemon did not take org.freedesktop.secrets on the bus (err %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
}

// TestKeychainBackendReal runs the keychain backend against a real Secret
// Service (gnome-keyring), not go-keyring's mock.
func TestKeychainBackendReal(t *testing.T) {
	secretService(t)
	service := "switchboard-test"
	// The login keyring is made from the password on stdin just after the
	// daemon takes its bus name: give it a moment.
	for i := 0; ; i++ {
		err := ProbeKeychain(service)
		if err == nil {
			break
		}
		if i == 50 {
			t.Skipf("the Secret Service started but does not work: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	home := t.TempDir()
	s, err := Open(Options{Home: home, Service: service})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != BackendKeychain {
		t.Fatalf("auto chose %s with a working keychain", s.Backend())
	}
	const marker = "kr-marker-77c1d2"
	if _, _, err := s.Set("GITHUB_TOKEN", marker); err != nil {
		t.Fatal(err)
	}
	// The value is in the keychain itself, under the service and name.
	if v, err := keyring.Get(service, "GITHUB_TOKEN"); err != nil || v != marker {
		t.Fatalf("keychain holds %q %v", v, err)
	}
	// The home folder holds only the index: names, no values.
	entries, _ := os.ReadDir(home)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(home, e.Name()))
		if bytes.Contains(data, []byte(marker)) {
			t.Fatalf("%s holds the value", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(home, "secrets.enc")); err == nil {
		t.Fatal("the keychain backend wrote secrets.enc")
	}

	again, err := Open(Options{Home: home, Service: service, Backend: BackendKeychain})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := again.Get("GITHUB_TOKEN"); err != nil || v != marker {
		t.Fatalf("after reopen: %q %v", v, err)
	}
	if l := again.List(); len(l) != 1 || l[0].Name != "GITHUB_TOKEN" || l[0].Created.IsZero() {
		t.Fatalf("list %+v", l)
	}
	if err := again.Delete("GITHUB_TOKEN"); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(service, "GITHUB_TOKEN"); err != keyring.ErrNotFound {
		t.Fatalf("still in the keychain after delete: %v", err)
	}
	if l := again.List(); len(l) != 0 {
		t.Fatalf("list after delete %+v", l)
	}
}
