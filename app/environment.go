package app

import (
	"errors"
	"os"
	"runtime"

	"github.com/godbus/dbus/v5"
)

// GUIUnavailable says why the window and tray cannot run here, or is nil
// when they can. Wails panics without a display, and the tray's Quit
// panics when no session bus was reachable, so both are checked before
// either is touched.
func GUIUnavailable() error {
	if err := guiUnavailableHere(); err != nil {
		return err
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		return nil // a logged-in session always has a display there
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)")
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return errors.New("no session bus (" + err.Error() + ")")
	}
	_ = conn.Close()
	return nil
}
