package upstream

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
)

// pipeWaitDelay bounds how long Wait waits for the child's output pipes
// after the child has exited: a grandchild that outlives it can hold them
// open for ever, and mcp-go's Close calls Wait.
const pipeWaitDelay = time.Second

// Launcher builds the exec.Cmd of a stdio upstream for mcp-go
// (transport.WithCommandFunc(l.CommandFunc())) and keeps it, so the owner
// can learn the child's PID once the transport has started it.
type Launcher struct {
	Dir    string       // working directory; "" is Switchboard's own
	Logger *slog.Logger // nil: slog.Default()
	// Stderr receives the child's stderr, e.g. a *RingBuffer. When nil,
	// mcp-go drains stderr into its own buffer (readable via Stderr()).
	Stderr io.Writer

	mu  sync.Mutex
	cmd *exec.Cmd
}

// CommandFunc returns a transport.CommandFunc that starts command in dir,
// in a process group of its own, with ChildEnv and the env mcp-go passes.
func CommandFunc(dir string, logger *slog.Logger) transport.CommandFunc {
	return (&Launcher{Dir: dir, Logger: logger}).CommandFunc()
}

// CommandFunc builds the child's exec.Cmd. The command is resolved against
// the PATH the child will see (LoginShellPath, or PATH from env). The Cmd is
// deliberately not bound to the context mcp-go passes (the one given to
// Start): that context is often a connect timeout, and cancelling it would
// kill a healthy server. Stopping the child is the owner's job (Close, then
// KillProcessGroup).
func (l *Launcher) CommandFunc() transport.CommandFunc {
	return func(ctx context.Context, command string, env []string, args []string) (*exec.Cmd, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fullEnv := mergeEnv(mergeEnv(ChildEnv(nil), env), []string{gatewayMark})
		path, _ := envValue(fullEnv, "PATH")
		resolved, err := resolveIn(command, l.Dir, filepath.SplitList(path))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(resolved, args...)
		cmd.Dir = l.Dir
		cmd.Env = fullEnv
		cmd.WaitDelay = pipeWaitDelay
		if l.Stderr != nil {
			cmd.Stderr = l.Stderr
		}
		ConfigureProcessGroup(cmd)

		logger := l.Logger
		if logger == nil {
			logger = slog.Default()
		}
		// Arguments and environment may carry tokens: log neither.
		logger.Debug("starting upstream process", "command", resolved, "dir", l.Dir)

		l.mu.Lock()
		l.cmd = cmd
		l.mu.Unlock()
		return cmd, nil
	}
}

// Cmd returns the last exec.Cmd built, or nil.
func (l *Launcher) Cmd() *exec.Cmd {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cmd
}

// PID returns the child's process id (also its process group id), or 0
// when it was not started. Call it after the transport's Start returned.
func (l *Launcher) PID() int {
	cmd := l.Cmd()
	if cmd == nil || cmd.Process == nil {
		return 0
	}
	return cmd.Process.Pid
}
