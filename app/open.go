package app

import (
	"os/exec"
	"runtime"
)

// OpenWithDesktop hands a folder, file or URL to the desktop's default
// program (the file manager, the browser), without waiting for it.
func OpenWithDesktop(target string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", target)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", target)
	default:
		cmd = exec.Command("xdg-open", target)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }() // reap it
	return nil
}
