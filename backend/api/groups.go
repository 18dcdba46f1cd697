package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/gateway"
)

// GroupInfo is one group: a pool of interchangeable servers served as one
// virtual server with failover, with its settings, state and members.
type GroupInfo struct {
	ID          string       `json:"id"`
	Description string       `json:"description"`
	Strategy    string       `json:"strategy"`
	MinHealthy  int          `json:"min_healthy"`
	HideMembers bool         `json:"hide_members"`
	RetryTools  []string     `json:"retry_tools"`
	Breaker     GroupBreaker `json:"breaker"`
	// State is healthy (every member in service), degraded (fewer, but at
	// least min_healthy) or unavailable (fewer than min_healthy: calls
	// fail at once).
	State          string            `json:"state"`
	HealthyMembers int               `json:"healthy_members"`
	Members        []GroupMemberInfo `json:"members"`
	ToolCount      int               `json:"tool_count"`
	// PromptCount and ResourceCount (resources and resource templates) are
	// what the group's own endpoint serves besides tools.
	PromptCount   int    `json:"prompt_count"`
	ResourceCount int    `json:"resource_count"`
	Endpoint      string `json:"endpoint"` // /mcp/groups/{id}
	MCPURL        string `json:"mcp_url"`
}

// GroupBreaker is a group's circuit breaker settings, defaults applied.
type GroupBreaker struct {
	FailureThreshold int `json:"failure_threshold"`
	CooldownS        int `json:"cooldown_s"`
}

// GroupMemberInfo is one member of a group and how it stands.
type GroupMemberInfo struct {
	Server      string `json:"server"`
	Weight      int    `json:"weight"`
	Priority    int    `json:"priority"`
	ServerState string `json:"server_state"`
	// Eligible: the member takes calls now (enabled, approved, running or
	// able to start, breaker not open); NotEligibleReason says why not.
	Eligible          bool               `json:"eligible"`
	NotEligibleReason string             `json:"not_eligible_reason,omitempty"`
	ActiveCalls       int64              `json:"active_calls"`
	CallsTotal        int64              `json:"calls_total"`
	FailuresTotal     int64              `json:"failures_total"`
	Breaker           MemberBreakerState `json:"breaker"`
}

// MemberBreakerState is a member's circuit breaker now.
type MemberBreakerState struct {
	State               string     `json:"state"` // closed, open or half_open
	ConsecutiveFailures int        `json:"consecutive_failures"`
	OpenedAt            *time.Time `json:"opened_at"`
	RetryAt             *time.Time `json:"retry_at"`
}

// GroupList is the answer of GET /api/v1/groups.
type GroupList struct {
	Groups []GroupInfo `json:"groups"`
}

// GroupWrite is the body of POST /api/v1/groups (id required) and PUT
// /api/v1/groups/{id}: the group as the config file holds it.
type GroupWrite struct {
	ID          string               `json:"id,omitempty"`
	Description string               `json:"description,omitempty"`
	Members     []config.GroupMember `json:"members"`
	Strategy    string               `json:"strategy,omitempty"`
	MinHealthy  *int                 `json:"min_healthy,omitempty"`
	Breaker     *config.GroupBreaker `json:"breaker,omitempty"`
	RetryTools  []string             `json:"retry_tools,omitempty"`
	HideMembers *bool                `json:"hide_members,omitempty"`
}

// GroupPatch is the body of PATCH /api/v1/groups/{id}: the keys it holds
// replace the group's, the others stay.
type GroupPatch struct {
	Description *string               `json:"description,omitempty"`
	Members     *[]config.GroupMember `json:"members,omitempty"`
	Strategy    *string               `json:"strategy,omitempty"`
	MinHealthy  *int                  `json:"min_healthy,omitempty"`
	Breaker     *config.GroupBreaker  `json:"breaker,omitempty"`
	RetryTools  *[]string             `json:"retry_tools,omitempty"`
	HideMembers *bool                 `json:"hide_members,omitempty"`
}

