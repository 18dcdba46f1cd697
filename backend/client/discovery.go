package client

import (
	"context"
	"net/http"

	"switchboard/backend/api"
	"switchboard/backend/discovery"
)

// DiscoverySources lists the discovery sources with their last scan.
func (c *Client) DiscoverySources(ctx context.Context) (*api.DiscoverySourceList, error) {
	return getJSON[api.DiscoverySourceList](ctx, c, "/api/v1/discovery/sources", nil)
}

// DiscoverySource is one source.
func (c *Client) DiscoverySource(ctx context.Context, id string) (*discovery.Status, error) {
	return getJSON[discovery.Status](ctx, c, "/api/v1/discovery/sources/"+seg(id), nil)
}

// AddDiscoverySource adds a source (id and kind required).
func (c *Client) AddDiscoverySource(ctx context.Context, w api.DiscoverySourceWrite) (*discovery.Status, error) {
	return postJSON[discovery.Status](ctx, c, "/api/v1/discovery/sources", w)
}

// UpdateDiscoverySource changes the fields of w that are set.
func (c *Client) UpdateDiscoverySource(ctx context.Context, id string, w api.DiscoverySourceWrite) (*discovery.Status, error) {
	return call[discovery.Status](ctx, c, request{method: http.MethodPatch, path: "/api/v1/discovery/sources/" + seg(id), body: w})
}

// DeleteDiscoverySource removes a source; servers approved from it stay.
func (c *Client) DeleteDiscoverySource(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/discovery/sources/" + seg(id)}, nil)
}

// ScanDiscovery scans one source now, or every enabled source when id is
// empty.
func (c *Client) ScanDiscovery(ctx context.Context, id string) (*api.DiscoveryScanResult, error) {
	path := "/api/v1/discovery/scan"
	if id != "" {
		path = "/api/v1/discovery/sources/" + seg(id) + "/scan"
	}
	return postJSON[api.DiscoveryScanResult](ctx, c, path, nil)
}

// DiscoveryPending lists the servers found and waiting for a decision.
func (c *Client) DiscoveryPending(ctx context.Context) (*api.DiscoveryPendingList, error) {
	return getJSON[api.DiscoveryPendingList](ctx, c, "/api/v1/discovery/pending", nil)
}

// ApproveDiscovered carries out a pending entry: an addition enters the
// config quarantined, a removal deletes the server.
func (c *Client) ApproveDiscovered(ctx context.Context, source, name string) (*api.DiscoveryDecision, error) {
	return postJSON[api.DiscoveryDecision](ctx, c, "/api/v1/discovery/pending/"+seg(source)+"/"+seg(name)+"/approve", nil)
}

// RejectDiscovered turns a pending entry down; the source does not offer
// the same server again.
func (c *Client) RejectDiscovered(ctx context.Context, source, name string) (*api.DiscoveryDecision, error) {
	return postJSON[api.DiscoveryDecision](ctx, c, "/api/v1/discovery/pending/"+seg(source)+"/"+seg(name)+"/reject", nil)
}
