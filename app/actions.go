package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"switchboard/backend/client"
)

// Desktop is what the menu's actions need from the GUI: the window, the
// file manager, the browser, and leaving.
type Desktop interface {
	// ShowWindow brings the window forward at a panel route ("" for the
	// dashboard).
	ShowWindow(path string)
	// Open hands a folder, file or URL to the desktop's default program.
	Open(target string) error
	// Quit ends the app.
	Quit()
}

// Actions carries out what the tray's items say, through the control API.
type Actions struct {
	Client  *client.Client
	Desktop Desktop
}

// Run does one action. st is the state the menu was built from (Pause all
// and Resume all act on the servers it lists).
func (a Actions) Run(ctx context.Context, st State, act Action) error {
	c := a.Client
	var err error
	switch act.Kind {
	case ActOpenWindow:
		a.Desktop.ShowWindow(act.Path)
	case ActEnable:
		_, err = c.EnableServer(ctx, act.Server)
	case ActDisable:
		_, err = c.DisableServer(ctx, act.Server)
	case ActRestart:
		_, err = c.RestartServer(ctx, act.Server)
	case ActPauseAll:
		err = a.pauseAll(ctx, st)
	case ActResumeAll:
		err = a.resumeAll(ctx, st)
	case ActOpenURL:
		err = a.Desktop.Open(act.URL)
	case ActSetAutostart:
		_, err = c.SetAutostart(ctx, act.On)
	case ActOpenConfigDir:
		err = a.Desktop.Open(filepath.Dir(st.ConfigPath))
	case ActOpenLogs:
		err = a.Desktop.Open(st.LogDir)
	case ActQuit:
		a.Desktop.Quit()
	default:
		err = fmt.Errorf("unknown tray action %q", act.Kind)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", act.Kind, act.Server, err)
	}
	return nil
}

// pauseAll stops every enabled server that is not stopped yet, with
// PausedReason, so the menu knows which ones Resume all starts again.
func (a Actions) pauseAll(ctx context.Context, st State) error {
	var errs []error
	for _, s := range st.Servers {
		if pausable(s) {
			if _, err := a.Client.StopServer(ctx, s.Name, PausedReason); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// resumeAll starts the servers Pause all stopped, and only those: a server
// stopped by hand stays stopped.
func (a Actions) resumeAll(ctx context.Context, st State) error {
	var errs []error
	for _, s := range st.Servers {
		if s.Enabled && pausedByTray(s) {
			if _, err := a.Client.StartServer(ctx, s.Name); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
