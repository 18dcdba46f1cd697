package autostart

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"switchboard/backend/fsutil"
)

// LaunchAgent is macOS's per-user login item: a property list in
// ~/Library/LaunchAgents with RunAtLoad set, which launchd reads at login.
type LaunchAgent struct {
	// Dir is the LaunchAgents folder; LaunchAgentsDir() gives the usual one.
	Dir string
}

// LaunchAgentsDir is ~/Library/LaunchAgents.
func LaunchAgentsDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents"), nil
}

func (l LaunchAgent) path() string { return filepath.Join(l.Dir, ID+".plist") }

// Where is the plist's path.
func (l LaunchAgent) Where() string { return l.path() }

// Enabled is true when our plist exists.
func (l LaunchAgent) Enabled() (bool, error) {
	_, err := os.Stat(l.path())
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Enable writes the plist. It is not loaded now (launchctl): the app is
// running already; launchd starts it at the next login.
func (l LaunchAgent) Enable(command []string) error {
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return err
	}
	var args strings.Builder
	for _, a := range command {
		args.WriteString("\t\t<string>" + xmlEscape(a) + "</string>\n")
	}
	plist := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + ID + `</string>
	<key>ProgramArguments</key>
	<array>
` + args.String() + `	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`
	return fsutil.WriteFileAtomic(l.path(), []byte(plist), 0o644)
}

// Disable deletes the plist.
func (l LaunchAgent) Disable() error {
	if err := os.Remove(l.path()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
