package client

import (
	"context"
	"net/http"

	"switchboard/backend/api"
)

// ListSessions lists the MCP client sessions on every endpoint.
func (c *Client) ListSessions(ctx context.Context) (*api.SessionList, error) {
	return getJSON[api.SessionList](ctx, c, "/api/v1/sessions", nil)
}

// GetSession is one MCP client session.
func (c *Client) GetSession(ctx context.Context, id string) (*api.SessionInfo, error) {
	return getJSON[api.SessionInfo](ctx, c, "/api/v1/sessions/"+seg(id), nil)
}

// SuspendSession refuses a session's calls until it is resumed; it stays
// connected.
func (c *Client) SuspendSession(ctx context.Context, id string) (*api.SessionInfo, error) {
	return postJSON[api.SessionInfo](ctx, c, "/api/v1/sessions/"+seg(id)+"/suspend", nil)
}

// ResumeSession lets a suspended session call again.
func (c *Client) ResumeSession(ctx context.Context, id string) (*api.SessionInfo, error) {
	return postJSON[api.SessionInfo](ctx, c, "/api/v1/sessions/"+seg(id)+"/resume", nil)
}

// EndSession forgets a session; its client must start a new one.
func (c *Client) EndSession(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/sessions/" + seg(id)}, nil)
}
