package app

import (
	"context"
	"time"

	"switchboard/backend/client"
	"switchboard/backend/panellink"
)

// OpenPanelInBrowser opens the control panel, signed in, at a route, in
// the default browser: where the tray runs without the window (macOS).
func OpenPanelInBrowser(ctx context.Context, c *client.Client, home, route string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	target, err := PanelAddress(ctx, c, route)
	if err != nil {
		return err
	}
	return panellink.OpenInBrowser(home, target)
}
