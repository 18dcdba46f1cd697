package api

// registerServers adds the routes for servers.
func (s *Server) registerServers() {}
