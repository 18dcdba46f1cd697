package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestKeyIsNeededOnTCPButNotOnTheSocket(t *testing.T) {
	h := newHarness(t, nil)
	path := "/api/v1/no-such-route"
	h.anon("GET", path, nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
	h.anon("GET", path, nil, "X-API-Key: wrong").envelope(t, http.StatusUnauthorized, "Unauthorized")
	for _, how := range []string{"X-API-Key: " + h.key, "Authorization: Bearer " + h.key} {
		h.anon("GET", path, nil, how).envelope(t, http.StatusNotFound, "RouteNotFound")
	}
	h.anon("GET", path+"?apikey="+h.key, nil).envelope(t, http.StatusNotFound, "RouteNotFound")
	h.sock("GET", path, nil).envelope(t, http.StatusNotFound, "RouteNotFound")
}

func TestHostAndOriginAreCheckedAndCORSFollowsTheConfig(t *testing.T) {
	h := newHarness(t, nil)
	h.req("GET", "/api/v1/x", nil, "Host: evil.example:7410").envelope(t, http.StatusForbidden, "HostNotAllowed")
	h.req("GET", "/api/v1/x", nil, "Origin: https://evil.example").envelope(t, http.StatusForbidden, "OriginNotAllowed")

	r := h.anon("OPTIONS", "/api/v1/servers", nil, "Origin: http://localhost:5173", "Access-Control-Request-Method: POST")
	if r.Status != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Fatalf("preflight from a loopback page: %d %v", r.Status, r.Header)
	}
	if !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "X-API-Key") {
		t.Fatalf("preflight does not allow the key header: %v", r.Header)
	}
}

func TestEveryResponseHasARequestID(t *testing.T) {
	h := newHarness(t, nil)
	r := h.req("GET", "/api/v1/x", nil)
	if len(r.Header.Get("X-Request-ID")) < 8 {
		t.Fatalf("no request id: %v", r.Header)
	}
	if got := h.req("GET", "/api/v1/x", nil, "X-Request-ID: abc123").Header.Get("X-Request-ID"); got != "abc123" {
		t.Fatalf("the caller's request id was not kept: %q", got)
	}
}
