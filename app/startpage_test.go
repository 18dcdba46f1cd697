package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/backend/client"
	"switchboard/backend/panellink"
)

func TestStartPageSignsTheWindowIn(t *testing.T) {
	c, home := core(t)
	data, err := os.ReadFile(filepath.Join(home, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := panellink.APIKey(filepath.Join(home, "config.json"))
	if err != nil || !strings.Contains(string(data), key) {
		t.Fatalf("key %q, %v", key, err)
	}
	rec := httptest.NewRecorder()
	StartPage{Client: c}.ServeHTTP(rec, httptest.NewRequest("GET", "/?route=/quarantine?server=x%26y", nil))
	body := rec.Body.String()
	if !strings.Contains(body, `location.replace("http://127.0.0.1:`) ||
		!strings.Contains(body, `/ui/#/quarantine?server=x\u0026y\u0026key=`+key+`")`) {
		t.Fatalf("start page does not move on to the signed-in panel:\n%s", body)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("the page holding the key may be cached")
	}
	rec = httptest.NewRecorder()
	StartPage{Client: c}.ServeHTTP(rec, httptest.NewRequest("GET", "/other", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("/other: %d", rec.Code)
	}
}

func TestStartPageWaitsForTheCore(t *testing.T) {
	c, err := client.New(client.Options{Socket: filepath.Join(t.TempDir(), "none.sock")})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	StartPage{Client: c}.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(context.Background()))
	body := rec.Body.String()
	if !strings.Contains(body, "Starting Switchboard") || !strings.Contains(body, `http-equiv="refresh"`) || strings.Contains(body, "location.replace") {
		t.Fatalf("with no core: %s", body)
	}
}
