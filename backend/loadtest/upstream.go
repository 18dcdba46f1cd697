package loadtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"switchboard/backend/config"
)

// Upstream is the MCP server under load, called directly and through
// Switchboard: a stdio program (Argv), or an HTTP endpoint (URL), which the
// load tool may have started itself.
type Upstream struct {
	Name string   // a label for reports, e.g. "testserver-stdio"
	Argv []string // a stdio server's command and arguments
	Env  []string // its environment; nil: the load tool's own
	URL  string   // an HTTP server's MCP endpoint
	proc *Process // the HTTP server the load tool started, if any
}

// Server is the upstream's entry in Switchboard's config.
func (u *Upstream) Server() *config.Server {
	if u.URL != "" {
		return &config.Server{URL: u.URL}
	}
	s := &config.Server{Command: u.Argv[0], Args: u.Argv[1:]}
	if u.Env != nil {
		s.Env = map[string]string{}
		for _, kv := range u.Env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				s.Env[k] = v
			}
		}
	}
	return s
}

// Direct is the upstream called with no gateway. A stdio upstream runs
// once, shared by all sessions (as behind the gateway), unless each is
// set: then every session starts its own. wrap prefixes the command (e.g.
// taskset -c 0).
func (u *Upstream) Direct(each bool, wrap []string) Target {
	if u.URL != "" {
		return HTTPTarget{URL: u.URL}
	}
	return StdioTarget{Argv: append(append([]string{}, wrap...), u.Argv...), Env: u.Env, Shared: !each}
}

// PIDs are the processes of an HTTP upstream the load tool started.
func (u *Upstream) PIDs() []int {
	if u.proc == nil {
		return nil
	}
	return append([]int{u.proc.PID()}, Descendants(u.proc.PID())...)
}

// Stop ends an HTTP upstream the load tool started.
func (u *Upstream) Stop() {
	if u.proc != nil {
		u.proc.Stop()
	}
}

// TestServerStdio is our Go test server (cmd/switchboard-testserver at
// bin) over stdio.
func TestServerStdio(bin string) *Upstream {
	return &Upstream{Name: "testserver-stdio", Argv: []string{bin}}
}

// StartTestServerHTTP starts our Go test server over streamable HTTP on a
// free loopback port.
func StartTestServerHTTP(ctx context.Context, bin string, wrap []string) (*Upstream, error) {
	argv := append(append([]string{}, wrap...), bin, "--transport", "http", "--listen", "127.0.0.1:0")
	p, err := StartProcess(argv, nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url, err := p.WaitOutput(ctx, func(line string) string {
		if url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on "); ok {
			return url
		}
		return ""
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	return &Upstream{Name: "testserver-http", URL: url, proc: p}, nil
}

// everythingEnv is the environment of server-everything: its get-env tool
// returns the whole of it, so it gets no more than it needs.
func everythingEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
}

// EverythingStdio is @modelcontextprotocol/server-everything (its entry
// point, run with node) over stdio.
func EverythingStdio(node, entry string) *Upstream {
	return &Upstream{Name: "everything-stdio", Argv: []string{node, entry, "stdio"}, Env: everythingEnv()}
}

// loopbackPreload pins every listen call without a host to 127.0.0.1:
// server-everything listens on all interfaces and has no option for it.
// (The same script as in backend/testdeps, which only tests can use.)
const loopbackPreload = `const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a = args[0];
  if (a !== null && typeof a === "object" && !Array.isArray(a)) {
    if (a.path === undefined && a.host === undefined) args[0] = { ...a, host: "127.0.0.1" };
  } else if (typeof a === "number" || (typeof a === "string" && /^\d+$/.test(a))) {
    if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};
`

// StartEverythingHTTP starts server-everything over streamable HTTP on a
// free loopback port; dir holds its preload script.
func StartEverythingHTTP(ctx context.Context, node, entry, dir string, wrap []string) (*Upstream, error) {
	preload := filepath.Join(dir, "loopback.cjs")
	if err := os.WriteFile(preload, []byte(loopbackPreload), 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// The port comes only from $PORT, so a free one is found first; another
	// program may take it in between, and then the server says so and we
	// try again.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		argv := append(append([]string{}, wrap...), node, "--require", preload, entry, "streamableHttp")
		p, err := StartProcess(argv, append(everythingEnv(), "PORT="+strconv.Itoa(port)))
		if err != nil {
			return nil, err
		}
		ready := "listening on port " + strconv.Itoa(port)
		_, err = p.WaitOutput(ctx, func(line string) string {
			if strings.Contains(line, ready) {
				return "ok"
			}
			return ""
		})
		if err == nil {
			return &Upstream{Name: "everything-http", URL: fmt.Sprintf("http://127.0.0.1:%d/mcp", port), proc: p}, nil
		}
		p.Stop()
		lastErr = err
		if !strings.Contains(p.Output(), "already in use") {
			break
		}
	}
	return nil, fmt.Errorf("server-everything over HTTP did not start: %w", lastErr)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
