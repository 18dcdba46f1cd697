package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/upstream"
)

// ServerFilter narrows ListServers; zero fields do not filter.
type ServerFilter struct {
	State       string // cold, starting, ready, degraded, dead, disabled, stopped
	Tag         string
	Enabled     *bool
	Quarantined *bool
}

func (f ServerFilter) query() url.Values {
	q := url.Values{}
	setIf(q, "state", f.State)
	setIf(q, "tag", f.Tag)
	if f.Enabled != nil {
		q.Set("enabled", strconv.FormatBool(*f.Enabled))
	}
	if f.Quarantined != nil {
		q.Set("quarantined", strconv.FormatBool(*f.Quarantined))
	}
	return q
}

// ListServers lists the configured servers with their state, by name.
func (c *Client) ListServers(ctx context.Context, f ServerFilter) (*api.ServerList, error) {
	return getJSON[api.ServerList](ctx, c, "/api/v1/servers", f.query())
}

// CreateServer adds one server under name; it is saved in the config file
// and started as a hand edit would.
func (c *Client) CreateServer(ctx context.Context, name string, sc *config.Server) (*api.ServersCreated, error) {
	if sc == nil {
		return nil, errors.New("CreateServer: no server config")
	}
	data, err := json.Marshal(sc)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	obj["name"], _ = json.Marshal(name)
	return postJSON[api.ServersCreated](ctx, c, "/api/v1/servers", obj)
}

// CreateServers adds several servers in one config change.
func (c *Client) CreateServers(ctx context.Context, servers map[string]*config.Server) (*api.ServersCreated, error) {
	return postJSON[api.ServersCreated](ctx, c, "/api/v1/servers", map[string]any{"mcpServers": servers})
}

// CreateServersJSON sends a body as it is: one server with a "name" key, or
// a pasted {"mcpServers": {...}} block. Mistakes in it come back from the
// API naming the field.
func (c *Client) CreateServersJSON(ctx context.Context, body []byte) (*api.ServersCreated, error) {
	return postJSON[api.ServersCreated](ctx, c, "/api/v1/servers", json.RawMessage(body))
}

// GetServer is one server with its config (secrets redacted) and state.
func (c *Client) GetServer(ctx context.Context, name string) (*api.ServerInfo, error) {
	return getJSON[api.ServerInfo](ctx, c, "/api/v1/servers/"+seg(name), nil)
}

// ReplaceServer replaces a server's config (PUT). Secrets shown redacted
// and sent back unchanged keep their values.
func (c *Client) ReplaceServer(ctx context.Context, name string, sc *config.Server) (*api.ServerInfo, error) {
	return call[api.ServerInfo](ctx, c, request{method: http.MethodPut, path: "/api/v1/servers/" + seg(name), body: sc})
}

// PatchServer changes some of a server's config with a JSON merge patch
// (RFC 7396): keys set to nil are removed.
func (c *Client) PatchServer(ctx context.Context, name string, patch map[string]any) (*api.ServerInfo, error) {
	return call[api.ServerInfo](ctx, c, request{method: http.MethodPatch, path: "/api/v1/servers/" + seg(name), body: patch,
		header: http.Header{"Content-Type": {"application/merge-patch+json"}}})
}

// DeleteServer stops a server and removes it from the config.
func (c *Client) DeleteServer(ctx context.Context, name string) (*api.ActionResult, error) {
	return call[api.ActionResult](ctx, c, request{method: http.MethodDelete, path: "/api/v1/servers/" + seg(name)})
}

// Server actions.
const (
	ActionStart   = "start"
	ActionStop    = "stop"
	ActionRestart = "restart"
	ActionEnable  = "enable"
	ActionDisable = "disable"
	ActionRefresh = "refresh"
)

// ServerAction runs one of the Action... constants on a server.
func (c *Client) ServerAction(ctx context.Context, name, action string) (*api.ActionResult, error) {
	switch action {
	case ActionStart, ActionStop, ActionRestart, ActionEnable, ActionDisable, ActionRefresh:
	default:
		return nil, fmt.Errorf("unknown server action %q", action)
	}
	return postJSON[api.ActionResult](ctx, c, "/api/v1/servers/"+seg(name)+"/"+action, nil)
}

