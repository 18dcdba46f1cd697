package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
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
	// Groups are the groups the profile shows, as on /mcp ({group}__{tool}).
	Groups []string `json:"groups"`
	// Tools are the profile's tool patterns (none: every tool of its servers).
	Tools []string `json:"tools"`
	// ToolCount is the number of tools the profile's clients see.
	ToolCount int    `json:"tool_count"`
	Endpoint  string `json:"endpoint"` // /mcp/profiles/{name}
	MCPURL    string `json:"mcp_url"`
}

// ProfileWrite is the body of POST /api/v1/profiles (name required) and
// PUT /api/v1/profiles/{profile} (the name is the path's).
type ProfileWrite struct {
	Name        string   `json:"name,omitempty"`
	Servers     []string `json:"servers"`
	Groups      []string `json:"groups,omitempty"`
	Tools       []string `json:"tools,omitempty"`
	Description string   `json:"description,omitempty"`
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
	// Writes go through the config, validated and saved like PUT /config.
	s.handle(Route{Method: "POST", Path: "/api/v1/profiles", Tag: "profiles", Perm: auth.ConfigWrite,
		Summary: "Create a profile (written to the config's profiles); 409 ProfileExists if the name is taken",
		Body:    ProfileWrite{}, Response: ProfileInfo{}, Status: http.StatusCreated}, s.createProfile)
	s.handle(Route{Method: "PUT", Path: "/api/v1/profiles/:profile", Tag: "profiles", Perm: auth.ConfigWrite,
		Summary: "Replace a profile's servers, tool patterns and description",
		Body:    ProfileWrite{}, Response: ProfileInfo{}}, s.replaceProfile)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/profiles/:profile", Tag: "profiles", Perm: auth.ConfigWrite,
		Summary: "Delete a profile; its clients' sessions end", Status: http.StatusNoContent}, s.deleteProfile)
}

func (w ProfileWrite) profile() *config.Profile {
	servers := w.Servers
	if servers == nil {
		servers = []string{}
	}
	return &config.Profile{Servers: servers, Groups: w.Groups, Tools: w.Tools, Description: w.Description}
}

func (s *Server) createProfile(c *fiber.Ctx) error {
	var req ProfileWrite
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return errInvalid("name", "is required: the profile's name (1-64 letters, digits, _ and -)")
	}
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		if cfg.Profiles[req.Name] != nil {
			return errConflict("ProfileExists", "a profile named %q already exists; change it with PUT /api/v1/profiles/%s", req.Name, req.Name)
		}
		if cfg.Profiles == nil {
			cfg.Profiles = map[string]*config.Profile{}
		}
		cfg.Profiles[req.Name] = req.profile()
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	return s.answerProfile(c.Status(http.StatusCreated), req.Name)
}

func (s *Server) replaceProfile(c *fiber.Ctx) error {
	name := c.Params("profile")
	var req ProfileWrite
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Name != "" && req.Name != name {
		return errInvalid("name", "is %q but the path names profile %q; rename by deleting and creating", req.Name, name)
	}
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		if cfg.Profiles[name] == nil {
			return errNoProfile(name)
		}
		cfg.Profiles[name] = req.profile()
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	return s.answerProfile(c, name)
}

func (s *Server) deleteProfile(c *fiber.Ctx) error {
	name := c.Params("profile")
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		if cfg.Profiles[name] == nil {
			return errNoProfile(name)
		}
		delete(cfg.Profiles, name)
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

// answerProfile answers with a profile as the gateway serves it after the
// change, which the config manager has applied by now.
func (s *Server) answerProfile(c *fiber.Ctx, name string) error {
	p, ok := s.opts.Gateway.Profile(name)
	if !ok {
		return errNoProfile(name)
	}
	return c.JSON(s.profileInfo(p))
}

func (s *Server) listProfiles(c *fiber.Ctx) error {
	out := ProfileList{Profiles: []ProfileInfo{}}
	for _, p := range s.opts.Gateway.Profiles() {
		out.Profiles = append(out.Profiles, s.profileInfo(p))
	}
	return c.JSON(out)
}

func (s *Server) getProfile(c *fiber.Ctx) error { return s.answerProfile(c, c.Params("profile")) }

func errNoProfile(name string) *Error {
	return errNotFound("ProfileNotFound", "no profile named %q is configured", name)
}

func (s *Server) profileInfo(p gateway.ProfileInfo) ProfileInfo {
	orEmpty := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	return ProfileInfo{Name: p.Name, Description: p.Description, Servers: orEmpty(p.Servers), Groups: orEmpty(p.Groups),
		ExposedServers: orEmpty(p.Exposed), Tools: orEmpty(p.Tools), ToolCount: p.ToolCount,
		Endpoint: p.Path, MCPURL: s.mcpURLAt(p.Path)}
}
