// Package bridge relays MCP between a client that speaks stdio (newline
// delimited JSON-RPC, as Claude Desktop does when it launches
// `switchboard stdio`) and Switchboard's streamable HTTP endpoint.
//
// Every line read from the client is POSTed to the endpoint as it is, and
// every message the endpoint sends back, whether in a JSON body, in a POST's
// event stream or in the standalone GET stream, is written to the client as
// one line, byte for byte apart from insignificant whitespace. Requests run
// concurrently, so a long tool call never holds up anything else, such as the
// client's answer to a sampling request that the tool call is waiting for.
package bridge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	headerSession     = "Mcp-Session-Id"
	headerProtocol    = "MCP-Protocol-Version"
	headerLastEventID = "Last-Event-ID"

	// JSON-RPC error codes the bridge answers with itself.
	codeParseError     = -32700
	codeInvalidRequest = -32600
	// codeUnavailable is the implementation-defined server error used when
	// Switchboard could not be reached or did not answer.
	codeUnavailable = -32000

	// shutdownGrace is how long requests still in flight when the client
	// closes stdin may take to finish, so that `printf ... | switchboard
	// stdio` gets its answers.
	shutdownGrace = 2 * time.Second
	// deleteTimeout bounds the best-effort DELETE of the session at exit.
	deleteTimeout = 2 * time.Second

	// openWait bounds how long the answer to initialize waits for the
	// session's GET stream to open.
	openWait = 5 * time.Second

	// Reconnection delays for the GET stream and for resuming a POST stream.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	// resumeAttempts is how often a POST stream that broke before its
	// response is resumed before the request is answered with an error.
	resumeAttempts = 3
)

// Run relays MCP messages between in/out and the streamable HTTP endpoint
// (for example "http://localhost/mcp" with a UnixSocketClient) until in
// reaches EOF, when it ends the session with a DELETE and returns nil. It
// returns the context's cause when ctx ends first, and an error when out can
// no longer be written. logger receives diagnostics; nil discards them.
func Run(ctx context.Context, in io.Reader, out io.Writer, client *http.Client, endpoint string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithCancelCause(ctx)
	b := &bridge{
		ctx:      ctx,
		cancel:   cancel,
		client:   client,
		endpoint: endpoint,
		log:      logger,
		out:      out,
	}

	lines := make(chan []byte)
	readErr := make(chan error, 1)
	// The reader gets its own goroutine so that a cancelled ctx ends Run even
	// while a read blocks; it exits once in is closed.
	go func() {
		r := bufio.NewReaderSize(in, 64*1024)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()

	for {
		select {
		case line := <-lines:
			b.handle(line)
		case err := <-readErr:
			b.waitInFlight(shutdownGrace)
			b.close()
			if errors.Is(err, io.EOF) {
				return b.outErr()
			}
			return fmt.Errorf("reading MCP messages from stdin: %w", err)
		case <-ctx.Done():
			b.close()
			return context.Cause(ctx)
		}
	}
}

type bridge struct {
	ctx      context.Context
	cancel   context.CancelCauseFunc
	client   *http.Client
	endpoint string
	log      *slog.Logger

	outMu     sync.Mutex
	out       io.Writer
	outFailed error
	outClosed bool

	mu           sync.Mutex
	session      string
	protocol     string
	stopListener context.CancelFunc
	// initMsg is the client's initialize request, replayed to open a new
	// session when Switchboard has forgotten the old one (it restarted).
	initMsg []byte
	expired bool

	inFlight sync.WaitGroup // POSTs started by the read loop
	bg       sync.WaitGroup // everything that may still write to out
}

// message holds the parts of a JSON-RPC message the bridge routes by. The
// message itself is always relayed as the original bytes.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

func (m message) hasID() bool {
	return len(m.ID) > 0 && string(m.ID) != "null"
}

// exchange is one POST and everything it brings back.
type exchange struct {
	// pending holds the ids of the requests in the POST that are still
	// unanswered, keyed by idKey. Whatever is left at the end is answered
	// with an error, so the client never waits forever.
	pending map[string]json.RawMessage
	method  string
	// initialize marks the POST of an initialize request; initResult is its
	// result once it arrived.
	initialize bool
	initResult json.RawMessage
	// initAnswer is the successful initialize response, held back until the
	// session's GET stream is open (see startSession).
	initAnswer []byte
	// silent withholds the responses to the pending requests from the
	// client: used when the bridge replays initialize on its own.
	silent bool
}

func (b *bridge) handle(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	if !json.Valid(line) {
		b.writeLine(errorResponse(nil, codeParseError, "Parse error: the line read from stdin is not valid JSON"))
		return
	}
	ex, ok := newExchange(line)
	if !ok {
		b.writeLine(errorResponse(nil, codeInvalidRequest, "Invalid Request: a JSON-RPC message must be an object (or a batch array of objects)"))
		return
	}

	if ex.initialize {
		b.mu.Lock()
		b.initMsg = bytes.Clone(line)
		b.mu.Unlock()
		// Nothing else can go out before the session id is known, so
		// initialize is relayed to the end before the next line is read.
		b.inFlight.Add(1)
		b.bg.Add(1)
		defer b.bg.Done()
		defer b.inFlight.Done()
		b.post(line, ex, nil)
		return
	}

	b.mu.Lock()
	renew := b.expired && b.initMsg != nil
	b.mu.Unlock()
	if renew {
		b.renewSession()
	}

	// The read loop waits until the message is on the wire before it reads
	// the next one, so messages reach Switchboard in the order the client
	// sent them, while their answers may take as long as they need.
	wrote := make(chan struct{})
	b.inFlight.Add(1)
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		defer b.inFlight.Done()
		b.post(line, ex, wrote)
	}()
	select {
	case <-wrote:
	case <-b.ctx.Done():
	}
}