func (s *Server) registerGroups() {
	// The path parameter is :id, not :name: permit reads :name as a
	// server's, and a group is none.
	s.handle(Route{Method: "GET", Path: "/api/v1/groups", Tag: "groups", Perm: auth.ServersRead,
		Summary:  "Groups: each with its strategy, state, members, their breakers and counters, and its MCP URL",
		Response: GroupList{}}, s.listGroups)
	s.handle(Route{Method: "GET", Path: "/api/v1/groups/:id", Tag: "groups", Perm: auth.ServersRead,
		Summary:  "One group: its settings, state and members",
		Response: GroupInfo{}}, s.getGroup)
	// Writes go through the config, validated and saved like PUT /config.
	s.handle(Route{Method: "POST", Path: "/api/v1/groups", Tag: "groups", Perm: auth.ServersWrite,
		Summary: "Create a group (written to the config's groups); 409 GroupExists if the id is taken",
		Body:    GroupWrite{}, Response: GroupInfo{}, Status: http.StatusCreated}, s.createGroup)
	s.handle(Route{Method: "PUT", Path: "/api/v1/groups/:id", Tag: "groups", Perm: auth.ServersWrite,
		Summary: "Replace a group (members that stay keep their breakers and counters)",
		Body:    GroupWrite{}, Response: GroupInfo{}}, s.replaceGroup)
	s.handle(Route{Method: "PATCH", Path: "/api/v1/groups/:id", Tag: "groups", Perm: auth.ServersWrite,
		Summary: "Change some of a group's keys",
		Body:    GroupPatch{}, Response: GroupInfo{}}, s.patchGroup)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/groups/:id", Tag: "groups", Perm: auth.ServersWrite,
		Summary: "Delete a group; its clients' sessions end, and its members' tools show on /mcp again", Status: http.StatusNoContent}, s.deleteGroup)
	s.handle(Route{Method: "POST", Path: "/api/v1/groups/:id/members", Tag: "groups", Perm: auth.ServersWrite,
		Summary: "Add a member ({server, weight, priority}); 409 MemberExists if the server is one already",
		Body:    config.GroupMember{}, Response: GroupInfo{}, Status: http.StatusCreated}, s.addGroupMember)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/groups/:id/members/:member", Tag: "groups", Perm: auth.ServersWrite,
		Summary:  "Remove a member (the server stays in mcpServers); answers with the group",
		Response: GroupInfo{}}, s.removeGroupMember)
	s.handle(Route{Method: "GET", Path: "/api/v1/groups/:id/tools", Tag: "groups", Perm: auth.ToolsRead,
		Summary:  "A group's tools: each with its name on the group's endpoint and on /mcp ({group}__{tool}), the members that offer it, and whether a failed call is retried on another member",
		Response: GroupToolList{}}, s.listGroupTools)
	s.handle(Route{Method: "POST", Path: "/api/v1/groups/:id/rebalance", Tag: "groups", Perm: auth.ServersWrite,
		Summary:  "Rebalance: restart the strategy's rotation and half-open every open breaker, so the next calls try those members at once",
		Response: GroupInfo{}}, s.rebalanceGroup)
}

func (w GroupWrite) group() *config.Group {
	return &config.Group{Description: w.Description, Members: w.Members, Strategy: w.Strategy, MinHealthy: w.MinHealthy,
		Breaker: w.Breaker, RetryTools: w.RetryTools, HideMembers: w.HideMembers}
}

func errNoGroup(id string) *Error {
	return errNotFound("GroupNotFound", "no group with id %q is configured", id)
}

func (s *Server) createGroup(c *fiber.Ctx) error {
	var req GroupWrite
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return errInvalid("id", "is required: the group's id (1-64 letters, digits, _ and -), which names its endpoint /mcp/groups/{id}")
	}
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		if cfg.Groups[req.ID] != nil {
			return errConflict("GroupExists", "a group with id %q already exists; change it with PUT or PATCH /api/v1/groups/%s", req.ID, req.ID)
		}
		if cfg.Groups == nil {
			cfg.Groups = map[string]*config.Group{}
		}
		cfg.Groups[req.ID] = req.group()
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	return s.answerGroup(c.Status(http.StatusCreated), req.ID)
}

func (s *Server) replaceGroup(c *fiber.Ctx) error {
	id := c.Params("id")
	var req GroupWrite
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.ID != "" && req.ID != id {
		return errInvalid("id", "is %q but the path names group %q; rename by deleting and creating", req.ID, id)
	}
	return s.updateGroup(c, id, func(*config.Group) (*config.Group, error) { return req.group(), nil })
}

func (s *Server) patchGroup(c *fiber.Ctx) error {
	id := c.Params("id")
	var req GroupPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	return s.updateGroup(c, id, func(g *config.Group) (*config.Group, error) {
		if req.Description != nil {
			g.Description = *req.Description
		}
		if req.Members != nil {
			g.Members = *req.Members
		}
		if req.Strategy != nil {
			g.Strategy = *req.Strategy
		}
		if req.MinHealthy != nil {
			g.MinHealthy = req.MinHealthy
		}
		if req.Breaker != nil {
			g.Breaker = req.Breaker
		}
		if req.RetryTools != nil {
			g.RetryTools = *req.RetryTools
		}
		if req.HideMembers != nil {
			g.HideMembers = req.HideMembers
		}
		return g, nil
	})
}

// updateGroup changes one group in the config (change gets a copy, and may
// refuse) and answers with it.
func (s *Server) updateGroup(c *fiber.Ctx, id string, change func(*config.Group) (*config.Group, error)) error {
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		g := cfg.Groups[id]
		if g == nil {
			return errNoGroup(id)
		}
		g, err := change(g.Clone())
		if err != nil {
			return err
		}
		cfg.Groups[id] = g
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	return s.answerGroup(c, id)
}

func (s *Server) addGroupMember(c *fiber.Ctx) error {
	id := c.Params("id")
	var m config.GroupMember
	if err := bind(c, &m); err != nil {
		return err
	}
	if m.Server == "" {
		return errInvalid("server", "is required: the name of a server in mcpServers")
	}
	return s.updateGroup(c.Status(http.StatusCreated), id, func(g *config.Group) (*config.Group, error) {
		if slices.ContainsFunc(g.Members, func(have config.GroupMember) bool { return have.Server == m.Server }) {
			return nil, errConflict("MemberExists", "server %q is a member of group %q already; change it with PUT or PATCH /api/v1/groups/%s", m.Server, id, id)
		}
		g.Members = append(g.Members, m)
		return g, nil
	})
}

