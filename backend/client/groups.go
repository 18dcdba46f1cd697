package client

import (
	"context"
	"net/http"

	"switchboard/backend/api"
)

// Groups lists the groups with their state and members.
func (c *Client) Groups(ctx context.Context) (*api.GroupList, error) {
	return getJSON[api.GroupList](ctx, c, "/api/v1/groups", nil)
}

// Group returns one group.
func (c *Client) Group(ctx context.Context, id string) (*api.GroupInfo, error) {
	return getJSON[api.GroupInfo](ctx, c, "/api/v1/groups/"+seg(id), nil)
}

// CreateGroup adds a group to the config; w.ID names it.
func (c *Client) CreateGroup(ctx context.Context, w api.GroupWrite) (*api.GroupInfo, error) {
	return postJSON[api.GroupInfo](ctx, c, "/api/v1/groups", w)
}

// ReplaceGroup replaces a group's config.
func (c *Client) ReplaceGroup(ctx context.Context, id string, w api.GroupWrite) (*api.GroupInfo, error) {
	return call[api.GroupInfo](ctx, c, request{method: http.MethodPut, path: "/api/v1/groups/" + seg(id), body: w})
}

// PatchGroup changes the keys of a group that p holds.
func (c *Client) PatchGroup(ctx context.Context, id string, p api.GroupPatch) (*api.GroupInfo, error) {
	return call[api.GroupInfo](ctx, c, request{method: http.MethodPatch, path: "/api/v1/groups/" + seg(id), body: p})
}

// DeleteGroup removes a group from the config.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/groups/" + seg(id)}, nil)
}

// RebalanceGroup restarts the group's rotation and half-opens its open
// breakers.
func (c *Client) RebalanceGroup(ctx context.Context, id string) (*api.GroupInfo, error) {
	return postJSON[api.GroupInfo](ctx, c, "/api/v1/groups/"+seg(id)+"/rebalance", nil)
}

// GroupTools lists a group's tools with their names on the group's endpoint
// and on /mcp, and the members that offer each.
func (c *Client) GroupTools(ctx context.Context, id string) (*api.GroupToolList, error) {
	return getJSON[api.GroupToolList](ctx, c, "/api/v1/groups/"+seg(id)+"/tools", nil)
}
