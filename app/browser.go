package app

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"switchboard/backend/client"
)

// OpenPanelInBrowser opens the control panel, signed in, at a route, in
// the default browser: where the tray runs without the window (macOS).
// The browser is handed a small forwarding page in the home folder (mode
// 0600, beside config.json, which holds the same key), never the key on
// its command line, where other users could read it.
func OpenPanelInBrowser(ctx context.Context, c *client.Client, home, route string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	target, err := PanelAddress(ctx, c, route)
	if err != nil {
		return err
	}
	page := `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<title>Opening Switchboard</title><script>location.replace(` + jsString(target) + `)</script>`
	path := filepath.Join(home, "open.html")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(page), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return OpenWithDesktop(path)
}
