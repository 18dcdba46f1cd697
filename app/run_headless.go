//go:build !desktop

package app

import "errors"

// Built says whether this binary has the window and tray. It has not: it
// was built without the desktop tag (CGO_ENABLED=0, no GTK), so
// `switchboard` with no subcommand serves headless.
const Built = false

// Run is the desktop app; this build has none.
func Run(Options) error {
	return errors.New("this switchboard was built without the desktop app (make desktop builds it)")
}

// RunTray is the tray alone; this build has none.
func RunTray(Options, string) error {
	return errors.New("this switchboard was built without the desktop app (make desktop builds it)")
}
