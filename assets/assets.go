// Package assets holds the art embedded in the desktop binary: the tray
// icons, one per gateway state, and the window's icon. scripts/icons draws
// them.
package assets

import (
	"embed"
	"fmt"
)

//go:embed tray/*.png
var tray embed.FS

// AppIcon is the application icon (256×256 PNG), for the window.
//
//go:embed appicon.png
var AppIcon []byte

// TrayIcon is the PNG of a tray state: ok, attention, error or paused.
func TrayIcon(state string) ([]byte, error) {
	data, err := tray.ReadFile("tray/" + state + ".png")
	if err != nil {
		return nil, fmt.Errorf("no tray icon for state %q", state)
	}
	return data, nil
}
