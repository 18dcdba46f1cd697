package gateway

import (
	"context"
	"encoding/json"
	"errors"
)

// ErrDenied wraps the error of a call the call guard refused.
var ErrDenied = errors.New("call denied")

// CallGuard decides, before a tool call leaves for its server, whether it
// may go (tool policies, sensitive data in the arguments). ctx is the
// client's request context, carrying what the MCP guard put there (who the
// caller is); server and tool are the server's own names. A non-nil error
// refuses the call: its message is what the client is told, as an isError
// result, and the call is recorded as "denied".
type CallGuard func(ctx context.Context, server, tool string, args json.RawMessage) error

// guardCall runs the gateway's call guard, if it has one.
func (g *Gateway) guardCall(ctx context.Context, t target, args json.RawMessage) error {
	if g.callGuard == nil {
		return nil
	}
	return g.callGuard(ctx, t.server, t.name, args)
}
