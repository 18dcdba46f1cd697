package app

import (
	"log/slog"

	"switchboard/backend/client"
)

// Options start the desktop app.
type Options struct {
	// Client reaches the core: in this process or another, over the socket.
	Client *client.Client
	// Instance is this process holding the app's name (see ClaimInstance);
	// other launches ask it to show the window.
	Instance *Instance
	Logger   *slog.Logger
	// Hidden starts with only the tray icon (as at login); the window
	// opens from the tray.
	Hidden bool
}
