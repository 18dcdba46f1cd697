package app

import (
	"errors"
	"os"
	"testing"
	"time"
)

// A second launch for the same home finds the first and makes it show its
// window at the asked route; another home is another app. Needs a session
// bus: scripts/test-desktop.sh runs it under dbus-run-session.
func TestSecondLaunchShowsTheFirstWindow(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("no session bus (run under dbus-run-session, as make test-desktop does)")
	}
	home := t.TempDir()
	first, err := ClaimInstance(home, "")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	shown := make(chan string, 1)
	first.OnShow(func(p string) { shown <- p })

	if _, err := ClaimInstance(home, "/servers/files"); !errors.Is(err, ErrOtherInstance) {
		t.Fatalf("second launch: %v, want ErrOtherInstance", err)
	}
	select {
	case p := <-shown:
		if p != "/servers/files" {
			t.Fatalf("shown at %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance was not asked to show its window")
	}
	other, err := ClaimInstance(t.TempDir(), "")
	if err != nil {
		t.Fatalf("another home: %v", err)
	}
	other.Release()
	first.Release()
	again, err := ClaimInstance(home, "")
	if err != nil {
		t.Fatalf("after the first quit, a launch is the app: %v", err)
	}
	again.Release()
}
