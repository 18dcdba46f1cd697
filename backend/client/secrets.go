package client

import (
	"context"
	"net/http"
	"net/url"

	"switchboard/backend/api"
)

// Secrets lists the secrets by name (never their values), the backend that
// holds them, and ${keyring:NAME} references that have no secret.
func (c *Client) Secrets(ctx context.Context) (*api.SecretList, error) {
	return getJSON[api.SecretList](ctx, c, "/api/v1/secrets", nil)
}

// SetSecret stores a secret's value; servers that use it and run are
// restarted to get it.
func (c *Client) SetSecret(ctx context.Context, name, value string) (*api.SecretSet, error) {
	return call[api.SecretSet](ctx, c, request{method: http.MethodPut, path: "/api/v1/secrets/" + seg(name),
		body: api.SecretValue{Value: value}})
}

// DeleteSecret removes a secret; with force, even while servers use it.
func (c *Client) DeleteSecret(ctx context.Context, name string, force bool) error {
	var q url.Values
	if force {
		q = url.Values{"force": {"true"}}
	}
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/secrets/" + seg(name), query: q}, nil)
}

// MigrateSecrets moves literal secret values of the config into the store
// and rewrites them as ${keyring:NAME}; see api.SecretMigrateRequest.
func (c *Client) MigrateSecrets(ctx context.Context, req api.SecretMigrateRequest) (*api.SecretMigration, error) {
	return postJSON[api.SecretMigration](ctx, c, "/api/v1/secrets/migrate", req)
}
