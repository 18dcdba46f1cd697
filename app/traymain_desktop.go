//go:build desktop

package app

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/systray"

	"switchboard/backend/panellink"
)

// RunTray runs the tray alone, as its own process, against the core over
// the socket (SplitProcesses); "Open Switchboard" and the items that show
// a page open the panel in the browser. It returns at Quit or on SIGINT or
// SIGTERM. Like Run, it needs GUIUnavailable() to be nil.
func RunTray(opts Options, home string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	desk := &browserDesktop{opts: opts, home: home}
	t := newTray(opts, desk)
	if n, err := NewNotifier(); err == nil {
		t.notifier = n
		defer n.Close()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
			systray.Quit()
		case <-ctx.Done():
		}
	}()
	systray.Run(func() {
		t.ready(ctx)
		opts.Logger.Info("tray started", "pid", os.Getpid())
	}, func() {
		cancel()
		t.close()
	})
	return nil
}

// browserDesktop is the Desktop of a tray with no window.
type browserDesktop struct {
	opts Options
	home string
}

func (b *browserDesktop) ShowWindow(route string) {
	if err := OpenPanelInBrowser(context.Background(), b.opts.Client, b.home, route); err != nil {
		b.opts.Logger.Warn("could not open the panel in the browser", "error", err)
	}
}

func (b *browserDesktop) Open(target string) error { return panellink.OpenWithDesktop(target) }

func (b *browserDesktop) Quit() { systray.Quit() }
