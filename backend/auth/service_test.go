package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"switchboard/backend/store"
)

func openService(t *testing.T, dir string) (*Service, *store.Store) {
	t.Helper()
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := Open(st)
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

func TestExpiredKeyIsRefused(t *testing.T) {
	svc, st := openService(t, t.TempDir())
	defer st.Close()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	svc.now = func() time.Time { return now }
	exp := now.Add(time.Hour)
	k, raw, err := svc.CreateKey(KeyRequest{Name: "short", Role: RoleViewer, ExpiresAt: &exp}, Admin("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(raw); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	now = exp
	_, err = svc.Authenticate(raw)
	if !errors.Is(err, ErrKeyExpired) || !strings.Contains(err.Error(), k.ID) {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestKeysRolesAndPrincipalsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	svc, st := openService(t, dir)
	if _, err := svc.CreateRole(Role{Name: "starter", Permissions: []string{ServersStart, ServersRead}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePrincipal(Principal{Name: "ci", Kind: KindService, Roles: []string{"starter"}}, nil); err != nil {
		t.Fatal(err)
	}
	k, raw, err := svc.CreateKey(KeyRequest{Name: "ci-key", Principal: "ci"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	revoked, rawRevoked, err := svc.CreateKey(KeyRequest{Name: "old", Role: RoleAgent}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeKey(revoked.ID, "rotated", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	svc, st = openService(t, dir)
	defer st.Close()
	id, err := svc.Authenticate(raw)
	if err != nil {
		t.Fatal(err)
	}
	if id.KeyID != k.ID || id.Kind != KindService || !id.Has(ServersStart) || id.Has(ConfigWrite) {
		t.Fatalf("identity after restart: %+v", id)
	}
	if _, err := svc.Authenticate(rawRevoked); !errors.Is(err, ErrKeyRevoked) || !strings.Contains(err.Error(), "rotated") {
		t.Fatalf("revoked after restart: %v", err)
	}
	// A role's change reaches keys that grant it: deleting the principal's
	// role is refused while it is in use.
	if err := svc.DeleteRole("starter"); !errors.Is(err, ErrConflict) {
		t.Fatalf("delete role in use: %v", err)
	}
}

func TestScope(t *testing.T) {
	id := &Identity{Principal: "bot", Roles: []string{RoleAgent}, Permissions: []string{ToolsCall, ToolsRead}, KeyID: "key_1",
		Scope: &Scope{Servers: []string{"a"}, Groups: []string{"team"}, Tools: []string{"echo", "b/add"}}}
	for _, c := range []struct {
		perm, server string
		tags         []string
		tool         string
		want         bool
	}{
		{ToolsCall, "a", nil, "echo", true},
		{ToolsCall, "a", nil, "add", false},
		{ToolsCall, "b", []string{"team"}, "add", true},
		{ToolsCall, "c", nil, "echo", false},
		{ToolsCall, "c", []string{"other"}, "echo", false},
		{ToolsRead, "", nil, "", true},
		{ServersStart, "a", nil, "", false},
	} {
		if got, why := id.Allows(c.perm, c.server, c.tags, c.tool); got != c.want {
			t.Errorf("%s %s/%s: got %v (%s)", c.perm, c.server, c.tool, got, why)
		}
	}
}

func TestMalformedKeys(t *testing.T) {
	svc, st := openService(t, t.TempDir())
	defer st.Close()
	for _, raw := range []string{"", "sb_", "xx_" + strings.Repeat("a", 43), "sb_" + strings.Repeat("a", 42), "sb_" + strings.Repeat("a", 42) + "=", "sb_" + strings.Repeat("é", 22)} {
		if _, err := svc.Authenticate(raw); !errors.Is(err, ErrKeyMalformed) {
			t.Errorf("%q: %v", raw, err)
		}
	}
}
