package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/gateway"
	"switchboard/backend/policy"
	"switchboard/backend/security"
)

// KeyInfo is an API key as listed: never the key nor its hash.
type KeyInfo struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Principal string      `json:"principal"`
	Role      string      `json:"role,omitempty"`
	Scope     *auth.Scope `json:"scope,omitempty"`
	// Prefix is the key's first characters, to tell keys apart.
	Prefix        string     `json:"prefix"`
	CreatedAt     time.Time  `json:"created_at"`
	CreatedBy     string     `json:"created_by,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	LastUsedAt    *time.Time `json:"last_used_at,omitempty"`
	Revoked       bool       `json:"revoked"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedBy     string     `json:"revoked_by,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
}

func keyInfo(k auth.Key) KeyInfo {
	return KeyInfo{ID: k.ID, Name: k.Name, Principal: k.Principal, Role: k.Role, Scope: k.Scope, Prefix: k.Prefix,
		CreatedAt: k.CreatedAt, CreatedBy: k.CreatedBy, ExpiresAt: k.ExpiresAt, LastUsedAt: k.LastUsedAt,
		Revoked: k.RevokedAt != nil, RevokedAt: k.RevokedAt, RevokedBy: k.RevokedBy, RevokedReason: k.RevokedReason}
}

// KeyCreate is a new key's request.
type KeyCreate struct {
	Name string `json:"name"`
	// Principal the key speaks for (default: its name).
	Principal string `json:"principal,omitempty"`
	// Role the key grants; without it, the principal's roles.
	Role  string      `json:"role,omitempty"`
	Scope *auth.Scope `json:"scope,omitempty"`
	// ExpiresAt, or ExpiresIn ("30d", "12h"), ends the key.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	ExpiresIn string     `json:"expires_in,omitempty"`
}

// KeyCreated holds the raw key, shown this once.
type KeyCreated struct {
	KeyInfo
	Key     string `json:"key"`
	Warning string `json:"warning"`
}

// KeyList is every key, revoked ones too.
type KeyList struct {
	Keys []KeyInfo `json:"keys"`
}

// KeyRevoke says why a key is revoked.
type KeyRevoke struct {
	Reason string `json:"reason"`
}

// RoleList is the built-in and custom roles and every permission a
// custom role may hold.
type RoleList struct {
	Roles       []auth.Role `json:"roles"`
	Permissions []string    `json:"permissions"`
}

// RoleUpdate changes a custom role; absent fields stay.
type RoleUpdate struct {
	Description *string  `json:"description,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
}

// RoleAssign names the role to give a principal.
type RoleAssign struct {
	Role string `json:"role"`
}

// PrincipalList is every principal.
type PrincipalList struct {
	Principals []auth.Principal `json:"principals"`
}

// PermissionCheck asks whether a principal or key may do something.
type PermissionCheck struct {
	Principal  string `json:"principal,omitempty"`
	KeyID      string `json:"key_id,omitempty"`
	Permission string `json:"permission"`
	Server     string `json:"server,omitempty"`
	Tool       string `json:"tool,omitempty"`
}

// PermissionVerdict is the answer to a PermissionCheck.
type PermissionVerdict struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

func (s *Server) openAuth() {
	if s.opts.Store == nil {
		return
	}
	svc, err := auth.Open(s.opts.Store)
	if err != nil {
		s.log.Error("API keys could not be loaded; only the config's api_key and the socket get in", "err", err)
		return
	}
	s.auth = svc
}

// Auth is the key, role and principal service (nil without a store).
func (s *Server) Auth() *auth.Service { return s.auth }

