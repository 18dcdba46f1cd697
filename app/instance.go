package app

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"sync"

	"github.com/godbus/dbus/v5"
)

// ErrOtherInstance means the desktop app already runs for this home
// folder; ClaimInstance has asked it to bring its window forward.
var ErrOtherInstance = errors.New("switchboard already runs on this desktop")

const (
	instanceIface = "io.switchboard.Desktop"
	instancePath  = dbus.ObjectPath("/io/switchboard/Desktop")
)

// instanceName is the session-bus name of the app of one home folder, so
// two homes (a test's, the user's) can each have their app.
func instanceName(home string) string {
	abs, err := filepath.Abs(home)
	if err != nil {
		abs = home
	}
	sum := sha256.Sum256([]byte(abs))
	return instanceIface + ".h" + hex.EncodeToString(sum[:6])
}

// Instance is this process holding the app's name on the session bus.
// Another launch finds the name taken and calls Show on it instead of
// starting a second app.
type Instance struct {
	conn *dbus.Conn

	mu   sync.Mutex
	show func(path string)
}

// showRequests is the object other launches call.
type showRequests struct{ i *Instance }

// Show brings the window forward at a panel route ("" for where it was).
func (s showRequests) Show(path string) *dbus.Error {
	s.i.mu.Lock()
	show := s.i.show
	s.i.mu.Unlock()
	if show != nil {
		show(path)
	}
	return nil
}

// ClaimInstance takes the app's name on the session bus. When another
// process holds it, it asks that one to show its window at path and
// returns ErrOtherInstance; the caller then exits.
func ClaimInstance(home, path string) (*Instance, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, err
	}
	name := instanceName(home)
	i := &Instance{conn: conn}
	if err := conn.Export(showRequests{i}, instancePath, instanceIface); err != nil {
		_ = conn.Close()
		return nil, err
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		call := conn.Object(name, instancePath).Call(instanceIface+".Show", 0, path)
		_ = conn.Close()
		if call.Err != nil {
			return nil, errors.Join(ErrOtherInstance, call.Err)
		}
		return nil, ErrOtherInstance
	}
	return i, nil
}

// OnShow sets what a Show request from another launch does.
func (i *Instance) OnShow(show func(path string)) {
	i.mu.Lock()
	i.show = show
	i.mu.Unlock()
}

// Release gives the name up.
func (i *Instance) Release() {
	if i != nil {
		_ = i.conn.Close()
	}
}
