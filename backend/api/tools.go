package api

// registerTools adds the routes for tools: list, search, per-tool enable and disable, test call.
func (s *Server) registerTools() {}
