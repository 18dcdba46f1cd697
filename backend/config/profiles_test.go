package config

import (
	"strings"
	"testing"
)

func TestProfilesValidate(t *testing.T) {
	const servers = `"mcpServers": {"alpha": {"command": "a"}, "beta": {"command": "b"}}`
	ok := `{` + servers + `, "profiles": {"dev": {"servers": ["alpha"], "tools": ["alpha__e*", "*__ping"], "description": "d"}, "none": {"servers": []}}}`
	if ps := problems(t, ok); len(ps) != 0 {
		t.Fatalf("valid profiles refused: %v", ps)
	}
	cfg, err := loadString(t, ok)
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Profiles["dev"]; p == nil || len(p.Servers) != 1 || p.Description != "d" || len(p.Tools) != 2 {
		t.Fatalf("profile dev read as %+v", p)
	}
	// A clone is deep: editing it leaves the original as it was.
	c := cfg.Clone()
	c.Profiles["dev"].Servers[0] = "beta"
	if cfg.Profiles["dev"].Servers[0] != "alpha" {
		t.Fatal("Clone shares a profile's servers")
	}

	bad := `{` + servers + `, "profiles": {
		"dev": {"servers": ["alpha", "gamma"], "groups": ["nope"], "tools": ["ok__*", "bad pattern!"]},
		"has space": {"servers": []},
		"nul": null}}`
	ps := problems(t, bad)
	want := map[string]string{
		`profiles.dev.servers[1]`: `profile "dev" names server "gamma", which is not in mcpServers`,
		`profiles.dev.groups[0]`:  `profile "dev" names group "nope", which is not in groups`,
		`profiles.dev.tools[1]`:   `"bad pattern!"`,
		`profiles["has space"]`:   `profile name must be 1-64`,
		`profiles.nul`:            `is null`,
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d problems %v, want %d", len(ps), ps, len(want))
	}
	for _, p := range ps {
		if w, ok := want[p.Path]; !ok || !strings.Contains(p.Message, w) {
			t.Errorf("problem %s: %s; want one at that path saying %q", p.Path, p.Message, w)
		}
	}
}

func TestProfileMatchesTool(t *testing.T) {
	all := &Profile{}
	if !all.MatchesTool("s", "t", "s__t") {
		t.Fatal("a profile without tools must keep every tool")
	}
	p := &Profile{Tools: []string{"gh__search_*", "fs__read"}}
	for _, c := range []struct {
		server, tool, exposed string
		want                  bool
	}{
		{"github", "search_code", "gh__search_code", true}, // by exposed name (prefix gh)
		{"github", "create_issue", "gh__create_issue", false},
		{"fs", "read", "read", true},            // by server__tool (empty prefix)
		{"fs", "read_more", "read_more", false}, // no implicit trailing *
		{"other", "gh__search_x", "gh__search_x", true},
	} {
		if got := p.MatchesTool(c.server, c.tool, c.exposed); got != c.want {
			t.Errorf("MatchesTool(%q, %q, %q) = %v, want %v", c.server, c.tool, c.exposed, got, c.want)
		}
	}
	for _, c := range []struct {
		pat, s string
		want   bool
	}{{"*", "", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"**x", "abx", true}, {"abc", "ab", false}} {
		if got := globMatch(c.pat, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
}
