//go:build desktop && darwin

package app

import "errors"

// Built is true: this is the desktop build. On macOS the tray and the
// Wails window cannot share a process: `switchboard` runs the tray as a
// process of its own (SplitProcesses, RunSplit, RunTray) and shows the
// panel in the browser; the window is not built for macOS yet.
const Built = true

// Run (window and tray in one process) is not for macOS; see SplitProcesses.
func Run(Options) error {
	return errors.New("on macOS the tray runs as its own process (SplitProcesses)")
}
