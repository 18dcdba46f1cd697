package api

// registerSystem adds the routes for status, info, diagnostics, doctor.
func (s *Server) registerSystem() {}
