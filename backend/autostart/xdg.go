package autostart

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"switchboard/backend/fsutil"
)

// XDG is the freedesktop autostart entry: a .desktop file in
// $XDG_CONFIG_HOME/autostart (default ~/.config/autostart), which GNOME,
// KDE, Xfce and the other desktops start at login.
type XDG struct {
	// Dir is the autostart folder; XDGDir() gives the usual one.
	Dir string
}

// XDGDir is $XDG_CONFIG_HOME/autostart, or ~/.config/autostart.
func XDGDir() (string, error) {
	base := os.Getenv("XDG_CONFIG_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "autostart"), nil
}

func (x XDG) path() string { return filepath.Join(x.Dir, ID+".desktop") }

// Where is the .desktop file's path.
func (x XDG) Where() string { return x.path() }

// Enabled is true when our entry exists and is not hidden (a desktop's own
// settings turn an entry off with Hidden=true instead of deleting it).
func (x XDG) Enabled() (bool, error) {
	data, err := os.ReadFile(x.path())
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok &&
			(k == "Hidden" || k == "X-GNOME-Autostart-enabled") {
			if (k == "Hidden" && v == "true") || (k == "X-GNOME-Autostart-enabled" && v == "false") {
				return false, nil
			}
		}
	}
	return true, nil
}

// Enable writes the entry (mode 0644, as desktops expect, through a
// temporary file so a half-written entry is never read).
func (x XDG) Enable(command []string) error {
	if err := os.MkdirAll(x.Dir, 0o755); err != nil {
		return err
	}
	quoted := make([]string, len(command))
	for i, a := range command {
		quoted[i] = desktopQuote(a)
	}
	entry := "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=" + Label + "\n" +
		"Comment=Runs your MCP servers and serves them to AI clients\n" +
		"Exec=" + strings.Join(quoted, " ") + "\n" +
		"Icon=switchboard\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
	return fsutil.WriteFileAtomic(x.path(), []byte(entry), 0o644)
}

// Disable deletes the entry.
func (x XDG) Disable() error {
	if err := os.Remove(x.path()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// desktopQuote quotes one Exec argument as the Desktop Entry spec says:
// arguments with spaces or reserved characters go in double quotes, with
// ", `, $ and \ escaped; % is doubled because Exec gives it a meaning.
func desktopQuote(arg string) string {
	arg = strings.ReplaceAll(arg, "%", "%%")
	if arg != "" && !strings.ContainsAny(arg, " \t\n\"'\\><~|&;$*?#()`") {
		return arg
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
	return `"` + r.Replace(arg) + `"`
}
