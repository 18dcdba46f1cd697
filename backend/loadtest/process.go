package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"switchboard/backend/upstream"
)

// Process is a program the load tool started: Switchboard itself or an
// upstream served over HTTP. It leads a process group of its own, so Stop
// also ends whatever it started, and on Linux it dies with the load tool.
type Process struct {
	cmd  *exec.Cmd
	out  *outputBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done closes
	once sync.Once
}

// StartProcess starts argv[0] with the rest as arguments. env nil means the
// load tool's own environment.
func StartProcess(argv, env []string) (*Process, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	out := &outputBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	upstream.ConfigureProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", strings.Join(argv, " "), err)
	}
	p := &Process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Output is everything the process wrote to stdout and stderr so far (the
// last 1 MiB of it).
func (p *Process) Output() string { return p.out.String() }

// WaitOutput waits until the output holds a line for which match returns a
// non-empty value, and returns that value.
func (p *Process) WaitOutput(ctx context.Context, match func(line string) string) (string, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, line := range strings.Split(p.Output(), "\n") {
			if v := match(line); v != "" {
				return v, nil
			}
		}
		select {
		case <-p.done:
			return "", fmt.Errorf("%s exited (%v) before it was ready; output:\n%s", p.cmd.Path, p.err, p.Output())
		case <-ctx.Done():
			return "", fmt.Errorf("%s not ready: %w; output:\n%s", p.cmd.Path, ctx.Err(), p.Output())
		case <-tick.C:
		}
	}
}

// Stop ends the process group: SIGTERM, then SIGKILL after 5 s.
func (p *Process) Stop() {
	p.once.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = upstream.KillProcessGroup(p.PID(), 5*time.Second)
		<-p.done
	})
}

// outputMax bounds the output kept of a long-running process.
const outputMax = 1 << 20

type outputBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *outputBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - outputMax; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *outputBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