// newExchange inspects an outgoing message (or batch). ok is false when it
// is not a JSON-RPC object or array of objects.
func newExchange(line []byte) (ex *exchange, ok bool) {
	var msgs []message
	switch line[0] {
	case '{':
		var m message
		if json.Unmarshal(line, &m) != nil {
			return nil, false
		}
		msgs = []message{m}
	case '[':
		if json.Unmarshal(line, &msgs) != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	ex = &exchange{pending: map[string]json.RawMessage{}}
	for _, m := range msgs {
		if m.Method != "" && m.hasID() {
			ex.pending[idKey(m.ID)] = m.ID
			if m.Method == "initialize" && len(msgs) == 1 {
				ex.initialize = true
			}
		}
		if ex.method == "" {
			ex.method = m.Method
		}
	}
	return ex, true
}

// post sends one message to Switchboard and relays what comes back. wrote,
// when not nil, is closed once the request has been written (or failed).
func (b *bridge) post(body []byte, ex *exchange, wrote chan struct{}) {
	var once sync.Once
	signal := func() {
		if wrote != nil {
			once.Do(func() { close(wrote) })
		}
	}
	defer signal()
	var reused atomic.Bool
	ctx := httptrace.WithClientTrace(b.ctx, &httptrace.ClientTrace{
		GotConn:      func(info httptrace.GotConnInfo) { reused.Store(info.Reused) },
		WroteRequest: func(httptrace.WroteRequestInfo) { signal() },
	})

	reason := ""
	defer func() {
		if len(ex.pending) > 0 {
			b.failPending(ex, reason)
		} else if reason != "" && b.ctx.Err() == nil {
			// Notifications and responses have nobody to tell but the log.
			b.log.Warn("Switchboard did not take a message", "method", ex.method, "endpoint", b.endpoint, "problem", reason)
		}
	}()

	session := ""
	send := func() (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if !ex.initialize {
			// initialize opens a new session: it carries none.
			session = b.setSessionHeaders(req.Header)
		}
		return b.client.Do(req)
	}
	resp, err := send()
	if err != nil && reused.Load() && b.ctx.Err() == nil {
		// The kept-alive connection had been closed by the other end
		// (Switchboard restarted, or timed it out), so the message never
		// reached a server: send it again on a fresh connection. net/http
		// does this by itself only for idempotent methods. The other idle
		// connections are as stale, so they go first.
		b.log.Debug("resending a message on a fresh connection", "method", ex.method, "err", unwrapURLError(err))
		b.client.CloseIdleConnections()
		resp, err = send()
	}
	signal()
	if err != nil {
		reason = b.unreachable(err)
		return
	}
	defer resp.Body.Close()

	status := resp.StatusCode
	ctype := mediaType(resp.Header.Get("Content-Type"))
	switch {
	case status == http.StatusNotFound && session != "":
		b.expire(session)
		reason = "Switchboard no longer knows this session (it has probably restarted). " +
			"The bridge starts a new session with the next message: please retry."
		return

	case status/100 == 2 && ctype == "text/event-stream":
		reason = b.relayPostStream(ex, resp.Body)

	case ctype == "application/json":
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			reason = fmt.Sprintf("reading Switchboard's answer failed: %v", err)
			break
		}
		data = bytes.TrimSpace(data)
		if isJSONRPC(data) {
			b.relay(data, ex)
		}
		if len(ex.pending) > 0 {
			reason = httpFailure(status, data)
		}

	case status/100 == 2:
		// 202 Accepted is the answer to notifications and responses.
		if len(ex.pending) > 0 {
			reason = fmt.Sprintf("Switchboard answered HTTP %d without a response to the request", status)
		}

	default:
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		reason = httpFailure(status, snippet)
	}

	if ex.initialize && ex.initResult != nil {
		b.startSession(resp.Header.Get(headerSession), protocolVersion(ex.initResult))
		if ex.initAnswer != nil {
			b.writeLine(ex.initAnswer)
		}
	}
}

