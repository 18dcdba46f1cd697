package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/gateway"
)

// ProfileInfo is one profile: a named subset of the servers and their
// tools, served on its own MCP endpoint. Profiles are edited in the config
// (PUT /api/v1/config, key "profiles").
type ProfileInfo struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Servers are the servers the profile names; ExposedServers those of
	// them whose tools reach its clients now (enabled, approved).
	Servers        []string `json:"servers"`
	ExposedServers []string `json:"exposed_servers"`
	// Tools are the profile's tool patterns (none: every tool of its servers).
	Tools []string `json:"tools"`
	// ToolCount is the number of tools the profile's clients see.
	ToolCount int    `json:"tool_count"`
	Endpoint  string `json:"endpoint"` // /mcp/profiles/{name}
	MCPURL    string `json:"mcp_url"`
}

// ProfileList is the answer of GET /api/v1/profiles.
type ProfileList struct {
	Profiles []ProfileInfo `json:"profiles"`
}

func (s *Server) registerProfiles() {
	// The path parameter is :profile, not :name: permit reads :name as a
	// server's, for keys limited to some servers, and a profile is none.
	s.handle(Route{Method: "GET", Path: "/api/v1/profiles", Tag: "profiles", Perm: auth.ConfigRead,
		Summary:  "Profiles: each with its servers, tool patterns, the number of tools its clients see and its MCP URL",
		Response: ProfileList{}}, s.listProfiles)
	s.handle(Route{Method: "GET", Path: "/api/v1/profiles/:profile", Tag: "profiles", Perm: auth.ConfigRead,
		Summary:  "One profile: its servers, tool patterns, tool count and MCP URL",
		Response: ProfileInfo{}}, s.getProfile)
}

func (s *Server) listProfiles(c *fiber.Ctx) error {
	out := ProfileList{Profiles: []ProfileInfo{}}
	for _, p := range s.opts.Gateway.Profiles() {
		out.Profiles = append(out.Profiles, s.profileInfo(p))
	}
	return c.JSON(out)
}

func (s *Server) getProfile(c *fiber.Ctx) error {
	name := c.Params("profile")
	p, ok := s.opts.Gateway.Profile(name)
	if !ok {
		return errNotFound("ProfileNotFound", "no profile named %q is configured", name)
	}
	return c.JSON(s.profileInfo(p))
}

func (s *Server) profileInfo(p gateway.ProfileInfo) ProfileInfo {
	orEmpty := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	return ProfileInfo{Name: p.Name, Description: p.Description, Servers: orEmpty(p.Servers),
		ExposedServers: orEmpty(p.Exposed), Tools: orEmpty(p.Tools), ToolCount: p.ToolCount,
		Endpoint: p.Path, MCPURL: strings.TrimSuffix(s.mcpURL(), "/mcp") + p.Path}
}
