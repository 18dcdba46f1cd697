// Package client is a typed Go client of Switchboard's control API. It talks
// to a running instance over its unix socket (no key: the socket only
// serves its owner) or over TCP with an API key. The CLI, the tray and
// tests use it; every method takes a context, so a caller decides how long
// to wait.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/daemon"
)

// Options say how to reach Switchboard. With no BaseURL the client uses
// the control socket of Home (or Socket when set).
type Options struct {
	// Home is the home folder whose socket to use (default config.Home(),
	// which honours SWITCHBOARD_HOME).
	Home string
	// Socket is the socket path, overriding Home.
	Socket string
	// BaseURL is the API over TCP, such as http://127.0.0.1:7410; APIKey
	// goes with every request then.
	BaseURL string
	APIKey  string
	// HTTPClient replaces the client built from the options above. Leave
	// its Timeout at zero: event and export streams last.
	HTTPClient *http.Client
	// UserAgent names the caller in Switchboard's request log.
	UserAgent string
}

// Client calls the control API. It is safe for concurrent use.
type Client struct {
	base   string // scheme and host, no trailing slash
	key    string
	socket string // set when talking over the socket
	hc     *http.Client
	agent  string
}

// dialTimeout bounds connecting, not the request: a local instance that
// does not accept within it is stuck.
const dialTimeout = 5 * time.Second

// New makes a client. It does not connect; the first call says whether an
// instance runs.
func New(opts Options) (*Client, error) {
	c := &Client{key: opts.APIKey, hc: opts.HTTPClient, agent: opts.UserAgent}
	if c.agent == "" {
		c.agent = "switchboard-client"
	}
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("base URL %q: want http://host:port", opts.BaseURL)
		}
		c.base = u.Scheme + "://" + u.Host
		if c.hc == nil {
			c.hc = &http.Client{Transport: &http.Transport{
				DialContext:         (&net.Dialer{Timeout: dialTimeout}).DialContext,
				MaxIdleConnsPerHost: 8,
			}}
		}
		return c, nil
	}
	c.socket = opts.Socket
	if c.socket == "" {
		home := opts.Home
		if home == "" {
			home = config.Home()
		}
		c.socket = daemon.SocketPath(home)
	}
	// The socket route skips the Host check; any name does.
	c.base = "http://switchboard"
	if c.hc == nil {
		sock := c.socket
		c.hc = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{Timeout: dialTimeout}).DialContext(ctx, "unix", sock)
			},
			MaxIdleConnsPerHost: 8,
		}}
	}
	return c, nil
}

// Socket is the socket path the client uses, or "" over TCP.
func (c *Client) Socket() string { return c.socket }

// BaseURL is where requests go: the TCP base URL, or http://switchboard
// over the socket.
func (c *Client) BaseURL() string { return c.base }

// ErrNotRunning is matched (errors.Is) by the error of any call made when
// no instance answers.
var ErrNotRunning = errors.New("switchboard is not running")

// NotRunningError says no instance answered at the socket or address.
type NotRunningError struct {
	Socket string // set for the socket
	Addr   string // set for TCP
	Err    error
}

func (e *NotRunningError) Error() string {
	var where string
	switch {
	case e.Socket != "" && errors.Is(e.Err, syscall.ECONNREFUSED):
		where = "nothing answers on the socket " + e.Socket
	case e.Socket != "":
		where = "no socket at " + e.Socket
	default:
		where = "nothing listens at " + e.Addr
	}
	return "Switchboard is not running (" + where + "); start it with `switchboard serve`"
}

func (e *NotRunningError) Is(target error) bool { return target == ErrNotRunning }
func (e *NotRunningError) Unwrap() error        { return e.Err }

// Error is the API's error envelope: {"error": "ServerNotFound",
// "message": "...", "status_code": 404}, with the problems of an invalid
// field or config.
type Error struct {
	Code       string           `json:"error"`
	Message    string           `json:"message"`
	StatusCode int              `json:"status_code"`
	Problems   []config.Problem `json:"problems,omitempty"`
}

// Error is the API's message, which is written for people; when there are
// several problems each gets a line of its own.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code
	}
	if len(e.Problems) < 2 {
		return msg
	}
	// The message often ends with the problems joined by "; ": keep what
	// comes before them as the heading.
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + ": " + p.Message
	}
	head := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(msg, strings.Join(parts, "; ")), ": "))
	if head == "" || head == parts[0] {
		head = fmt.Sprintf("%d problems", len(e.Problems))
	}
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(head, ":") + ":")
	for _, p := range parts {
		b.WriteString("\n  " + p)
	}
	return b.String()
}

// request is one call: body may be nil, []byte or json.RawMessage (sent as
// they are), or a value sent as JSON.
type request struct {
	method string
	path   string
	query  url.Values
	body   any
	header http.Header
}

// roundTrip makes the request and returns the response whatever its
// status; a connection refused or a missing socket is *NotRunningError.
func (c *Client) roundTrip(ctx context.Context, r request) (*http.Response, error) {
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case json.RawMessage:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode request body: %w", err)
		}
		body = bytes.NewReader(data)
	}
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" && c.socket == "" {
		req.Header.Set("X-API-Key", c.key)
	}
	req.Header.Set("User-Agent", c.agent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.connError(err)
	}
	return resp, nil
}

// send is roundTrip for answers that must be 2xx: any other status comes
// back as the envelope, *Error.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	resp, err := c.roundTrip(ctx, r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeError(resp)
}

// connError turns "nothing there" into ErrNotRunning.
func (c *Client) connError(err error) error {
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		return err
	}
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
		if c.socket != "" {
			return &NotRunningError{Socket: c.socket, Err: err}
		}
		return &NotRunningError{Addr: strings.TrimPrefix(strings.TrimPrefix(c.base, "http://"), "https://"), Err: err}
	}
	return err
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 1 << 20

func decodeError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{}
	if json.Unmarshal(data, e) != nil || e.Code == "" {
		// Not our envelope (a proxy, or a body cut short): keep what there is.
		e = &Error{Code: strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", ""),
			Message: strings.TrimSpace(string(data))}
		if e.Message == "" {
			e.Message = resp.Status
		}
	}
	if e.StatusCode == 0 {
		e.StatusCode = resp.StatusCode
	}
	return e
}

// do sends the request and decodes a JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, r request, out any) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", r.method, r.path, err)
	}
	return nil
}

// call decodes a JSON answer into a new T.
func call[T any](ctx context.Context, c *Client, r request) (*T, error) {
	out := new(T)
	if err := c.do(ctx, r, out); err != nil {
		return nil, err
	}
	return out, nil
}

func getJSON[T any](ctx context.Context, c *Client, path string, q url.Values) (*T, error) {
	return call[T](ctx, c, request{method: http.MethodGet, path: path, query: q})
}

func postJSON[T any](ctx context.Context, c *Client, path string, body any) (*T, error) {
	return call[T](ctx, c, request{method: http.MethodPost, path: path, body: body})
}

// seg escapes one path segment (a server, tool or session name).
func seg(s string) string { return url.PathEscape(s) }

// setIf adds a query value when it is not empty.
func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
