// Package desktoptest tests the desktop build for real: the tray on a
// session bus with a stand-in StatusNotifierWatcher, its menu clicked over
// DBus, and the Wails window on Xvfb with a screenshot.
//
// It needs the desktop binary in SB_DESKTOP_BIN, a session bus, Xvfb and
// ImageMagick's import; scripts/test-desktop.sh (make test-desktop) builds
// the binary and runs it under dbus-run-session. Without SB_DESKTOP_BIN
// the tests skip and say so.
package desktoptest
