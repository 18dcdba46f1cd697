package gateway

import (
	"context"
	"net/http"
)

// GuardError is why a guard refused an MCP request.
type GuardError struct {
	Status  int
	Code    string
	Message string
}

// Guard decides whether an MCP request may go on; the context it returns
// (which may carry who the caller is) replaces the request's.
type Guard func(r *http.Request) (context.Context, *GuardError)

// Guarded runs guard before next: the API's key check for /mcp, kept out
// of the gateway, which knows nothing of keys.
func Guarded(next http.Handler, guard Guard) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, gerr := guard(r)
		if gerr != nil {
			if gerr.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
			}
			writeError(w, gerr.Status, gerr.Code, gerr.Message)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
