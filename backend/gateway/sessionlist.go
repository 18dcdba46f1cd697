package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/events"
)

// ErrNoSession means no live client session has that id.
var ErrNoSession = errors.New("no such session")

// TransportStreamableHTTP is how every client session reaches Switchboard:
// HTTP clients directly, stdio clients through the bridge.
const TransportStreamableHTTP = "streamable-http"

// SessionInfo is one client session as the control API shows it.
type SessionInfo struct {
	ID              string
	Endpoint        string // /mcp, /mcp/servers/{name} or /mcp/profiles/{name}
	ClientName      string
	ClientVersion   string
	ProtocolVersion string
	Transport       string
	Started         time.Time
	LastActivity    time.Time
	Calls           int64
	Suspended       bool
}

// sessionRecord is what the gateway tracks of a session for the list. It
// lives in the session's clientState, so it goes when the session goes.
type sessionRecord struct {
	start atomic.Pointer[sessionStart] // nil until mcp-go registers the session
	last  atomic.Int64                 // unix nanos of the last request
	// seenByServer is when mcp-go last handled a request of the session
	// (unix nanos); the fast path, which mcp-go does not see, leaves it be.
	seenByServer atomic.Int64
	calls        atomic.Int64
	suspended    atomic.Bool
	endedBy      atomic.Pointer[string] // why Switchboard ended it, if it did
}

type sessionStart struct {
	session server.ClientSession
	at      time.Time
}

// watchSessions hooks the session list into an endpoint's MCP server:
// sessions are added when mcp-go registers them (after initialize) and
// removed when it unregisters them (DELETE, idle expiry, shutdown).
func (e *endpoint) watchSessions(hooks *server.Hooks) {
	hooks.AddOnRegisterSession(func(ctx context.Context, s server.ClientSession) {
		rec := &e.client(s.SessionID()).record
		now := time.Now()
		rec.start.Store(&sessionStart{session: s, at: now})
		rec.last.Store(now.UnixNano())
		rec.seenByServer.Store(now.UnixNano())
		e.g.sessionCount.Add(1)
		if e.g.events != nil {
			name, version := clientInfo(s)
			e.g.events.Publish(events.SessionStarted, e.single, map[string]any{
				"session_id": s.SessionID(), "endpoint": e.path(), "client": name, "client_version": version})
		}
	})
	hooks.AddOnUnregisterSession(func(ctx context.Context, s server.ClientSession) {
		v, ok := e.clients.LoadAndDelete(s.SessionID())
		if !ok {
			return
		}
		e.g.sessionCount.Add(-1)
		if e.g.events != nil {
			rec := &v.(*clientState).record
			name, _ := clientInfo(s)
			data := map[string]any{"session_id": s.SessionID(), "endpoint": e.path(), "client": name,
				"calls": rec.calls.Load()}
			if by := rec.endedBy.Load(); by != nil {
				data["reason"] = *by
			}
			e.g.events.Publish(events.SessionEnded, e.single, data)
		}
	})
	hooks.AddOnRequestInitialization(e.admit)
	hooks.AddBeforeCallTool(func(ctx context.Context, id any, req *mcp.CallToolRequest) {
		if rec := e.record(ctx); rec != nil {
			rec.calls.Add(1)
		}
	})
}

// record is the list entry of the session of a request, or nil.
func (e *endpoint) record(ctx context.Context) *sessionRecord {
	s := sessionOf(ctx)
	if s == nil {
		return nil
	}
	if cs := e.known(s.SessionID()); cs != nil {
		return &cs.record
	}
	return nil
}

// upstreamMethods are the requests that reach an upstream server; a
// suspended session may still ping and list, but not these.
var upstreamMethods = []string{
	string(mcp.MethodToolsCall), string(mcp.MethodPromptsGet), string(mcp.MethodResourcesRead),
	string(mcp.MethodResourcesSubscribe), string(mcp.MethodCompletionComplete),
}

