package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/upstream"
)

// The fast path serves the most common request, a tools/call from an
// established session, without mcp-go's server: the arguments go to the
// upstream as the client sent them and the upstream's result comes back as
// the upstream wrote it, with no decoding into mcp-go types and encoding
// again, and without the goroutine and channels mcp-go's streamable HTTP
// server sets up for every request. That halves what the gateway itself
// spends on a call.
//
// Only tools/call takes it; everything else (initialize, lists, an
// unknown, disabled or withheld tool, a suspended session, a _meta with
// more than a progress token) goes the way it always went, and so do all
// errors before the call is sent. What the upstream sends while the call
// runs (progress, log messages, sampling, elicitation and roots requests)
// is written on the request's own stream, which is then upgraded to SSE,
// and the client's answers to those requests are taken from its POSTs
// before mcp-go sees them.

// MaxRequestBody bounds a request read into memory: a client cannot make
// the gateway hold more than this for one message.
const MaxRequestBody = 32 << 20

// fastRequest is what the fast path reads of a JSON-RPC request.
type fastRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Meta      json.RawMessage `json:"_meta"`
	} `json:"params"`
}

// rawCallParams are the params of the tools/call sent upstream.
type rawCallParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Meta      *mcp.Meta       `json:"_meta,omitempty"`
}

// rawIDs numbers the requests the fast path sends upstream. They are
// strings, so they never meet the numbers mcp-go's client gives its own.
var rawIDs atomic.Uint64

// ServeHTTP serves one HTTP request to the endpoint.
func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Body == nil {
		e.http.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "RequestTooLarge",
				fmt.Sprintf("the request body is over the limit of %d bytes", MaxRequestBody))
			return
		}
		writeError(w, http.StatusBadRequest, "BadRequest", "reading the request body: "+err.Error())
		return
	}
	if bytes.Contains(body, []byte(`"notifications/cancelled"`)) {
		e.cancelFast(r.Header.Get(server.HeaderKeySessionID), body)
	}
	if bytes.Contains(body, []byte(askPrefix)) && e.answerFast(w, r.Header.Get(server.HeaderKeySessionID), body) {
		return
	}
	if e.serveFast(w, r, body) {
		return
	}
	if e.g.callGuard != nil && r.Context().Value(toolScopeKey{}) != nil {
		if _, names := CalledTools(body); len(names) > 0 {
			r = r.WithContext(withCalledTools(r.Context(), names))
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	e.http.ServeHTTP(w, r)
}

// serveFast answers the request if it can take the fast path, and reports
// whether it did; it writes nothing when it does not.
func (e *endpoint) serveFast(w http.ResponseWriter, r *http.Request, body []byte) bool {
	sid := r.Header.Get(server.HeaderKeySessionID)
	if sid == "" || !bytes.Contains(body, []byte(`"tools/call"`)) || mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
		return false
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" && ct != "application/json; charset=utf-8" {
		return false
	}
	cs := e.known(sid)
	if cs == nil {
		return false
	}
	st := cs.record.start.Load()
	if st == nil || cs.record.suspended.Load() {
		return false
	}
	// mcp-go ends sessions it has not seen for its idle TTL; send a request
	// its way now and then so it sees the session is in use.
	now := time.Now()
	if now.UnixNano()-cs.record.seenByServer.Load() > int64(e.g.sessionIdleTTL/4) {
		return false
	}
	var req fastRequest
	if json.Unmarshal(body, &req) != nil || req.Method != string(mcp.MethodToolsCall) ||
		req.JSONRPC != mcp.JSONRPC_VERSION || len(req.ID) == 0 || req.ID[0] == 'n' {
		return false
	}
	token, ok := progressTokenOnly(req.Params.Meta)
	if !ok {
		return false
	}
	rt := e.routes.Load()
	t, ok := rt.tools[req.Params.Name]
	if !ok || rt.search {
		// In search mode a tool is called through call_tool only.
		return false
	}
	// With a call guard, a tool outside the caller's scope goes on to the
	// guard, which refuses and records it (as scopeFilter lets it through
	// for that); without one, it is mcp-go's to answer "not found".
	if f, _ := r.Context().Value(toolScopeKey{}).(ToolScope); f != nil && e.g.callGuard == nil {
		if ok, _ := e.g.scopeAllows(f, t); !ok {
			return false
		}
	}
	cs.record.last.Store(now.UnixNano())
	cs.record.calls.Add(1)

	sink := &fastSink{w: w, session: sid, ep: e}
	ctx, cancel := context.WithCancel(e.srv.WithContext(r.Context(), st.session))
	key := fastKey(sid, req.ID)
	e.fastCalls.Store(key, cancel)
	var meta *mcp.Meta
	if token != nil {
		meta = &mcp.Meta{ProgressToken: token}
	}
	result, rpcErr, err := e.forwardRaw(ctx, t, req.Params.Arguments, meta, sink)
	e.fastCalls.Delete(key)
	cancel()
	var msg []byte
	switch {
	case err != nil && (errors.Is(err, upstream.ErrUnavailable) || errors.Is(err, upstream.ErrTimeout) || errors.Is(err, ErrDenied)):
		result, _ = json.Marshal(mcp.NewToolResultError("Switchboard: " + err.Error()))
		msg = responseJSON(req.ID, "result", result)
	case err != nil:
		e2, _ := json.Marshal(mcp.JSONRPCErrorDetails{Code: mcp.INTERNAL_ERROR, Message: err.Error()})
		msg = responseJSON(req.ID, "error", e2)
	case rpcErr != nil:
		e2, _ := json.Marshal(rpcErr)
		msg = responseJSON(req.ID, "error", e2)
	default:
		msg = responseJSON(req.ID, "result", result)
	}
	sink.finish(msg)
	return true
}