// StartServer starts a server that is stopped or cold.
func (c *Client) StartServer(ctx context.Context, name string) (*api.ActionResult, error) {
	return c.ServerAction(ctx, name, ActionStart)
}

// StopServer stops a server until it is started again; reason is shown as
// its last error.
func (c *Client) StopServer(ctx context.Context, name, reason string) (*api.ActionResult, error) {
	var body any
	if reason != "" {
		body = api.StopRequest{Reason: reason}
	}
	return postJSON[api.ActionResult](ctx, c, "/api/v1/servers/"+seg(name)+"/stop", body)
}

// RestartServer restarts a server.
func (c *Client) RestartServer(ctx context.Context, name string) (*api.ActionResult, error) {
	return c.ServerAction(ctx, name, ActionRestart)
}

// EnableServer enables a server (saved in the config).
func (c *Client) EnableServer(ctx context.Context, name string) (*api.ActionResult, error) {
	return c.ServerAction(ctx, name, ActionEnable)
}

// DisableServer disables a server (saved in the config).
func (c *Client) DisableServer(ctx context.Context, name string) (*api.ActionResult, error) {
	return c.ServerAction(ctx, name, ActionDisable)
}

// RefreshServer reconnects if needed and lists the server's tools again.
func (c *Client) RefreshServer(ctx context.Context, name string) (*api.ActionResult, error) {
	return c.ServerAction(ctx, name, ActionRefresh)
}

// ServerLogs is the last lines the server wrote to stderr (0: the API's
// default of 100).
func (c *Client) ServerLogs(ctx context.Context, name string, lines int) (*api.ServerLogs, error) {
	q := url.Values{}
	if lines > 0 {
		q.Set("lines", strconv.Itoa(lines))
	}
	return getJSON[api.ServerLogs](ctx, c, "/api/v1/servers/"+seg(name)+"/logs", q)
}

// ServerHealth is a server's health with its check history, oldest first.
func (c *Client) ServerHealth(ctx context.Context, name string) (*api.ServerHealth, error) {
	return getJSON[api.ServerHealth](ctx, c, "/api/v1/servers/"+seg(name)+"/health", nil)
}

// CheckServerHealth pings a server now.
func (c *Client) CheckServerHealth(ctx context.Context, name string) (*upstream.HealthCheck, error) {
	return postJSON[upstream.HealthCheck](ctx, c, "/api/v1/servers/"+seg(name)+"/health/check", nil)
}

// ServerCalls is a page of a server's tool calls, newest first; pass the
// page's NextCursor to get the next (limit 0: the API's default).
func (c *Client) ServerCalls(ctx context.Context, name string, limit int, cursor string) (*api.ActivityPage, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	setIf(q, "cursor", cursor)
	return getJSON[api.ActivityPage](ctx, c, "/api/v1/servers/"+seg(name)+"/calls", q)
}

// Bulk actions.
const (
	BulkEnableAll  = "enable_all"
	BulkDisableAll = "disable_all"
	BulkRestartAll = "restart_all"
	BulkReconnect  = "reconnect"
)

// Bulk runs one of the Bulk... actions on the named servers, or on all of
// them when names is empty.
func (c *Client) Bulk(ctx context.Context, action string, names ...string) (*api.BulkResult, error) {
	switch action {
	case BulkEnableAll, BulkDisableAll, BulkRestartAll, BulkReconnect:
	default:
		return nil, fmt.Errorf("unknown bulk action %q", action)
	}
	var body any
	if len(names) > 0 {
		body = api.BulkRequest{Names: names}
	}
	return postJSON[api.BulkResult](ctx, c, "/api/v1/bulk/"+action, body)
}

// DescribeServer makes a description of a server from its own words, or
// its tools; with Apply it is written to the config.
func (c *Client) DescribeServer(ctx context.Context, name string, req api.DescribeRequest) (*api.ServerDescription, error) {
	return postJSON[api.ServerDescription](ctx, c, "/api/v1/servers/"+seg(name)+"/describe", req)
}

// DescribeServers describes several servers (none named: all of them).
func (c *Client) DescribeServers(ctx context.Context, req api.BulkDescribeRequest) (*api.BulkDescriptions, error) {
	return postJSON[api.BulkDescriptions](ctx, c, "/api/v1/bulk/describe", req)
}
