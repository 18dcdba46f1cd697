package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// A group written into the config file by hand is picked up live and
// shown by groups list and show; rebalance answers with the group.
func TestGroupsCommands(t *testing.T) {
	srv := func() *config.Server {
		return &config.Server{Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}
	}
	home := startCore(t, map[string]*config.Server{"a": srv(), "b": srv()})
	if out := mustRun(t, home, "groups", "list"); !strings.Contains(out, "No groups") {
		t.Fatalf("groups list before any:\n%s", out)
	}
	path := filepath.Join(home, "config.json")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Groups = map[string]*config.Group{"pool": {Description: "spares", Strategy: config.StrategyPriority,
		Members: []config.GroupMember{{Server: "a"}, {Server: "b", Priority: 1}}}}
	if err := config.Save(path, cfg); err != nil {
		t.Fatal(err)
	}
	var out string
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out, "pool"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the group written to the file did not show in groups list:\n%s", out)
		}
		out = mustRun(t, home, "groups", "list")
	}
	if !strings.Contains(out, "priority") || !strings.Contains(out, "a,b") || !strings.Contains(out, "/mcp/groups/pool") {
		t.Fatalf("groups list:\n%s", out)
	}
	out = mustRun(t, home, "groups", "show", "pool")
	for _, want := range []string{"Group:       pool", "Description: spares", "Strategy:    priority", "opens after 5 failures", "MEMBER", "closed"} {
		if !strings.Contains(out, want) {
			t.Fatalf("groups show lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, home, "groups", "tools", "pool")
	for _, want := range []string{"ON /mcp", "pool__echo", "a,b"} {
		if !strings.Contains(out, want) {
			t.Fatalf("groups tools lacks %q:\n%s", want, out)
		}
	}
	var g struct {
		ID      string `json:"id"`
		Members []struct {
			Server  string `json:"server"`
			Breaker struct {
				State string `json:"state"`
			} `json:"breaker"`
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, home, "groups", "rebalance", "pool", "-o", "json")), &g); err != nil {
		t.Fatal(err)
	}
	if g.ID != "pool" || len(g.Members) != 2 || g.Members[1].Server != "b" || g.Members[1].Breaker.State != "closed" {
		t.Fatalf("rebalance -o json: %+v", g)
	}
	if _, _, err := run(home, nil, "groups", "show", "nope"); err == nil || !strings.Contains(err.Error(), `no group with id "nope"`) {
		t.Fatalf("show of an unknown group: %v", err)
	}
}
