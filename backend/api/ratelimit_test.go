package api_test

import (
	"net/http"
	"testing"
)

// A caller that floods the API (here: guessing keys) is held back with 429,
// and other callers are not.
func TestFloodingCallerGets429AndOthersDoNot(t *testing.T) {
	h := newHarness(t, nil)
	var limited response
	for range 3000 {
		r := h.anon("GET", "/api/v1/servers", nil, "X-API-Key: guess")
		if r.Status == http.StatusTooManyRequests {
			limited = r
			break
		}
		r.envelope(t, http.StatusUnauthorized, "Unauthorized")
	}
	if limited.Status == 0 {
		t.Fatal("3000 requests in a row were never limited")
	}
	limited.envelope(t, http.StatusTooManyRequests, "TooManyRequests")
	if limited.Header.Get("Retry-After") == "" {
		t.Fatalf("no Retry-After on a 429: %v", limited.Header)
	}
	if r := h.req("GET", "/api/v1/servers", nil); r.Status != http.StatusOK {
		t.Fatalf("a caller with its own key was held back too: %d %s", r.Status, r.Body)
	}
	if r := h.sock("GET", "/api/v1/servers", nil); r.Status != http.StatusOK {
		t.Fatalf("the socket was held back too: %d %s", r.Status, r.Body)
	}
}
