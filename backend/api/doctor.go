package api

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"switchboard/backend/store"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/config"
	"switchboard/backend/upstream"
)

// Verdicts of a doctor check.
const (
	checkOK   = "ok"
	checkWarn = "warn"
	checkFail = "fail"
)

// DoctorCheck is one thing the doctor looked at.
type DoctorCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok, warn, fail
	Detail string `json:"detail"`
	// Fix says what to do when the status is not ok.
	Fix    string `json:"fix,omitempty"`
	Server string `json:"server,omitempty"`
}

// DoctorReport is the answer of GET /system/doctor.
type DoctorReport struct {
	// Status is the worst verdict of all checks.
	Status  string        `json:"status"`
	Checks  []DoctorCheck `json:"checks"`
	Summary DoctorSummary `json:"summary"`
}

// DoctorSummary counts the checks per verdict.
type DoctorSummary struct {
	OK   int `json:"ok"`
	Warn int `json:"warn"`
	Fail int `json:"fail"`
}

// Free space below which the doctor warns, and below which it fails: the
// store needs room to write activity and to compact.
const (
	diskWarnBytes = 500 << 20
	diskFailBytes = 50 << 20
)

func (s *Server) doctor(c *fiber.Ctx) error {
	var checks []DoctorCheck
	add := func(ch DoctorCheck) { checks = append(checks, ch) }

	cfg := s.opts.Config.Current()
	add(s.checkConfigLoads())
	add(checkFileMode("config file mode", s.opts.Config.Path(),
		"the config holds the API key; only you should be able to read it"))
	for _, name := range sortedNames(cfg) {
		sc := cfg.Servers[name]
		if !sc.IsEnabled() {
			continue
		}
		if ch, ok := checkRefs(name, sc); ok {
			add(ch)
		}
		if sc.TransportType() == config.TypeStdio {
			add(checkCommand(name, sc))
		}
		add(s.checkStarts(name))
	}
	add(s.checkCollisions())
	add(s.checkListen(cfg))
	add(s.checkSocket())
	add(checkDisk(s.home()))
	if s.opts.Store != nil {
		add(s.checkStore())
	}

	out := DoctorReport{Status: checkOK, Checks: checks}
	for _, ch := range checks {
		switch ch.Status {
		case checkOK:
			out.Summary.OK++
		case checkWarn:
			out.Summary.Warn++
			if out.Status == checkOK {
				out.Status = checkWarn
			}
		case checkFail:
			out.Summary.Fail++
			out.Status = checkFail
		}
	}
	return c.JSON(out)
}

// checkConfigLoads reads the file as it is on disk now.
func (s *Server) checkConfigLoads() DoctorCheck {
	path := s.opts.Config.Path()
	ch := DoctorCheck{Name: "config", Status: checkOK, Detail: path + " loads and is valid"}
	if _, err := config.Load(path); err != nil {
		ch.Status, ch.Detail = checkFail, err.Error()
		ch.Fix = "correct the file (the message names the place); until then the last good config keeps running"
	}
	return ch
}

// checkFileMode wants a file readable by its owner only.
func checkFileMode(name, path, why string) DoctorCheck {
	ch := DoctorCheck{Name: name, Status: checkOK}
	fi, err := os.Stat(path)
	if err != nil {
		ch.Status, ch.Detail = checkFail, err.Error()
		return ch
	}
	mode := fi.Mode().Perm()
	ch.Detail = fmt.Sprintf("%s is mode %04o", path, mode)
	if mode&0o077 != 0 {
		ch.Status = checkWarn
		ch.Detail += "; others can read it (" + why + ")"
		ch.Fix = "chmod 600 " + path
	}
	return ch
}

// checkRefs reports a server whose ${env:...} references do not resolve;
// it says nothing (ok false) when the server has none.
func checkRefs(name string, sc *config.Server) (DoctorCheck, bool) {
	if !strings.Contains(fmt.Sprint(sc.Env, sc.Headers, sc.Args, sc.Cwd, sc.URL), "${") {
		return DoctorCheck{}, false
	}
	ch := DoctorCheck{Name: "secrets of " + name, Server: name, Status: checkOK, Detail: "every ${env:...} and ${keyring:...} reference resolves"}
	if _, err := config.ExpandRefs(name, sc); err != nil {
		ch.Status, ch.Detail = checkFail, err.Error()
		ch.Fix = "set the variables named here in the environment Switchboard starts in (or remove the references), then restart the server"
	}
	return ch, true
}

