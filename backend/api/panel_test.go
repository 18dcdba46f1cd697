package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"switchboard/frontend"
)

// The control panel's files are served at /ui/ without a key, behind the same
// Host and Origin checks as everything else, while the API it calls still
// needs the key.
func TestPanelServedAtUI(t *testing.T) {
	h := newHarness(t, nil)
	base := "http://" + h.d.Addr()
	get := func(path string, headers ...string) (int, http.Header, string) {
		t.Helper()
		r, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, hv := range headers {
			k, v, _ := strings.Cut(hv, ":")
			if k == "Host" {
				r.Host = strings.TrimSpace(v)
			} else {
				r.Header.Set(k, strings.TrimSpace(v))
			}
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body)
	}

	code, hdr, body := get("/ui/")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /ui/ without a key: %d %s\n%s", code, hdr.Get("Content-Type"), body)
	}
	want := "make ui" // the placeholder, before the panel is built
	if frontend.Built() {
		want = `<div id="app">`
	}
	if !strings.Contains(body, want) {
		t.Fatalf("GET /ui/ does not hold %q:\n%s", want, body)
	}
	if hdr.Get("X-Request-ID") == "" {
		t.Error("/ui/ did not pass the front door (no X-Request-ID)")
	}
	if code, _, _ := get("/ui/", "Host: evil.example"); code != http.StatusForbidden {
		t.Errorf("GET /ui/ with a foreign Host: %d, want 403", code)
	}
	if code, _, _ := get("/ui/", "Origin: https://evil.example"); code != http.StatusForbidden {
		t.Errorf("GET /ui/ from a foreign Origin: %d, want 403", code)
	}
	if code, _, _ := get("/ui/no-such-file.js"); code != http.StatusNotFound {
		t.Errorf("GET /ui/no-such-file.js: %d, want 404", code)
	}
	if code, _, _ := get("/api/v1/servers"); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/servers without a key: %d, want 401", code)
	}
	if code, _, _ := get("/api/v1/servers?apikey=" + h.key); code != http.StatusOK {
		t.Errorf("GET /api/v1/servers?apikey=: %d, want 200 (the panel's event stream sends its key so)", code)
	}
}
