package main

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"switchboard/backend/client"
)

// The default build (CGO_ENABLED=0, no desktop tag) has no window or
// tray: `switchboard` with no subcommand serves, as `serve` does, even
// where a display exists, and ends cleanly on SIGTERM.
func TestNoSubcommandServesInTheHeadlessBuild(t *testing.T) {
	bin := buildSwitchboard(t)
	home := writeHome(t)
	cmd := exec.Command(bin, "--home", home, "--hidden")
	cmd.Env = append(os.Environ(), "DISPLAY=:0", "SWITCHBOARD_HOME=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	c, err := client.New(client.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := c.Status(context.Background())
		if err == nil && st.Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no core answering: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not end on SIGTERM")
	}
}
