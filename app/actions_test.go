package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"switchboard/backend/client"
	"switchboard/backend/daemon"
	"switchboard/backend/testdeps"
)

// core starts a real Switchboard in a temporary home with two servers of
// our test server, and a client over its socket, as the tray uses.
func core(t *testing.T) (*client.Client, string) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "xdg"))
	bin := testdeps.TestServerBinary(t)
	cfg := map[string]any{"mcpServers": map[string]any{
		"alpha": map[string]any{"command": bin},
		"beta":  map[string]any{"command": bin},
	}}
	data, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(home, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(daemon.Options{Home: home, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	c, err := client.New(client.Options{Home: home, UserAgent: "switchboard-tray-test"})
	if err != nil {
		t.Fatal(err)
	}
	return c, home
}

// fakeDesktop records what the actions asked of the GUI.
type fakeDesktop struct {
	mu     sync.Mutex
	shown  []string
	opened []string
	quit   bool
}

func (f *fakeDesktop) ShowWindow(p string) { f.mu.Lock(); f.shown = append(f.shown, p); f.mu.Unlock() }
func (f *fakeDesktop) Open(p string) error {
	f.mu.Lock()
	f.opened = append(f.opened, p)
	f.mu.Unlock()
	return nil
}
func (f *fakeDesktop) Quit() { f.mu.Lock(); f.quit = true; f.mu.Unlock() }

// waitMenu re-reads the state until cond holds on the menu built from it.
func waitMenu(t *testing.T, c *client.Client, what string, cond func(Menu) bool) State {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := ReadState(context.Background(), c)
		if cond(BuildMenu(st)) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s; menu: %+v", what, BuildMenu(st))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// click runs the action of the item with this ID, as the tray does.
func click(t *testing.T, a Actions, st State, id string) {
	t.Helper()
	it := BuildMenu(st).Find(id)
	if it == nil || it.Action == nil || it.Disabled {
		t.Fatalf("no clickable item %s in %+v", id, BuildMenu(st))
	}
	if err := a.Run(context.Background(), st, *it.Action); err != nil {
		t.Fatalf("click %s: %v", id, err)
	}
}

func TestMenuActionsChangeTheRealCore(t *testing.T) {
	c, home := core(t)
	desk := &fakeDesktop{}
	a := Actions{Client: c, Desktop: desk}
	label := func(id string) func(Menu) bool {
		return func(m Menu) bool { it := m.Find(id); return it != nil && m.Icon == IconOK }
	}
	st := waitMenu(t, c, "both servers", label("server/beta"))

	click(t, a, st, "server/alpha/disable")
	st = waitMenu(t, c, "alpha disabled", func(m Menu) bool {
		return m.Find("server/alpha").Label == "alpha — disabled" && m.Find("server/alpha/enable") != nil
	})
	click(t, a, st, "server/alpha/enable")
	st = waitMenu(t, c, "alpha enabled again", func(m Menu) bool { return m.Find("server/alpha/disable") != nil })

	click(t, a, st, "pause")
	st = waitMenu(t, c, "paused", func(m Menu) bool { return m.Icon == IconPaused && m.Find("resume") != nil })
	if got := BuildMenu(st).Find("server/beta").Label; got != "beta — paused" {
		t.Errorf("a paused server reads %q", got)
	}
	click(t, a, st, "resume")
	st = waitMenu(t, c, "resumed", func(m Menu) bool {
		return m.Icon == IconOK && m.Find("pause") != nil && m.Find("server/beta").Label != "beta — paused"
	})

	click(t, a, st, "autostart")
	st = waitMenu(t, c, "start at login on", func(m Menu) bool { return m.Find("autostart").Checked })
	entry := filepath.Join(home, "xdg", "autostart", "io.switchboard.Switchboard.desktop")
	if _, err := os.Stat(entry); err != nil {
		t.Fatalf("no autostart entry after checking Start at login: %v", err)
	}
	click(t, a, st, "autostart")
	st = waitMenu(t, c, "start at login off", func(m Menu) bool { return !m.Find("autostart").Checked })
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Fatalf("autostart entry left after unchecking: %v", err)
	}

	click(t, a, st, "config-dir")
	click(t, a, st, "logs")
	click(t, a, st, "server/beta/open")
	click(t, a, st, "quit")
	if len(desk.opened) != 2 || desk.opened[0] != home || desk.opened[1] != filepath.Join(home, "logs") {
		t.Errorf("opened %q, want the home and its logs", desk.opened)
	}
	if len(desk.shown) != 1 || desk.shown[0] != "/servers/beta" || !desk.quit {
		t.Errorf("shown %q, quit %v", desk.shown, desk.quit)
	}
}

// Watch delivers a new state when the event stream says something changed,
// well before its periodic re-read.
func TestWatchFollowsTheEventStream(t *testing.T) {
	c, _ := core(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states := make(chan State, 100)
	go Watch(ctx, c, nil, func(st State) { states <- st })
	waitFor := func(what string, cond func(State) bool) {
		t.Helper()
		timeout := time.After(15 * time.Second)
		for {
			select {
			case st := <-states:
				if cond(st) {
					return
				}
			case <-timeout:
				t.Fatalf("no state with %s within 15 s (the periodic re-read is %s)", what, resync)
			}
		}
	}
	ready := func(st State) bool {
		return IconFor(st) == IconOK && len(st.Servers) == 2 && st.Servers[0].State == "ready"
	}
	waitFor("both servers", func(st State) bool { return len(st.Servers) == 2 })
	if _, err := c.StartServer(ctx, "alpha"); err != nil { // cold servers start on first use; make one ready
		t.Fatal(err)
	}
	waitFor("alpha ready", ready)
	if _, err := c.DisableServer(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	waitFor("alpha disabled", func(st State) bool { return !st.Servers[0].Enabled })
}
