// Command switchboard-testserver serves Switchboard's test MCP server
// (backend/testserver) over stdio, streamable HTTP or SSE. Tests use it as a
// real upstream.
//
// In http and sse mode it prints exactly one line to stderr once it listens:
//
//	listening on http://127.0.0.1:PORT/mcp     (http)
//	listening on http://127.0.0.1:PORT/sse     (sse)
//
// Start-up knobs, read from the environment:
//
//	SB_TEST_START_LOG=<file>      append "start PID UNIXNANO" to the file first
//	                              thing, so a test can see every (re)start
//	SB_TEST_EXIT_AT_START=<code>  exit with that code before doing anything
//	SB_TEST_EXIT_IF_EXISTS=<file> exit with code 3 at start while the file
//	                              exists (a server that starts, then crash-loops)
//	SB_TEST_START_DELAY_MS=<ms>   wait that long before serving
//	SB_TEST_CHILD=1               start a child process that sleeps until
//	                              killed (logged as "child PID" in the start
//	                              log), in the server's process group, as an
//	                              npx-started server has node below npx
//	SB_TEST_STDERR_FLOOD=1        write lines to stderr as fast as it can,
//	                              for as long as the server runs
//	SB_TEST_STDIO_WORKERS=<n>     over stdio, run up to n tool calls at once
//	                              (mcp-go's default is 5, at most 100)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/testserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard-testserver:", err)
		os.Exit(1)
	}
}

func run() error {
	transport := flag.String("transport", "stdio", "stdio, http (streamable HTTP at /mcp) or sse")
	listen := flag.String("listen", "127.0.0.1:0", "address for http and sse; the host must be 127.0.0.1")
	name := flag.String("name", "switchboard-testserver", "server name reported in serverInfo")
	flag.Parse()

	if os.Getenv(idleChildEnv) != "" {
		// The child of SB_TEST_CHILD: nothing to do but be there. (A bare
		// select{} would end it at once: Go reports a deadlock.)
		for {
			time.Sleep(time.Hour)
		}
	}
	startLog := os.Getenv("SB_TEST_START_LOG")
	if startLog != "" {
		if err := appendLine(startLog, fmt.Sprintf("start %d %d", os.Getpid(), time.Now().UnixNano())); err != nil {
			return err
		}
	}
	if v := os.Getenv("SB_TEST_EXIT_AT_START"); v != "" {
		code, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("SB_TEST_EXIT_AT_START=%q is not an integer exit code", v)
		}
		os.Exit(code)
	}
	if f := os.Getenv("SB_TEST_EXIT_IF_EXISTS"); f != "" {
		if _, err := os.Stat(f); err == nil {
			os.Exit(3)
		}
	}
	if v := os.Getenv("SB_TEST_START_DELAY_MS"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 {
			return fmt.Errorf("SB_TEST_START_DELAY_MS=%q is not a number of milliseconds", v)
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}

	if os.Getenv("SB_TEST_CHILD") != "" {
		if err := startIdleChild(startLog); err != nil {
			return err
		}
	}
	if os.Getenv("SB_TEST_STDERR_FLOOD") != "" {
		go floodStderr()
	}

	mcpServer := testserver.New(*name)

	switch *transport {
	case "stdio":
		var opts []server.StdioOption
		if v := os.Getenv("SB_TEST_STDIO_WORKERS"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("SB_TEST_STDIO_WORKERS=%q is not a positive number", v)
			}
			opts = append(opts, server.WithWorkerPoolSize(n))
		}
		return server.ServeStdio(mcpServer, opts...)
	case "http", "sse":
		return serveHTTP(mcpServer, *transport, *listen)
	default:
		return fmt.Errorf("--transport %q: want stdio, http or sse", *transport)
	}
}

// idleChildEnv marks the child process SB_TEST_CHILD starts.
const idleChildEnv = "SB_TEST_IDLE_CHILD"

// appendLine appends one line to a file in a single write, so lines of
// several processes sharing the file do not interleave.
func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("SB_TEST_START_LOG: %w", err)
	}
	_, err = f.WriteString(line + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// startIdleChild starts this program again as a child that only sleeps. It
// stays in our process group and is never waited for: whoever stops the
// server must stop the group, or the child outlives it.
func startIdleChild(startLog string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("SB_TEST_CHILD: %w", err)
	}
	child := exec.Command(exe)
	child.Env = append(os.Environ(), idleChildEnv+"=1")
	if err := child.Start(); err != nil {
		return fmt.Errorf("SB_TEST_CHILD: %w", err)
	}
	if startLog != "" {
		return appendLine(startLog, fmt.Sprintf("child %d", child.Process.Pid))
	}
	return nil
}

// floodStderr writes lines to stderr without pause; it ends with
// the process (or when stderr is closed).
func floodStderr() {
	line := []byte(strings.Repeat("flooding stderr ", 8) + "\n")
	for {
		if _, err := os.Stderr.Write(line); err != nil {
			return
		}
	}
}

// quietLogger keeps mcp-go's routine info lines off stderr, where tests read
// the "listening on" line; warnings and errors still show.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func serveHTTP(mcpServer *server.MCPServer, transport, listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", listen, err)
	}
	// Test programs listen on the loopback interface only.
	if host != "127.0.0.1" {
		return fmt.Errorf("--listen %q: the host must be 127.0.0.1", listen)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", listen, err)
	}
	base := "http://" + ln.Addr().String()

	var handler http.Handler
	var url string
	switch transport {
	case "http":
		// The event store keeps a call's last notifications from being lost
		// when they race its response, and lets clients resume a stream.
		h := server.NewStreamableHTTPServer(mcpServer,
			server.WithEndpointPath("/mcp"),
			server.WithEventStore(server.NewInMemoryEventStore()),
			server.WithStreamableHTTPLogger(quietLogger()),
		)
		mux := http.NewServeMux()
		mux.Handle("/mcp", h)
		handler, url = mux, base+"/mcp"
	case "sse":
		h := server.NewSSEServer(mcpServer, server.WithBaseURL(base))
		handler, url = h, base+"/sse"
	}

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintln(os.Stderr, "listening on "+url)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-done:
		return err
	case <-sig:
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}
