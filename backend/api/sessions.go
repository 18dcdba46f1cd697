package api

// registerSessions adds the routes for MCP client sessions: list, get, suspend, resume, end.
func (s *Server) registerSessions() {}
