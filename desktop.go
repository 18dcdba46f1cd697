package main

import (
	"errors"

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
	err = app.Run(app.Options{Client: c, Instance: inst, Logger: log, Version: version, Hidden: hidden})
	log.Info("shutting down")
	return err
}
