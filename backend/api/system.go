package api

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/updatecheck"
	"switchboard/backend/upstream"
)

// StatusInfo is the answer of GET /status: is it running and how busy.
type StatusInfo struct {
	Running   bool         `json:"running"`
	Version   string       `json:"version"`
	StartedAt time.Time    `json:"started_at"`
	UptimeS   float64      `json:"uptime_s"`
	Servers   ServerCounts `json:"servers"`
	// ToolsTotal is the number of tools a client of /mcp sees.
	ToolsTotal int `json:"tools_total"`
	// CallsTotal and ErrorsTotal count tool calls since start (errors: any
	// outcome but ok); absent when this instance keeps no metrics.
	CallsTotal   *uint64 `json:"calls_total,omitempty"`
	ErrorsTotal  *uint64 `json:"errors_total,omitempty"`
	SessionsOpen int64   `json:"sessions_open"`
}

// ServerCounts counts the configured servers.
type ServerCounts struct {
	Total   int `json:"total"`
	Enabled int `json:"enabled"`
	// ByState counts servers per state; every state is present.
	ByState map[string]int `json:"by_state"`
}

// SystemInfo is the answer of GET /system/info: what runs and where.
type SystemInfo struct {
	Version    string    `json:"version"`
	GoVersion  string    `json:"go_version"`
	OS         string    `json:"os"`
	Arch       string    `json:"arch"`
	PID        int       `json:"pid"`
	StartedAt  time.Time `json:"started_at"`
	Home       string    `json:"home"`
	ConfigPath string    `json:"config_path"`
	DataDir    string    `json:"data_dir,omitempty"`
	Listen     string    `json:"listen"`
	Socket     string    `json:"socket"`
	MCPURL     string    `json:"mcp_url"`
	UIURL      string    `json:"ui_url"`
	APIURL     string    `json:"api_url"`
	DocsURL    string    `json:"docs_url"`
	MetricsURL string    `json:"metrics_url"`
	// Update is what the last update check found.
	Update updatecheck.Status `json:"update"`
}

// Diagnostics is the answer of GET /system/diagnostics: everything that is
// wrong now, in one place.
type Diagnostics struct {
	Time   time.Time        `json:"time"`
	Config ConfigDiagnostic `json:"config"`
	// Servers lists the servers that are not ready (disabled ones aside)
	// and the ones whose last start or call failed.
	Servers    []ServerDiagnostic  `json:"servers"`
	Collisions []CollisionInfo     `json:"collisions"`
	Store      StoreDiagnostic     `json:"store"`
	Update     *updatecheck.Status `json:"update,omitempty"`
}

// ConfigDiagnostic says whether the config file is sound.
type ConfigDiagnostic struct {
	Path string `json:"path"`
	// OK is false when the last edit of the file was rejected; the last
	// good config is then still in force.
	OK       bool             `json:"ok"`
	Error    string           `json:"error,omitempty"`
	ErrorAt  *time.Time       `json:"error_at,omitempty"`
	Problems []config.Problem `json:"problems,omitempty"`
	// DiskDiffers is true when the file holds changes not in force yet.
	DiskDiffers bool `json:"disk_differs"`
}

// ServerDiagnostic is one server that needs a look.
type ServerDiagnostic struct {
	Name        string     `json:"name"`
	State       string     `json:"state"`
	Type        string     `json:"type"`
	LastError   string     `json:"last_error,omitempty"`
	Restarts    int        `json:"restarts"`
	NextRestart *time.Time `json:"next_restart,omitempty"`
	// Stderr is the last lines the server's process wrote.
	Stderr []string `json:"stderr"`
}

// CollisionInfo is a name two servers both offer on /mcp.
type CollisionInfo struct {
	Kind    string `json:"kind"` // tool, prompt, resource, resource_template
	Name    string `json:"name"`
	Kept    string `json:"kept_server"`
	Dropped string `json:"dropped_server"`
	Message string `json:"message"`
}

