package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"switchboard/backend/api"
)

// Probes.
const (
	ProbeLive    = "live"
	ProbeReady   = "ready"
	ProbeStartup = "startup"
)

// Health asks one of the /health probes. A failing probe returns its
// answer and an *Error with status 503 both.
func (c *Client) Health(ctx context.Context, probe string) (*api.Health, error) {
	switch probe {
	case ProbeLive, ProbeReady, ProbeStartup:
	default:
		return nil, errors.New("unknown probe " + probe + ": want live, ready or startup")
	}
	resp, err := c.roundTrip(ctx, request{method: http.MethodGet, path: "/health/" + probe})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return nil, decodeError(resp)
	}
	// A failing probe's answer is also the envelope: read it as both.
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return nil, err
	}
	h := &api.Health{}
	if err := json.Unmarshal(data, h); err != nil {
		return nil, fmt.Errorf("/health/%s: decode answer: %w", probe, err)
	}
	if resp.StatusCode != http.StatusOK {
		return h, &Error{Code: h.Error, Message: h.Message, StatusCode: resp.StatusCode}
	}
	return h, nil
}

// Metrics is the Prometheus text exposition.
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	return c.raw(ctx, "/metrics")
}

// OpenAPI is the API's OpenAPI document.
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	return c.raw(ctx, "/api/v1/openapi.json")
}

func (c *Client) raw(ctx context.Context, path string) ([]byte, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
