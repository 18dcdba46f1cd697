package upstream

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
)

// When Switchboard is killed outright (SIGKILL, a crash), nothing of it runs
// to stop its servers. The kernel's parent-death signal ends each server
// process, but not what a server started itself (npx starts node, uvx
// starts python), which would live on as orphans. The reaper is a small
// second process, `switchboard __reap-upstreams PID`, that Switchboard
// starts with a pipe as its stdin. When Switchboard is gone, however it
// went, the pipe closes, and the reaper kills every process that carries
// Switchboard's mark in its environment (EnvGateway=PID, which children
// inherit), then exits. After an orderly shutdown there is nothing left to
// kill.

// ReaperCommand is the hidden subcommand of the switchboard binary that
// runs RunReaper.
const ReaperCommand = "__reap-upstreams"

// EnvGateway marks every upstream process with the pid of the Switchboard
// that started it.
const EnvGateway = "SWITCHBOARD_GATEWAY_PID"

// gatewayMark is EnvGateway=<our pid>, put in every child's environment.
var gatewayMark = EnvGateway + "=" + strconv.Itoa(os.Getpid())

// Reaper is the running reaper process.
type Reaper struct {
	cmd  *exec.Cmd
	pipe io.WriteCloser
	once sync.Once
}

// StartReaper starts exe (the switchboard binary) as the reaper of this
// process's upstreams.
func StartReaper(exe string) (*Reaper, error) {
	cmd := exec.Command(exe, ReaperCommand, strconv.Itoa(os.Getpid()))
	// Its own process group: a Ctrl-C in the terminal goes to Switchboard,
	// which stops its servers itself, and not to the reaper.
	detachGroup(cmd)
	pipe, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the upstream reaper %s: %w", exe, err)
	}
	return &Reaper{cmd: cmd, pipe: pipe}, nil
}

// Close ends the reaper after an orderly shutdown (call it once every
// server has stopped): it finds nothing left to kill and exits.
func (r *Reaper) Close() {
	if r == nil {
		return
	}
	r.once.Do(func() {
		_ = r.pipe.Close()
		_ = r.cmd.Wait()
	})
}

// RunReaper waits until in ends (the Switchboard with pid gateway is gone)
// and then kills every process that carries that Switchboard's mark.
func RunReaper(in io.Reader, gateway int) error {
	_, _ = io.Copy(io.Discard, in)
	mark := EnvGateway + "=" + strconv.Itoa(gateway)
	// Twice: a process may have started another while the first pass ran.
	for range 2 {
		killMarked(mark)
	}
	return nil
}
