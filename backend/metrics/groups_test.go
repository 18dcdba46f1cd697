package metrics_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/metrics"
	"switchboard/backend/testdeps"
)

// A group's state and its members' breakers are gauges; a stopped member
// shows as the group degraded with one member healthy.
func TestGroupGauges(t *testing.T) {
	m := metrics.New("v0.0.0-test")
	gw := gateway.New(gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(gw.Close)
	m.Track(gw)
	srv := func() *config.Server {
		return &config.Server{Command: testdeps.TestServerBinary(t), Args: []string{"--transport", "stdio"}}
	}
	gw.Apply(&config.Config{Servers: map[string]*config.Server{"a": srv(), "b": srv()},
		Groups: map[string]*config.Group{"pool": {Members: []config.GroupMember{{Server: "a"}, {Server: "b"}}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)
	if err := gw.StopServer("b", "test"); err != nil {
		t.Fatal(err)
	}
	for name, labels := range map[string]map[string]string{
		"switchboard_group_state":           {"group": "pool", "state": "degraded"},
		"switchboard_group_members_healthy": {"group": "pool"},
		"switchboard_group_breaker_state":   {"group": "pool", "server": "a", "state": "closed"},
	} {
		mt, ok := sample(t, m, name, labels)
		if !ok {
			t.Fatalf("no %s%v", name, labels)
		}
		if v := mt.GetGauge().GetValue(); v != 1 {
			t.Fatalf("%s%v = %v, want 1", name, labels, v)
		}
	}
	if mt, ok := sample(t, m, "switchboard_group_state", map[string]string{"group": "pool", "state": "healthy"}); !ok || mt.GetGauge().GetValue() != 0 {
		t.Fatal("switchboard_group_state{state=healthy} is not 0 for a degraded group")
	}
}