// checkCommand looks a stdio server's program up the way its start will:
// in the PATH of the user's login shell and the usual tool folders.
func checkCommand(name string, sc *config.Server) DoctorCheck {
	ch := DoctorCheck{Name: "command of " + name, Server: name, Status: checkOK}
	if sc.InDocker() && !sc.IsDockerCommand() {
		return checkDockerCommand(ch, sc)
	}
	cwd := sc.Cwd
	if exp, err := config.ExpandRefs(name, sc); err == nil {
		cwd = exp.Cwd
	}
	path, err := upstream.ResolveCommandIn(sc.Command, cwd)
	if err != nil {
		ch.Status, ch.Detail = checkFail, err.Error()
		ch.Fix = commandFix(sc.Command)
		return ch
	}
	ch.Detail = fmt.Sprintf("%q is %s", sc.Command, path)
	return ch
}

// commandFix says how to get a missing program, for the ones MCP servers
// are usually launched with.
func commandFix(command string) string {
	base := strings.TrimSuffix(filepath.Base(command), ".exe")
	var install string
	switch base {
	case "npx", "node", "npm", "pnpm", "yarn", "bunx", "bun":
		install = "install Node.js (https://nodejs.org, or through nvm, fnm, volta or your package manager) so that " + base + " is on your PATH"
		if base == "bunx" || base == "bun" {
			install = "install Bun (https://bun.sh)"
		}
	case "uvx", "uv":
		install = "install uv (https://docs.astral.sh/uv/), which provides uvx"
	case "python", "python3", "pip", "pipx":
		install = "install Python 3 (https://www.python.org) so that " + base + " is on your PATH"
	case "docker", "podman":
		install = "install " + base + " and make sure its daemon runs"
	case "deno":
		install = "install Deno (https://deno.com)"
	case "go":
		install = "install Go (https://go.dev/dl/)"
	default:
		install = "install the program " + base
	}
	return install + `, or set "command" to the program's full path. Switchboard looks in your login shell's PATH, so a program your terminal finds is found after a restart of Switchboard`
}

// checkStarts reports how the server's start went.
func (s *Server) checkStarts(name string) DoctorCheck {
	ch := DoctorCheck{Name: "start of " + name, Server: name}
	u := s.opts.Gateway.Server(name)
	if u == nil {
		ch.Status, ch.Detail = checkWarn, "not running yet: the config change that added it is being applied"
		return ch
	}
	st := u.Status()
	switch st.State {
	case upstream.StateReady:
		ch.Status, ch.Detail = checkOK, fmt.Sprintf("ready with %d tools", st.ToolCount)
	case upstream.StateCold:
		ch.Status, ch.Detail = checkOK, "cold: it starts on its first call"
		if st.LastError != "" {
			ch.Status, ch.Detail = checkWarn, "cold; its last run ended with: "+st.LastError
		}
	case upstream.StateStarting:
		ch.Status, ch.Detail = checkWarn, "starting"
		if st.LastError != "" {
			// A retry after failed attempts: failing until shown otherwise.
			ch.Status, ch.Detail = checkFail, "fails to start, trying again: "+st.LastError
			ch.Fix = "see the reason and its stderr (GET /api/v1/servers/" + name + "/logs), correct its entry in the config, then restart it"
		}
	case upstream.StateDegraded:
		ch.Status, ch.Detail = checkWarn, "running but not answering health checks"
		if st.LastError != "" {
			ch.Detail += ": " + st.LastError
		}
		ch.Fix = "see its stderr (GET /api/v1/servers/" + name + "/logs); it is restarted after repeated failures"
	case upstream.StateDead:
		ch.Status, ch.Detail = checkFail, "fails to start"
		if st.LastError != "" {
			ch.Detail += ": " + st.LastError
		}
		if st.Restarts > 0 {
			ch.Detail += fmt.Sprintf(" (%d restarts so far)", st.Restarts)
		}
		ch.Fix = "see the reason and its stderr (GET /api/v1/servers/" + name + "/logs), correct its entry in the config, then restart it"
	case upstream.StateStopped:
		ch.Status, ch.Detail = checkWarn, "stopped"
		if st.LastError != "" {
			ch.Detail += ": " + st.LastError
		}
		ch.Fix = "start it (POST /api/v1/servers/" + name + "/start)"
	default:
		ch.Status, ch.Detail = checkOK, string(st.State)
	}
	return ch
}

