// Package autostart turns "start Switchboard when I log in" on and off the
// way each desktop expects: an XDG autostart entry on Linux and other
// freedesktop systems, a LaunchAgent on macOS, the Run key on Windows.
//
// It lives beside the API (not in the desktop shell) because both the
// settings endpoint and the tray switch it, and the shell reaches the core
// only through the API.
package autostart

import "errors"

// Label names the entry in every OS's list of things started at login.
const Label = "Switchboard"

// ID is the reverse-DNS name macOS wants for a LaunchAgent and the file
// name of the XDG entry.
const ID = "io.switchboard.Switchboard"

// Entry is one way of starting a program at login.
type Entry interface {
	// Enabled says whether the program is started at login now.
	Enabled() (bool, error)
	// Enable makes the program start at login as command (the binary and
	// its arguments), replacing an older entry.
	Enable(command []string) error
	// Disable removes the entry; removing none is not an error.
	Disable() error
	// Where says where the entry is kept, for the user and the docs.
	Where() string
}

// ErrUnsupported is what Enable and Disable return where Switchboard does
// not know how to start at login.
var ErrUnsupported = errors.New("start at login is not supported on this system")

// unsupported is the Entry of systems with no known mechanism.
type unsupported struct{}

func (unsupported) Enabled() (bool, error) { return false, nil }
func (unsupported) Enable([]string) error  { return ErrUnsupported }
func (unsupported) Disable() error         { return nil }
func (unsupported) Where() string          { return "" }
