//go:build desktop

package app

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"fyne.io/systray"

	"switchboard/assets"
)

// tray is the system tray icon and menu, rebuilt from the menu model
// whenever the state read from the core changes it.
type tray struct {
	log      *slog.Logger
	actions  Actions
	notifier *Notifier // nil when the desktop has no notification service

	// refresh asks Watch to re-read the state at once after an action.
	refresh chan struct{}

	mu    sync.Mutex
	state State // the last state the core answered with
	menu  *Menu // the menu shown

	// shown guards the tray's DBus objects: once closed, nothing touches
	// them (systray panics on a closed connection).
	shown  sync.Mutex
	closed bool
}

// newTray is the tray of opts.Client, acting on desk; its notifier is the
// caller's to set.
func newTray(opts Options, desk Desktop) *tray {
	return &tray{log: opts.Logger, actions: Actions{Client: opts.Client, Desktop: desk}, refresh: make(chan struct{}, 1)}
}

// close stops all further changes to the tray; call it before ending
// systray.
func (t *tray) close() {
	t.shown.Lock()
	t.closed = true
	t.shown.Unlock()
}

// ready runs once systray is registered on the bus: it follows the core
// until the app ends.
func (t *tray) ready(ctx context.Context) {
	systray.SetTitle("Switchboard")
	go Watch(ctx, t.actions.Client, t.refresh, t.update)
}

// update shows a new state: notices for what is new, and the menu when
// it differs from the one shown (rebuilding an open menu would close it).
func (t *tray) update(st State) {
	t.mu.Lock()
	prev, shown := t.state, t.menu
	if st.Reachable {
		// Notices compare with the last state the core answered with, so
		// a core that was briefly unreachable does not repeat them all.
		t.state = st
	}
	m := BuildMenu(st)
	changed := shown == nil || !reflect.DeepEqual(*shown, m)
	if changed {
		t.menu = &m
	}
	t.mu.Unlock()
	for _, n := range Notices(prev, st) {
		t.notify(n)
	}
	if changed {
		t.show(m, st)
	}
}

func (t *tray) notify(n Notice) {
	if t.notifier == nil {
		return
	}
	if err := t.notifier.Show(n); err != nil {
		t.log.Debug("notification not shown", "title", n.Title, "error", err)
	}
}

// show replaces the tray's icon, tooltip and menu.
func (t *tray) show(m Menu, st State) {
	t.shown.Lock()
	defer t.shown.Unlock()
	if t.closed {
		return
	}
	if icon, err := assets.TrayIcon(string(m.Icon)); err == nil {
		systray.SetIcon(icon)
	}
	systray.SetTooltip(m.Tooltip)
	systray.ResetMenu()
	for _, it := range m.Items {
		t.add(nil, it, st)
	}
}

// add puts one item (and its submenu) into the tray; a click runs its
// action with the state the menu was built from. ResetMenu closes the
// item's ClickedCh, which ends its goroutine.
func (t *tray) add(parent *systray.MenuItem, it Item, st State) {
	if it.Separator {
		if parent == nil {
			systray.AddSeparator()
		} else {
			parent.AddSeparator()
		}
		return
	}
	var mi *systray.MenuItem
	switch {
	case parent == nil && it.Checkable:
		mi = systray.AddMenuItemCheckbox(it.Label, it.Tooltip, it.Checked)
	case parent == nil:
		mi = systray.AddMenuItem(it.Label, it.Tooltip)
	case it.Checkable:
		mi = parent.AddSubMenuItemCheckbox(it.Label, it.Tooltip, it.Checked)
	default:
		mi = parent.AddSubMenuItem(it.Label, it.Tooltip)
	}
	if it.Disabled {
		mi.Disable()
	}
	for _, child := range it.Children {
		t.add(mi, child, st)
	}
	if it.Action == nil {
		return
	}
	act := *it.Action
	go func() {
		for range mi.ClickedCh {
			t.run(st, act)
		}
	}()
}

// run does a clicked item's action; a failure is told as a notice (the
// tray has nowhere else to say it) and logged.
func (t *tray) run(st State, act Action) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.log.Info("tray action", "action", act.Kind, "server", act.Server)
	if err := t.actions.Run(ctx, st, act); err != nil {
		t.log.Warn("tray action failed", "action", act.Kind, "server", act.Server, "error", err)
		t.notify(Notice{Key: "action-error", Title: "Switchboard could not do that", Body: err.Error()})
	}
	select {
	case t.refresh <- struct{}{}:
	default: // a refresh is already due
	}
}
