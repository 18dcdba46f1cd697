//go:build desktop && darwin

package app

import "errors"

// Built is false on macOS for now: the tray and the Wails window cannot
// share a process there, and the separate tray process is not built yet.
// `switchboard` serves headless and says so.
const Built = false

// Run is the desktop app; see Built.
func Run(Options) error {
	return errors.New("the macOS desktop app (window and tray as two processes) is not built yet")
}
