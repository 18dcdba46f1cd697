package api

import "switchboard/backend/auth"

// registerInfo serves /api/v1/info, the path other gateways use for the
// version, addresses and the update check, as an alias of /system/info.
func (s *Server) registerInfo() {
	s.handle(Route{Method: "GET", Path: "/api/v1/info", Tag: "system", Perm: auth.SystemRead,
		Summary: "Version, listen addresses, URLs and what the update check found (the same as /api/v1/system/info)", Response: SystemInfo{}}, s.systemInfo)
}