func collisionInfo(c gateway.Collision) CollisionInfo {
	return CollisionInfo{Kind: c.Kind, Name: c.Name, Kept: c.Kept, Dropped: c.Dropped, Message: c.String()}
}

// StoreDiagnostic is the state of the embedded store.
type StoreDiagnostic struct {
	OK   bool   `json:"ok"`
	Dir  string `json:"dir"`
	Size int64  `json:"size_bytes"`
	// DroppedRecords counts tool-call records lost since start (the write
	// queue was full or a write failed).
	DroppedRecords uint64 `json:"dropped_records"`
	RetentionDays  int    `json:"retention_days"`
	Error          string `json:"error,omitempty"`
}

// registerSystem adds the routes for status, info, diagnostics, doctor.
func (s *Server) registerSystem() {
	const tag = "system"
	s.handle(Route{Method: "GET", Path: "/api/v1/status", Tag: tag, Perm: auth.SystemRead,
		Summary: "Running, version, uptime, servers by state, tools, calls and errors since start, sessions", Response: StatusInfo{}}, s.status)
	s.handle(Route{Method: "GET", Path: "/api/v1/system/info", Tag: tag, Perm: auth.SystemRead,
		Summary: "Version, build, paths, listen addresses, URLs and update availability", Response: SystemInfo{}}, s.systemInfo)
	s.handle(Route{Method: "GET", Path: "/api/v1/system/diagnostics", Tag: tag, Perm: auth.SystemRead,
		Summary: "Config problems, servers not ready with their errors and stderr, name collisions, store", Response: Diagnostics{}}, s.diagnostics)
	s.handle(Route{Method: "GET", Path: "/api/v1/system/doctor", Tag: tag, Perm: auth.SystemRead,
		Summary: "Checks with a verdict and a fix: config, commands, server start, listeners, disk, file modes", Response: DoctorReport{}}, s.doctor)
	s.handle(Route{Method: "GET", Path: "/api/v1/system/me", Tag: tag, Perm: auth.Authenticated,
		Summary: "Who the caller is: name, role and how they were recognised", Response: Principal{}}, s.me)
	s.registerAutostart()
}

// callTotals is what a metrics handler may also tell: calls since start.
type callTotals interface {
	Totals() (calls, errors uint64)
}

func (s *Server) status(c *fiber.Ctx) error {
	out := StatusInfo{Running: true, Version: s.opts.Version, StartedAt: s.opts.Started.UTC(),
		UptimeS: time.Since(s.opts.Started).Round(time.Millisecond).Seconds()}
	out.Servers.ByState = map[string]int{}
	for _, st := range upstream.States() {
		out.Servers.ByState[string(st)] = 0
	}
	for _, u := range s.opts.Gateway.Upstreams() {
		out.Servers.Total++
		if u.Config().IsEnabled() {
			out.Servers.Enabled++
		}
		out.Servers.ByState[string(u.State())]++
	}
	out.ToolsTotal = s.opts.Gateway.ExposedTools()
	out.SessionsOpen = s.opts.Gateway.Sessions()
	if m, ok := s.opts.Metrics.(callTotals); ok {
		calls, errs := m.Totals()
		out.CallsTotal, out.ErrorsTotal = &calls, &errs
	}
	return c.JSON(out)
}

// home is the folder Switchboard keeps its files in: the socket lives there.
func (s *Server) home() string {
	if s.opts.Socket != "" {
		return filepath.Dir(s.opts.Socket)
	}
	return filepath.Dir(s.opts.Config.Path())
}

func (s *Server) addr() string {
	if s.opts.Addr == nil {
		return ""
	}
	return s.opts.Addr()
}

func (s *Server) updateStatus() updatecheck.Status {
	if s.opts.Updates == nil {
		return updatecheck.Status{Enabled: false, Current: s.opts.Version, Error: "this instance does not check for updates"}
	}
	return s.opts.Updates.Status()
}

