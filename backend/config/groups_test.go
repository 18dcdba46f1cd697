package config

import (
	"strings"
	"testing"
	"time"
)

func TestGroupsReadWithDefaults(t *testing.T) {
	cfg, err := loadString(t, `{"mcpServers": {"a": {"command": "a"}, "b": {"command": "b"}},
		"groups": {"pool": {"members": [{"server": "a"}, {"server": "b", "weight": 3, "priority": 2}]}}}`)
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Groups["pool"]
	if g == nil || len(g.Members) != 2 {
		t.Fatalf("group read as %+v", g)
	}
	if g.StrategyName() != StrategyRoundRobin || g.MinHealthyMembers() != 1 || !g.HidesMembers() ||
		g.FailureThreshold() != 5 || g.Cooldown() != 30*time.Second {
		t.Fatalf("defaults: strategy %q min_healthy %d hide %v threshold %d cooldown %s",
			g.StrategyName(), g.MinHealthyMembers(), g.HidesMembers(), g.FailureThreshold(), g.Cooldown())
	}
	if g.Members[0].MemberWeight() != 1 || g.Members[1].MemberWeight() != 3 || g.Members[1].Priority != 2 {
		t.Fatalf("members read as %+v", g.Members)
	}
	c := cfg.Clone()
	*c.Groups["pool"].Members[1].Weight = 9
	c.Groups["pool"].Members[0].Server = "x"
	if g.Members[0].Server != "a" || g.Members[1].MemberWeight() != 3 {
		t.Fatal("Clone shares a group's members")
	}
}

func TestGroupsValidate(t *testing.T) {
	bad := `{"mcpServers": {"a": {"command": "a"}, "b": {"command": "b", "prefix": "bee"}},
		"groups": {
			"pool": {"members": [{"server": "a", "weight": -1}, {"server": "ghost"}, {"server": "a"}],
				"strategy": "fastest", "min_healthy": 5, "breaker": {"failure_threshold": -2, "cooldown_s": -1},
				"retry_tools": [""]},
			"a": {"members": [{"server": "b"}]},
			"bee": {"members": [{"server": "b"}]},
			"two__parts": {"members": [{"server": "b"}]},
			"has space": {"members": [{"server": "b"}]},
			"empty": {"members": []},
			"nul": null}}`
	want := map[string]string{
		`groups.pool.members[0].weight`:         `group "pool": weight must be 0`,
		`groups.pool.members[1].server`:         `group "pool" names server "ghost", which is not in mcpServers`,
		`groups.pool.members[2].server`:         `lists server "a" twice`,
		`groups.pool.strategy`:                  `strategy must be one of round_robin, weighted_round_robin, least_connections, random, priority, got "fastest"`,
		`groups.pool.min_healthy`:               `min_healthy is 5 but the group has 3 member(s)`,
		`groups.pool.breaker.failure_threshold`: `got -2`,
		`groups.pool.breaker.cooldown_s`:        `got -1`,
		`groups.pool.retry_tools[0]`:            `empty string`,
		`groups.a`:                              `also the name of a server`,
		`groups.bee`:                            `tool prefix of server "b"`,
		`groups.two__parts`:                     `must not contain "__"`,
		`groups["has space"]`:                   `group id must be 1-64`,
		`groups.empty.members`:                  `needs at least one member`,
		`groups.nul`:                            `is null`,
	}
	ps := problems(t, bad)
	got := map[string]string{}
	for _, p := range ps {
		got[p.Path] = p.Message
	}
	for path, frag := range want {
		if !strings.Contains(got[path], frag) {
			t.Errorf("%s: got %q, want it to contain %q", path, got[path], frag)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(ps), len(want), ps)
	}
}
