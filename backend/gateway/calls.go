package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// call is one client request in flight to an upstream. It is how replies
// from the upstream (progress, logs, sampling, elicitation, roots) find the
// client session that caused them.
type call struct {
	ep       *endpoint
	ctx      context.Context // the client's request context; it carries the session
	upstream string
	token    mcp.ProgressToken // the client's own progress token, or nil
	ourToken string            // the token we sent upstream in its place
	// sink, for a call on the fast path (fastpath.go), is where the
	// notifications that belong to it are written, since mcp-go does not
	// hold that request's stream.
	sink *fastSink
}

// calls indexes the calls in flight by our progress token and by upstream.
type calls struct {
	seq     atomic.Uint64
	byToken sync.Map // ourToken -> *call
	mu      sync.Mutex
	active  map[string][]*call // upstream -> calls, oldest first
}

func newCalls() *calls { return &calls{active: map[string][]*call{}} }

func (cs *calls) begin(ep *endpoint, ctx context.Context, upstream string, token mcp.ProgressToken, sink *fastSink) *call {
	c := &call{ep: ep, ctx: ctx, upstream: upstream, token: token, sink: sink}
	if token != nil {
		c.ourToken = "sb-" + strconv.FormatUint(cs.seq.Add(1), 36)
		cs.byToken.Store(c.ourToken, c)
	}
	cs.mu.Lock()
	cs.active[upstream] = append(cs.active[upstream], c)
	cs.mu.Unlock()
	return c
}

func (cs *calls) end(c *call) {
	if c.ourToken != "" {
		cs.byToken.Delete(c.ourToken)
	}
	cs.mu.Lock()
	list := cs.active[c.upstream]
	for i, x := range list {
		if x == c {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(cs.active, c.upstream)
	} else {
		cs.active[c.upstream] = list
	}
	cs.mu.Unlock()
}

// latest is the newest call in flight to an upstream. A server-to-client
// request carries no reference to the call that caused it, so it goes to
// the client whose call is the most recent one still waiting on that server.
func (cs *calls) latest(upstream string) *call {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	list := cs.active[upstream]
	if len(list) == 0 {
		return nil
	}
	return list[len(list)-1]
}

func (cs *calls) byProgressToken(tok any) *call {
	s, ok := tok.(string)
	if !ok {
		return nil
	}
	v, ok := cs.byToken.Load(s)
	if !ok {
		return nil
	}
	return v.(*call)
}

// meta puts our progress token in place of the client's in a request's
// _meta, keeping its other fields.
func (c *call) meta(orig *mcp.Meta) *mcp.Meta {
	if c.ourToken == "" {
		return orig
	}
	m := &mcp.Meta{ProgressToken: c.ourToken}
	if orig != nil {
		m.AdditionalFields = orig.AdditionalFields
	}
	return m
}

// notificationParams flattens notification params into the map mcp-go sends.
func notificationParams(n mcp.JSONRPCNotification) map[string]any {
	m := make(map[string]any, len(n.Params.AdditionalFields)+1)
	for k, v := range n.Params.AdditionalFields {
		m[k] = v
	}
	if len(n.Params.Meta) > 0 {
		m["_meta"] = n.Params.Meta
	}
	return m
}

// sessionOf returns the client session of a request context, or nil.
func sessionOf(ctx context.Context) server.ClientSession {
	return server.ClientSessionFromContext(ctx)
}

// clientName describes the client of a session for activity records.
func clientName(s server.ClientSession) string {
	if ci, ok := s.(server.SessionWithClientInfo); ok {
		info := ci.GetClientInfo()
		if info.Name != "" && info.Version != "" {
			return info.Name + " " + info.Version
		}
		return info.Name
	}
	return ""
}

func rawArgs(req mcp.CallToolRequest) json.RawMessage {
	if len(req.Params.RawArguments) > 0 {
		return req.Params.RawArguments
	}
	b, err := json.Marshal(req.Params.Arguments)
	if err != nil {
		return json.RawMessage(fmt.Sprintf("%q", err.Error()))
	}
	return b
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
