//go:build desktop && !darwin

package app

import (
	"context"
	"os"
	"sync"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"fyne.io/systray"

	"switchboard/backend/panellink"
)

// Built says whether this binary has the window and tray.
const Built = true

// Run shows the window and the tray until Quit. It must be called from
// the main goroutine (GTK's thread) and only when GUIUnavailable() is nil:
// Wails panics without a display and the tray's Quit without a session bus.
func Run(opts Options) error {
	w := &window{}
	t := newTray(opts, w)
	if n, err := NewNotifier(); err == nil {
		t.notifier = n
		defer n.Close()
	} else {
		opts.Logger.Warn("desktop notifications are off", "error", err)
	}
	if opts.Instance != nil {
		opts.Instance.OnShow(w.ShowWindow)
	}
	// The tray follows the core until shutdown, then stops before systray
	// drops its bus connection.
	trayCtx, stopTray := context.WithCancel(context.Background())
	defer stopTray()
	var endTray func()
	err := wails.Run(&options.App{
		Title:             "Switchboard",
		Width:             1200,
		Height:            820,
		MinWidth:          720,
		MinHeight:         480,
		StartHidden:       opts.Hidden,
		HideWindowOnClose: true, // closing the window leaves the app in the tray
		AssetServer:       &assetserver.Options{Handler: StartPage{Client: opts.Client}},
		Logger:            wailsLogger{opts.Logger},
		LogLevel:          logger.WARNING,
		Linux:             &linux.Options{Icon: appIcon(), ProgramName: "switchboard"},
		OnStartup: func(ctx context.Context) {
			w.setContext(ctx)
			start, end := systray.RunWithExternalLoop(func() { t.ready(trayCtx) }, nil)
			endTray = end
			start()
			opts.Logger.Info("desktop app started", "window_hidden", opts.Hidden)
		},
		OnShutdown: func(context.Context) {
			stopTray()
			t.close()
			if endTray != nil {
				endTray()
			}
		},
	})
	return err
}

// window is the Wails window, as the tray's actions see it.
type window struct {
	mu  sync.Mutex
	ctx context.Context // Wails' context, set at start-up
}

func (w *window) setContext(ctx context.Context) {
	w.mu.Lock()
	w.ctx = ctx
	w.mu.Unlock()
}

func (w *window) context() context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ctx
}

// ShowWindow shows and raises the window, at a panel route when one is
// given. On the panel the route changes in place (no reload); still on
// the start page, it starts over at that route.
func (w *window) ShowWindow(route string) {
	ctx := w.context()
	if ctx == nil {
		return
	}
	if route != "" {
		runtime.WindowExecJS(ctx, `if (location.protocol.startsWith("http")) { location.hash = `+panellink.JSString("#"+route)+
			` } else { location.replace("/?route=" + encodeURIComponent(`+panellink.JSString(route)+`)) }`)
	}
	runtime.WindowUnminimise(ctx)
	runtime.WindowShow(ctx)
}

// Open hands a folder or URL to the desktop.
func (w *window) Open(target string) error { return panellink.OpenWithDesktop(target) }

// Quit ends the app: the window, the tray and, in main, the core.
func (w *window) Quit() {
	if ctx := w.context(); ctx != nil {
		runtime.Quit(ctx)
		return
	}
	os.Exit(0)
}
