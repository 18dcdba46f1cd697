package api

// FiberRoutes lists what the fiber app really serves, as method and path,
// for the test that compares it with the OpenAPI document.
func (s *Server) FiberRoutes() [][2]string {
	var out [][2]string
	for _, r := range s.app.GetRoutes(true) {
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}
