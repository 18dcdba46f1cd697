//go:build !darwin && !windows

package autostart

// ForUser is the login entry of the user running Switchboard.
func ForUser() Entry {
	dir, err := XDGDir()
	if err != nil {
		return unsupported{}
	}
	return XDG{Dir: dir}
}