func (s *Server) checkCollisions() DoctorCheck {
	cols := s.opts.Gateway.Collisions()
	if len(cols) == 0 {
		return DoctorCheck{Name: "name collisions", Status: checkOK, Detail: "every tool, prompt and resource on /mcp has its own name"}
	}
	msgs := make([]string, len(cols))
	for i, c := range cols {
		msgs[i] = c.String()
	}
	return DoctorCheck{Name: "name collisions", Status: checkWarn, Detail: strings.Join(msgs, "; "),
		Fix: `give one of the servers a distinct "prefix" in the config`}
}

// checkListen confirms that our address answers, and when the config asks
// for another one, whether something else holds it.
func (s *Server) checkListen(cfg *config.Config) DoctorCheck {
	addr := s.addr()
	ch := DoctorCheck{Name: "listen address", Status: checkOK, Detail: "serving on " + addr}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		ch.Status, ch.Detail = checkFail, fmt.Sprintf("%s does not answer: %v", addr, err)
		ch.Fix = "restart Switchboard"
		return ch
	}
	_ = conn.Close()
	want := cfg.ListenAddr()
	if want == addr {
		return ch
	}
	// Dial rather than listen: a probe must never take the port itself.
	if other, err := net.DialTimeout("tcp", want, time.Second); err == nil {
		_ = other.Close()
		ch.Status = checkWarn
		ch.Detail = fmt.Sprintf("serving on %s, but the config's listen %s is in use by another program", addr, want)
		ch.Fix = `stop the other program, or set "listen" to a free port such as 127.0.0.1:7411, and restart Switchboard`
		return ch
	}
	ch.Detail += fmt.Sprintf(" (the config says %s: a --listen flag overrides it, or it changed since start; a restart moves there)", want)
	return ch
}

// checkSocket wants the control socket present and for its owner only.
func (s *Server) checkSocket() DoctorCheck {
	ch := DoctorCheck{Name: "control socket", Status: checkOK}
	path := s.opts.Socket
	if path == "" {
		ch.Status, ch.Detail = checkWarn, "this instance has no control socket; the CLI and `switchboard stdio` cannot find it"
		return ch
	}
	fi, err := os.Lstat(path)
	if err != nil {
		ch.Status, ch.Detail = checkFail, err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			ch.Detail = path + " is missing (was it deleted?); the CLI and `switchboard stdio` cannot reach this instance"
		}
		ch.Fix = "restart Switchboard to create it again"
		return ch
	}
	mode := fi.Mode()
	ch.Detail = fmt.Sprintf("%s is mode %04o", path, mode.Perm())
	switch {
	case mode.Type() != fs.ModeSocket:
		ch.Status, ch.Detail = checkFail, path+" is not a socket"
		ch.Fix = "remove it and restart Switchboard"
	case mode.Perm()&0o077 != 0:
		ch.Status = checkWarn
		ch.Detail += "; other users may connect (they are refused, but the socket should be private)"
		ch.Fix = "chmod 600 " + path
	}
	return ch
}

// checkDisk looks at the free space where the store writes.
func checkDisk(dir string) DoctorCheck {
	ch := DoctorCheck{Name: "disk space", Status: checkOK}
	free, ok := store.FreeBytes(dir)
	if !ok {
		ch.Status, ch.Detail = checkWarn, "cannot read the free space of "+dir
		return ch
	}
	ch.Detail = fmt.Sprintf("%s free in %s", humanBytes(free), dir)
	switch {
	case free < diskFailBytes:
		ch.Status = checkFail
	case free < diskWarnBytes:
		ch.Status = checkWarn
	}
	if ch.Status != checkOK {
		ch.Detail += "; the activity store needs room to write and compact"
		ch.Fix = "free some space on that disk, or lower activity_retention_days in the config"
	}
	return ch
}

func (s *Server) checkStore() DoctorCheck {
	d := s.storeDiagnostic()
	ch := DoctorCheck{Name: "store", Status: checkOK,
		Detail: fmt.Sprintf("%s, %s", d.Dir, humanBytes(uint64(max(d.Size, 0))))}
	switch {
	case d.Error != "":
		ch.Status, ch.Detail = checkFail, d.Error
		ch.Fix = "check that the folder exists and belongs to you"
	case d.DroppedRecords > 0:
		ch.Status = checkWarn
		ch.Detail += fmt.Sprintf("; %d tool-call records were not recorded since start", d.DroppedRecords)
		ch.Fix = "the disk may be slow or full; see the log for write errors"
	}
	return ch
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
