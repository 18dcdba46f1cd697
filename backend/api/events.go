package api

// registerEvents adds the routes for events over SSE and WebSocket, live server logs.
func (s *Server) registerEvents() {}
