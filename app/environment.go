package app

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// GUIUnavailable says why the window and tray cannot run here, or is nil
// when they can. Wails panics without a display it can open, and the
// tray's Quit panics when no session bus was reachable, so both are
// checked, for real, before either is touched.
func GUIUnavailable() error {
	switch runtime.GOOS {
	case "darwin", "windows":
		return nil // a logged-in session always has a display there
	}
	if err := displayReachable(); err != nil {
		return err
	}
	return sessionBusReachable()
}

// displayReachable connects to the X server of $DISPLAY or the Wayland
// compositor of $WAYLAND_DISPLAY, whichever is set.
func displayReachable() error {
	if w := os.Getenv("WAYLAND_DISPLAY"); w != "" {
		path := w
		if !filepath.IsAbs(path) {
			path = filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), w)
		}
		if err := dial("unix", path); err == nil {
			return nil
		}
		if os.Getenv("DISPLAY") == "" {
			return fmt.Errorf("the Wayland display %s is not reachable", w)
		}
	}
	d := os.Getenv("DISPLAY")
	if d == "" {
		return errors.New("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)")
	}
	network, addr, err := x11Address(d)
	if err != nil {
		return err
	}
	err = dial(network, addr)
	if err != nil && network == "unix" && runtime.GOOS == "linux" {
		err = dial("unix", "@"+addr) // X servers also listen on the abstract socket
	}
	if err != nil {
		return fmt.Errorf("the display %s is not reachable (%v)", d, err)
	}
	return nil
}

// x11Address is where the X server of a DISPLAY value listens:
// ":N" is the unix socket /tmp/.X11-unix/XN, "host:N" TCP port 6000+N.
func x11Address(display string) (network, addr string, err error) {
	if strings.HasPrefix(display, "/") { // a launchd-style socket path
		if i := strings.LastIndex(display, ":"); i > 0 {
			display = display[:i]
		}
		return "unix", display, nil
	}
	host, rest, ok := strings.Cut(display, ":")
	if !ok {
		return "", "", fmt.Errorf("DISPLAY=%q is not host:number", display)
	}
	num, _, _ := strings.Cut(rest, ".") // drop the screen
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return "", "", fmt.Errorf("DISPLAY=%q is not host:number", display)
	}
	host = strings.TrimPrefix(host, "unix")
	if host == "" {
		return "unix", "/tmp/.X11-unix/X" + num, nil
	}
	return "tcp", net.JoinHostPort(host, strconv.Itoa(6000+n)), nil
}

func dial(network, addr string) error {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// sessionBusReachable connects to the session bus. It does not let the
// DBus library start a bus of its own (its "autolaunch" when no address
// is known): a bus nobody else is on would serve no tray.
func sessionBusReachable() error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if _, err := os.Stat(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "bus")); os.Getenv("XDG_RUNTIME_DIR") == "" || err != nil {
			return errors.New("no session bus (DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus)")
		}
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return fmt.Errorf("no session bus (%v)", err)
	}
	return conn.Close()
}
