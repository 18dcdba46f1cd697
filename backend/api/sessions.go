package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/gateway"
)

// SessionInfo is one MCP client session.
type SessionInfo struct {
	ID              string    `json:"id"`
	Endpoint        string    `json:"endpoint"`
	ClientName      string    `json:"client_name"`
	ClientVersion   string    `json:"client_version"`
	ProtocolVersion string    `json:"protocol_version"`
	Transport       string    `json:"transport"`
	Started         time.Time `json:"started"`
	LastActivity    time.Time `json:"last_activity"`
	Calls           int64     `json:"calls"`
	// Suspended sessions stay connected, but their calls are refused.
	Suspended bool `json:"suspended"`
}

// SessionList is the answer of GET /sessions.
type SessionList struct {
	Sessions []SessionInfo `json:"sessions"`
	Total    int           `json:"total"`
}

// registerSessions adds the routes for MCP client sessions: list, get, suspend, resume, end.
func (s *Server) registerSessions() {
	const tag = "sessions"
	idPath := "/api/v1/sessions/:id"
	s.handle(Route{Method: "GET", Path: "/api/v1/sessions", Tag: tag, Perm: auth.SessionsRead,
		Summary: "List the MCP client sessions on every endpoint, oldest first", Response: SessionList{}}, s.listSessions)
	s.handle(Route{Method: "GET", Path: idPath, Tag: tag, Perm: auth.SessionsRead, Summary: "Get one MCP client session",
		Response: SessionInfo{}}, s.getSession)
	s.handle(Route{Method: "POST", Path: idPath + "/suspend", Tag: tag, Perm: auth.SessionsWrite,
		Summary:  "Suspend a session: it stays connected, but its calls are refused until it is resumed",
		Response: SessionInfo{}}, func(c *fiber.Ctx) error { return s.suspendSession(c, true) })
	s.handle(Route{Method: "POST", Path: idPath + "/resume", Tag: tag, Perm: auth.SessionsWrite, Summary: "Resume a suspended session",
		Response: SessionInfo{}}, func(c *fiber.Ctx) error { return s.suspendSession(c, false) })
	s.handle(Route{Method: "DELETE", Path: idPath, Tag: tag, Perm: auth.SessionsWrite,
		Summary: "End a session: its id is forgotten, and the client must start a new session",
		Status:  http.StatusNoContent}, s.endSession)
}

func (s *Server) listSessions(c *fiber.Ctx) error {
	all := s.opts.Gateway.ListSessions()
	out := SessionList{Sessions: make([]SessionInfo, 0, len(all)), Total: len(all)}
	for _, si := range all {
		out.Sessions = append(out.Sessions, sessionInfo(si))
	}
	return c.JSON(out)
}

func (s *Server) getSession(c *fiber.Ctx) error {
	si, err := s.opts.Gateway.Session(unescapedParam(c, "id"))
	if err != nil {
		return sessionErr(err, unescapedParam(c, "id"))
	}
	return c.JSON(sessionInfo(si))
}

func (s *Server) suspendSession(c *fiber.Ctx, on bool) error {
	id := unescapedParam(c, "id")
	si, err := s.opts.Gateway.SuspendSession(id, on)
	if err != nil {
		return sessionErr(err, id)
	}
	return c.JSON(sessionInfo(si))
}

func (s *Server) endSession(c *fiber.Ctx) error {
	id := unescapedParam(c, "id")
	if err := s.opts.Gateway.EndSession(ctxOf(requestOf(c)), id, "ended in Switchboard"); err != nil {
		return sessionErr(err, id)
	}
	return c.SendStatus(http.StatusNoContent)
}

func sessionErr(err error, id string) error {
	if errors.Is(err, gateway.ErrNoSession) {
		return errNotFound("SessionNotFound", "no live MCP session has the id %q; GET /api/v1/sessions lists them", id)
	}
	return err
}

func sessionInfo(si gateway.SessionInfo) SessionInfo {
	return SessionInfo{ID: si.ID, Endpoint: si.Endpoint, ClientName: si.ClientName, ClientVersion: si.ClientVersion,
		ProtocolVersion: si.ProtocolVersion, Transport: si.Transport, Started: si.Started.UTC(),
		LastActivity: si.LastActivity.UTC(), Calls: si.Calls, Suspended: si.Suspended}
}
