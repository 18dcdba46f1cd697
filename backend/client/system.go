package client

import (
	"context"

	"switchboard/backend/api"
)

// Status says whether it runs and how busy: servers by state, tools, calls.
func (c *Client) Status(ctx context.Context) (*api.StatusInfo, error) {
	return getJSON[api.StatusInfo](ctx, c, "/api/v1/status", nil)
}

// SystemInfo is the version, paths, listen addresses and URLs.
func (c *Client) SystemInfo(ctx context.Context) (*api.SystemInfo, error) {
	return getJSON[api.SystemInfo](ctx, c, "/api/v1/system/info", nil)
}

// Diagnostics is everything that is wrong now, in one place.
func (c *Client) Diagnostics(ctx context.Context) (*api.Diagnostics, error) {
	return getJSON[api.Diagnostics](ctx, c, "/api/v1/system/diagnostics", nil)
}

// Doctor runs the checks (config, commands, server start, listeners, disk,
// file modes), each with a verdict and a fix.
func (c *Client) Doctor(ctx context.Context) (*api.DoctorReport, error) {
	return getJSON[api.DoctorReport](ctx, c, "/api/v1/system/doctor", nil)
}

// Me says who the API takes the caller for.
func (c *Client) Me(ctx context.Context) (*api.Principal, error) {
	return getJSON[api.Principal](ctx, c, "/api/v1/system/me", nil)
}
