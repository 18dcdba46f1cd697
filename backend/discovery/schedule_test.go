package discovery

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A source that cannot watch (the clients source) is rescanned at its
// interval: a client file written after the first scan shows up without a
// scan being asked for.
func TestRunRescansAtTheInterval(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	r := newRig(t)
	// Set directly: AddSource (rightly) refuses an interval this short.
	r.m.mu.Lock()
	c := SourceConfig{ID: "clients", Kind: KindClients, Mode: ModeAdditive, Enabled: true, Interval: "150ms"}
	r.m.st.Sources = append(r.m.st.Sources, c)
	r.m.status[c.ID] = &Status{SourceConfig: c}
	r.m.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(5 * time.Second)
	for s, _ := r.m.Source("clients"); s.LastScan == nil; s, _ = r.m.Source("clients") {
		if time.Now().After(deadline) {
			t.Fatal("no first scan within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if p := r.m.PendingList(); len(p) != 0 {
		t.Fatalf("pending before any file: %+v", p)
	}
	write(t, filepath.Join(home, ".cursor", "mcp.json"), `{"mcpServers": {"later": {"command": "echo"}}}`)
	waitPending(t, r.m, "later, found by a scheduled scan", func(p []Pending) bool { return len(p) == 1 && p[0].ID == "clients/later" })
}
