package upstream

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func detachGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killMarked SIGKILLs every process whose environment holds mark.
func killMarked(mark string) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	want := []byte(mark)
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, want) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				break
			}
		}
	}
}
