package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Group balancing strategies (groups.*.strategy).
const (
	StrategyRoundRobin         = "round_robin"
	StrategyWeightedRoundRobin = "weighted_round_robin"
	StrategyLeastConnections   = "least_connections"
	StrategyRandom             = "random"
	StrategyPriority           = "priority"
)

// Strategies lists every strategy, the default first.
func Strategies() []string {
	return []string{StrategyRoundRobin, StrategyWeightedRoundRobin, StrategyLeastConnections, StrategyRandom, StrategyPriority}
}

// Group defaults, applied where the file leaves a value out.
const (
	DefaultGroupStrategy         = StrategyRoundRobin
	DefaultGroupMinHealthy       = 1
	DefaultBreakerFailures       = 5
	DefaultBreakerCooldownS      = 30
	DefaultGroupMemberWeight     = 1
	DefaultGroupMemberPriority   = 0
	defaultGroupHidesMemberTools = true
)

// Group is one entry of groups: a pool of interchangeable servers served
// as one virtual server, at /mcp/groups/{id} and on /mcp as {id}__{tool}.
type Group struct {
	Description string        `json:"description,omitempty"`
	Members     []GroupMember `json:"members"`
	// Strategy picks the member of each call; see the Strategy* constants.
	Strategy string `json:"strategy,omitempty"`
	// MinHealthy is how many members must be in service for the group to
	// take calls at all (default 1).
	MinHealthy *int          `json:"min_healthy,omitempty"`
	Breaker    *GroupBreaker `json:"breaker,omitempty"`
	// RetryTools are tools (by their own names) that are safe to send to a
	// second member after a failure even though their server does not mark
	// them readOnlyHint or idempotentHint.
	RetryTools []string `json:"retry_tools,omitempty"`
	// HideMembers keeps the members' own tools off /mcp, where they would
	// repeat the group's (default true). /mcp/servers/{member} still
	// serves them.
	HideMembers *bool `json:"hide_members,omitempty"`
}

// GroupMember is one server of a group.
type GroupMember struct {
	Server string `json:"server"`
	// Weight is the member's share in weighted_round_robin and random
	// (default 1). A member of weight 0 is a spare: it is used only while
	// no member of positive weight can take the call.
	Weight *int `json:"weight,omitempty"`
	// Priority orders members for the priority strategy: the lowest number
	// in service takes every call (default 0).
	Priority int `json:"priority,omitempty"`
}

// GroupBreaker is the circuit breaker each member of a group has.
type GroupBreaker struct {
	// FailureThreshold consecutive failed calls open the breaker (default 5).
	FailureThreshold int `json:"failure_threshold,omitempty"`
	// CooldownS is how long an open breaker keeps the member out before
	// one trial call may go to it (default 30).
	CooldownS int `json:"cooldown_s,omitempty"`
}

// StrategyName is the group's strategy, with the default applied.
func (g *Group) StrategyName() string {
	if g.Strategy == "" {
		return DefaultGroupStrategy
	}
	return g.Strategy
}

// MinHealthyMembers is min_healthy with the default applied.
func (g *Group) MinHealthyMembers() int {
	if g.MinHealthy == nil {
		return DefaultGroupMinHealthy
	}
	return *g.MinHealthy
}

// HidesMembers is hide_members with the default applied.
func (g *Group) HidesMembers() bool {
	if g.HideMembers == nil {
		return defaultGroupHidesMemberTools
	}
	return *g.HideMembers
}

// FailureThreshold is breaker.failure_threshold with the default applied.
func (g *Group) FailureThreshold() int {
	if g.Breaker == nil || g.Breaker.FailureThreshold == 0 {
		return DefaultBreakerFailures
	}
	return g.Breaker.FailureThreshold
}

// Cooldown is breaker.cooldown_s with the default applied.
func (g *Group) Cooldown() time.Duration {
	if g.Breaker == nil || g.Breaker.CooldownS == 0 {
		return DefaultBreakerCooldownS * time.Second
	}
	return time.Duration(g.Breaker.CooldownS) * time.Second
}

// CooldownSeconds is breaker.cooldown_s with the default applied.
func (g *Group) CooldownSeconds() int { return int(g.Cooldown() / time.Second) }

// MemberWeight is the member's weight with the default applied.
func (m GroupMember) MemberWeight() int {
	if m.Weight == nil {
		return DefaultGroupMemberWeight
	}
	return *m.Weight
}

// Servers lists the group's member servers in the order written.
func (g *Group) Servers() []string {
	out := make([]string, len(g.Members))
	for i, m := range g.Members {
		out[i] = m.Server
	}
	return out
}