func (s *Server) registerKeys() {
	const tag = "auth"
	s.handle(Route{Method: "GET", Path: "/api/v1/auth/keys", Tag: tag, Perm: auth.KeysRead,
		Summary: "List API keys (never the keys themselves), revoked ones too",
		Query:   []Param{{"principal", "string", "only the keys of this principal"}}, Response: KeyList{}}, s.listKeys)
	s.handle(Route{Method: "POST", Path: "/api/v1/auth/keys", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Create an API key; the answer holds the key, shown this once (only its hash is kept). A caller can only grant permissions they hold",
		Body:    KeyCreate{}, Response: KeyCreated{}, Status: http.StatusCreated}, s.createKey)
	s.handle(Route{Method: "GET", Path: "/api/v1/auth/keys/:id", Tag: tag, Perm: auth.KeysRead,
		Summary: "Get one API key", Response: KeyInfo{}}, s.getKey)
	s.handle(Route{Method: "POST", Path: "/api/v1/auth/keys/:id/revoke", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Revoke an API key for good, with a reason; it is then refused with 401", Body: KeyRevoke{}, Response: KeyInfo{}}, s.revokeKey)
	s.handle(Route{Method: "GET", Path: "/api/v1/auth/roles", Tag: tag, Perm: auth.KeysRead,
		Summary: "List the roles (built-in first) and the permissions a custom role may hold", Response: RoleList{}}, s.listRoles)
	s.handle(Route{Method: "POST", Path: "/api/v1/auth/roles", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Create a custom role: a named set of permissions", Body: auth.Role{}, Response: auth.Role{}, Status: http.StatusCreated}, s.createRole)
	s.handle(Route{Method: "GET", Path: "/api/v1/auth/roles/:role", Tag: tag, Perm: auth.KeysRead,
		Summary: "Get one role", Response: auth.Role{}}, s.getRole)
	s.handle(Route{Method: "PATCH", Path: "/api/v1/auth/roles/:role", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Change a custom role's description or permissions; keys that grant it change with it. Built-in roles cannot be changed",
		Body:    RoleUpdate{}, Response: auth.Role{}}, s.updateRole)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/auth/roles/:role", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Delete a custom role no principal or live key uses; built-in roles cannot be deleted", Status: http.StatusNoContent}, s.deleteRole)
	s.handle(Route{Method: "GET", Path: "/api/v1/auth/principals", Tag: tag, Perm: auth.KeysRead,
		Summary: "List principals: who keys speak for, with their kind and roles", Response: PrincipalList{}}, s.listPrincipals)
	s.handle(Route{Method: "POST", Path: "/api/v1/auth/principals", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Create a principal (kind user, agent or service) with roles", Body: auth.Principal{}, Response: auth.Principal{}, Status: http.StatusCreated}, s.createPrincipal)
	s.handle(Route{Method: "GET", Path: "/api/v1/auth/principals/:principal", Tag: tag, Perm: auth.KeysRead,
		Summary: "Get one principal with its roles", Response: auth.Principal{}}, s.getPrincipal)
	s.handle(Route{Method: "POST", Path: "/api/v1/auth/principals/:principal/roles", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Give a principal a role (a caller can only give permissions they hold)", Body: RoleAssign{}, Response: auth.Principal{}}, s.assignRole)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/auth/principals/:principal/roles/:role", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Take a role from a principal", Response: auth.Principal{}}, s.revokeRole)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/auth/principals/:principal", Tag: tag, Perm: auth.KeysWrite,
		Summary: "Delete a principal no live key speaks for", Status: http.StatusNoContent}, s.deletePrincipal)
	s.handle(Route{Method: "POST", Path: "/api/v1/auth/check", Tag: tag, Perm: auth.KeysRead,
		Summary: "Whether a principal or key has a permission, on a server and tool if given, and why", Body: PermissionCheck{}, Response: PermissionVerdict{}}, s.checkPermission)
}

func (s *Server) authService() (*auth.Service, error) {
	if s.auth == nil {
		return nil, apiErr(http.StatusServiceUnavailable, "AuthUnavailable", "API keys are not available: the store could not be opened")
	}
	return s.auth, nil
}

// authErr maps the auth service's errors to the envelope.
func authErr(err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return errNotFound("NotFound", "%s", strings.TrimPrefix(msg, "not found: "))
	case errors.Is(err, auth.ErrConflict):
		return errConflict("Conflict", "%s", strings.TrimPrefix(msg, "conflict: "))
	case errors.Is(err, auth.ErrForbidden):
		return errForbidden("Forbidden", "%s", strings.TrimPrefix(msg, "forbidden: "))
	case errors.Is(err, auth.ErrInvalid):
		field, rest, _ := strings.Cut(strings.TrimPrefix(msg, "invalid: "), ": ")
		return errInvalid(field, "%s", rest)
	}
	return err
}

func (s *Server) listKeys(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	out := KeyList{Keys: []KeyInfo{}}
	principal := c.Query("principal")
	for _, k := range svc.Keys() {
		if principal == "" || k.Principal == principal {
			out.Keys = append(out.Keys, keyInfo(k))
		}
	}
	return c.JSON(out)
}

func (s *Server) createKey(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	var req KeyCreate
	if err := bind(c, &req); err != nil {
		return err
	}
	exp := req.ExpiresAt
	if req.ExpiresIn != "" {
		if exp != nil {
			return errInvalid("expires_in", "give expires_at or expires_in, not both")
		}
		d, err := parseLifetime(req.ExpiresIn)
		if err != nil {
			return errInvalid("expires_in", "%s", err.Error())
		}
		t := time.Now().Add(d).UTC()
		exp = &t
	}
	k, raw, err := svc.CreateKey(auth.KeyRequest{Name: req.Name, Principal: req.Principal, Role: req.Role,
		Scope: req.Scope, ExpiresAt: exp}, requestOf(c).principal.id)
	if err != nil {
		return authErr(err)
	}
	s.log.Info("API key created", "id", k.ID, "name", k.Name, "principal", k.Principal, "role", k.Role)
	s.audit(c, AuditKeyCreated, "", "", "", keyDetail(k))
	return c.Status(http.StatusCreated).JSON(KeyCreated{KeyInfo: keyInfo(k), Key: raw,
		Warning: "this is the only time the key is shown; Switchboard keeps only its hash"})
}

// parseLifetime reads "30d", "12h" or "90m".
func parseLifetime(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, errors.New("days must be a positive whole number, as in \"30d\"")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New("a positive duration such as \"30d\", \"12h\" or \"90m\"")
	}
	return d, nil
}

func (s *Server) getKey(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	k, err := svc.Key(c.Params("id"))
	if err != nil {
		return authErr(err)
	}
	return c.JSON(keyInfo(k))
}

func (s *Server) revokeKey(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	var req KeyRevoke
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	k, err := svc.RevokeKey(c.Params("id"), req.Reason, requestOf(c).principal.Name)
	if err != nil {
		return authErr(err)
	}
	s.log.Info("API key revoked", "id", k.ID, "name", k.Name, "reason", req.Reason)
	s.audit(c, AuditKeyRevoked, "", "", req.Reason, keyDetail(k))
	return c.JSON(keyInfo(k))
}

func (s *Server) listRoles(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	return c.JSON(RoleList{Roles: svc.Roles(), Permissions: auth.Permissions})
}

func (s *Server) createRole(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	var r auth.Role
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := svc.CreateRole(r)
	if err != nil {
		return authErr(err)
	}
	s.audit(c, AuditRoleCreated, "", "", out.Description, map[string]string{"role": out.Name, "permissions": strings.Join(out.Permissions, ",")})
	return c.Status(http.StatusCreated).JSON(out)
}

func (s *Server) deleteRole(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	if err := svc.DeleteRole(c.Params("role")); err != nil {
		return authErr(err)
	}
	s.audit(c, AuditRoleDeleted, "", "", "", map[string]string{"role": c.Params("role")})
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) listPrincipals(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	return c.JSON(PrincipalList{Principals: svc.Principals()})
}

func (s *Server) createPrincipal(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	var p auth.Principal
	if err := bind(c, &p); err != nil {
		return err
	}
	out, err := svc.CreatePrincipal(p, requestOf(c).principal.id)
	if err != nil {
		return authErr(err)
	}
	s.audit(c, AuditPrincipalCreated, "", "", out.Description, map[string]string{"principal": out.Name, "kind": out.Kind, "roles": strings.Join(out.Roles, ",")})
	return c.Status(http.StatusCreated).JSON(out)
}

func (s *Server) deletePrincipal(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	if err := svc.DeletePrincipal(c.Params("principal")); err != nil {
		return authErr(err)
	}
	s.audit(c, AuditPrincipalDeleted, "", "", "", map[string]string{"principal": c.Params("principal")})
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) checkPermission(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	var req PermissionCheck
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Permission == "" {
		return errInvalid("permission", "is required")
	}
	var id *auth.Identity
	switch {
	case req.KeyID != "" && req.Principal != "":
		return errInvalid("principal", "give principal or key_id, not both")
	case req.KeyID != "":
		k, err := svc.Key(req.KeyID)
		if err != nil {
			return authErr(err)
		}
		if k.RevokedAt != nil {
			return c.JSON(PermissionVerdict{Reason: "key " + k.ID + " is revoked"})
		}
		if k.ExpiresAt != nil && !time.Now().Before(*k.ExpiresAt) {
			return c.JSON(PermissionVerdict{Reason: "key " + k.ID + " has expired"})
		}
		id, err = svc.IdentityForKey(req.KeyID)
	case req.Principal != "":
		id, err = svc.IdentityForPrincipal(req.Principal)
	default:
		return errInvalid("principal", "give principal or key_id")
	}
	if err != nil {
		return authErr(err)
	}
	var tags []string
	if sc := s.opts.Config.Snapshot().Servers[req.Server]; sc != nil {
		tags = sc.Tags
	}
	ok, why := id.Allows(req.Permission, req.Server, tags, req.Tool)
	return c.JSON(PermissionVerdict{Allowed: ok, Reason: why})
}

// Audit types of key, role and principal changes.
const (
	AuditKeyCreated       = "auth.key.created"
	AuditKeyRevoked       = "auth.key.revoked"
	AuditRoleCreated      = "auth.role.created"
	AuditRoleUpdated      = "auth.role.updated"
	AuditRoleDeleted      = "auth.role.deleted"
	AuditRoleAssigned     = "auth.principal.role_assigned"
	AuditRoleRevoked      = "auth.principal.role_revoked"
	AuditPrincipalCreated = "auth.principal.created"
	AuditPrincipalDeleted = "auth.principal.deleted"
)

// keyDetail is what the audit log keeps of a key: who and what it is,
// never the key nor its hash.
func keyDetail(k auth.Key) map[string]string {
	d := map[string]string{"key_id": k.ID, "name": k.Name, "principal": k.Principal, "prefix": k.Prefix}
	if k.Role != "" {
		d["role"] = k.Role
	}
	if !k.Scope.Empty() {
		d["scope"] = fmt.Sprintf("servers=%s groups=%s tools=%s", strings.Join(k.Scope.Servers, ","),
			strings.Join(k.Scope.Groups, ","), strings.Join(k.Scope.Tools, ","))
	}
	if k.ExpiresAt != nil {
		d["expires_at"] = k.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return d
}

type identityKey struct{}

// IdentityOf is who made an MCP request, when /mcp asked for a key; nil
// for callers that did not need one.
func IdentityOf(ctx context.Context) *auth.Identity {
	id, _ := ctx.Value(identityKey{}).(*auth.Identity)
	return id
}

// MCPGuard checks the key of an MCP request: required when mcp_require_key
// is set, and used when a client sends one anyway, so its policies apply.
// The control socket's owner never needs one. Every request leaves with
// its caller in the context (anonymous when no key was sent), for the tool
// policies that tools/list and tools/call apply.
func (s *Server) MCPGuard(r *http.Request) (context.Context, *gateway.GuardError) {
	var who string
	ctx, gerr := s.mcpGuard(r, &who)
	if gerr != nil {
		s.refused(r, "mcp", who, gerr.Status, gerr.Message)
	}
	return ctx, gerr
}

func (s *Server) mcpGuard(r *http.Request, who *string) (context.Context, *gateway.GuardError) {
	ctx := r.Context()
	conn := connOf(ctx)
	cfg := s.opts.Config.Snapshot()
	if conn.socket {
		id := auth.Admin(policy.LocalUser)
		return s.withPolicies(context.WithValue(ctx, identityKey{}, id), s.callerFor(id, "socket")), nil
	}
	unauthorized := func(msg string) (context.Context, *gateway.GuardError) {
		return nil, &gateway.GuardError{Status: http.StatusUnauthorized, Code: "Unauthorized", Message: msg}
	}
	key := r.Header.Get("X-API-Key")
	if h := r.Header.Get("Authorization"); key == "" && len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		key = strings.TrimSpace(h[7:])
	}
	if key == "" {
		if cfg.MCPRequireKey {
			return unauthorized("this Switchboard has mcp_require_key set: send an API key as X-API-Key or Authorization: Bearer <key>")
		}
		anon := &security.Caller{Caller: policy.Caller{Principal: policy.Anonymous}, Via: "none"}
		return s.withPolicies(ctx, anon), nil
	}
	var id *auth.Identity
	if cfg.APIKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(cfg.APIKey)) == 1 {
		id = auth.Admin("admin")
	} else if s.auth == nil {
		return unauthorized(auth.ErrKeyUnknown.Error())
	} else {
		var err error
		if id, err = s.auth.Authenticate(key); err != nil {
			return unauthorized(err.Error())
		}
	}
	*who = id.Principal
	if ok, why := id.Allows(auth.ToolsRead, "", nil, ""); !ok {
		return nil, &gateway.GuardError{Status: http.StatusForbidden, Code: "Forbidden", Message: "the MCP endpoint needs " + auth.ToolsRead + ": " + why}
	}
	// Only /mcp/servers/{name} names a server. A profile's name
	// (/mcp/profiles/{name}) is no server's: there, as on /mcp, the scope
	// is applied tool by tool (withPolicies).
	if name, ok := strings.CutPrefix(r.URL.Path, "/mcp/servers/"); ok {
		var tags []string
		if sc := cfg.Servers[name]; sc != nil {
			tags = sc.Tags
		}
		if ok, why := id.Allows(auth.ToolsRead, name, tags, ""); !ok {
			return nil, &gateway.GuardError{Status: http.StatusForbidden, Code: "Forbidden", Message: why}
		}
	}
	if !id.Has(auth.ToolsCall) && mcpCalls(r) {
		return nil, &gateway.GuardError{Status: http.StatusForbidden, Code: "Forbidden",
			Message: "tools/call needs " + auth.ToolsCall + ", which " + id.Principal + " does not hold"}
	}
	ctx = context.WithValue(ctx, identityKey{}, id)
	return s.withPolicies(ctx, s.callerFor(id, "api_key")), nil
}

func (s *Server) getRole(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	r, err := svc.Role(c.Params("role"))
	if err != nil {
		return authErr(err)
	}
	return c.JSON(r)
}

func (s *Server) updateRole(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	var req RoleUpdate
	if err := bind(c, &req); err != nil {
		return err
	}
	r, err := svc.UpdateRole(c.Params("role"), req.Description, req.Permissions, requestOf(c).principal.id)
	if err != nil {
		return authErr(err)
	}
	s.audit(c, AuditRoleUpdated, "", "", r.Description, map[string]string{"role": r.Name, "permissions": strings.Join(r.Permissions, ",")})
	return c.JSON(r)
}

func (s *Server) getPrincipal(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	p, err := svc.Principal(c.Params("principal"))
	if err != nil {
		return authErr(err)
	}
	return c.JSON(p)
}

func (s *Server) assignRole(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	var req RoleAssign
	if err := bind(c, &req); err != nil {
		return err
	}
	p, err := svc.AssignRole(c.Params("principal"), req.Role, requestOf(c).principal.id)
	if err != nil {
		return authErr(err)
	}
	s.audit(c, AuditRoleAssigned, "", "", "", map[string]string{"principal": p.Name, "role": req.Role})
	return c.JSON(p)
}

func (s *Server) revokeRole(c *fiber.Ctx) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	p, err := svc.RevokeRole(c.Params("principal"), c.Params("role"))
	if err != nil {
		return authErr(err)
	}
	s.audit(c, AuditRoleRevoked, "", "", "", map[string]string{"principal": p.Name, "role": c.Params("role")})
	return c.JSON(p)
}
