package frontend

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func get(t *testing.T, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

// The committed placeholder must equal the copy every build writes from
// public/, or a build would leave a change in the tree.
func TestPlaceholderMatchesPublicCopy(t *testing.T) {
	committed, err := fs.ReadFile(Files(), "placeholder.html")
	if err != nil {
		t.Fatalf("dist/placeholder.html is not embedded: %v", err)
	}
	public, err := os.ReadFile("public/placeholder.html")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, public) {
		t.Fatal("dist/placeholder.html differs from public/placeholder.html; copy public/placeholder.html over it")
	}
	if !strings.Contains(string(committed), "make ui") {
		t.Fatal("the placeholder no longer says how to build the panel")
	}
}

func TestIndexServed(t *testing.T) {
	w := get(t, "GET", "/ui/")
	if w.Code != 200 {
		t.Fatalf("GET /ui/: %d", w.Code)
	}
	body := w.Body.String()
	if Built() {
		if !strings.Contains(body, `<div id="app">`) || !strings.Contains(body, "/ui/assets/") {
			t.Fatalf("GET /ui/ is not the built panel:\n%s", body)
		}
	} else if !strings.Contains(body, "make ui") {
		t.Fatalf("GET /ui/ without a build should say how to build the panel:\n%s", body)
	}
	if got := w.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("index Cache-Control = %q, want no-cache", got)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestAssetsCachedAndTyped(t *testing.T) {
	if !Built() {
		t.Skip("the panel is not built (make ui); only the placeholder is embedded")
	}
	entries, err := fs.ReadDir(Files(), "assets")
	if err != nil || len(entries) == 0 {
		t.Fatalf("built panel has no assets: %v", err)
	}
	for _, e := range entries {
		w := get(t, "GET", "/ui/assets/"+e.Name())
		if w.Code != 200 {
			t.Fatalf("%s: %d", e.Name(), w.Code)
		}
		if !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q", e.Name(), w.Header().Get("Cache-Control"))
		}
		ct := w.Header().Get("Content-Type")
		if strings.HasSuffix(e.Name(), ".js") && !strings.Contains(ct, "javascript") {
			t.Errorf("%s: Content-Type %q", e.Name(), ct)
		}
	}
}

func TestRefusals(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/ui/nope.js", 404},
		{"GET", "/ui/assets", 404},
		{"GET", "/ui/assets/", 404},
		{"GET", "/ui/../../embed.go", 404},
		{"POST", "/ui/", 405},
		{"GET", "/ui", 301},
	} {
		if w := get(t, c.method, c.path); w.Code != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, w.Code, c.want)
		}
	}
	if loc := get(t, "GET", "/ui").Header().Get("Location"); loc != "/ui/" {
		t.Errorf("/ui redirects to %q", loc)
	}
}

func TestHeadIndex(t *testing.T) {
	w := get(t, "HEAD", "/ui/")
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("HEAD /ui/: %d with %d bytes", w.Code, w.Body.Len())
	}
}
