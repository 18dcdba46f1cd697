package bridge

import (
	"context"
	"net"
	"net/http"
	"time"
)

// UnixSocketClient returns an HTTP client that reaches every host through the
// unix socket at socketPath; use it with an endpoint such as
// "http://localhost/mcp" (a loopback host name passes DNS-rebinding checks).
// The client has no overall timeout because event streams stay open for as
// long as a session lives; only dialing is bounded.
func UnixSocketClient(socketPath string) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, "unix", socketPath)
			},
			MaxIdleConns:    16,
			IdleConnTimeout: 90 * time.Second,
			// Compression would make an event stream wait for whole blocks,
			// and buys nothing on a local socket.
			DisableCompression: true,
		},
	}
}
