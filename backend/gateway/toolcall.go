package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
)

// Errors of a test call that the API tells apart.
var (
	ErrToolDisabled = errors.New("tool disabled")
	ErrQuarantined  = errors.New("server quarantined")
)

// APIClient and APISessionID mark the control API's test calls in the
// activity log and in events.
const (
	APIClient    = "switchboard-api"
	APISessionID = "api"
)

// CallTool calls a server's tool, by its own name, for the control API.
// It goes the way a client's call goes (the server is started if cold, the
// server's call timeout applies, and the call is recorded), so the errors
// are the same: upstream.ErrUnavailable, upstream.ErrTimeout, or the
// server's own. A tool in disabled_tools or of a quarantined server is
// refused, as on /mcp.
func (g *Gateway) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (*mcp.CallToolResult, error) {
	u, err := g.mustServer(server)
	if err != nil {
		return nil, err
	}
	cfg := u.Config()
	if slices.Contains(cfg.DisabledTools, tool) {
		return nil, fmt.Errorf("%w: tool %q of server %q is in its disabled_tools; enable it to call it", ErrToolDisabled, tool, server)
	}
	if cfg.Quarantined {
		return nil, fmt.Errorf("%w: server %q is quarantined; approve it before calling its tools", ErrQuarantined, server)
	}
	if reason := g.heldReason(u, tool); reason != "" {
		return nil, fmt.Errorf("%w: %s", ErrQuarantined, reason)
	}
	cat := u.Catalog()
	known := slices.ContainsFunc(cat.Tools, func(t mcp.Tool) bool { return t.Name == tool })
	// A server that never listed its tools (it has not started yet, or
	// failed to) is called all the same: the call starts it, or says why not.
	if !known && (len(cat.Tools) > 0 || u.State().Usable()) {
		return nil, fmt.Errorf("%w: server %q lists no tool named %q", ErrNoTool, server, tool)
	}
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	ctx = g.agg.srv.WithContext(ctx, apiSession{})
	return g.agg.forward(ctx, target{server: server, name: tool}, args, nil)
}

// apiSession stands for the control API as the client of a test call, so
// the call is recorded and published like a client's. It takes no
// notifications, and server-to-client requests (sampling, elicitation,
// roots) are refused, since there is nobody to answer them.
type apiSession struct{}

func (apiSession) Initialize()                                         {}
func (apiSession) Initialized() bool                                   { return false }
func (apiSession) NotificationChannel() chan<- mcp.JSONRPCNotification { return nil }
func (apiSession) SessionID() string                                   { return APISessionID }
func (apiSession) GetClientInfo() mcp.Implementation                   { return mcp.Implementation{Name: APIClient} }
func (apiSession) SetClientInfo(mcp.Implementation)                    {}
func (apiSession) GetClientCapabilities() mcp.ClientCapabilities       { return mcp.ClientCapabilities{} }
func (apiSession) SetClientCapabilities(mcp.ClientCapabilities)        {}
