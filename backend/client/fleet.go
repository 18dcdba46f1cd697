package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"switchboard/backend/api"
	"switchboard/backend/catalog"
	"switchboard/backend/clientconfig"
)

// PreviewImport says what importing a client's config file would do,
// changing nothing.
func (c *Client) PreviewImport(ctx context.Context, req api.ImportRequest) (*api.ImportResult, error) {
	return postJSON[api.ImportResult](ctx, c, "/api/v1/import/preview", req)
}

// Import adds the servers of a client's config file; new ones are
// quarantined until approved.
func (c *Client) Import(ctx context.Context, req api.ImportRequest) (*api.ImportResult, error) {
	return postJSON[api.ImportResult](ctx, c, "/api/v1/import", req)
}

// Export writes servers (all when names is empty) in a client's format
// (claude-desktop, cursor, vscode, windsurf, claude-code, generic).
func (c *Client) Export(ctx context.Context, format string, names []string) (*api.ExportResult, error) {
	q := url.Values{}
	setIf(q, "format", format)
	setIf(q, "names", strings.Join(names, ","))
	return getJSON[api.ExportResult](ctx, c, "/api/v1/export", q)
}

// Clients lists the AI clients Switchboard can connect and their files.
func (c *Client) Clients(ctx context.Context) (*api.ClientList, error) {
	return getJSON[api.ClientList](ctx, c, "/api/v1/clients", nil)
}

// Connect writes Switchboard into a client's config file.
func (c *Client) Connect(ctx context.Context, client string, req api.ConnectRequest) (*clientconfig.ConnectResult, error) {
	return postJSON[clientconfig.ConnectResult](ctx, c, "/api/v1/clients/"+seg(client)+"/connect", req)
}

// Disconnect undoes Connect.
func (c *Client) Disconnect(ctx context.Context, client string, req api.ConnectRequest) (*clientconfig.UndoResult, error) {
	return postJSON[clientconfig.UndoResult](ctx, c, "/api/v1/clients/"+seg(client)+"/disconnect", req)
}

// Catalog searches the catalog; empty q and tags list every entry.
func (c *Client) Catalog(ctx context.Context, q string, tags []string) (*api.CatalogList, error) {
	v := url.Values{}
	setIf(v, "q", q)
	setIf(v, "tags", strings.Join(tags, ","))
	return getJSON[api.CatalogList](ctx, c, "/api/v1/catalog", v)
}

// CatalogEntry is one entry.
func (c *Client) CatalogEntry(ctx context.Context, id string) (*catalog.Entry, error) {
	return getJSON[catalog.Entry](ctx, c, "/api/v1/catalog/"+seg(id), nil)
}

// AddCatalogEntry keeps an entry of your own.
func (c *Client) AddCatalogEntry(ctx context.Context, e catalog.Entry) (*catalog.Entry, error) {
	return postJSON[catalog.Entry](ctx, c, "/api/v1/catalog", e)
}

// DeleteCatalogEntry removes an entry of your own.
func (c *Client) DeleteCatalogEntry(ctx context.Context, id string) (*api.CatalogDeleted, error) {
	return call[api.CatalogDeleted](ctx, c, request{method: http.MethodDelete, path: "/api/v1/catalog/" + seg(id)})
}

// DeployCatalogEntry creates a (quarantined) server from an entry.
func (c *Client) DeployCatalogEntry(ctx context.Context, id string, req catalog.DeployRequest) (*api.CatalogDeployed, error) {
	return postJSON[api.CatalogDeployed](ctx, c, "/api/v1/catalog/"+seg(id)+"/deploy", req)
}

// SyncCatalog fills the catalog from a registry ("": the official one).
func (c *Client) SyncCatalog(ctx context.Context, registry string) (*catalog.SyncResult, error) {
	return postJSON[catalog.SyncResult](ctx, c, "/api/v1/catalog/sync", api.CatalogSyncRequest{URL: registry})
}

// Info is the version, addresses and update check (/api/v1/info).
func (c *Client) Info(ctx context.Context) (*api.SystemInfo, error) {
	return getJSON[api.SystemInfo](ctx, c, "/api/v1/info", nil)
}
