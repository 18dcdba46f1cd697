// Package auth holds who may call Switchboard and what they may do: API
// keys (only their SHA-256 hash is kept), principals, built-in and custom
// roles made of permissions, and the scope that limits an agent key to
// some servers, groups (server tags) and tools.
package auth

import (
	"slices"
	"strings"
)

// Permissions a role can grant.
const (
	ServersRead       = "servers:read"
	ServersWrite      = "servers:write"
	ServersStart      = "servers:start"
	ToolsRead         = "tools:read"
	ToolsCall         = "tools:call"
	ToolsWrite        = "tools:write"
	SessionsRead      = "sessions:read"
	SessionsWrite     = "sessions:write"
	ActivityRead      = "activity:read"
	ConfigRead        = "config:read"
	ConfigWrite       = "config:write"
	SystemRead        = "system:read"
	EventsRead        = "events:read"
	KeysRead          = "keys:read"
	KeysWrite         = "keys:write"
	QuarantineRead    = "quarantine:read"
	QuarantineApprove = "quarantine:approve"
	PoliciesRead      = "policies:read"
	PoliciesWrite     = "policies:write"
	SecretsRead       = "secrets:read"
	SecretsWrite      = "secrets:write"
	AuditRead         = "audit:read"
	SecurityRead      = "security:read"
	// Authenticated is what a route asks for when any known caller may use
	// it (who am I); it is no permission a role grants.
	Authenticated = "authenticated"
	// All is the admin role's grant: every permission, present and future.
	All = "*"
)

// Permissions lists every permission a custom role may hold.
var Permissions = []string{ServersRead, ServersWrite, ServersStart, ToolsRead, ToolsCall, ToolsWrite,
	SessionsRead, SessionsWrite, ActivityRead, ConfigRead, ConfigWrite, SystemRead, EventsRead,
	KeysRead, KeysWrite, QuarantineRead, QuarantineApprove, PoliciesRead, PoliciesWrite,
	SecretsRead, SecretsWrite, AuditRead, SecurityRead}

// KnownPermission says whether p may appear in a role.
func KnownPermission(p string) bool { return slices.Contains(Permissions, p) }

// Built-in role names.
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
	RoleViewer   = "viewer"
	RoleAgent    = "agent"
)

// Principal kinds.
const (
	KindUser    = "user"
	KindAgent   = "agent"
	KindService = "service"
)

// readOnly is what viewer holds; keys and secrets are left out because
// they say who can get in.
var readOnly = []string{ServersRead, ToolsRead, SessionsRead, ActivityRead, ConfigRead, SystemRead,
	EventsRead, QuarantineRead, PoliciesRead, AuditRead, SecurityRead}

// BuiltinRoles are fixed: they cannot be changed or deleted.
func BuiltinRoles() []Role {
	return []Role{
		{Name: RoleAdmin, Description: "everything", Permissions: []string{All}, BuiltIn: true},
		{Name: RoleOperator, Description: "read everything; start, stop, restart, enable, disable and refresh servers; call tools",
			Permissions: sorted(append(slices.Clone(readOnly), ServersStart, ToolsCall)), BuiltIn: true},
		{Name: RoleViewer, Description: "read only", Permissions: sorted(slices.Clone(readOnly)), BuiltIn: true},
		{Name: RoleAgent, Description: "list and call tools, within the key's scope",
			Permissions: []string{ToolsCall, ToolsRead}, BuiltIn: true},
	}
}

func builtin(name string) *Role {
	for _, r := range BuiltinRoles() {
		if r.Name == name {
			return &r
		}
	}
	return nil
}

func sorted(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// Role is a named set of permissions.
type Role struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
	BuiltIn     bool     `json:"built_in"`
}

// Scope limits a key to some servers, groups (server tags) and tools. An
// empty list does not limit.
type Scope struct {
	Servers []string `json:"servers,omitempty"`
	Groups  []string `json:"groups,omitempty"`
	// Tools are "tool" (on any server in scope) or "server/tool".
	Tools []string `json:"tools,omitempty"`
}

// Empty says whether the scope limits nothing.
func (s *Scope) Empty() bool {
	return s == nil || len(s.Servers) == 0 && len(s.Groups) == 0 && len(s.Tools) == 0
}

// allowsServer says whether server (with its tags) is in scope.
func (s *Scope) allowsServer(server string, tags []string) bool {
	if len(s.Servers) == 0 && len(s.Groups) == 0 {
		return true
	}
	if slices.Contains(s.Servers, server) {
		return true
	}
	for _, t := range tags {
		if slices.Contains(s.Groups, t) {
			return true
		}
	}
	return false
}

func (s *Scope) allowsTool(server, tool string) bool {
	if len(s.Tools) == 0 {
		return true
	}
	return slices.Contains(s.Tools, tool) || slices.Contains(s.Tools, server+"/"+tool)
}

// Identity is a caller once recognised: who, with which roles, and what
// that lets them do.
type Identity struct {
	Principal   string   `json:"principal"`
	Kind        string   `json:"kind"`
	Roles       []string `json:"roles"`
	Permissions []string `json:"permissions"`
	KeyID       string   `json:"key_id,omitempty"`
	Scope       *Scope   `json:"scope,omitempty"`
}

// Admin is the identity of the built-in admin: the config's api_key or
// the owner on the control socket.
func Admin(name string) *Identity {
	return &Identity{Principal: name, Kind: KindUser, Roles: []string{RoleAdmin}, Permissions: []string{All}}
}

// Has says whether the identity holds perm, ignoring scope.
func (id *Identity) Has(perm string) bool {
	if perm == Authenticated {
		return true
	}
	return slices.Contains(id.Permissions, All) || slices.Contains(id.Permissions, perm)
}

// Allows says whether the identity may use perm on server and tool (either
// may be empty), and why not when it may not. tags are the server's tags,
// for the scope's groups.
func (id *Identity) Allows(perm, server string, tags []string, tool string) (bool, string) {
	if !id.Has(perm) {
		return false, "the permission " + perm + " is not granted to " + id.describe()
	}
	if id.Scope.Empty() || perm == Authenticated {
		return true, "granted by role " + strings.Join(id.Roles, ", ")
	}
	if server != "" && !id.Scope.allowsServer(server, tags) {
		return false, "server " + server + " is outside the scope of key " + id.KeyID
	}
	if tool != "" && !id.Scope.allowsTool(server, tool) {
		return false, "tool " + tool + " is outside the scope of key " + id.KeyID
	}
	return true, "granted by role " + strings.Join(id.Roles, ", ") + " within the key's scope"
}

func (id *Identity) describe() string {
	return "principal " + id.Principal + " (roles: " + strings.Join(id.Roles, ", ") + ")"
}
