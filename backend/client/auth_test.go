package client_test

import (
	"net/http"
	"testing"

	"switchboard/backend/api"
	"switchboard/backend/auth"
)

func TestKeysRolesAndPrincipalsThroughTheClient(t *testing.T) {
	k := startCore(t, nil)
	c := ctx(t)
	if _, err := k.c.CreateRole(c, auth.Role{Name: "starter", Permissions: []string{auth.ServersRead, auth.ServersStart}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.c.CreatePrincipal(c, auth.Principal{Name: "ci", Kind: auth.KindService, Roles: []string{"starter"}}); err != nil {
		t.Fatal(err)
	}
	created, err := k.c.CreateKey(c, api.KeyCreate{Name: "ci-key", Principal: "ci", ExpiresIn: "7d"})
	if err != nil {
		t.Fatal(err)
	}
	ci := k.tcp(created.Key)
	me, err := ci.Me(c)
	if err != nil || me.Name != "ci" || me.KeyID != created.ID {
		t.Fatalf("me: %+v %v", me, err)
	}
	_, err = ci.ListKeys(c)
	apiError(t, err, http.StatusForbidden, "Forbidden")
	v, err := k.c.CheckPermission(c, api.PermissionCheck{KeyID: created.ID, Permission: auth.ServersStart})
	if err != nil || !v.Allowed {
		t.Fatalf("check: %+v %v", v, err)
	}
	list, err := k.c.ListKeys(c)
	if err != nil || len(list.Keys) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if got, err := k.c.GetKey(c, created.ID); err != nil || got.Name != "ci-key" {
		t.Fatalf("get: %+v %v", got, err)
	}
	if keys, err := k.c.ListPrincipalKeys(c, "ci"); err != nil || len(keys.Keys) != 1 {
		t.Fatalf("keys of ci: %+v %v", keys, err)
	}
	if p, err := k.c.AssignRole(c, "ci", auth.RoleViewer); err != nil || len(p.Roles) != 2 {
		t.Fatalf("assign: %+v %v", p, err)
	}
	if p, err := k.c.RevokeRole(c, "ci", auth.RoleViewer); err != nil || len(p.Roles) != 1 {
		t.Fatalf("revoke role: %+v %v", p, err)
	}
	if p, err := k.c.GetPrincipal(c, "ci"); err != nil || p.Kind != auth.KindService {
		t.Fatalf("principal: %+v %v", p, err)
	}
	desc := "starts servers"
	if r, err := k.c.UpdateRole(c, "starter", api.RoleUpdate{Description: &desc}); err != nil || r.Description != desc {
		t.Fatalf("update role: %+v %v", r, err)
	}
	if r, err := k.c.GetRole(c, "starter"); err != nil || r.Description != desc {
		t.Fatalf("role: %+v %v", r, err)
	}
	if _, err := k.c.RevokeKey(c, created.ID, "rotated"); err != nil {
		t.Fatal(err)
	}
	_, err = ci.Me(c)
	apiError(t, err, http.StatusUnauthorized, "Unauthorized")
	if err := k.c.DeletePrincipal(c, "ci"); err != nil {
		t.Fatal(err)
	}
	if err := k.c.DeleteRole(c, "starter"); err != nil {
		t.Fatal(err)
	}
	roles, err := k.c.ListRoles(c)
	if err != nil || len(roles.Roles) != 4 {
		t.Fatalf("roles: %+v %v", roles, err)
	}
	ps, err := k.c.ListPrincipals(c)
	if err != nil || len(ps.Principals) != 0 {
		t.Fatalf("principals: %+v %v", ps, err)
	}
}
