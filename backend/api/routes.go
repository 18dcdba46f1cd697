package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// Route is one endpoint of the API, with what the OpenAPI document says
// about it. Paths use fiber's syntax (/api/v1/servers/:name).
type Route struct {
	Method  string
	Path    string
	Tag     string
	Summary string
	// Query lists the query parameters the route reads.
	Query []Param
	// Body is a value of the request body's type, or nil.
	Body any
	// Response is a value of the 2xx body's type, or nil for no JSON body.
	Response any
	// Status is the success status (200 when zero).
	Status int
	// ContentType of the success body when it is not JSON (SSE, CSV, text).
	ContentType string
	// Public routes need no API key.
	Public bool
	// Perm is the permission a caller needs (auth.ServersRead...); every
	// route that is not Public has one.
	Perm string
	// WebSocket routes are served by net/http.
	WebSocket bool
}

// Param is a query parameter.
type Param struct {
	Name        string
	Type        string // string, integer, boolean
	Description string
}

// handle registers a fiber route.
func (s *Server) handle(rt Route, h fiber.Handler) {
	s.routes = append(s.routes, rt)
	s.app.Add(rt.Method, rt.Path, func(c *fiber.Ctx) error {
		if err := s.permit(rt, requestOf(c).principal, c.Params("name"), c.Params("tool")); err != nil {
			return err
		}
		return c.Next()
	}, h)
}

// handleWebSocket registers a WebSocket route; its path uses net/http's
// pattern syntax internally ({name}) and fiber's in the Route.
func (s *Server) handleWebSocket(rt Route, pattern string, h http.HandlerFunc) {
	rt.WebSocket = true
	s.routes = append(s.routes, rt)
	s.sockets.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var p *Principal
		if ri, ok := r.Context().Value(requestKey{}).(*requestInfo); ok {
			p = ri.principal
		}
		if err := s.permit(rt, p, r.PathValue("name"), ""); err != nil {
			writeEnvelope(w, err)
			return
		}
		h(w, r)
	})
}
