//go:build desktop && darwin

package app

import "errors"

// Built is true: this is the desktop build. On macOS the tray and the
// Wails window cannot share a process, and the tray's own process is not
// built yet, so guiUnavailableHere says so and `switchboard` serves.
const Built = true

// Run is not reached on macOS (see guiUnavailableHere).
func Run(Options) error { return errNoMacApp }

var errNoMacApp = errors.New("the macOS desktop app (window and tray as two processes) is not built yet; serving headless, open the panel with `switchboard open`")

func guiUnavailableHere() error { return errNoMacApp }
