package desktoptest

import (
	"testing"

	"github.com/godbus/dbus/v5"
)

// notification is one Notify call.
type notification struct {
	Summary, Body string
}

// notifications stands in for the desktop's notification service
// (org.freedesktop.Notifications) and records what it is asked to show.
type notifications struct {
	got chan notification
}

// Notify is the freedesktop Notifications call.
func (n *notifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	n.got <- notification{Summary: summary, Body: body}
	return replaces + 1, nil
}

func startNotifications(t *testing.T, conn *dbus.Conn) *notifications {
	t.Helper()
	n := &notifications{got: make(chan notification, 16)}
	if err := conn.Export(n, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own org.freedesktop.Notifications: reply %v, %v", reply, err)
	}
	return n
}
