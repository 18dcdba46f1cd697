//go:build !unix

package testdeps

import "os/exec"

func setProcessGroup(cmd *exec.Cmd) {}

// signalGroup can only end the child itself where there are no process groups.
func signalGroup(cmd *exec.Cmd, kill bool) {
	_ = cmd.Process.Kill()
}
