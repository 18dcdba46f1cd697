package testdeps_test

import "os/exec"

func runOutput(command string, args ...string) (string, error) {
	out, err := exec.Command(command, args...).CombinedOutput()
	return string(out), err
}
