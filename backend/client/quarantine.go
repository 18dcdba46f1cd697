package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"switchboard/backend/api"
)

// Quarantine lists what awaits a decision: quarantined servers, and held
// tools (new, changed or rejected) of approved ones.
func (c *Client) Quarantine(ctx context.Context) (*api.QuarantineList, error) {
	return getJSON[api.QuarantineList](ctx, c, "/api/v1/quarantine", nil)
}

// QuarantinedServer says where a server and each of its tools stand.
func (c *Client) QuarantinedServer(ctx context.Context, name string) (*api.QuarantinedServer, error) {
	return getJSON[api.QuarantinedServer](ctx, c, "/api/v1/quarantine/servers/"+seg(name), nil)
}

// ApproveServer approves a server as configured now and pins its tools;
// override accepts it despite high-severity poisoning findings.
func (c *Client) ApproveServer(ctx context.Context, name, note string, override bool) (*api.ServerDecision, error) {
	return postJSON[api.ServerDecision](ctx, c, "/api/v1/servers/"+seg(name)+"/approve", api.ApproveRequest{Note: note, Override: override})
}

// RejectServer keeps a server quarantined, with the reason recorded.
func (c *Client) RejectServer(ctx context.Context, name, reason string) (*api.ServerDecision, error) {
	return postJSON[api.ServerDecision](ctx, c, "/api/v1/servers/"+seg(name)+"/reject", api.RejectRequest{Reason: reason})
}

// ReviewTool shows a tool's pinned and current definitions and the diff.
func (c *Client) ReviewTool(ctx context.Context, server, tool string) (*api.ToolReview, error) {
	return getJSON[api.ToolReview](ctx, c, "/api/v1/quarantine/tools/"+seg(server)+"/"+seg(tool), nil)
}

// ApproveTool approves a tool's current definition.
func (c *Client) ApproveTool(ctx context.Context, server, tool, note string, override bool) (*api.ToolDecision, error) {
	return postJSON[api.ToolDecision](ctx, c, "/api/v1/quarantine/tools/"+seg(server)+"/"+seg(tool)+"/approve",
		api.ApproveRequest{Note: note, Override: override})
}

// RejectTool rejects a tool's current definition: it stays hidden.
func (c *Client) RejectTool(ctx context.Context, server, tool, reason string) (*api.ToolDecision, error) {
	return postJSON[api.ToolDecision](ctx, c, "/api/v1/quarantine/tools/"+seg(server)+"/"+seg(tool)+"/reject",
		api.RejectRequest{Reason: reason})
}

// AuditFilter narrows the audit log; zero fields do not filter.
type AuditFilter struct {
	Type   string // a type, or a prefix ending in a dot ("quarantine.")
	Server string
	Since  time.Time
	Until  time.Time
}

// ListAudit is a page of the audit log, newest first; pass the page's
// NextCursor as cursor for the next one (limit 0: the API's default).
func (c *Client) ListAudit(ctx context.Context, f AuditFilter, limit int, cursor string) (*api.AuditPage, error) {
	q := url.Values{}
	setIf(q, "type", f.Type)
	setIf(q, "server", f.Server)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	setIf(q, "cursor", cursor)
	return getJSON[api.AuditPage](ctx, c, "/api/v1/audit", q)
}
