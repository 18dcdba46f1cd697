package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"switchboard/backend/api"
)

// ToolQuery narrows ListTools. With Q the tools come ranked by relevance,
// best first.
type ToolQuery struct {
	Q      string
	Limit  int
	Server string
}

// ListTools lists every server's tools (disabled ones too), or searches
// them when q.Q is set.
func (c *Client) ListTools(ctx context.Context, q ToolQuery) (*api.ToolList, error) {
	v := url.Values{}
	setIf(v, "q", q.Q)
	setIf(v, "server", q.Server)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return getJSON[api.ToolList](ctx, c, "/api/v1/tools", v)
}

// SearchTools ranks the tools against words such as "read a file"; limit 0
// returns every match.
func (c *Client) SearchTools(ctx context.Context, q string, limit int) (*api.ToolList, error) {
	return c.ListTools(ctx, ToolQuery{Q: q, Limit: limit})
}

// ServerTools lists one server's tools (disabled ones too).
func (c *Client) ServerTools(ctx context.Context, server string) (*api.ToolList, error) {
	return getJSON[api.ToolList](ctx, c, "/api/v1/servers/"+seg(server)+"/tools", nil)
}

// GetTool is one tool of a server, by the server's own name for it.
func (c *Client) GetTool(ctx context.Context, server, tool string) (*api.ToolInfo, error) {
	return getJSON[api.ToolInfo](ctx, c, toolPath(server, tool), nil)
}

// EnableTool takes a tool out of the server's disabled_tools.
func (c *Client) EnableTool(ctx context.Context, server, tool string) (*api.ToolInfo, error) {
	return postJSON[api.ToolInfo](ctx, c, toolPath(server, tool)+"/enable", nil)
}

// DisableTool hides a tool from clients and refuses calls to it.
func (c *Client) DisableTool(ctx context.Context, server, tool string) (*api.ToolInfo, error) {
	return postJSON[api.ToolInfo](ctx, c, toolPath(server, tool)+"/disable", nil)
}

// CallTool calls a tool through the gateway, as a client would; the call
// is recorded in the activity log. args is the arguments object: a map, a
// struct, json.RawMessage, or nil for none. A tool that fails answers with
// IsError set, not with an error.
func (c *Client) CallTool(ctx context.Context, server, tool string, args any) (*api.ToolCallResult, error) {
	var req api.ToolCallRequest
	switch a := args.(type) {
	case nil:
	case json.RawMessage:
		req.Arguments = a
	case []byte:
		req.Arguments = a
	default:
		data, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		req.Arguments = data
	}
	return postJSON[api.ToolCallResult](ctx, c, toolPath(server, tool)+"/call", req)
}

func toolPath(server, tool string) string {
	return "/api/v1/servers/" + seg(server) + "/tools/" + seg(tool)
}
