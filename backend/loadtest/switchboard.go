package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
)

// Switchboard is the gateway under load: one the load tool started, or one
// already running that it was pointed at.
type Switchboard struct {
	URL    string   // its /mcp endpoint
	Home   string   // its home folder, where the socket of the stdio bridge is
	Binary string   // the switchboard binary that `switchboard stdio` runs
	Wrap   []string // prefixes the bridges' command (taskset)
	pid    int
	proc   *Process
	ownDir bool
}

// SwitchboardOptions say how to start a Switchboard.
type SwitchboardOptions struct {
	Binary  string
	Home    string // "": a new temporary folder, removed by Stop
	Servers map[string]*config.Server
	// Wrap prefixes the command, e.g. taskset -c 0 to pin it (and the
	// upstreams it starts, which inherit the affinity) to some cores.
	Wrap []string
	// LogLevel is serve's --log-level. The default, info, is the least that
	// shows the start-up line the address is read from.
	LogLevel string
}

// StartSwitchboard writes a config with the given servers into a fresh
// home folder and runs `switchboard serve` on a free loopback port.
func StartSwitchboard(ctx context.Context, o SwitchboardOptions) (_ *Switchboard, err error) {
	s := &Switchboard{Binary: o.Binary, Home: o.Home, Wrap: o.Wrap}
	if s.Home == "" {
		if s.Home, err = os.MkdirTemp("", "switchboard-load-"); err != nil {
			return nil, err
		}
		s.ownDir = true
	}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	off := false
	cfg := &config.Config{UpdateCheck: &off, Servers: o.Servers}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(s.Home, "config.json")
	if err := os.WriteFile(cfgPath, data, 0o600); err != nil {
		return nil, err
	}
	level := o.LogLevel
	if level == "" {
		level = "info"
	}
	argv := append(append([]string{}, o.Wrap...), o.Binary, "serve", "--home", s.Home,
		"--listen", "127.0.0.1:0", "--log-level", level)
	if s.proc, err = StartProcess(argv, nil); err != nil {
		return nil, err
	}
	s.pid = s.proc.PID()
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s.URL, err = s.proc.WaitOutput(wait, func(line string) string {
		if !strings.Contains(line, "switchboard serving") {
			return ""
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "mcp="); ok {
				return v
			}
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// AttachSwitchboard describes a running Switchboard at url (its /mcp).
// home, when known, lets the stdio bridge reach it and names its process
// (the pid in HOME/switchboard.lock); pid > 0 names it directly.
func AttachSwitchboard(url, home, binary string, pid int, wrap []string) (*Switchboard, error) {
	s := &Switchboard{URL: url, Home: home, Binary: binary, Wrap: wrap, pid: pid}
	if pid == 0 && home != "" {
		if b, err := os.ReadFile(filepath.Join(home, "switchboard.lock")); err == nil {
			_, _ = fmt.Sscan(string(b), &s.pid)
		}
	}
	return s, nil
}

// PID is the Switchboard process, 0 when unknown.
func (s *Switchboard) PID() int { return s.pid }

// Output is what a Switchboard the load tool started has logged.
func (s *Switchboard) Output() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.Output()
}

// Bridge is the target that reaches this Switchboard through `switchboard
// stdio`, one bridge process per session.
func (s *Switchboard) Bridge() (Target, error) {
	if s.Home == "" {
		return nil, fmt.Errorf("the stdio bridge needs the home folder of the Switchboard (its socket is there)")
	}
	if s.Binary == "" {
		return nil, fmt.Errorf("the stdio bridge needs the switchboard binary")
	}
	argv := append(append([]string{}, s.Wrap...), s.Binary, "stdio", "--home", s.Home, "--log-level", "warn")
	return StdioTarget{Argv: argv}, nil
}

// WaitTool waits until the gateway lists every one of the tools (their
// upstreams are up).
func (s *Switchboard) WaitTool(ctx context.Context, tools ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	pool, err := HTTPTarget{URL: s.URL}.Open(ctx, 1)
	if err != nil {
		return err
	}
	defer pool.Close()
	var names []string
	var missing []string
	for {
		res, err := pool.Clients[0].ListTools(ctx, mcp.ListToolsRequest{})
		if err == nil {
			names = names[:0]
			for _, t := range res.Tools {
				names = append(names, t.Name)
			}
			missing = missing[:0]
			for _, tool := range tools {
				if !slices.Contains(names, tool) {
					missing = append(missing, tool)
				}
			}
			if len(missing) == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s does not list the tools %v (it lists %d tools): %w\n%s", s.URL, missing, len(names), ctx.Err(), s.Output())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop ends a Switchboard the load tool started (and with it the upstreams
// it runs), and removes its temporary home.
func (s *Switchboard) Stop() {
	if s.proc != nil {
		s.proc.Stop()
	}
	if s.ownDir {
		_ = os.RemoveAll(s.Home)
	}
}