func (s *Server) systemInfo(c *fiber.Ctx) error {
	addr := s.addr()
	base := "http://" + addr
	out := SystemInfo{Version: s.opts.Version, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		PID: os.Getpid(), StartedAt: s.opts.Started.UTC(), Home: s.home(), ConfigPath: s.opts.Config.Path(),
		Listen: addr, Socket: s.opts.Socket, MCPURL: base + "/mcp", UIURL: base + "/ui/", APIURL: base + "/api/v1",
		DocsURL: base + "/swagger/", MetricsURL: base + "/metrics", Update: s.updateStatus()}
	if s.opts.Store != nil {
		out.DataDir = s.opts.Store.Dir()
	}
	return c.JSON(out)
}

// stderrLines is how much of a failing server's stderr diagnostics show.
const stderrLines = 20

func (s *Server) diagnostics(c *fiber.Ctx) error {
	out := Diagnostics{Time: time.Now().UTC(), Config: s.configDiagnostic(),
		Servers: []ServerDiagnostic{}, Collisions: []CollisionInfo{}, Store: s.storeDiagnostic()}
	for _, u := range s.opts.Gateway.Upstreams() {
		st := u.Status()
		if !needsLook(st) {
			continue
		}
		d := ServerDiagnostic{Name: st.Name, State: string(st.State), Type: u.Config().TransportType(),
			LastError: st.LastError, Restarts: st.Restarts, Stderr: u.Stderr(stderrLines)}
		if d.Stderr == nil {
			d.Stderr = []string{}
		}
		if !st.NextRestart.IsZero() && st.State == upstream.StateDead {
			t := st.NextRestart.UTC()
			d.NextRestart = &t
		}
		out.Servers = append(out.Servers, d)
	}
	for _, col := range s.opts.Gateway.Collisions() {
		out.Collisions = append(out.Collisions, collisionInfo(col))
	}
	if up := s.updateStatus(); up.Available {
		out.Update = &up
	}
	return c.JSON(out)
}

// needsLook: a server that is not ready and not switched off, or whose
// last attempt failed.
func needsLook(st upstream.Status) bool {
	switch st.State {
	case upstream.StateReady, upstream.StateDisabled:
		return false
	case upstream.StateCold:
		return st.LastError != ""
	}
	return true
}

func (s *Server) configDiagnostic() ConfigDiagnostic {
	d := ConfigDiagnostic{Path: s.opts.Config.Path(), OK: true}
	err, at := s.opts.Config.LastError()
	if err == nil {
		// The watcher may not have seen an edit yet; the file says.
		if _, lerr := config.Load(d.Path); lerr != nil {
			err, at = lerr, time.Now()
		}
	}
	if err != nil {
		d.OK, d.Error = false, err.Error()
		t := at.UTC()
		d.ErrorAt = &t
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			d.Problems = ve.Problems
		}
		return d
	}
	if diff, derr := s.opts.Config.DiskDiff(); derr == nil {
		d.DiskDiffers = !diff.Empty()
	}
	return d
}

func (s *Server) storeDiagnostic() StoreDiagnostic {
	if s.opts.Store == nil {
		return StoreDiagnostic{Error: "this instance has no store"}
	}
	st := s.opts.Store
	d := StoreDiagnostic{OK: true, Dir: st.Dir(), DroppedRecords: st.Dropped(),
		RetentionDays: int(st.Retention() / (24 * time.Hour))}
	size, err := dirSize(st.Dir())
	if err != nil {
		d.OK, d.Error = false, err.Error()
	}
	d.Size = size
	if d.DroppedRecords > 0 {
		d.OK = false
	}
	return d
}

// dirSize adds up the files of a folder (Badger keeps its files flat).
func dirSize(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && !fi.IsDir() {
			total += fi.Size()
		}
	}
	return total, nil
}

func (s *Server) me(c *fiber.Ctx) error {
	p := requestOf(c).principal
	if p == nil {
		return apiErr(http.StatusUnauthorized, "Unauthorized", "the caller is not known")
	}
	return c.JSON(p)
}

// sortedNames is the configured server names in order.
func sortedNames(cfg *config.Config) []string {
	names := make([]string, 0, len(cfg.Servers))
	for n := range cfg.Servers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