// fastKey names a fast call by its session and its JSON-RPC id.
func fastKey(session string, id json.RawMessage) string { return session + "\x00" + string(id) }

// cancelFast ends the fast call a notifications/cancelled names, if there
// is one; mcp-go, which gets the notification next, knows nothing of it.
func (e *endpoint) cancelFast(session string, body []byte) {
	var n struct {
		Method string `json:"method"`
		Params struct {
			RequestID json.RawMessage `json:"requestId"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &n) != nil || n.Method != string(mcp.MethodNotificationCancelled) {
		return
	}
	if cancel, ok := e.fastCalls.Load(fastKey(session, n.Params.RequestID)); ok {
		cancel.(context.CancelFunc)()
	}
}

// progressTokenOnly reads a request's _meta, which the fast path passes on
// only when it holds nothing but a progress token (or is absent).
func progressTokenOnly(meta json.RawMessage) (mcp.ProgressToken, bool) {
	if len(meta) == 0 || string(meta) == "null" {
		return nil, true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(meta, &m) != nil {
		return nil, false
	}
	raw, has := m["progressToken"]
	if len(m) != 1 || !has {
		return nil, len(m) == 0
	}
	var token any
	if json.Unmarshal(raw, &token) != nil {
		return nil, false
	}
	switch token.(type) {
	case string, float64:
		return token, true
	}
	return nil, false
}

// responseJSON is a JSON-RPC response with a raw id and a raw result or
// error, as one line.
func responseJSON(id json.RawMessage, field string, value json.RawMessage) []byte {
	b := make([]byte, 0, len(id)+len(value)+40)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"`...)
	b = append(b, field...)
	b = append(b, `":`...)
	b = append(b, value...)
	return append(b, "}\n"...)
}

// forwardRaw sends one tool call to its server under the server's timeout
// and records it; the result is the upstream's own JSON. A JSON-RPC error
// from the upstream comes back as rpcErr. clientMeta is the _meta of the
// client's request (its progress token is swapped for ours); sink, on the
// fast path, is where what the upstream sends during the call goes.
func (e *endpoint) forwardRaw(ctx context.Context, t target, args json.RawMessage, clientMeta *mcp.Meta, sink *fastSink) (result json.RawMessage, rpcErr *mcp.JSONRPCErrorDetails, err error) {
	if t.server == "" && t.group != "" {
		// A group's tool: a member takes it, through this same function.
		return e.forwardGroup(ctx, t, args, clientMeta, sink)
	}
	start := time.Now()
	if err := e.g.guardCall(ctx, t, args); err != nil {
		err = fmt.Errorf("%w: %w", ErrDenied, err)
		e.g.recordCall(ctx, t, args, start, nil, false, err)
		return nil, nil, err
	}
	if e.g.events != nil {
		var sid string
		if s := sessionOf(ctx); s != nil {
			sid = s.SessionID()
		}
		e.g.callStarted(t, sid)
	}
	var resp *transport.JSONRPCResponse
	err = e.g.doCall(ctx, e, t.server, clientMeta, sink, func(ctx context.Context, cl *client.Client, meta *mcp.Meta) (err error) {
		id := "sb-" + strconv.FormatUint(rawIDs.Add(1), 36)
		tr := cl.GetTransport()
		resp, err = tr.SendRequest(ctx, transport.JSONRPCRequest{
			JSONRPC: mcp.JSONRPC_VERSION,
			ID:      mcp.NewRequestId(id),
			Method:  string(mcp.MethodToolsCall),
			Params:  rawCallParams{Name: t.name, Arguments: args, Meta: meta},
		})
		if err != nil && ctx.Err() != nil {
			// The client gave up, or the call timed out: tell the server, as
			// mcp-go's client does for the calls it sends itself.
			cancelUpstream(tr, id, context.Cause(ctx))
		}
		return err
	})
	switch {
	case err != nil:
		e.g.recordCall(ctx, t, args, start, nil, false, err)
		return nil, nil, err
	case resp.Error != nil:
		e.g.recordCall(ctx, t, args, start, nil, false, fmt.Errorf("server %q answered with error %d: %s", t.server, resp.Error.Code, resp.Error.Message))
		return nil, resp.Error, nil
	}
	var outcome struct {
		IsError bool `json:"isError"`
	}
	_ = json.Unmarshal(resp.Result, &outcome)
	e.g.recordCall(ctx, t, args, start, resp.Result, outcome.IsError, nil)
	return resp.Result, nil, nil
}

// cancelUpstream sends notifications/cancelled for a request of ours.
func cancelUpstream(tr transport.Interface, id string, why error) {
	reason := "the client cancelled the request"
	if errors.Is(why, context.DeadlineExceeded) {
		reason = "the request timed out"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = tr.SendNotification(ctx, mcp.JSONRPCNotification{JSONRPC: mcp.JSONRPC_VERSION,
		Notification: mcp.Notification{Method: string(mcp.MethodNotificationCancelled),
			Params: mcp.NotificationParams{AdditionalFields: map[string]any{"requestId": id, "reason": reason}}}})
}

// fastSink is the response of a fast-path request: plain JSON, or an SSE
// stream once a notification for the call has to go out before its result.
type fastSink struct {
	ep       *endpoint
	session  string
	mu       sync.Mutex
	w        http.ResponseWriter
	upgraded bool
	done     bool
}

// notify writes a notification that belongs to the call. One that comes
// after the result is dropped, as its request is over.
func (s *fastSink) notify(method string, params map[string]any) {
	n := mcp.JSONRPCNotification{JSONRPC: mcp.JSONRPC_VERSION,
		Notification: mcp.Notification{Method: method, Params: mcp.NotificationParams{AdditionalFields: params}}}
	b, err := json.Marshal(n)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.writeEventLocked(b)
}

func (s *fastSink) writeEventLocked(msg []byte) {
	if !s.upgraded {
		h := s.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		s.w.WriteHeader(http.StatusOK)
		s.upgraded = true
	}
	_, _ = io.WriteString(s.w, "event: message\ndata: ")
	_, _ = s.w.Write(bytes.TrimRight(msg, "\n"))
	_, _ = io.WriteString(s.w, "\n\n")
	_ = http.NewResponseController(s.w).Flush()
}

// finish writes the response message; nothing is written after it.
func (s *fastSink) finish(msg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	if s.upgraded {
		s.writeEventLocked(msg)
		return
	}
	s.w.Header().Set("Content-Type", "application/json")
	s.w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
	s.w.WriteHeader(http.StatusOK)
	_, _ = s.w.Write(msg)
}

// askPrefix starts the ids of the requests the fast path sends clients, so
// a POST that answers one is told apart from one that answers mcp-go.
const askPrefix = "sb-ask-"

var askIDs atomic.Uint64

// clientAnswer is a client's response to a request of ours.
type clientAnswer struct {
	Result json.RawMessage          `json:"result"`
	Error  *mcp.JSONRPCErrorDetails `json:"error"`
}

// ask sends a server-to-client request on the call's stream and waits for
// the client's answer, which arrives in a POST of the same session.
func (s *fastSink) ask(ctx context.Context, method string, params any) (json.RawMessage, error) {
	id := askPrefix + strconv.FormatUint(askIDs.Add(1), 36)
	b, err := json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		ID      string `json:"id"`
		Method  string `json:"method"`
		Params  any    `json:"params"`
	}{mcp.JSONRPC_VERSION, id, method, params})
	if err != nil {
		return nil, err
	}
	answer := make(chan clientAnswer, 1)
	key := s.session + "\x00" + id
	s.ep.asks.Store(key, answer)
	defer s.ep.asks.Delete(key)
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return nil, fmt.Errorf("switchboard: %s arrived after the call it belongs to had ended", method)
	}
	s.writeEventLocked(b)
	s.mu.Unlock()
	select {
	case a := <-answer:
		if a.Error != nil {
			return nil, fmt.Errorf("%s error %d: %s", method, a.Error.Code, a.Error.Message)
		}
		return a.Result, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// answerFast takes a client's POSTed answer to a request of ours, and
// reports whether it was one.
func (e *endpoint) answerFast(w http.ResponseWriter, session string, body []byte) bool {
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		clientAnswer
	}
	if json.Unmarshal(body, &msg) != nil || msg.Method != "" {
		return false
	}
	var id string
	if json.Unmarshal(msg.ID, &id) != nil {
		return false
	}
	ch, ok := e.asks.Load(session + "\x00" + id)
	if !ok {
		return false
	}
	select {
	case ch.(chan clientAnswer) <- msg.clientAnswer:
	default: // answered twice: the first answer stands
	}
	w.WriteHeader(http.StatusAccepted)
	return true
}

