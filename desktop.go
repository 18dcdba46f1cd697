package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"switchboard/app"
	"switchboard/backend/client"
	"switchboard/backend/daemon"
)

// desktop is `switchboard` with no subcommand: the window and tray over a
// core in this process, where this build has them and a display and a
// session bus exist; otherwise the headless `serve`, saying why.
func desktop(g globalFlags, hidden bool) error {
	if !app.Built {
		return serve(g)
	}
	opts := g.options()
	log := opts.Logger
	if err := app.GUIUnavailable(); err != nil {
		log.Info("no desktop session here, running headless as `switchboard serve`", "reason", err.Error())
		return serve(g)
	}
	inst, err := app.ClaimInstance(opts.Home, "")
	switch {
	case errors.Is(err, app.ErrOtherInstance):
		log.Info("Switchboard already runs on this desktop; its window was brought forward")
		return nil
	case err != nil:
		log.Warn("could not claim the single-instance name on the session bus; a second launch will start a second app", "error", err)
	}
	defer inst.Release()
	d, err := daemon.Start(opts)
	switch {
	case errors.Is(err, daemon.ErrAlreadyRunning):
		// A headless Switchboard runs for this home: the window and tray
		// use it over the socket.
		log.Info("a Switchboard core already runs for this home; the window and tray use it", "socket", daemon.SocketPath(opts.Home))
	case err != nil:
		return err
	default:
		defer d.Close()
	}
	c, err := client.New(client.Options{Home: opts.Home, UserAgent: "switchboard-desktop/" + version})
	if err != nil {
		return err
	}
	if app.SplitProcesses() {
		if inst == nil && d == nil {
			// No session bus to find the running app by (macOS), and a core
			// already runs: most likely that app's. Show its panel rather than
			// start a second tray.
			log.Info("Switchboard already runs for this home; opening its panel")
			return app.OpenPanelInBrowser(context.Background(), c, opts.Home, "")
		}
		err = split(g, log, opts.Home, c, inst, hidden)
	} else {
		err = app.Run(app.Options{Client: c, Instance: inst, Logger: log, Hidden: hidden})
	}
	log.Info("shutting down")
	return err
}

// split is the desktop app where the tray must be a process of its own
// (macOS): this process keeps the core, the tray talks to it over the
// socket, and the panel opens in the browser.
func split(g globalFlags, log *slog.Logger, home string, c *client.Client, inst *app.Instance, hidden bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	show := func(route string) {
		if err := app.OpenPanelInBrowser(ctx, c, home, route); err != nil {
			log.Warn("could not open the panel in the browser", "error", err)
		}
	}
	if inst != nil {
		inst.OnShow(show)
	}
	if !hidden {
		go show("")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return app.RunSplit(ctx, exe, []string{"--home", home, "--log-level", g.logLevel}, log)
}

// trayProcess is `switchboard tray`: the tray alone, started by split.
func trayProcess(g globalFlags) error {
	opts := g.options()
	opts.Logger = fileLogger(opts.Home, g.logLevel, "tray.log")
	if err := app.GUIUnavailable(); err != nil {
		return fmt.Errorf("the tray cannot run here: %w", err)
	}
	c, err := client.New(client.Options{Home: opts.Home, UserAgent: "switchboard-tray/" + version})
	if err != nil {
		return err
	}
	return app.RunTray(app.Options{Client: c, Logger: opts.Logger}, opts.Home)
}
