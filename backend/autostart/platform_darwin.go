//go:build darwin

package autostart

// ForUser is the login entry of the user running Switchboard.
func ForUser() Entry {
	dir, err := LaunchAgentsDir()
	if err != nil {
		return unsupported{}
	}
	return LaunchAgent{Dir: dir}
}
