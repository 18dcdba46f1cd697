package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/policy"
	"switchboard/backend/store"
)

// Policies lists the tool access rules in the order they are tried, with
// the settings and the withdrawn tools.
func (c *Client) Policies(ctx context.Context) (*api.PolicyList, error) {
	return getJSON[api.PolicyList](ctx, c, "/api/v1/policies", nil)
}

// Policy is one rule by id.
func (c *Client) Policy(ctx context.Context, id string) (*policy.Rule, error) {
	return getJSON[policy.Rule](ctx, c, "/api/v1/policies/"+seg(id), nil)
}

// CreatePolicy adds a rule.
func (c *Client) CreatePolicy(ctx context.Context, r policy.Rule) (*policy.Rule, error) {
	return postJSON[policy.Rule](ctx, c, "/api/v1/policies", r)
}

// UpdatePolicy replaces a rule.
func (c *Client) UpdatePolicy(ctx context.Context, id string, r policy.Rule) (*policy.Rule, error) {
	return call[policy.Rule](ctx, c, request{method: http.MethodPut, path: "/api/v1/policies/" + seg(id), body: r})
}

// DeletePolicy removes a rule.
func (c *Client) DeletePolicy(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/policies/" + seg(id)}, nil)
}

// PolicySettings are the sensitive-data settings in force.
func (c *Client) PolicySettings(ctx context.Context) (*policy.Settings, error) {
	return getJSON[policy.Settings](ctx, c, "/api/v1/policies/settings", nil)
}

// SetPolicySettings replaces the sensitive-data settings.
func (c *Client) SetPolicySettings(ctx context.Context, s policy.Settings) (*policy.Settings, error) {
	return call[policy.Settings](ctx, c, request{method: http.MethodPut, path: "/api/v1/policies/settings", body: s})
}

// CheckPolicy says what the policies decide for a principal, server and
// tool, and which rule decides.
func (c *Client) CheckPolicy(ctx context.Context, principal, server, tool string) (*policy.Decision, error) {
	return postJSON[policy.Decision](ctx, c, "/api/v1/policies/check", api.PolicyCheck{Principal: principal, Server: server, Tool: tool})
}

// WithdrawTool takes a tool from every client (admin only).
func (c *Client) WithdrawTool(ctx context.Context, server, tool, reason string) (*policy.Withdrawal, error) {
	return postJSON[policy.Withdrawal](ctx, c, "/api/v1/servers/"+seg(server)+"/tools/"+seg(tool)+"/withdraw", api.ToolWithdraw{Reason: reason})
}

// RestoreTool gives a withdrawn tool back (admin only).
func (c *Client) RestoreTool(ctx context.Context, server, tool string) (*policy.Withdrawal, error) {
	return postJSON[policy.Withdrawal](ctx, c, "/api/v1/servers/"+seg(server)+"/tools/"+seg(tool)+"/restore", nil)
}

// SecurityFilter narrows the security events; zero fields do not filter.
type SecurityFilter struct {
	Type      string // a type, or a prefix ending in a dot ("sensitive.")
	Level     string // the lowest level: info, warning or critical
	Server    string
	Principal string
	Since     time.Time
	Until     time.Time
}

// SecurityEvents is a page of security events, newest first; pass the
// page's NextCursor as cursor for the next one (limit 0: the default).
func (c *Client) SecurityEvents(ctx context.Context, f SecurityFilter, limit int, cursor string) (*api.SecurityEventPage, error) {
	q := url.Values{}
	setIf(q, "type", f.Type)
	setIf(q, "level", f.Level)
	setIf(q, "server", f.Server)
	setIf(q, "principal", f.Principal)
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
	return getJSON[api.SecurityEventPage](ctx, c, "/api/v1/security/events", q)
}

// SecurityEvent is one security event by id.
func (c *Client) SecurityEvent(ctx context.Context, id string) (*store.SecurityRecord, error) {
	return getJSON[store.SecurityRecord](ctx, c, "/api/v1/security/events/"+seg(id), nil)
}
