package desktoptest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSplitProcesses runs the desktop app the way macOS needs it (the tray
// in a process of its own, talking to the core over the socket; the panel
// in the browser) on Linux, where SWITCHBOARD_DESKTOP_SPLIT=1 asks for it.
func TestSplitProcesses(t *testing.T) {
	bin := desktopBinary(t)
	display := startXvfb(t)
	w, conn := startWatcher(t)
	home := t.TempDir()
	writeConfig(t, home)
	env := append(os.Environ(), "DISPLAY="+display, "WAYLAND_DISPLAY=", "SWITCHBOARD_HOME=",
		"XDG_CONFIG_HOME="+filepath.Join(home, "xdg"), "SWITCHBOARD_DESKTOP_SPLIT=1")
	a := launch(t, bin, home, env, "--hidden")

	var item registration
	select {
	case item = <-w.items:
	case <-time.After(30 * time.Second):
		t.Fatal("the tray never registered")
	}
	var pid uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, item.Sender).Store(&pid); err != nil {
		t.Fatal(err)
	}
	if int(pid) == a.cmd.Process.Pid {
		t.Fatalf("the tray runs in the app's process (pid %d), not its own", pid)
	}
	// The tray keeps its own log: two processes cannot share one rotation.
	want := fmt.Sprintf(`msg="tray started" pid=%d`, pid)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		data, _ := os.ReadFile(filepath.Join(home, "logs", "tray.log"))
		if strings.Contains(string(data), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tray.log does not hold %s:\n%s", want, data)
		}
	}

	m := menuOf(t, conn, item.Sender, "alpha's Disable", func(m menuItem) bool {
		a := m.find("alpha — ")
		return a != nil && a.find("Disable") != nil
	})
	if err := click(conn, item.Sender, m.find("alpha — ").find("Disable").ID); err != nil {
		t.Fatal(err)
	}
	c := socketClient(t, home)
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := c.GetServer(context.Background(), "alpha")
		if err == nil && !s.Enabled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tray process's click did not disable alpha: %+v %v", s, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Quit in the tray process ends the app, core included.
	quitFromTray(t, conn, item.Sender, a, "the tray's Quit")
}