// Clone returns a deep copy; nil stays nil.
func (g *Group) Clone() *Group {
	if g == nil {
		return nil
	}
	n := *g
	n.Members = make([]GroupMember, len(g.Members))
	for i, m := range g.Members {
		if m.Weight != nil {
			w := *m.Weight
			m.Weight = &w
		}
		n.Members[i] = m
	}
	if g.MinHealthy != nil {
		v := *g.MinHealthy
		n.MinHealthy = &v
	}
	if g.Breaker != nil {
		b := *g.Breaker
		n.Breaker = &b
	}
	if g.HideMembers != nil {
		v := *g.HideMembers
		n.HideMembers = &v
	}
	n.RetryTools = slices.Clone(g.RetryTools)
	return &n
}

func cloneGroups(groups map[string]*Group) map[string]*Group {
	if groups == nil {
		return nil
	}
	out := make(map[string]*Group, len(groups))
	for id, g := range groups {
		out[id] = g.Clone()
	}
	return out
}

// GroupIDRe is what a group id must match: it is a path segment of
// /mcp/groups/{id} and the prefix of the group's tools on /mcp.
var GroupIDRe = ProfileNameRe

// validateGroups checks each group's id, members and settings. prefixes
// maps each tool prefix the servers use to its server, since a group's id
// is its tools' prefix on /mcp and must not clash with one.
func validateGroups(v *validator, c *Config, prefixes map[string]string) {
	for _, id := range slices.Sorted(maps.Keys(c.Groups)) {
		g := c.Groups[id]
		base := "groups" + pathKey(id)
		switch {
		case !GroupIDRe.MatchString(id):
			v.add(base, fmt.Sprintf("group id must be 1-64 letters, digits, '_' or '-', got %q", id))
		case strings.Contains(id, Separator):
			v.add(base, fmt.Sprintf("group id must not contain %q, which separates the group's id from its tools' names on /mcp, got %q", Separator, id))
		case c.Servers[id] != nil:
			v.add(base, fmt.Sprintf("group id %q is also the name of a server in mcpServers; a group and a server share the names of /mcp, so rename one", id))
		case prefixes[id] != "":
			v.add(base, fmt.Sprintf("group id %q is the tool prefix of server %q; the group's tools on /mcp would clash with that server's, so rename the group or set a different prefix on the server", id, prefixes[id]))
		}
		if g == nil {
			v.add(base, `is null; expected an object such as {"members": [{"server": "github"}, {"server": "github-spare"}]}`)
			continue
		}
		validateGroup(v, c, base, id, g)
	}
}

func validateGroup(v *validator, c *Config, base, id string, g *Group) {
	if len(g.Members) == 0 {
		v.add(base+".members", fmt.Sprintf("group %q needs at least one member, such as {\"server\": \"github\"}", id))
	}
	seen := map[string]bool{}
	for i, m := range g.Members {
		at := fmt.Sprintf("%s.members[%d]", base, i)
		switch {
		case strings.TrimSpace(m.Server) == "":
			v.add(at+".server", fmt.Sprintf("group %q: a member needs the name of a server in mcpServers", id))
		case c.Servers[m.Server] == nil:
			v.add(at+".server", fmt.Sprintf("group %q names server %q, which is not in mcpServers", id, m.Server))
		case seen[m.Server]:
			v.add(at+".server", fmt.Sprintf("group %q lists server %q twice", id, m.Server))
		}
		seen[m.Server] = true
		if m.Weight != nil && *m.Weight < 0 {
			v.add(at+".weight", fmt.Sprintf("group %q: weight must be 0 (a spare) or more (default %d), got %d", id, DefaultGroupMemberWeight, *m.Weight))
		}
	}
	if !slices.Contains(Strategies(), g.StrategyName()) {
		v.add(base+".strategy", fmt.Sprintf("group %q: strategy must be one of %s, got %q", id, strings.Join(Strategies(), ", "), g.Strategy))
	}
	if g.MinHealthy != nil {
		switch n := *g.MinHealthy; {
		case n < 1:
			v.add(base+".min_healthy", fmt.Sprintf("group %q: min_healthy must be at least 1 (the default), got %d", id, n))
		case len(g.Members) > 0 && n > len(g.Members):
			v.add(base+".min_healthy", fmt.Sprintf("group %q: min_healthy is %d but the group has %d member(s), so it could never take a call", id, n, len(g.Members)))
		}
	}
	if b := g.Breaker; b != nil {
		if b.FailureThreshold < 0 {
			v.add(base+".breaker.failure_threshold", fmt.Sprintf("group %q: failure_threshold must be 0 (default, %d) or a positive number of failures, got %d", id, DefaultBreakerFailures, b.FailureThreshold))
		}
		if b.CooldownS < 0 {
			v.add(base+".breaker.cooldown_s", fmt.Sprintf("group %q: cooldown_s must be 0 (default, %d) or a positive number of seconds, got %d", id, DefaultBreakerCooldownS, b.CooldownS))
		}
	}
	for i, t := range g.RetryTools {
		if strings.TrimSpace(t) == "" {
			v.add(fmt.Sprintf("%s.retry_tools[%d]", base, i), fmt.Sprintf("group %q: retry_tools holds tool names as the servers give them, got an empty string", id))
		}
	}
}
