package api

// registerDocs adds the routes for the OpenAPI document and Swagger UI.
func (s *Server) registerDocs() {}
