package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/hostcheck"
	"switchboard/backend/security"
	"switchboard/backend/store"
)

// Principal is who made a request and what they may do.
type Principal struct {
	Name string `json:"name"`
	// Kind is user, agent or service.
	Kind string `json:"kind"`
	// Role is the first of Roles.
	Role        string   `json:"role"`
	Roles       []string `json:"roles"`
	Permissions []string `json:"permissions"`
	// KeyID is the key's id; absent for the config's api_key and the socket.
	KeyID string      `json:"key_id,omitempty"`
	Scope *auth.Scope `json:"scope,omitempty"`
	// Via is how they were recognised: "socket" or "api_key".
	Via string `json:"via"`

	id *auth.Identity
}

func principalOf(id *auth.Identity, via string) *Principal {
	p := &Principal{Name: id.Principal, Kind: id.Kind, Roles: id.Roles, Permissions: id.Permissions,
		KeyID: id.KeyID, Scope: id.Scope, Via: via, id: id}
	if len(id.Roles) > 0 {
		p.Role = id.Roles[0]
	}
	return p
}

type connKey struct{}

// connInfo is what we know about a connection from accepting it.
type connInfo struct {
	socket   bool
	sameUser bool
	peerUID  int
	ownerUID int
}

// ConnContext is for http.Server.ConnContext: it marks connections that came
// in on the unix socket and checks that their peer is the owning user.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	info := &connInfo{socket: true, peerUID: -1, ownerUID: os.Getuid()}
	if raw, err := uc.SyscallConn(); err == nil {
		_ = raw.Control(func(fd uintptr) {
			if uid, ok := peerUID(fd); ok {
				info.peerUID = uid
			}
		})
	}
	info.sameUser = info.peerUID == info.ownerUID
	return context.WithValue(ctx, connKey{}, info)
}

func connOf(ctx context.Context) *connInfo {
	if c, ok := ctx.Value(connKey{}).(*connInfo); ok {
		return c
	}
	return &connInfo{}
}

type requestKey struct{}

// requestInfo travels with a request into its handler.
type requestInfo struct {
	id        string
	principal *Principal
	socket    bool
	ctx       context.Context // the net/http request's, cancelled when the caller goes
}

func requestOf(c *fiber.Ctx) *requestInfo {
	if ri, ok := c.Locals(requestKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{ctx: context.Background()}
}

// authenticate finds who is calling. On the socket the peer was checked when
// it connected; on TCP routes under /api need the key.
func (s *Server) authenticate(r *http.Request, conn *connInfo, cfg *config.Config) (*Principal, *Error) {
	if conn.socket {
		return principalOf(auth.Admin("local-user"), "socket"), nil
	}
	key := presentedKey(r)
	if key != "" && cfg.APIKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(cfg.APIKey)) == 1 {
		return principalOf(auth.Admin("admin"), "api_key"), nil
	}
	var keyErr error = auth.ErrKeyUnknown
	if key != "" && s.auth != nil {
		id, err := s.auth.Authenticate(key)
		if err == nil {
			return principalOf(id, "api_key"), nil
		}
		keyErr = err
	}
	if !needsKey(r.URL.Path) {
		return nil, nil
	}
	if key == "" {
		// Not recorded: a caller without a key is not anyone yet, and a
		// script polling without one would fill the log.
		return nil, apiErr(http.StatusUnauthorized, "Unauthorized", "an API key is needed: send it as X-API-Key, Authorization: Bearer <key> or ?apikey=; it is \"api_key\" in %s", s.opts.Config.Path())
	}
	s.refused(r, "api", "", http.StatusUnauthorized, keyErr.Error())
	return nil, apiErr(http.StatusUnauthorized, "Unauthorized", "%s", keyErr.Error())
}

// permit refuses, with 403 naming the permission, a caller whose roles or
// key scope do not allow the route. Every route passes here (handle and
// handleWebSocket), so a route cannot be registered without a check.
func (s *Server) permit(rt Route, p *Principal, server, tool string) *Error {
	if rt.Public {
		return nil
	}
	if p == nil || p.id == nil {
		return apiErr(http.StatusUnauthorized, "Unauthorized", "an API key is needed")
	}
	var tags []string
	if server != "" {
		if sc := s.opts.Config.Snapshot().Servers[server]; sc != nil {
			tags = sc.Tags
		}
	}
	if ok, why := p.id.Allows(rt.Perm, server, tags, tool); !ok {
		err := errForbidden("Forbidden", "%s %s needs %s: %s", rt.Method, rt.Path, rt.Perm, why)
		s.refusedRoute(p.Name, server, tool, err.Message)
		return err
	}
	return nil
}

// refused records a request turned away at the door as a security event:
// a wrong, revoked or expired key, or a permission the caller lacks (both
// warnings). A request without a key is not recorded (see authenticate).
// The key itself is never recorded.
func (s *Server) refused(r *http.Request, where, principal string, status int, msg string) {
	if s.opts.Security == nil {
		return
	}
	rec := store.SecurityRecord{Type: security.TypeAccessDenied, Level: store.LevelWarning, Principal: principal,
		Message: where + " " + r.Method + " " + r.URL.Path + ": " + msg,
		Detail:  map[string]string{"endpoint": where, "path": r.URL.Path, "status": strconv.Itoa(status)}}
	if status == http.StatusUnauthorized {
		if presentedKey(r) == "" {
			return
		}
		rec.Type = security.TypeAuthFailed
	}
	if name := strings.TrimPrefix(r.URL.Path, "/mcp/servers/"); name != r.URL.Path {
		rec.Server = name
	}
	s.opts.Security.Record(rec)
}

// refusedRoute records a REST route refused for a missing permission.
func (s *Server) refusedRoute(principal, server, tool, msg string) {
	if s.opts.Security == nil {
		return
	}
	s.opts.Security.Record(store.SecurityRecord{Type: security.TypeAccessDenied, Level: store.LevelWarning,
		Principal: principal, Server: server, Tool: tool, Message: "api: " + msg, Detail: map[string]string{"endpoint": "api", "status": "403"}})
}

func presentedKey(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.URL.Query().Get("apikey")
}

func loopbackHost(h string) bool { return hostcheck.LoopbackHost(h) }

func originAllowed(origin string, listed []string) bool {
	return hostcheck.OriginAllowed(origin, listed)
}

func setCORS(h http.Header, origin string) {
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, X-API-Key, Authorization, X-Request-ID, Last-Event-ID")
	h.Set("Access-Control-Expose-Headers", "X-Request-ID")
	h.Set("Access-Control-Max-Age", "600")
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
