//go:build windows

package autostart

import (
	"errors"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// runKey is the per-user list of programs Windows starts at login.
const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// RunKey is the value named Label under HKCU\...\Run.
type RunKey struct{}

// ForUser is the login entry of the user running Switchboard.
func ForUser() Entry { return RunKey{} }

// Where names the registry value.
func (RunKey) Where() string { return `HKEY_CURRENT_USER\` + runKey + `\` + Label }

// Enabled is true when the value exists.
func (RunKey) Enabled() (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer k.Close()
	_, _, err = k.GetStringValue(Label)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Enable sets the value to the command line, each argument quoted.
func (RunKey) Enable(command []string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	quoted := make([]string, len(command))
	for i, a := range command {
		quoted[i] = `"` + strings.ReplaceAll(a, `"`, `\"`) + `"`
	}
	return k.SetStringValue(Label, strings.Join(quoted, " "))
}

// Disable deletes the value.
func (RunKey) Disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(Label); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}