// relayPostStream relays a POST's event stream. When the stream breaks before
// every request in it is answered, it resumes the stream with Last-Event-ID
// where the server numbered its events. It returns why requests are left
// unanswered, if they are.
func (b *bridge) relayPostStream(ex *exchange, body io.Reader) string {
	st := &sseState{}
	err := b.readStream(body, st, ex)
	delay := minBackoff
	for attempt := 0; len(ex.pending) > 0 && st.lastID != "" && attempt < resumeAttempts; attempt++ {
		if !b.sleep(b.ctx, retryDelay(st, delay)) {
			return ""
		}
		delay = min(delay*2, maxBackoff)
		b.log.Info("resuming an interrupted response stream", "method", ex.method, "attempt", attempt+1)
		from := st.lastID
		status, serr := b.getStream(b.ctx, st, ex, nil)
		if b.ctx.Err() != nil {
			return ""
		}
		if serr != nil {
			err = serr
		}
		if status == http.StatusNotFound || status == http.StatusBadRequest || status == http.StatusMethodNotAllowed {
			break // the server cannot resume this stream
		}
		if st.lastID != from {
			attempt, delay = -1, minBackoff // it made progress: count afresh
		}
	}
	if len(ex.pending) == 0 {
		return ""
	}
	if err != nil {
		return fmt.Sprintf("the connection to Switchboard broke before it answered: %v", err)
	}
	return "Switchboard ended the response stream without answering the request"
}

// getStream opens a GET event stream (resuming st.lastID when set) and
// relays it until it ends. answered, when not nil, is called once the
// server has answered or the request failed. It returns the HTTP status (0
// when the request failed) and the error that ended the stream.
func (b *bridge) getStream(ctx context.Context, st *sseState, ex *exchange, answered func()) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.endpoint, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/event-stream")
	b.setSessionHeaders(req.Header)
	if st.lastID != "" {
		req.Header.Set(headerLastEventID, st.lastID)
	}
	resp, err := b.client.Do(req)
	if answered != nil {
		answered()
	}
	if err != nil {
		return 0, unwrapURLError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || mediaType(resp.Header.Get("Content-Type")) != "text/event-stream" {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return resp.StatusCode, errors.New(httpFailure(resp.StatusCode, snippet))
	}
	return resp.StatusCode, b.readStream(resp.Body, st, ex)
}

func (b *bridge) readStream(body io.Reader, st *sseState, ex *exchange) error {
	return readSSE(body, st, func(ev sseEvent) {
		if ev.event != "" && ev.event != "message" {
			b.log.Debug("ignoring an event that is not an MCP message", "event", ev.event)
			return
		}
		b.relay(ev.data, ex)
	})
}

// listen keeps the session's GET stream open, which carries what Switchboard
// sends on its own (list_changed notifications, requests outside any tool
// call), reconnecting with a growing delay and resuming from the last event
// it saw, for as long as the session lives.
func (b *bridge) listen(ctx context.Context, session string, opened func()) {
	st := &sseState{}
	delay := minBackoff
	for {
		status, err := b.getStream(ctx, st, nil, opened)
		opened = nil
		if ctx.Err() != nil {
			return
		}
		switch {
		case status == http.StatusMethodNotAllowed:
			b.log.Info("Switchboard offers no stream for messages it sends on its own", "endpoint", b.endpoint)
			return
		case status == http.StatusNotFound && session != "":
			b.expire(session)
			return
		case status == http.StatusBadRequest && st.lastID != "":
			st.lastID = "" // the server cannot resume from there: open a fresh stream
		case status == http.StatusOK:
			delay = minBackoff
		}
		b.log.Debug("stream for server messages ended, reconnecting", "status", status, "err", err)
		if !b.sleep(ctx, retryDelay(st, delay)) {
			return
		}
		delay = min(delay*2, maxBackoff)
	}
}

