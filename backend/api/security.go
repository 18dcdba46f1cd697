package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/security"
	"switchboard/backend/store"
)

// SecurityEventPage is one page of security events, newest first.
// NextCursor is empty on the last page.
type SecurityEventPage struct {
	Items      []store.SecurityRecord `json:"items"`
	NextCursor string                 `json:"next_cursor"`
}

var securityLevels = []string{store.LevelInfo, store.LevelWarning, store.LevelCritical}

func (s *Server) registerSecurity() {
	const tag = "security"
	s.handle(Route{Method: "GET", Path: "/api/v1/security/events", Tag: tag, Perm: auth.SecurityRead,
		Summary: "List security events, newest first: calls refused by a policy, sensitive data in traffic, poisoned or changed tools held; each with a level (critical, warning, info)",
		Query: []Param{
			{"type", "string", "a whole type (" + strings.Join(security.Types, ", ") + ") or a prefix ending in a dot, such as sensitive."},
			{"level", "string", "the lowest level wanted: info, warning or critical (warning gives warning and critical)"},
			{"server", "string", "only events about this server"},
			{"principal", "string", "only events about this principal's calls"},
			{"since", "string", "RFC 3339 time; events at or after it"},
			{"until", "string", "RFC 3339 time; events before it"},
			{"limit", "integer", "page size (default 50, at most 1000)"},
			{"cursor", "string", "next_cursor of the previous page"},
		}, Response: SecurityEventPage{}}, s.listSecurityEvents)
	s.handle(Route{Method: "GET", Path: "/api/v1/security/events/:id", Tag: tag, Perm: auth.SecurityRead,
		Summary: "Get one security event", Response: store.SecurityRecord{}}, s.getSecurityEvent)
}

func (s *Server) securityStore() (*store.Store, error) {
	if s.opts.Store == nil || s.opts.Security == nil {
		return nil, apiErr(http.StatusServiceUnavailable, "SecurityUnavailable", "security events are not available: the store could not be opened")
	}
	return s.opts.Store, nil
}

func (s *Server) listSecurityEvents(c *fiber.Ctx) error {
	st, err := s.securityStore()
	if err != nil {
		return err
	}
	f := store.SecurityFilter{Type: c.Query("type"), Level: c.Query("level"), Server: c.Query("server"),
		Principal: c.Query("principal")}
	if f.Type != "" && !strings.HasSuffix(f.Type, ".") && !oneOf(f.Type, security.Types) {
		return errInvalid("type", "must be one of %s, or a prefix ending in a dot; got %q", strings.Join(security.Types, ", "), f.Type)
	}
	if f.Level != "" && !oneOf(f.Level, securityLevels) {
		return errInvalid("level", "must be one of %s, got %q", strings.Join(securityLevels, ", "), f.Level)
	}
	if f.Since, f.Until, f.Limit, f.Cursor, err = logPage(c); err != nil {
		return err
	}
	recs, next, err := st.ListSecurity(f)
	if err != nil {
		return err
	}
	if recs == nil {
		recs = []store.SecurityRecord{}
	}
	return c.JSON(SecurityEventPage{Items: recs, NextCursor: next})
}

func (s *Server) getSecurityEvent(c *fiber.Ctx) error {
	st, err := s.securityStore()
	if err != nil {
		return err
	}
	id := c.Params("id")
	r, err := st.GetSecurity(id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("SecurityEventNotFound", "no security event with id %q", id)
	}
	if err != nil {
		return err
	}
	return c.JSON(r)
}