func (s *Server) removeGroupMember(c *fiber.Ctx) error {
	id, server := c.Params("id"), unescapedParam(c, "member")
	return s.updateGroup(c, id, func(g *config.Group) (*config.Group, error) {
		n := len(g.Members)
		g.Members = slices.DeleteFunc(g.Members, func(m config.GroupMember) bool { return m.Server == server })
		if len(g.Members) == n {
			return nil, errNotFound("MemberNotFound", "server %q is not a member of group %q", server, id)
		}
		return g, nil
	})
}

func (s *Server) deleteGroup(c *fiber.Ctx) error {
	id := c.Params("id")
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		if cfg.Groups[id] == nil {
			return errNoGroup(id)
		}
		delete(cfg.Groups, id)
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) rebalanceGroup(c *fiber.Ctx) error {
	id := c.Params("id")
	g, err := s.opts.Gateway.RebalanceGroup(id)
	if errors.Is(err, gateway.ErrNoGroup) {
		return errNoGroup(id)
	}
	if err != nil {
		return err
	}
	return c.JSON(s.groupInfo(g))
}

// answerGroup answers with a group as the gateway runs it after the
// change, which the config manager has applied by now.
func (s *Server) answerGroup(c *fiber.Ctx, id string) error {
	g, err := s.opts.Gateway.Group(id)
	if err != nil {
		return errNoGroup(id)
	}
	return c.JSON(s.groupInfo(g))
}

// GroupTool is one tool of a group.
type GroupTool struct {
	Name        string             `json:"name"`     // on the group's endpoint, /mcp/groups/{id}
	MCPName     string             `json:"mcp_name"` // on /mcp: {group}__{tool}
	Title       string             `json:"title,omitempty"`
	Description string             `json:"description"`
	InputSchema json.RawMessage    `json:"input_schema"`
	Annotations mcp.ToolAnnotation `json:"annotations"`
	// Members offer the tool now, in config order; a call goes to one of
	// them.
	Members []string `json:"members"`
	// Retryable: a call that fails on one member is sent to another (the
	// tool is read-only or idempotent, or in the group's retry_tools).
	Retryable bool `json:"retryable"`
}

// GroupToolList is the answer of GET /groups/{id}/tools.
type GroupToolList struct {
	Tools []GroupTool `json:"tools"`
	Total int         `json:"total"`
}

func (s *Server) listGroupTools(c *fiber.Ctx) error {
	id := c.Params("id")
	tools, err := s.opts.Gateway.GroupTools(id)
	if err != nil {
		return errNoGroup(id)
	}
	out := GroupToolList{Tools: make([]GroupTool, 0, len(tools))}
	for _, t := range tools {
		out.Tools = append(out.Tools, GroupTool{Name: t.Tool.Name, MCPName: t.MCPName, Title: t.Tool.Title,
			Description: t.Tool.Description, InputSchema: gateway.ToolInputSchema(t.Tool), Annotations: t.Tool.Annotations,
			Members: t.Members, Retryable: t.Retryable})
	}
	out.Total = len(out.Tools)
	return c.JSON(out)
}

func (s *Server) listGroups(c *fiber.Ctx) error {
	out := GroupList{Groups: []GroupInfo{}}
	for _, g := range s.opts.Gateway.Groups() {
		out.Groups = append(out.Groups, s.groupInfo(g))
	}
	return c.JSON(out)
}

func (s *Server) getGroup(c *fiber.Ctx) error {
	return s.answerGroup(c, c.Params("id"))
}

func (s *Server) groupInfo(g gateway.GroupInfo) GroupInfo {
	out := GroupInfo{ID: g.ID, Description: g.Description, Strategy: g.Strategy, MinHealthy: g.MinHealthy,
		HideMembers: g.HideMembers, RetryTools: g.RetryTools,
		Breaker: GroupBreaker{FailureThreshold: g.FailureThreshold, CooldownS: g.CooldownS},
		State:   g.State, HealthyMembers: g.HealthyMembers, Members: []GroupMemberInfo{}, ToolCount: g.Tools, PromptCount: g.Prompts, ResourceCount: g.Resources,
		Endpoint: g.Path, MCPURL: s.mcpURLAt(g.Path)}
	for _, m := range g.Members {
		out.Members = append(out.Members, GroupMemberInfo{Server: m.Server, Weight: m.Weight, Priority: m.Priority,
			ServerState: string(m.ServerState), Eligible: m.Eligible, NotEligibleReason: m.Why,
			ActiveCalls: m.ActiveCalls, CallsTotal: m.CallsTotal, FailuresTotal: m.FailuresTotal,
			Breaker: MemberBreakerState{State: string(m.Breaker.State), ConsecutiveFailures: m.Breaker.ConsecutiveFailures,
				OpenedAt: m.Breaker.OpenedAt, RetryAt: m.Breaker.RetryAt}})
	}
	return out
}
