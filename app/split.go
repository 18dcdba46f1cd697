package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// SplitProcesses says whether the tray runs as a process of its own, with
// the panel in the browser instead of a window: on macOS, where the tray
// and the Wails window cannot share a process, and wherever
// SWITCHBOARD_DESKTOP_SPLIT=1 asks for that layout (which is how it is
// tested on Linux).
func SplitProcesses() bool {
	return runtime.GOOS == "darwin" || os.Getenv("SWITCHBOARD_DESKTOP_SPLIT") == "1"
}

// TrayCommand is the hidden subcommand that runs only the tray.
const TrayCommand = "tray"

// RunSplit starts the tray as its own process (exe tray, with args: the
// global flags that name the home folder) and waits for it: its Quit ends
// the app. When ctx ends first (Ctrl-C, SIGTERM), the tray is asked to
// end too. The caller keeps the core running meanwhile.
func RunSplit(ctx context.Context, exe string, args []string, log *slog.Logger) error {
	cmd := exec.CommandContext(ctx, exe, append([]string{TrayCommand}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	log.Info("desktop app started: the tray runs as its own process, the panel opens in the browser", "tray_pid", cmd.Process.Pid)
	err := cmd.Wait()
	if ctx.Err() != nil {
		return nil // we were asked to stop, and stopped the tray
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		log.Warn("the tray process ended with an error", "error", err)
	}
	return err
}
