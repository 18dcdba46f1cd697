package api_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/daemon"
)

// TestEveryRouteHasAPermission fails for a route added without Perm.
func TestEveryRouteHasAPermission(t *testing.T) {
	s, err := newDocumentAPI()
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range s.Routes() {
		if rt.Public {
			continue
		}
		if rt.Perm == "" {
			t.Errorf("%s %s has no Perm", rt.Method, rt.Path)
		} else if rt.Perm != auth.Authenticated && rt.Perm != auth.All && !auth.KnownPermission(rt.Perm) {
			// auth.All is the admin role's grant: an admin-only route.
			t.Errorf("%s %s asks for unknown permission %q", rt.Method, rt.Path, rt.Perm)
		}
	}
}

// createKey makes a key with the admin key and returns the raw key.
func (h *harness) createKey(t *testing.T, body any) api.KeyCreated {
	t.Helper()
	r := h.req("POST", "/api/v1/auth/keys", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create key: %d %s", r.Status, r.Body)
	}
	var out api.KeyCreated
	r.JSON(t, &out)
	return out
}

func (h *harness) withKey(key, method, path string, body any) response {
	h.t.Helper()
	return h.send(h.tcp, "http://"+h.d.Addr(), method, path, body, "X-API-Key: "+key)
}

// concretePath fills a route's parameters with names that exist nowhere,
// so an allowed request is answered (404, 400, 422...) without changing
// anything.
func concretePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "nosuch"
		}
	}
	return strings.Join(parts, "/")
}

// TestBuiltinRolesOnEveryRoute calls every route with a key of each built-in
// role: a permission the role holds is never refused, one it lacks is 403
// Forbidden naming it.
func TestBuiltinRolesOnEveryRoute(t *testing.T) {
	h := newHarness(t, nil)
	doc, err := newDocumentAPI()
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range auth.BuiltinRoles() {
		t.Run(role.Name, func(t *testing.T) {
			k := h.createKey(t, api.KeyCreate{Name: "k-" + role.Name, Role: role.Name})
			id := &auth.Identity{Roles: []string{role.Name}, Permissions: role.Permissions}
			for _, rt := range doc.Routes() {
				if rt.Public {
					continue
				}
				allowed := id.Has(rt.Perm)
				streams := rt.WebSocket || rt.ContentType == "text/event-stream"
				if allowed && streams {
					continue // answered in events tests; here only refusals
				}
				path := concretePath(rt.Path)
				if rt.Path == "/api/v1/auth/keys/:id/revoke" {
					path = "/api/v1/auth/keys/" + k.ID + "x/revoke"
				}
				r := h.withKey(k.Key, rt.Method, path, nil)
				if !allowed {
					msg := r.envelope(t, http.StatusForbidden, "Forbidden")
					if !strings.Contains(msg, rt.Perm) {
						t.Errorf("%s %s: the refusal does not name %s: %s", rt.Method, rt.Path, rt.Perm, msg)
					}
					continue
				}
				if r.Status == http.StatusForbidden || r.Status == http.StatusUnauthorized {
					t.Errorf("%s %s as %s: %d %s", rt.Method, path, role.Name, r.Status, r.Body)
				}
			}
		})
	}
}

func TestSocketCallerIsAdmin(t *testing.T) {
	h := newHarness(t, nil)
	var p api.Principal
	r := h.sock("GET", "/api/v1/system/me", nil)
	r.JSON(t, &p)
	if p.Role != auth.RoleAdmin || p.Via != "socket" || !slices.Contains(p.Permissions, auth.All) {
		t.Fatalf("socket caller: %s", r.Body)
	}
	var admin api.Principal
	h.req("GET", "/api/v1/system/me", nil).JSON(t, &admin)
	if admin.Name != "admin" || admin.Role != auth.RoleAdmin {
		t.Fatalf("config api_key: %+v", admin)
	}
}

func TestKeyLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	k := h.createKey(t, map[string]any{"name": "ci", "role": "viewer", "expires_in": "30d"})
	if !strings.HasPrefix(k.Key, "sb_") || len(k.Key) != 46 || !strings.HasPrefix(k.Key, k.Prefix) || k.ExpiresAt == nil {
		t.Fatalf("created: %+v", k)
	}
	// The key is never shown again: not in the list, not in get.
	for _, path := range []string{"/api/v1/auth/keys", "/api/v1/auth/keys/" + k.ID} {
		r := h.req("GET", path, nil)
		if r.Status != 200 || bytes.Contains(r.Body, []byte(k.Key)) || bytes.Contains(r.Body, []byte(`"hash"`)) {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	var me api.Principal
	h.withKey(k.Key, "GET", "/api/v1/system/me", nil).JSON(t, &me)
	if me.Name != "ci" || me.Role != "viewer" || me.KeyID != k.ID || !slices.Contains(me.Permissions, auth.ServersRead) {
		t.Fatalf("me: %+v", me)
	}
	var got api.KeyInfo
	h.req("GET", "/api/v1/auth/keys/"+k.ID, nil).JSON(t, &got)
	if got.LastUsedAt == nil {
		t.Fatalf("last use not recorded: %+v", got)
	}

	r := h.req("POST", "/api/v1/auth/keys/"+k.ID+"/revoke", api.KeyRevoke{Reason: "left the team"})
	if r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	msg := h.withKey(k.Key, "GET", "/api/v1/status", nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
	if !strings.Contains(msg, "revoked") || !strings.Contains(msg, "left the team") {
		t.Fatalf("revoked key: %s", msg)
	}
	h.req("POST", "/api/v1/auth/keys/"+k.ID+"/revoke", nil).envelope(t, http.StatusConflict, "Conflict")
	var list api.KeyList
	h.req("GET", "/api/v1/auth/keys", nil).JSON(t, &list)
	if len(list.Keys) != 1 || !list.Keys[0].Revoked || list.Keys[0].RevokedReason != "left the team" {
		t.Fatalf("list: %+v", list)
	}
}

func TestBadKeys(t *testing.T) {
	h := newHarness(t, nil)
	for _, key := range []string{"nope", "sb_short", "sb_" + strings.Repeat("!", 43), strings.Repeat("a", 5000)} {
		msg := h.withKey(key, "GET", "/api/v1/status", nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
		if !strings.Contains(msg, "malformed") {
			t.Errorf("key %.20q: %s", key, msg)
		}
	}
	// Well formed, but no such key.
	msg := h.withKey("sb_"+strings.Repeat("A", 43), "GET", "/api/v1/status", nil).envelope(t, http.StatusUnauthorized, "Unauthorized")
	if !strings.Contains(msg, "not valid") {
		t.Errorf("unknown key: %s", msg)
	}
	h.req("POST", "/api/v1/auth/keys", map[string]any{"name": "x", "role": "viewer", "expires_at": "2001-01-01T00:00:00Z"}).
		envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("POST", "/api/v1/auth/keys", map[string]any{"name": "x", "role": "nosuch"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("POST", "/api/v1/auth/keys", map[string]any{"name": "x", "role": "viewer", "expires_in": "soon"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	h.req("POST", "/api/v1/auth/keys", map[string]any{"name": "x"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
}

func TestCustomRolesAndPrincipals(t *testing.T) {
	h := newHarness(t, nil)
	r := h.req("POST", "/api/v1/auth/roles", auth.Role{Name: "keyminder", Permissions: []string{auth.KeysRead, auth.KeysWrite}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create role: %d %s", r.Status, r.Body)
	}
	h.req("POST", "/api/v1/auth/roles", auth.Role{Name: "bad", Permissions: []string{"servers:fly"}}).envelope(t, 422, "InvalidField")
	h.req("POST", "/api/v1/auth/roles", auth.Role{Name: "viewer", Permissions: []string{auth.ToolsRead}}).envelope(t, 409, "Conflict")
	h.req("DELETE", "/api/v1/auth/roles/admin", nil).envelope(t, 409, "Conflict")

	r = h.req("POST", "/api/v1/auth/principals", auth.Principal{Name: "ops-bot", Kind: "service", Roles: []string{"keyminder"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create principal: %d %s", r.Status, r.Body)
	}
	h.req("POST", "/api/v1/auth/principals", auth.Principal{Name: "x", Kind: "robot"}).envelope(t, 422, "InvalidField")
	// A key without a role takes its principal's roles.
	k := h.createKey(t, api.KeyCreate{Name: "ops-bot-key", Principal: "ops-bot"})
	var me api.Principal
	h.withKey(k.Key, "GET", "/api/v1/system/me", nil).JSON(t, &me)
	if me.Name != "ops-bot" || me.Kind != "service" || !slices.Equal(me.Permissions, []string{auth.KeysRead, auth.KeysWrite}) {
		t.Fatalf("me: %+v", me)
	}
	// It may make keys, but none that grant more than it holds.
	msg := h.withKey(k.Key, "POST", "/api/v1/auth/keys", api.KeyCreate{Name: "sneaky", Role: "admin"}).envelope(t, 403, "Forbidden")
	if !strings.Contains(msg, "*") {
		t.Fatalf("escalation refusal: %s", msg)
	}
	if r := h.withKey(k.Key, "POST", "/api/v1/auth/keys", api.KeyCreate{Name: "peer", Role: "keyminder"}); r.Status != 201 {
		t.Fatalf("same-role key: %d %s", r.Status, r.Body)
	}
	h.withKey(k.Key, "GET", "/api/v1/servers", nil).envelope(t, 403, "Forbidden")

	// In use: neither the role nor the principal can go.
	h.req("DELETE", "/api/v1/auth/roles/keyminder", nil).envelope(t, 409, "Conflict")
	h.req("DELETE", "/api/v1/auth/principals/ops-bot", nil).envelope(t, 409, "Conflict")

	var v api.PermissionVerdict
	h.req("POST", "/api/v1/auth/check", api.PermissionCheck{Principal: "ops-bot", Permission: auth.KeysWrite}).JSON(t, &v)
	if !v.Allowed {
		t.Fatalf("check allowed: %+v", v)
	}
	h.req("POST", "/api/v1/auth/check", api.PermissionCheck{KeyID: k.ID, Permission: auth.ConfigWrite}).JSON(t, &v)
	if v.Allowed || !strings.Contains(v.Reason, auth.ConfigWrite) {
		t.Fatalf("check refused: %+v", v)
	}
	h.req("POST", "/api/v1/auth/check", api.PermissionCheck{Principal: "nobody", Permission: auth.KeysWrite}).envelope(t, 404, "NotFound")
	// Roles and principals change only within what the caller holds.
	h.withKey(k.Key, "PATCH", "/api/v1/auth/roles/keyminder", api.RoleUpdate{Permissions: []string{auth.KeysRead, auth.KeysWrite, auth.ConfigWrite}}).
		envelope(t, 403, "Forbidden")
	h.withKey(k.Key, "POST", "/api/v1/auth/principals/ops-bot/roles", api.RoleAssign{Role: "admin"}).envelope(t, 403, "Forbidden")
	h.req("PATCH", "/api/v1/auth/roles/viewer", api.RoleUpdate{Permissions: []string{auth.ToolsRead}}).envelope(t, 409, "Conflict")
	r = h.req("POST", "/api/v1/auth/principals/ops-bot/roles", api.RoleAssign{Role: "viewer"})
	var p auth.Principal
	r.JSON(t, &p)
	if r.Status != 200 || !slices.Equal(p.Roles, []string{"keyminder", "viewer"}) {
		t.Fatalf("assign: %d %s", r.Status, r.Body)
	}
	// The principal's keys without a role of their own follow at once.
	if r := h.withKey(k.Key, "GET", "/api/v1/servers", nil); r.Status != 200 {
		t.Fatalf("after assign: %d %s", r.Status, r.Body)
	}
	h.req("DELETE", "/api/v1/auth/principals/ops-bot/roles/viewer", nil).JSON(t, &p)
	h.req("GET", "/api/v1/auth/principals/ops-bot", nil).JSON(t, &p)
	if !slices.Equal(p.Roles, []string{"keyminder"}) {
		t.Fatalf("after revoke: %+v", p)
	}
	h.withKey(k.Key, "GET", "/api/v1/servers", nil).envelope(t, 403, "Forbidden")
	desc := "keeps the keys"
	var role auth.Role
	h.req("PATCH", "/api/v1/auth/roles/keyminder", api.RoleUpdate{Description: &desc}).JSON(t, &role)
	h.req("GET", "/api/v1/auth/roles/keyminder", nil).JSON(t, &role)
	if role.Description != desc || len(role.Permissions) != 2 {
		t.Fatalf("role: %+v", role)
	}
	var mine api.KeyList
	h.req("GET", "/api/v1/auth/keys?principal=ops-bot", nil).JSON(t, &mine)
	if len(mine.Keys) != 1 || mine.Keys[0].ID != k.ID {
		t.Fatalf("keys of ops-bot: %+v", mine)
	}

	var roles api.RoleList
	h.req("GET", "/api/v1/auth/roles", nil).JSON(t, &roles)
	if len(roles.Roles) != 5 || roles.Roles[0].Name != "admin" || !roles.Roles[0].BuiltIn || roles.Roles[4].Name != "keyminder" {
		t.Fatalf("roles: %+v", roles.Roles)
	}
}

func TestAgentKeyScope(t *testing.T) {
	srvA, srvB := stdioServer(t), stdioServer(t)
	srvB.Tags = []string{"team"}
	h := newHarness(t, map[string]*config.Server{"alpha": srvA, "beta": srvB, "gamma": stdioServer(t)})
	k := h.createKey(t, api.KeyCreate{Name: "bot", Role: auth.RoleAgent,
		Scope: &auth.Scope{Servers: []string{"alpha"}, Groups: []string{"team"}, Tools: []string{"echo", "beta/add"}}})
	call := map[string]any{"arguments": map[string]any{"text": "hi"}}
	if r := h.withKey(k.Key, "POST", "/api/v1/servers/alpha/tools/echo/call", call); r.Status != 200 {
		t.Fatalf("in scope: %d %s", r.Status, r.Body)
	}
	if r := h.withKey(k.Key, "POST", "/api/v1/servers/beta/tools/echo/call", call); r.Status != 200 {
		t.Fatalf("in scope by group: %d %s", r.Status, r.Body)
	}
	msg := h.withKey(k.Key, "POST", "/api/v1/servers/gamma/tools/echo/call", call).envelope(t, 403, "Forbidden")
	if !strings.Contains(msg, "gamma") || !strings.Contains(msg, "scope") {
		t.Fatalf("out of scope: %s", msg)
	}
	msg = h.withKey(k.Key, "POST", "/api/v1/servers/alpha/tools/sleep/call", call).envelope(t, 403, "Forbidden")
	if !strings.Contains(msg, "sleep") {
		t.Fatalf("tool out of scope: %s", msg)
	}
	h.withKey(k.Key, "GET", "/api/v1/servers/gamma/tools", nil).envelope(t, 403, "Forbidden")
	h.withKey(k.Key, "POST", "/api/v1/servers/alpha/restart", nil).envelope(t, 403, "Forbidden")
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRawKeyNeverStoredNorLogged greps the store's files and every log line
// at debug level for a key after it was made, used and revoked.
func TestRawKeyNeverStoredNorLogged(t *testing.T) {
	home, err := os.MkdirTemp("", "sbkey")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(home) })
	cfg, err := config.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Save(filepath.Join(home, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	d, err := daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Version: "test",
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d.Gateway().WaitReady(ctx)
	h := &harness{t: t, d: d, home: home, key: cfg.APIKey, tcp: &http.Client{Timeout: 30 * time.Second}}
	k := h.createKey(t, api.KeyCreate{Name: "secretive", Role: auth.RoleViewer})
	h.withKey(k.Key, "GET", "/api/v1/status", nil)
	h.withKey(k.Key, "GET", "/api/v1/status?apikey="+k.Key, nil)
	h.req("POST", "/api/v1/auth/keys/"+k.ID+"/revoke", api.KeyRevoke{Reason: "done"})
	h.withKey(k.Key, "GET", "/api/v1/status", nil)
	d.Close()

	if strings.Contains(logs.String(), k.Key) {
		t.Fatal("the raw key is in the log")
	}
	if !strings.Contains(logs.String(), k.ID) {
		t.Fatal("the log does not name the key's id; was it captured?")
	}
	found := 0
	err = filepath.WalkDir(home, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found++
		if bytes.Contains(data, []byte(k.Key)) || bytes.Contains(data, []byte(k.Key[len(k.Prefix):])) {
			t.Errorf("the raw key is in %s", p)
		}
		return nil
	})
	if err != nil || found == 0 {
		t.Fatalf("walk: %v, %d files", err, found)
	}
}
