package app

import (
	"sync"

	"github.com/godbus/dbus/v5"
)

// Notifier shows Notices through the freedesktop Notifications service on
// the session bus (every Linux desktop has one). A notice about the same
// thing replaces the previous one instead of piling up.
type Notifier struct {
	conn *dbus.Conn

	mu  sync.Mutex
	ids map[string]uint32 // Notice.Key -> the id the service gave it
}

// NewNotifier connects to the session bus.
func NewNotifier() (*Notifier, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, err
	}
	return &Notifier{conn: conn, ids: map[string]uint32{}}, nil
}

// Show sends a notice. A desktop without a notification service answers
// with an error, which the caller logs: a notice is never worth failing for.
func (n *Notifier) Show(notice Notice) error {
	n.mu.Lock()
	replaces := n.ids[notice.Key]
	n.mu.Unlock()
	obj := n.conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	var id uint32
	err := obj.Call("org.freedesktop.Notifications.Notify", 0,
		"Switchboard", replaces, "switchboard", notice.Title, notice.Body,
		[]string{}, map[string]dbus.Variant{"desktop-entry": dbus.MakeVariant("switchboard")}, int32(-1)).Store(&id)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.ids[notice.Key] = id
	n.mu.Unlock()
	return nil
}

// Close drops the bus connection.
func (n *Notifier) Close() error { return n.conn.Close() }