// declared returns the capabilities the call's client declared.
func (c *call) declared() mcp.ClientCapabilities {
	if s, ok := sessionOf(c.ctx).(server.SessionWithClientInfo); ok {
		return s.GetClientCapabilities()
	}
	return mcp.ClientCapabilities{}
}

func (c *call) sample(ctx context.Context, req mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
	if c.declared().Sampling == nil {
		return nil, errors.New("switchboard: the client did not declare sampling")
	}
	raw, err := c.sink.ask(ctx, string(mcp.MethodSamplingCreateMessage), req.CreateMessageParams)

	if err != nil {
		return nil, err
	}
	var res mcp.CreateMessageResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("switchboard: the client's sampling answer is not a CreateMessageResult: %w", err)
	}
	if res.Content, err = mcp.ParseSamplingContent(res.Content); err != nil {
		return nil, fmt.Errorf("switchboard: the client's sampling answer: %w", err)
	}
	return &res, nil
}

func (c *call) elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	if c.declared().Elicitation == nil {
		return nil, errors.New("switchboard: the client did not declare elicitation")
	}
	raw, err := c.sink.ask(ctx, string(mcp.MethodElicitationCreate), req.Params)
	if err != nil {
		return nil, err
	}
	var res mcp.ElicitationResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("switchboard: the client's elicitation answer is not an ElicitResult: %w", err)
	}
	return &res, nil
}

func (c *call) listRoots(ctx context.Context, req mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	if c.declared().Roots == nil {
		return nil, errors.New("switchboard: the client did not declare roots")
	}
	raw, err := c.sink.ask(ctx, string(mcp.MethodListRoots), req.Params)
	if err != nil {
		return nil, err
	}
	var res mcp.ListRootsResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("switchboard: the client's roots answer is not a ListRootsResult: %w", err)
	}
	return &res, nil
}