// admit runs before mcp-go handles each request: it notes the session's
// activity and refuses the calls of a suspended session and calls to a
// disabled tool, each with an error that says why. Without this, a disabled
// tool would only be "not found", since it is not in the tool list.
func (e *endpoint) admit(ctx context.Context, id any, message any) error {
	rec := e.record(ctx)
	if rec != nil {
		now := time.Now().UnixNano()
		rec.last.Store(now)
		rec.seenByServer.Store(now)
	}
	suspended := rec != nil && rec.suspended.Load()
	rt := e.routes.Load()
	if !suspended && len(rt.disabled) == 0 && len(rt.held) == 0 && len(rt.asGroup) == 0 {
		return nil // the usual case costs no decoding
	}
	raw, _ := message.(json.RawMessage)
	if !suspended && !bytes.Contains(raw, []byte(mcp.MethodToolsCall)) {
		return nil
	}
	var req struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	if json.Unmarshal(raw, &req) != nil {
		return nil // mcp-go answers malformed requests itself
	}
	if suspended && slices.Contains(upstreamMethods, req.Method) {
		return fmt.Errorf("this session (%s) was suspended in Switchboard: its %s requests are refused until it is resumed there",
			sessionOf(ctx).SessionID(), req.Method)
	}
	if req.Method != string(mcp.MethodToolsCall) {
		return nil
	}
	if _, ok := rt.tools[req.Params.Name]; ok {
		return nil
	}
	if t, ok := rt.disabled[req.Params.Name]; ok {
		return fmt.Errorf("tool %q is disabled in Switchboard (%q is in the disabled_tools of server %q); enable it there to call it",
			req.Params.Name, t.name, t.server)
	}
	if h, ok := rt.held[req.Params.Name]; ok {
		return fmt.Errorf("tool %q is withheld by Switchboard: %s", req.Params.Name, h.reason)
	}
	if as, ok := rt.asGroup[req.Params.Name]; ok {
		return fmt.Errorf("tool %q is served on this endpoint as %q: its server is a member of a group that shows its tools (hide_members)",
			req.Params.Name, as)
	}
	return nil
}

// endpoints lists every endpoint: aggregate, single-server and profiles.
func (g *Gateway) endpoints() []*endpoint {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.allEndpoints()
}

// ListSessions lists the live client sessions of every endpoint, oldest
// first.
func (g *Gateway) ListSessions() []SessionInfo {
	var out []SessionInfo
	for _, e := range g.endpoints() {
		e.clients.Range(func(_, v any) bool {
			if info, ok := e.sessionInfo(v.(*clientState)); ok {
				out = append(out, info)
			}
			return true
		})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Session returns one live session.
func (g *Gateway) Session(id string) (SessionInfo, error) {
	e, cs := g.findSession(id)
	if cs == nil {
		return SessionInfo{}, fmt.Errorf("%w: %q is not a live session", ErrNoSession, id)
	}
	info, _ := e.sessionInfo(cs)
	return info, nil
}

// SuspendSession suspends (on) or resumes (off) a session. A suspended
// session stays connected and may list, but its calls are refused.
func (g *Gateway) SuspendSession(id string, on bool) (SessionInfo, error) {
	e, cs := g.findSession(id)
	if cs == nil {
		return SessionInfo{}, fmt.Errorf("%w: %q is not a live session", ErrNoSession, id)
	}
	cs.record.suspended.Store(on)
	info, _ := e.sessionInfo(cs)
	return info, nil
}

// EndSession ends a session as the client's own DELETE would: its id is
// forgotten (the client gets 404 and must start a new session) and its
// streams and stored events are dropped.
func (g *Gateway) EndSession(ctx context.Context, id, reason string) error {
	e, cs := g.findSession(id)
	if cs == nil {
		return fmt.Errorf("%w: %q is not a live session", ErrNoSession, id)
	}
	cs.record.endedBy.Store(&reason)
	r, err := http.NewRequestWithContext(ctx, http.MethodDelete, e.path(), nil)
	if err != nil {
		return err
	}
	r.Header.Set(server.HeaderKeySessionID, id)
	w := &statusOnly{header: http.Header{}}
	e.http.ServeHTTP(w, r)
	if w.status != 0 && w.status != http.StatusOK {
		return fmt.Errorf("ending session %q: the MCP server answered %d", id, w.status)
	}
	return nil
}

func (g *Gateway) findSession(id string) (*endpoint, *clientState) {
	for _, e := range g.endpoints() {
		if cs := e.known(id); cs != nil && cs.record.start.Load() != nil {
			return e, cs
		}
	}
	return nil, nil
}

func (e *endpoint) sessionInfo(cs *clientState) (SessionInfo, bool) {
	start := cs.record.start.Load()
	if start == nil {
		return SessionInfo{}, false
	}
	s := start.session
	info := SessionInfo{ID: s.SessionID(), Endpoint: e.path(), Transport: TransportStreamableHTTP,
		Started: start.at, LastActivity: time.Unix(0, cs.record.last.Load()),
		Calls: cs.record.calls.Load(), Suspended: cs.record.suspended.Load()}
	info.ClientName, info.ClientVersion = clientInfo(s)
	if pv, ok := s.(server.SessionWithProtocolVersion); ok {
		info.ProtocolVersion = pv.ProtocolVersion()
	}
	return info, true
}

// clientInfo is the name and version a client gave in initialize.
func clientInfo(s server.ClientSession) (name, version string) {
	if ci, ok := s.(server.SessionWithClientInfo); ok {
		info := ci.GetClientInfo()
		return info.Name, info.Version
	}
	return "", ""
}

// statusOnly is a ResponseWriter that keeps only the status.
type statusOnly struct {
	header http.Header
	status int
}

func (w *statusOnly) Header() http.Header { return w.header }
func (w *statusOnly) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}
func (w *statusOnly) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
