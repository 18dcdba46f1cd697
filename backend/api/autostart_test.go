package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/backend/api"
)

// The settings page and the tray switch start at login through the API;
// on Linux that writes and removes the XDG autostart entry.
func TestAutostartSwitchWritesTheLoginEntry(t *testing.T) {
	xdg := filepath.Join(t.TempDir(), "xdg")
	t.Setenv("XDG_CONFIG_HOME", xdg)
	h := newHarness(t, nil)
	entry := filepath.Join(xdg, "autostart", "io.switchboard.Switchboard.desktop")

	st := getJSON[api.Autostart](t, h.req("GET", "/api/v1/system/autostart", nil))
	if st.Enabled || !st.Supported || st.Where != entry {
		t.Fatalf("before: %+v, want off, supported, at %s", st, entry)
	}
	st = getJSON[api.Autostart](t, h.sock("PUT", "/api/v1/system/autostart", map[string]any{"enabled": true}))
	if !st.Enabled || len(st.Command) == 0 {
		t.Fatalf("after enabling: %+v", st)
	}
	data, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	// The test's home is not the default one: the entry must bring back
	// this instance, so it names it.
	if !strings.Contains(string(data), "--home") || !strings.Contains(string(data), h.home) {
		t.Fatalf("entry does not name this home %s:\n%s", h.home, data)
	}
	st = getJSON[api.Autostart](t, h.req("PUT", "/api/v1/system/autostart", map[string]any{"enabled": false}))
	if st.Enabled {
		t.Fatalf("after disabling: %+v", st)
	}
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Fatalf("entry left behind: %v", err)
	}
	h.req("PUT", "/api/v1/system/autostart", map[string]any{}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
}
