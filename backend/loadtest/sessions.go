package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/upstream"
)

// Target is somewhere MCP client sessions can be opened: an HTTP endpoint,
// or a program spoken to over stdio.
type Target interface {
	// Open opens n initialised sessions. The pool holds them all, or none
	// when an error is returned.
	Open(ctx context.Context, n int) (*Pool, error)
	String() string
}

// Pool is a set of open client sessions.
type Pool struct {
	Clients []*client.Client
	// PIDs are the processes started for the sessions (stdio programs).
	PIDs []int
	// transports are the sessions' HTTP connection pools, closed with them
	// so that no idle connection outlives its session on the server.
	transports []*http.Transport
}

// Close ends every session in parallel, each closing its transport: a
// DELETE of the HTTP session, or stdin closed and the program waited for.
func (p *Pool) Close() {
	var wg sync.WaitGroup
	seen := map[*client.Client]bool{}
	for _, c := range p.Clients {
		if seen[c] {
			continue
		}
		seen[c] = true
		wg.Go(func() { _ = c.Close() })
	}
	wg.Wait()
	for _, t := range p.transports {
		t.CloseIdleConnections()
	}
}

// openParallel bounds how many sessions are being opened at once: starting
// a hundred programs together on two cores only makes each slower.
const openParallel = 8

// openEach opens n sessions with open, at most openParallel at a time.
func openEach(ctx context.Context, n int, open func(ctx context.Context) (*client.Client, int, error), transports ...*http.Transport) (*Pool, error) {
	pool := &Pool{Clients: make([]*client.Client, n), transports: transports}
	pids := make([]int, n)
	errs := make([]error, n)
	sem := make(chan struct{}, openParallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pool.Clients[i], pids[i], errs[i] = open(ctx)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		pool.Clients = compact(pool.Clients)
		pool.Close()
		return nil, fmt.Errorf("open %d sessions: %w", n, firstErr(errs))
	}
	for _, pid := range pids {
		if pid > 0 {
			pool.PIDs = append(pool.PIDs, pid)
		}
	}
	return pool, nil
}

func compact(cs []*client.Client) []*client.Client {
	var out []*client.Client
	for _, c := range cs {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// HTTPTarget is a streamable HTTP MCP endpoint, such as Switchboard's /mcp.
// Each session has its own HTTP connections, as separate clients would.
type HTTPTarget struct {
	URL string
}

func (t HTTPTarget) String() string { return t.URL }

func (t HTTPTarget) Open(ctx context.Context, n int) (*Pool, error) {
	transports := make([]*http.Transport, n)
	for i := range transports {
		transports[i] = &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	}
	var next atomic.Int64
	return openEach(ctx, n, func(ctx context.Context) (*client.Client, int, error) {
		hc := &http.Client{Transport: transports[next.Add(1)-1]}
		tr, err := transport.NewStreamableHTTP(t.URL, transport.WithHTTPBasicClient(hc))
		if err != nil {
			return nil, 0, err
		}
		c := client.NewClient(tr, client.WithLegacyProtocolOnly())
		if err := initialize(ctx, c); err != nil {
			_ = c.Close()
			return nil, 0, fmt.Errorf("%s: %w", t.URL, err)
		}
		return c, 0, nil
	}, transports...)
}

// StdioTarget is an MCP program spoken to over stdio: an upstream server,
// or `switchboard stdio`. A stdio program serves one client, so each session
// starts its own, unless Shared: then one program is started and all the
// sessions share its connection (the way the gateway shares one upstream
// process between its clients).
type StdioTarget struct {
	Argv   []string // the command and its arguments
	Env    []string // nil: the load tool's own environment
	Shared bool
}

func (t StdioTarget) String() string { return strings.Join(t.Argv, " ") }

func (t StdioTarget) Open(ctx context.Context, n int) (*Pool, error) {
	if !t.Shared {
		return openEach(ctx, n, t.start)
	}
	c, pid, err := t.start(ctx)
	if err != nil {
		return nil, err
	}
	pool := &Pool{Clients: make([]*client.Client, n), PIDs: []int{pid}}
	for i := range pool.Clients {
		pool.Clients[i] = c
	}
	return pool, nil
}

func (t StdioTarget) start(ctx context.Context) (*client.Client, int, error) {
	if len(t.Argv) == 0 {
		return nil, 0, fmt.Errorf("stdio target: no command")
	}
	var cmd *exec.Cmd
	tr := transport.NewStdioWithOptions(t.Argv[0], nil, t.Argv[1:],
		transport.WithCommandFunc(func(_ context.Context, command string, _ []string, args []string) (*exec.Cmd, error) {
			// Not tied to a context: the program lives as long as its session.
			cmd = exec.Command(command, args...)
			cmd.Env = t.Env
			if cmd.Env == nil {
				cmd.Env = os.Environ()
			}
			upstream.ConfigureProcessGroup(cmd)
			return cmd, nil
		}))
	c := client.NewClient(tr, client.WithLegacyProtocolOnly())
	if err := initialize(ctx, c); err != nil {
		_ = c.Close()
		return nil, 0, fmt.Errorf("%s: %w", t, err)
	}
	return c, cmd.Process.Pid, nil
}

// initialize starts a client and makes the MCP handshake.
func initialize(ctx context.Context, c *client.Client) error {
	if err := c.Start(context.Background()); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "switchboard-load", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	return nil
}