// relay writes one message from Switchboard to the client, noting the
// answers to the exchange's requests.
func (b *bridge) relay(data []byte, ex *exchange) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return
	}
	// A line must hold the whole message: newlines between tokens go.
	if bytes.ContainsAny(data, "\r\n") {
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			b.log.Warn("dropping a message from Switchboard that is not valid JSON", "err", err)
			return
		}
		data = buf.Bytes()
	} else if !json.Valid(data) {
		b.log.Warn("dropping a message from Switchboard that is not valid JSON")
		return
	}
	if ex != nil {
		var msgs []message
		if data[0] == '[' {
			_ = json.Unmarshal(data, &msgs)
		} else {
			var m message
			if json.Unmarshal(data, &m) == nil {
				msgs = []message{m}
			}
		}
		answers := false
		for _, m := range msgs {
			if m.Method != "" || !m.hasID() {
				continue
			}
			key := idKey(m.ID)
			if _, ok := ex.pending[key]; ok {
				delete(ex.pending, key)
				answers = true
				if ex.initialize && len(m.Result) > 0 {
					ex.initResult = m.Result
					if !ex.silent {
						ex.initAnswer = bytes.Clone(data)
						return
					}
				}
			}
		}
		if answers && ex.silent {
			return
		}
	}
	b.writeLine(data)
}

// failPending answers every request of the exchange still unanswered with a
// JSON-RPC error saying why.
func (b *bridge) failPending(ex *exchange, reason string) {
	if len(ex.pending) == 0 || b.ctx.Err() != nil || ex.silent {
		return
	}
	if reason == "" {
		reason = "Switchboard did not answer the request"
	}
	b.log.Warn("answering a request with an error", "method", ex.method, "problem", reason)
	for key, id := range ex.pending {
		b.writeLine(errorResponse(id, codeUnavailable, reason))
		delete(ex.pending, key)
	}
}

func (b *bridge) unreachable(err error) string {
	return fmt.Sprintf("Switchboard is not reachable at %s: %v. Is Switchboard running?", b.endpoint, unwrapURLError(err))
}

// setSessionHeaders adds the session id and protocol version, once known, and
// returns the session id it used.
func (b *bridge) setSessionHeaders(h http.Header) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.session != "" {
		h.Set(headerSession, b.session)
	}
	if b.protocol != "" {
		h.Set(headerProtocol, b.protocol)
	}
	return b.session
}

// startSession records a newly initialized session and opens its GET
// stream. It returns once the server has answered the GET (or openWait has
// passed): until then the client is not told that initialize succeeded, so
// nothing it causes can be sent to a stream that is not yet listening (a
// server may drop messages meant for a stream that is not attached yet).
func (b *bridge) startSession(session, protocol string) {
	b.mu.Lock()
	if b.ctx.Err() != nil {
		b.mu.Unlock()
		return
	}
	if b.stopListener != nil {
		b.stopListener()
	}
	b.session, b.protocol, b.expired = session, protocol, false
	ctx, cancel := context.WithCancel(b.ctx)
	b.stopListener = cancel
	opened := make(chan struct{})
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		b.listen(ctx, session, sync.OnceFunc(func() { close(opened) }))
	}()
	b.mu.Unlock()
	b.log.Debug("session started", "protocol", protocol)

	t := time.NewTimer(openWait)
	defer t.Stop()
	select {
	case <-opened:
	case <-t.C:
		b.log.Warn("Switchboard has not answered the request for its message stream; going on without waiting")
	case <-ctx.Done():
	}
}

// expire forgets a session Switchboard answered 404 for, unless a newer one
// has replaced it meanwhile.
func (b *bridge) expire(session string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.session != session {
		return
	}
	b.log.Warn("Switchboard no longer knows the session; it has probably restarted")
	b.session, b.expired = "", true
	if b.stopListener != nil {
		b.stopListener()
		b.stopListener = nil
	}
}

