package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/store"
)

// ActivityFilter narrows the activity log; zero fields do not filter.
type ActivityFilter struct {
	Type    string // tool_call
	Server  string
	Tool    string // the tool's name on its server
	Session string
	Client  string
	Status  string // ok, error, timeout, unavailable, cancelled
	Since   time.Time
	Until   time.Time
}

func (f ActivityFilter) query() url.Values {
	q := url.Values{}
	setIf(q, "type", f.Type)
	setIf(q, "server", f.Server)
	setIf(q, "tool", f.Tool)
	setIf(q, "session", f.Session)
	setIf(q, "client", f.Client)
	setIf(q, "status", f.Status)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// ListActivity is a page of the activity log, newest first; pass the
// page's NextCursor as cursor for the next one (limit 0: the API's default).
func (c *Client) ListActivity(ctx context.Context, f ActivityFilter, limit int, cursor string) (*api.ActivityPage, error) {
	q := f.query()
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	setIf(q, "cursor", cursor)
	return getJSON[api.ActivityPage](ctx, c, "/api/v1/activity", q)
}

// GetActivity is one entry with its arguments and result.
func (c *Client) GetActivity(ctx context.Context, id string) (*api.Activity, error) {
	return getJSON[api.Activity](ctx, c, "/api/v1/activity/"+seg(id), nil)
}

// ActivitySummary counts calls, errors and latency in total, per server and
// per tool.
func (c *Client) ActivitySummary(ctx context.Context, f ActivityFilter) (*store.ActivitySummary, error) {
	return getJSON[store.ActivitySummary](ctx, c, "/api/v1/activity/summary", f.query())
}

// Export formats.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

// ActivityExport copies the matching activity log to w as it streams in,
// as JSON Lines or CSV ("" is jsonl), so a large log is never held in
// memory. Cancelling ctx ends the export.
func (c *Client) ActivityExport(ctx context.Context, format string, f ActivityFilter, w io.Writer) error {
	q := f.query()
	setIf(q, "format", format)
	resp, err := c.send(ctx, request{method: http.MethodGet, path: "/api/v1/activity/export", query: q})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("activity export cut short: %w", err)
	}
	return nil
}
