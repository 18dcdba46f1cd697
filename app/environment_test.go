package app

import (
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestX11Address(t *testing.T) {
	for in, want := range map[string]string{
		":0":             "unix /tmp/.X11-unix/X0",
		":99.0":          "unix /tmp/.X11-unix/X99",
		"unix:1":         "unix /tmp/.X11-unix/X1",
		"localhost:10.0": "tcp localhost:6010",
	} {
		n, a, err := x11Address(in)
		if err != nil || n+" "+a != want {
			t.Errorf("x11Address(%q) = %s %s, %v; want %s", in, n, a, err, want)
		}
	}
	for _, bad := range []string{"nonsense", ":x", "host:"} {
		if _, _, err := x11Address(bad); err == nil {
			t.Errorf("x11Address(%q) accepted", bad)
		}
	}
}

// The desktop build must serve headless, not crash, when the display or
// bus is missing or dead: each case gives a reason a person can act on.
func TestGUIUnavailableSaysWhy(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the display and bus checks are for Linux and other X11/Wayland systems")
	}
	run := t.TempDir()
	cases := []struct {
		name, display, wayland, bus, want string
	}{
		{"no display", "", "", "unix:path=/nonexistent", "no display"},
		{"dead X display", ":87", "", "unix:path=/nonexistent", "the display :87 is not reachable"},
		{"dead Wayland display", "", "wayland-9", "unix:path=/nonexistent", "the Wayland display wayland-9 is not reachable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DISPLAY", tc.display)
			t.Setenv("WAYLAND_DISPLAY", tc.wayland)
			t.Setenv("XDG_RUNTIME_DIR", run)
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tc.bus)
			err := GUIUnavailable()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("GUIUnavailable() = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("display but no bus", func(t *testing.T) {
		// A stand-in Wayland socket: the check only connects.
		sock := filepath.Join(run, "wayland-1")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		t.Setenv("DISPLAY", "")
		t.Setenv("WAYLAND_DISPLAY", "wayland-1")
		t.Setenv("XDG_RUNTIME_DIR", run)
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		if err := GUIUnavailable(); err == nil || !strings.Contains(err.Error(), "no session bus") {
			t.Fatalf("GUIUnavailable() = %v, want no session bus", err)
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(run, "nobus"))
		if err := GUIUnavailable(); err == nil || !strings.Contains(err.Error(), "no session bus") {
			t.Fatalf("GUIUnavailable() = %v, want no session bus", err)
		}
	})
}
