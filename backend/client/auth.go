package client

import (
	"context"
	"net/http"
	"net/url"

	"switchboard/backend/api"
	"switchboard/backend/auth"
)

// CreateKey makes an API key; the answer's Key is shown this once.
func (c *Client) CreateKey(ctx context.Context, req api.KeyCreate) (*api.KeyCreated, error) {
	return postJSON[api.KeyCreated](ctx, c, "/api/v1/auth/keys", req)
}

// ListKeys lists the API keys, revoked ones too, never the keys themselves.
func (c *Client) ListKeys(ctx context.Context) (*api.KeyList, error) {
	return getJSON[api.KeyList](ctx, c, "/api/v1/auth/keys", nil)
}

// GetKey is one API key by id.
func (c *Client) GetKey(ctx context.Context, id string) (*api.KeyInfo, error) {
	return getJSON[api.KeyInfo](ctx, c, "/api/v1/auth/keys/"+seg(id), nil)
}

// RevokeKey ends a key for good, with a reason.
func (c *Client) RevokeKey(ctx context.Context, id, reason string) (*api.KeyInfo, error) {
	return postJSON[api.KeyInfo](ctx, c, "/api/v1/auth/keys/"+seg(id)+"/revoke", api.KeyRevoke{Reason: reason})
}

// ListRoles lists the built-in and custom roles and every permission.
func (c *Client) ListRoles(ctx context.Context) (*api.RoleList, error) {
	return getJSON[api.RoleList](ctx, c, "/api/v1/auth/roles", nil)
}

// CreateRole adds a custom role.
func (c *Client) CreateRole(ctx context.Context, r auth.Role) (*auth.Role, error) {
	return postJSON[auth.Role](ctx, c, "/api/v1/auth/roles", r)
}

// DeleteRole removes a custom role.
func (c *Client) DeleteRole(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/auth/roles/" + seg(name)}, nil)
}

// ListPrincipals lists who keys speak for.
func (c *Client) ListPrincipals(ctx context.Context) (*api.PrincipalList, error) {
	return getJSON[api.PrincipalList](ctx, c, "/api/v1/auth/principals", nil)
}

// CreatePrincipal adds a principal.
func (c *Client) CreatePrincipal(ctx context.Context, p auth.Principal) (*auth.Principal, error) {
	return postJSON[auth.Principal](ctx, c, "/api/v1/auth/principals", p)
}

// DeletePrincipal removes a principal no live key speaks for.
func (c *Client) DeletePrincipal(ctx context.Context, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/auth/principals/" + seg(name)}, nil)
}

// CheckPermission says whether a principal or key may do something, and why.
func (c *Client) CheckPermission(ctx context.Context, req api.PermissionCheck) (*api.PermissionVerdict, error) {
	return postJSON[api.PermissionVerdict](ctx, c, "/api/v1/auth/check", req)
}

// ListPrincipalKeys lists one principal's keys.
func (c *Client) ListPrincipalKeys(ctx context.Context, principal string) (*api.KeyList, error) {
	return getJSON[api.KeyList](ctx, c, "/api/v1/auth/keys", url.Values{"principal": {principal}})
}

// GetRole is one role by name.
func (c *Client) GetRole(ctx context.Context, name string) (*auth.Role, error) {
	return getJSON[auth.Role](ctx, c, "/api/v1/auth/roles/"+seg(name), nil)
}

// UpdateRole changes a custom role's description or permissions.
func (c *Client) UpdateRole(ctx context.Context, name string, u api.RoleUpdate) (*auth.Role, error) {
	return call[auth.Role](ctx, c, request{method: http.MethodPatch, path: "/api/v1/auth/roles/" + seg(name), body: u})
}

// GetPrincipal is one principal with its roles.
func (c *Client) GetPrincipal(ctx context.Context, name string) (*auth.Principal, error) {
	return getJSON[auth.Principal](ctx, c, "/api/v1/auth/principals/"+seg(name), nil)
}

// AssignRole gives a principal a role.
func (c *Client) AssignRole(ctx context.Context, principal, role string) (*auth.Principal, error) {
	return postJSON[auth.Principal](ctx, c, "/api/v1/auth/principals/"+seg(principal)+"/roles", api.RoleAssign{Role: role})
}

// RevokeRole takes a role from a principal.
func (c *Client) RevokeRole(ctx context.Context, principal, role string) (*auth.Principal, error) {
	return call[auth.Principal](ctx, c, request{method: http.MethodDelete, path: "/api/v1/auth/principals/" + seg(principal) + "/roles/" + seg(role)})
}