// renewSession opens a new session after the old one expired by replaying
// the client's initialize, so the client carries on without a restart. The
// client's list of tools, prompts and resources may be stale after a
// Switchboard restart, so it is told they changed.
func (b *bridge) renewSession() {
	b.mu.Lock()
	init := b.initMsg
	b.mu.Unlock()
	ex, _ := newExchange(init)
	ex.silent = true
	b.post(init, ex, nil)
	if ex.initResult == nil {
		return // still unreachable: the message that follows will say so
	}
	b.post([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), &exchange{method: "notifications/initialized"}, nil)
	var caps struct {
		Capabilities map[string]struct {
			ListChanged bool `json:"listChanged"`
		} `json:"capabilities"`
	}
	_ = json.Unmarshal(ex.initResult, &caps)
	for _, kind := range []string{"tools", "prompts", "resources"} {
		if caps.Capabilities[kind].ListChanged {
			b.writeLine([]byte(`{"jsonrpc":"2.0","method":"notifications/` + kind + `/list_changed"}`))
		}
	}
	b.log.Info("started a new session with Switchboard")
}

// writeLine writes one message and its newline in a single write; writes
// are serialised so lines never interleave.
func (b *bridge) writeLine(msg []byte) {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	if b.outClosed || b.outFailed != nil {
		return
	}
	line := make([]byte, 0, len(msg)+1)
	line = append(append(line, msg...), '\n')
	if _, err := b.out.Write(line); err != nil {
		b.outFailed = fmt.Errorf("writing MCP messages to stdout: %w", err)
		b.cancel(b.outFailed)
	}
}

func (b *bridge) outErr() error {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	return b.outFailed
}

// waitInFlight gives POSTs in flight up to grace to finish.
func (b *bridge) waitInFlight(grace time.Duration) {
	done := make(chan struct{})
	go func() {
		b.inFlight.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-b.ctx.Done():
	}
}

// close stops everything, ends the session with Switchboard (best effort)
// and makes sure nothing writes to out once Run has returned.
func (b *bridge) close() {
	b.cancel(context.Canceled)
	b.bg.Wait()
	b.outMu.Lock()
	b.outClosed = true
	b.outMu.Unlock()

	b.mu.Lock()
	session, protocol := b.session, b.protocol
	b.session = ""
	b.mu.Unlock()
	if session == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, b.endpoint, nil)
	if err != nil {
		return
	}
	req.Header.Set(headerSession, session)
	if protocol != "" {
		req.Header.Set(headerProtocol, protocol)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.log.Debug("could not end the session with Switchboard", "err", unwrapURLError(err))
		return
	}
	resp.Body.Close()
}

func (b *bridge) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// retryDelay prefers the delay the server asked for in its event stream.
func retryDelay(st *sseState, fallback time.Duration) time.Duration {
	if st.retry > 0 {
		return min(st.retry, maxBackoff)
	}
	return fallback
}

func errorResponse(id json.RawMessage, code int, msg string) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	text, _ := json.Marshal(msg)
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"error":{"code":%d,"message":%s}}`, id, code, text)
}

// idKey makes ids comparable whatever their spelling: the server may echo
// 1 for 1.0, or re-space a string.
func idKey(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

func protocolVersion(initResult json.RawMessage) string {
	var r struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	_ = json.Unmarshal(initResult, &r)
	return r.ProtocolVersion
}

// isJSONRPC reports whether an HTTP body holds JSON-RPC message(s) worth
// relaying, as opposed to some other JSON error document.
func isJSONRPC(data []byte) bool {
	if !json.Valid(data) {
		return false
	}
	var probe struct {
		JSONRPC string `json:"jsonrpc"`
	}
	if len(data) > 0 && data[0] == '[' {
		var probes []struct {
			JSONRPC string `json:"jsonrpc"`
		}
		return json.Unmarshal(data, &probes) == nil && len(probes) > 0 && probes[0].JSONRPC == "2.0"
	}
	return json.Unmarshal(data, &probe) == nil && probe.JSONRPC == "2.0"
}

func httpFailure(status int, body []byte) string {
	text := strings.TrimSpace(string(body))
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	msg := fmt.Sprintf("Switchboard answered HTTP %d %s", status, http.StatusText(status))
	if text != "" {
		msg += ": " + text
	}
	return msg
}

func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt
}

// unwrapURLError drops net/http's `Post "url":` prefix; the message names
// the endpoint itself.
func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}
