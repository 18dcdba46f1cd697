package desktoptest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcher stands in for the desktop's tray host: it owns
// org.kde.StatusNotifierWatcher on the session bus and records the items
// that register, as a panel (KDE, GNOME's AppIndicator extension) does.
type watcher struct {
	mu    sync.Mutex
	items chan registration
}

// registration is an item that registered: the bus name that called and
// the object path it gave.
type registration struct {
	Sender string
	Path   string
}

// RegisterStatusNotifierItem is the call a tray makes to appear.
func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.items <- registration{Sender: string(sender), Path: service}
	return nil
}

// RegisterStatusNotifierHost is part of the interface; nothing to do.
func (w *watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

func startWatcher(t *testing.T) (*watcher, *dbus.Conn) {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("session bus: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	w := &watcher{items: make(chan registration, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own org.kde.StatusNotifierWatcher: reply %v, %v", reply, err)
	}
	return w, conn
}

// menuItem is one entry of a dbusmenu layout.
type menuItem struct {
	ID       int32
	Label    string
	Enabled  bool
	Toggled  bool
	Visible  bool
	Children []menuItem
}

// menuPath is the dbusmenu object the item names in its Menu property.
func menuPath(conn *dbus.Conn, sender string) (dbus.ObjectPath, error) {
	v, err := conn.Object(sender, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		return "", err
	}
	path, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		return "", fmt.Errorf("Menu property is %T", v.Value())
	}
	return path, nil
}

// readMenu is the whole menu the item at sender exports.
func readMenu(conn *dbus.Conn, sender string) (menuItem, error) {
	path, err := menuPath(conn, sender)
	if err != nil {
		return menuItem{}, err
	}
	var layout []any
	call := conn.Object(sender, path).Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		return menuItem{}, call.Err
	}
	if len(call.Body) != 2 {
		return menuItem{}, fmt.Errorf("GetLayout answered %d values", len(call.Body))
	}
	layout, ok := call.Body[1].([]any)
	if !ok {
		return menuItem{}, fmt.Errorf("GetLayout layout is %T", call.Body[1])
	}
	return parseLayout(layout)
}

func parseLayout(l []any) (menuItem, error) {
	if len(l) != 3 {
		return menuItem{}, fmt.Errorf("layout node of %d fields", len(l))
	}
	m := menuItem{Enabled: true, Visible: true}
	m.ID, _ = l[0].(int32)
	props, _ := l[1].(map[string]dbus.Variant)
	if v, ok := props["label"]; ok {
		m.Label, _ = v.Value().(string)
	}
	if v, ok := props["enabled"]; ok {
		m.Enabled, _ = v.Value().(bool)
	}
	if v, ok := props["visible"]; ok {
		m.Visible, _ = v.Value().(bool)
	}
	if v, ok := props["toggle-state"]; ok {
		switch s := v.Value().(type) {
		case int32:
			m.Toggled = s == 1
		case int64:
			m.Toggled = s == 1
		}
	}
	children, _ := l[2].([]dbus.Variant)
	for _, c := range children {
		node, ok := c.Value().([]any)
		if !ok {
			return m, fmt.Errorf("child is %T", c.Value())
		}
		child, err := parseLayout(node)
		if err != nil {
			return m, err
		}
		if child.Visible {
			m.Children = append(m.Children, child)
		}
	}
	return m, nil
}

// find is the first item whose label starts with prefix, depth first.
func (m menuItem) find(prefix string) *menuItem {
	for i := range m.Children {
		c := &m.Children[i]
		if len(c.Label) >= len(prefix) && c.Label[:len(prefix)] == prefix {
			return c
		}
		if f := c.find(prefix); f != nil {
			return f
		}
	}
	return nil
}

// click sends the "clicked" event a tray host sends when the user picks
// an item.
func click(conn *dbus.Conn, sender string, id int32) error {
	path, err := menuPath(conn, sender)
	if err != nil {
		return err
	}
	return conn.Object(sender, path).Call("com.canonical.dbusmenu.Event", 0,
		id, "clicked", dbus.MakeVariant(""), uint32(0)).Err
}

// menuOf reads the menu until cond holds on it.
func menuOf(t *testing.T, conn *dbus.Conn, sender, what string, cond func(menuItem) bool) menuItem {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var m menuItem
	var err error
	for time.Now().Before(deadline) {
		if m, err = readMenu(conn, sender); err == nil && cond(m) {
			return m
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("menu never showed %s (last read: %v)\n%s", what, err, dump(m, ""))
	return m
}

// quitFromTray clicks the tray's Quit and waits for the app to end
// cleanly; what names that Quit in the failure.
func quitFromTray(t *testing.T, conn *dbus.Conn, sender string, a *app, what string) {
	t.Helper()
	m := menuOf(t, conn, sender, "Quit", func(m menuItem) bool { return m.find("Quit Switchboard") != nil })
	if err := click(conn, sender, m.find("Quit Switchboard").ID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not end after " + what)
	}
}
