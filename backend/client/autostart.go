package client

import (
	"context"
	"net/http"

	"switchboard/backend/api"
)

// Autostart says whether Switchboard starts at login.
func (c *Client) Autostart(ctx context.Context) (*api.Autostart, error) {
	return getJSON[api.Autostart](ctx, c, "/api/v1/system/autostart", nil)
}

// SetAutostart turns starting at login on or off.
func (c *Client) SetAutostart(ctx context.Context, on bool) (*api.Autostart, error) {
	return call[api.Autostart](ctx, c, request{method: http.MethodPut, path: "/api/v1/system/autostart",
		body: api.AutostartUpdate{Enabled: &on}})
}
