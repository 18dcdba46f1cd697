package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/auth"
	"switchboard/backend/discovery"
	"switchboard/backend/events"
)

// A folder source through the API: added, scanned, its servers pending,
// one approved into config.json (quarantined until approved in turn), one rejected and not offered
// again.
func TestDiscoveryFolderThroughTheAPI(t *testing.T) {
	h := newHarness(t, nil)
	folder := t.TempDir()
	if err := os.WriteFile(filepath.Join(folder, "claude_desktop_config.json"), []byte(`{"mcpServers": {
		"files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
		"memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"], "env": {"MEMORY_TOKEN": "tok-s3cret-value"}}
	}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	sub, _ := h.d.Events().Subscribe([]string{events.DiscoveryFound}, 16, 0)
	defer sub.Close()
	r := h.req("POST", "/api/v1/discovery/sources", map[string]any{"id": "drop", "kind": "folder", "path": folder})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var st discovery.Status
	r.JSON(t, &st)
	if !st.Enabled || st.Mode != discovery.ModeAdditive {
		t.Fatalf("created %+v, want enabled and additive by default", st)
	}
	r = h.req("POST", "/api/v1/discovery/sources/drop/scan", nil)
	var scan api.DiscoveryScanResult
	r.JSON(t, &scan)
	if r.Status != 200 || len(scan.Pending) != 2 || scan.Sources[0].Found != 2 {
		t.Fatalf("scan: %d %s", r.Status, r.Body)
	}
	// The finding is announced once, whether the background scan (a new
	// source is scanned at once) or the one asked for found it first.
	select {
	case ev := <-sub.C:
		if b, _ := json.Marshal(ev.Data); !strings.Contains(string(b), `"source":"drop"`) || !strings.Contains(string(b), "drop/memory") || strings.Contains(string(b), "s3cret") {
			t.Fatalf("event data %s", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no discovery.pending event within 5s")
	}
	var pend api.DiscoveryPendingList
	r = h.req("GET", "/api/v1/discovery/pending", nil)
	if strings.Contains(string(r.Body), "s3cret") || !strings.Contains(string(r.Body), `"MEMORY_TOKEN":"***"`) {
		t.Fatalf("pending shows the token: %s", r.Body)
	}
	r.JSON(t, &pend)
	if len(pend.Pending) != 2 || pend.Pending[0].ID != "drop/files" {
		t.Fatalf("pending: %+v", pend)
	}
	if r := h.req("POST", "/api/v1/discovery/pending/drop/files/approve", nil); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if sc := h.fileConfig().Servers["files"]; sc == nil || sc.Command != "npx" {
		t.Fatalf("config.json files = %+v", sc)
	}
	var info api.ServerInfo
	h.req("GET", "/api/v1/servers/files", nil).JSON(t, &info)
	if !info.Quarantined {
		t.Fatalf("GET /servers/files: %+v, want quarantined", info)
	}
	// It is held as any new server is, so approving it releases it.
	if r := h.req("POST", "/api/v1/servers/files/approve", map[string]any{}); r.Status != 200 {
		t.Fatalf("quarantine approve: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/servers/files", nil).JSON(t, &info)
	if info.Quarantined {
		t.Fatalf("GET /servers/files after its approval: %+v, still quarantined", info)
	}
	if r := h.req("POST", "/api/v1/discovery/pending/drop/memory/reject", nil); r.Status != 200 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	h.req("POST", "/api/v1/discovery/scan", nil).JSON(t, &scan)
	if len(scan.Pending) != 0 {
		t.Fatalf("after approve and reject a rescan offers %+v", scan.Pending)
	}

	// Update: mode and interval; disable.
	r = h.req("PATCH", "/api/v1/discovery/sources/drop", map[string]any{"mode": "authoritative", "interval": "1m", "enabled": false})
	r.JSON(t, &st)
	if r.Status != 200 || st.Mode != discovery.ModeAuthoritative || st.Interval != "1m" || st.Enabled {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	var list api.DiscoverySourceList
	h.req("GET", "/api/v1/discovery/sources", nil).JSON(t, &list)
	if len(list.Sources) != 1 || list.Sources[0].ID != "drop" {
		t.Fatalf("list: %+v", list)
	}
	if r := h.req("DELETE", "/api/v1/discovery/sources/drop", nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	h.req("GET", "/api/v1/discovery/sources/drop", nil).envelope(t, 404, "NotFound")
	if h.fileConfig().Servers["files"] == nil {
		t.Fatal("deleting the source removed the server approved from it")
	}
}

func TestDiscoveryAPIErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.req("POST", "/api/v1/discovery/sources", `{"id": `).envelope(t, 400, "BadJSON")
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"kind": "clients"}, "id"},
		{map[string]any{"id": "x", "kind": "consul"}, "kind"},
		{map[string]any{"id": "x", "kind": "docker", "socket": "tcp://127.0.0.1:2375"}, "socket"},
		{map[string]any{"id": "x", "kind": "docker", "namespace": "tools"}, "namespace"},
		{map[string]any{"id": "x", "kind": "kubernetes", "label_selector": "app in (a"}, "label_selector"},
		{map[string]any{"id": "x", "kind": "kubernetes", "kubeconfig": "relative/config"}, "kubeconfig"},
		{map[string]any{"id": "x", "kind": "folder", "path": "relative"}, "path"},
		{map[string]any{"id": "x", "kind": "folder", "path": filepath.Join(t.TempDir(), "missing")}, "path"},
		{map[string]any{"id": "x", "kind": "clients", "mode": "mirror"}, "mode"},
		{map[string]any{"id": "x", "kind": "clients", "interval": "2s"}, "interval"},
		{map[string]any{"id": "x", "kind": "clients", "enabled": "yes"}, "enabled"},
		// A mistyped setting is refused by name, not dropped.
		{map[string]any{"id": "x", "kind": "docker", "sockett": "/run/docker.sock"}, "sockett"},
	} {
		msg := h.req("POST", "/api/v1/discovery/sources", tc.body).envelope(t, 422, "InvalidField")
		if !strings.HasPrefix(msg, tc.field+":") {
			t.Errorf("%v: %q does not name %s", tc.body, msg, tc.field)
		}
	}
	if r := h.req("POST", "/api/v1/discovery/sources", map[string]any{"id": "c", "kind": "clients", "enabled": false}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	h.req("POST", "/api/v1/discovery/sources", map[string]any{"id": "c", "kind": "clients"}).envelope(t, 409, "Exists")
	if msg := h.req("PATCH", "/api/v1/discovery/sources/c", map[string]any{"kind": "folder"}).envelope(t, 422, "InvalidField"); !strings.HasPrefix(msg, "kind:") {
		t.Fatal(msg)
	}
	h.req("PATCH", "/api/v1/discovery/sources/nope", map[string]any{"enabled": true}).envelope(t, 404, "NotFound")
	h.req("DELETE", "/api/v1/discovery/sources/nope", nil).envelope(t, 404, "NotFound")
	h.req("POST", "/api/v1/discovery/sources/nope/scan", nil).envelope(t, 404, "NotFound")
	h.req("POST", "/api/v1/discovery/pending/c/nope/approve", nil).envelope(t, 404, "NotFound")
	h.req("POST", "/api/v1/discovery/pending/c/nope/reject", nil).envelope(t, 404, "NotFound")

	viewer := h.createKey(t, api.KeyCreate{Name: "viewer", Role: auth.RoleViewer})
	agent := h.createKey(t, api.KeyCreate{Name: "agent", Role: auth.RoleAgent})
	for _, tc := range []struct {
		key, method, path string
		body              any
		perm              string
	}{
		{viewer.Key, "POST", "/api/v1/discovery/sources", map[string]any{"id": "v", "kind": "clients"}, auth.ServersWrite},
		{viewer.Key, "POST", "/api/v1/discovery/scan", nil, auth.ServersWrite},
		{viewer.Key, "POST", "/api/v1/discovery/pending/c/x/approve", nil, auth.ServersWrite},
		{agent.Key, "GET", "/api/v1/discovery/pending", nil, auth.ServersRead},
	} {
		r := h.withKey(tc.key, tc.method, tc.path, tc.body)
		if msg := r.envelope(t, http.StatusForbidden, "Forbidden"); !strings.Contains(msg, tc.perm) {
			t.Errorf("%s %s: %s", tc.method, tc.path, msg)
		}
	}
	if r := h.withKey(viewer.Key, "GET", "/api/v1/discovery/sources", nil); r.Status != 200 {
		t.Fatalf("viewer list: %d %s", r.Status, r.Body)
	}
	h.anon("GET", "/api/v1/discovery/sources", nil).envelope(t, 401, "Unauthorized")
}

// Docker and Kubernetes sources through the API: their settings are kept
// and shown, can be changed, and a scan that cannot reach the engine or the
// cluster says why in last_error, and in a discovery.scanned event for
// the scan nobody asked for (the first one, after the source is added).
func TestDiscoveryDockerAndKubernetesSettingsThroughTheAPI(t *testing.T) {
	h := newHarness(t, nil)
	sub, _ := h.d.Events().Subscribe([]string{events.DiscoveryScan}, 16, 0)
	defer sub.Close()
	missing := filepath.Join(t.TempDir(), "docker.sock")
	r := h.req("POST", "/api/v1/discovery/sources", map[string]any{"id": "dock", "kind": "docker", "socket": "unix://" + missing, "mode": "authoritative"})
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"socket":"unix://`+missing+`"`) {
		t.Fatalf("create docker: %d %s", r.Status, r.Body)
	}
	select {
	case ev := <-sub.C:
		if b, _ := json.Marshal(ev.Data); !strings.Contains(string(b), `"source":"dock"`) || !strings.Contains(string(b), "no Docker socket at "+missing) {
			t.Fatalf("discovery.scanned data %s", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no discovery.scanned event within 5s of adding the source")
	}
	var scan api.DiscoveryScanResult
	h.req("POST", "/api/v1/discovery/sources/dock/scan", nil).JSON(t, &scan)
	if len(scan.Sources) != 1 || !strings.Contains(scan.Sources[0].LastError, "no Docker socket at "+missing) {
		t.Fatalf("scan docker: %+v", scan)
	}
	msg := h.req("PATCH", "/api/v1/discovery/sources/dock", map[string]any{"socket": "ssh://me@host"}).envelope(t, 422, "InvalidField")
	if !strings.HasPrefix(msg, "socket:") || !strings.Contains(msg, `(source "dock")`) {
		t.Fatalf("bad socket: %q", msg)
	}

	kc := filepath.Join(t.TempDir(), "kubeconfig")
	r = h.req("POST", "/api/v1/discovery/sources", map[string]any{"id": "k8s", "kind": "kubernetes", "kubeconfig": kc,
		"context": "kind-dev", "namespace": "tools", "label_selector": "team=ai", "enabled": false})
	var st discovery.Status
	r.JSON(t, &st)
	if r.Status != http.StatusCreated || st.Kubeconfig != kc || st.Context != "kind-dev" || st.Namespace != "tools" || st.LabelSelector != "team=ai" || st.Enabled {
		t.Fatalf("create kubernetes: %d %s", r.Status, r.Body)
	}
	r = h.req("PATCH", "/api/v1/discovery/sources/k8s", map[string]any{"namespace": ""})
	st = discovery.Status{}
	r.JSON(t, &st)
	if r.Status != 200 || st.Namespace != "" || st.LabelSelector != "team=ai" {
		t.Fatalf("patch kubernetes: %d %s", r.Status, r.Body)
	}
	h.req("POST", "/api/v1/discovery/sources/k8s/scan", nil).JSON(t, &scan)
	if !strings.Contains(scan.Sources[0].LastError, kc) {
		t.Fatalf("scan kubernetes: %+v", scan.Sources[0])
	}
}
