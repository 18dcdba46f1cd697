package client

import (
	"context"
	"io"
	"net/http"

	"switchboard/backend/api"
	"switchboard/backend/config"
)

// A config sent to the API (PutConfig, ValidateConfig) is a *config.Config,
// or a file's bytes ([]byte or json.RawMessage) sent as they are, so the
// API's answer names the place of any problem in them.

// GetConfig is the config in force, secrets masked, with its ETag for
// PutConfig's ifMatch.
func (c *Client) GetConfig(ctx context.Context) (*config.Config, string, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: "/api/v1/config"})
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	cfg, err := decodeConfig(resp.Body)
	return cfg, resp.Header.Get("ETag"), err
}

// PutConfig applies a whole config: validated, saved atomically and
// applied live. With ifMatch (an ETag of GetConfig) it is refused when the
// config changed since. It returns the config now in force and its ETag.
func (c *Client) PutConfig(ctx context.Context, cfg any, ifMatch string) (*config.Config, string, error) {
	r := request{method: http.MethodPut, path: "/api/v1/config", body: cfg}
	if ifMatch != "" {
		r.header = http.Header{"If-Match": {ifMatch}}
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	out, err := decodeConfig(resp.Body)
	return out, resp.Header.Get("ETag"), err
}

func decodeConfig(r io.Reader) (*config.Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return config.Parse(data)
}

// ValidateConfig checks a whole config without applying it: what it would
// change, or an *Error with every problem.
func (c *Client) ValidateConfig(ctx context.Context, cfg any) (*api.ConfigValidation, error) {
	return postJSON[api.ConfigValidation](ctx, c, "/api/v1/config/validate", cfg)
}

// ExportConfig is the config in force as a file, secrets masked.
func (c *Client) ExportConfig(ctx context.Context) ([]byte, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: "/api/v1/config/export"})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// ConfigDiff compares the file on disk with the config in force.
func (c *Client) ConfigDiff(ctx context.Context) (*api.ConfigDiff, error) {
	return getJSON[api.ConfigDiff](ctx, c, "/api/v1/config/diff", nil)
}

// BackupConfig copies the config in force to the backups folder.
func (c *Client) BackupConfig(ctx context.Context) (*config.BackupFile, error) {
	return postJSON[config.BackupFile](ctx, c, "/api/v1/config/backup", nil)
}

// ConfigBackups lists the config's backups, newest first.
func (c *Client) ConfigBackups(ctx context.Context) (*api.ConfigBackups, error) {
	return getJSON[api.ConfigBackups](ctx, c, "/api/v1/config/backups", nil)
}

// ReloadConfig loads the file from disk and applies it.
func (c *Client) ReloadConfig(ctx context.Context) (*api.ConfigReloaded, error) {
	return postJSON[api.ConfigReloaded](ctx, c, "/api/v1/config/reload", nil)
}
