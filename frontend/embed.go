// Package frontend carries the control panel's build (frontend/dist, made by
// `make ui`) inside the binary and serves it at /ui/.
//
// dist/placeholder.html is committed (and copied from public/ by every
// build, byte for byte, so a build leaves the tree clean): it keeps
// `go build` working on a machine without Node, and is what /ui/ shows until
// the panel is built.
package frontend

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Prefix is where the panel is served.
const Prefix = "/ui/"

// Files is the panel's build, rooted at dist/.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded by the directive above
	}
	return sub
}

// Built says whether the real panel is embedded (not only the placeholder).
func Built() bool {
	_, err := fs.Stat(Files(), "index.html")
	return err == nil
}

// The panel talks only to its own origin; nothing else may run in it or frame it.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Handler serves the panel under Prefix. It holds no secrets, so it needs no
// API key: the page asks for one (or takes it from the URL fragment) and
// sends it with each API call.
func Handler() http.Handler {
	files := Files()
	index := "index.html"
	if !Built() {
		index = "placeholder.html"
	}
	fileServer := http.FileServer(http.FS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the control panel is read only", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, Prefix)), "/")
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if name == "" || name == "." || name == "index.html" {
			serveFile(w, r, files, index)
			return
		}
		if st, err := fs.Stat(files, name); err != nil || st.IsDir() {
			// Pages are hash routes, so a missing path is a missing file.
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(name, "assets/") {
			// Vite puts a content hash in every asset's name.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = "/" + name
		r2.URL = &u
		fileServer.ServeHTTP(w, r2)
	})
}

func serveFile(w http.ResponseWriter, r *http.Request, files fs.FS, name string) {
	body, err := fs.ReadFile(files, name)
	if err != nil {
		http.Error(w, "the control panel is missing from this build", http.StatusInternalServerError)
		return
	}
	// The page names the current assets; it must never be cached past a rebuild.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
