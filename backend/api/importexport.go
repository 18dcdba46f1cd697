package api

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
)

// ImportRequest is the body of POST /import and /import/preview: a client's
// config file, given as its text or as a path on this machine.
type ImportRequest struct {
	// Content is the file's text (JSON, or JSON with comments for VS Code).
	Content string `json:"content,omitempty"`
	// Path is an absolute path of a file to read instead.
	Path string `json:"path,omitempty"`
	// Filename is the name of the file Content came from, which helps
	// tell formats apart (claude_desktop_config.json, .cursor/mcp.json).
	Filename string `json:"filename,omitempty"`
	// Format is claude-desktop, cursor, vscode, windsurf, claude-code or
	// generic; detected when left out.
	Format string `json:"format,omitempty"`
	// Names limits the import to these servers; all when empty.
	Names []string `json:"names,omitempty"`
	// Replace updates servers that exist with other settings.
	Replace bool `json:"replace,omitempty"`
}

// ImportResult is the preview of an import, and what was applied.
type ImportResult struct {
	Plan *clientconfig.Plan `json:"plan"`
	// Applied names the servers added or updated (empty for a preview).
	Applied []string `json:"applied"`
	Message string   `json:"message"`
}

// ExportResult is Switchboard's servers as a client's config file.
type ExportResult struct {
	Format   clientconfig.Format `json:"format"`
	Filename string              `json:"filename"`
	Servers  []string            `json:"servers"`
	Warnings []string            `json:"warnings"`
	// Content is the file's text, ready to save.
	Content string `json:"content"`
}

// ClientInfo is an AI client Switchboard can connect to, on this machine.
type ClientInfo struct {
	Client    clientconfig.Format `json:"client"`
	Name      string              `json:"name"`
	Path      string              `json:"path"`
	Exists    bool                `json:"exists"`
	Connected bool                `json:"connected"`
}

// ClientList lists the clients and the files Switchboard knows.
type ClientList struct {
	Clients []ClientInfo `json:"clients"`
	// Locations are every known file (user and project ones), for import.
	Locations []clientconfig.Location `json:"locations"`
	// MCPURL is what HTTP clients are pointed at.
	MCPURL string `json:"mcp_url"`
}

// ConnectRequest is the optional body of connect and disconnect.
type ConnectRequest struct {
	// Path of the client's file; its usual place on this machine when empty.
	Path string `json:"path,omitempty"`
	// Command is the switchboard program Claude Desktop launches (default:
	// the program serving this API).
	Command string `json:"command,omitempty"`
}

func (s *Server) registerImportExport() {
	const tag = "clients"
	s.handle(Route{Method: "POST", Path: "/api/v1/import/preview", Tag: tag, Perm: auth.ConfigRead,
		Summary: "Preview an import of a client's config file (Claude Desktop, Cursor, VS Code, Windsurf, Claude Code or generic JSON, format detected): what would be added, updated, left alone or skipped, and why",
		Body:    ImportRequest{}, Response: ImportResult{}}, func(c *fiber.Ctx) error { return s.importServers(c, false) })
	s.handle(Route{Method: "POST", Path: "/api/v1/import", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Import a client's config file: its servers are added (quarantined until approved, like any new server), existing ones updated only with replace; refused with 422 when a chosen entry is invalid",
		Body:    ImportRequest{}, Response: ImportResult{}}, func(c *fiber.Ctx) error { return s.importServers(c, true) })
	s.handle(Route{Method: "GET", Path: "/api/v1/export", Tag: tag, Perm: auth.ConfigRead,
		Summary: "Export servers as a client's config file; secrets stay references (${env:...}, ${keyring:...}) and a literal secret becomes an ${env:NAME} reference",
		Query: []Param{
			{"format", "string", "claude-desktop, cursor, vscode, windsurf, claude-code or generic (default)"},
			{"names", "string", "comma-separated server names; all when left out"},
		}, Response: ExportResult{}}, s.exportServers)
	s.handle(Route{Method: "GET", Path: "/api/v1/clients", Tag: tag, Perm: auth.ConfigRead,
		Summary: "The AI clients Switchboard can connect, their config files on this machine and whether Switchboard is in them", Response: ClientList{}}, s.listClients)
	s.handle(Route{Method: "POST", Path: "/api/v1/clients/:client/connect", Tag: tag, Perm: auth.ConfigWrite,
		Summary: "Write Switchboard into a client's config file (the stdio bridge for Claude Desktop, the /mcp URL for the others), editing it in place with a backup",
		Body:    ConnectRequest{}, Response: clientconfig.ConnectResult{}}, s.connectClient)
	s.handle(Route{Method: "POST", Path: "/api/v1/clients/:client/disconnect", Tag: tag, Perm: auth.ConfigWrite,
		Summary: "Undo a connect: the file comes back byte for byte, or, if it was edited since, only Switchboard's entry is taken out",
		Body:    ConnectRequest{}, Response: clientconfig.UndoResult{}}, s.disconnectClient)
}

// readImport reads the body and the file it names.
func (s *Server) readImport(c *fiber.Ctx) (*ImportRequest, *clientconfig.Parsed, error) {
	var req ImportRequest
	if err := bind(c, &req); err != nil {
		return nil, nil, err
	}
	var format clientconfig.Format
	if req.Format != "" {
		f, err := clientconfig.ParseFormat(req.Format)
		if err != nil {
			return nil, nil, errInvalid("format", "%v", err)
		}
		format = f
	}
	data, field := []byte(req.Content), "content"
	switch {
	case req.Content != "" && req.Path != "":
		return nil, nil, errInvalid("content", "give either content or path, not both")
	case req.Path != "":
		field = "path"
		if !filepath.IsAbs(req.Path) {
			return nil, nil, errInvalid("path", "must be absolute, got %q", req.Path)
		}
		if !clientconfig.IsConfigFileName(req.Path) {
			return nil, nil, errInvalid("path", "must be a .json or .jsonc file, got %q", req.Path)
		}
		f, err := os.Open(req.Path)
		if err != nil {
			return nil, nil, errInvalid("path", "cannot read %s: %v", req.Path, errors.Unwrap(err))
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, MaxBodyBytes+1))
		if err != nil {
			return nil, nil, errInvalid("path", "cannot read %s: %v", req.Path, err)
		}
		if len(data) > MaxBodyBytes {
			return nil, nil, errInvalid("path", "%s is larger than %d bytes; no client's config is", req.Path, MaxBodyBytes)
		}
	case req.Content == "":
		return nil, nil, errInvalid("content", "is required: the text of a client's config file (or give its path)")
	}
	hint := req.Path
	if hint == "" {
		hint = req.Filename
	}
	parsed, err := clientconfig.Parse(data, hint, format)
	if err != nil {
		return nil, nil, errInvalid(field, "%v", err)
	}
	return &req, parsed, nil
}

func (s *Server) importServers(c *fiber.Ctx, apply bool) error {
	req, parsed, err := s.readImport(c)
	if err != nil {
		return err
	}
	opts := clientconfig.PlanOptions{Names: req.Names, Replace: req.Replace, Listen: s.addr()}
	for _, n := range req.Names {
		if !parsedHas(parsed, n) {
			return errInvalid("names", "the file has no server named %q", n)
		}
	}
	out := ImportResult{Applied: []string{}}
	if !apply {
		out.Plan = clientconfig.MakePlan(s.opts.Config.Snapshot(), parsed, opts)
		out.Message = planMessage(out.Plan)
		return c.JSON(redactPlan(out))
	}
	errNothing := errors.New("nothing to import")
	_, err = s.opts.Config.Update(func(cfg *config.Config) error {
		// Planned against the file on disk, inside the change, so what is
		// applied is exactly what was compared.
		out.Plan = clientconfig.MakePlan(cfg, parsed, opts)
		names, err := out.Plan.Apply(cfg)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			return errNothing
		}
		out.Applied = names
		return nil
	})
	switch {
	case errors.Is(err, errNothing):
		out.Message = "nothing to import: " + planMessage(out.Plan)
	case err != nil:
		return errConfig(err)
	default:
		out.Message = fmt.Sprintf("imported %d server(s); new servers are quarantined until approved (GET /api/v1/quarantine). %s",
			len(out.Applied), planMessage(out.Plan))
	}
	return c.JSON(redactPlan(out))
}

func parsedHas(p *clientconfig.Parsed, name string) bool {
	for _, im := range p.Servers {
		if im.Name == name || im.SourceName == name {
			return true
		}
	}
	return false
}

func planMessage(p *clientconfig.Plan) string {
	sm := p.Summary
	return fmt.Sprintf("%s file (%s): %d to add, %d to update, %d unchanged, %d conflicting, %d skipped, %d invalid",
		p.Format, p.Detected, sm.Add, sm.Update, sm.Unchanged, sm.Conflict, sm.Skip, sm.Invalid)
}

// redactPlan hides the secrets of the servers shown.
func redactPlan(r ImportResult) ImportResult {
	if r.Plan == nil {
		return r
	}
	p := *r.Plan
	p.Changes = make([]clientconfig.Change, len(r.Plan.Changes))
	for i, ch := range r.Plan.Changes {
		ch.Server = ch.Server.Redacted()
		p.Changes[i] = ch
	}
	r.Plan = &p
	return r
}

func (s *Server) exportServers(c *fiber.Ctx) error {
	format := clientconfig.Generic
	if v := c.Query("format"); v != "" {
		f, err := clientconfig.ParseFormat(v)
		if err != nil {
			return errInvalid("format", "%v", err)
		}
		format = f
	}
	var names []string
	for _, n := range strings.Split(c.Query("names"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	ex, err := clientconfig.Export(s.opts.Config.Snapshot().Servers, names, format)
	if err != nil {
		return errInvalid("names", "%v", err)
	}
	out := ExportResult{Format: ex.Format, Filename: exportFilename(format), Servers: ex.Servers, Warnings: ex.Warnings, Content: string(ex.Data)}
	if out.Servers == nil {
		out.Servers = []string{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return c.JSON(out)
}

// exportFilename is the name the client gives its file.
func exportFilename(f clientconfig.Format) string {
	switch f {
	case clientconfig.ClaudeDesktop:
		return "claude_desktop_config.json"
	case clientconfig.Windsurf:
		return "mcp_config.json"
	case clientconfig.ClaudeCode:
		return ".mcp.json"
	case clientconfig.Generic:
		return "switchboard-servers.json"
	}
	return "mcp.json"
}

// connector keeps its backups and records in the home's clients/ folder.
func (s *Server) connector() *clientconfig.Connector {
	return &clientconfig.Connector{Dir: filepath.Join(s.home(), "clients")}
}

// mcpURL is the /mcp endpoint as a client on this machine reaches it: an
// unspecified listen address (0.0.0.0, ::) is reached on loopback.
// mcpURLAt is the URL of an MCP endpoint path such as /mcp/groups/ID.
func (s *Server) mcpURLAt(path string) string {
	return strings.TrimSuffix(s.mcpURL(), "/mcp") + path
}

func (s *Server) mcpURL() string {
	addr := s.addr()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/mcp"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/mcp"
}

func (s *Server) listClients(c *fiber.Ctx) error {
	out := ClientList{MCPURL: s.mcpURL(), Locations: clientconfig.Locations(clientconfig.HostEnv())}
	conn := s.connector()
	for _, l := range clientconfig.Installed() {
		if !l.Primary {
			continue
		}
		info, _ := clientconfig.InfoOf(l.Format)
		out.Clients = append(out.Clients, ClientInfo{Client: l.Format, Name: info.Name, Path: l.Path, Exists: l.Exists,
			Connected: conn.Connected(l.Format, l.Path)})
	}
	if out.Clients == nil {
		out.Clients = []ClientInfo{}
	}
	return c.JSON(out)
}

// connectTarget reads the client in the path and the optional body.
func connectTarget(c *fiber.Ctx) (clientconfig.Format, ConnectRequest, error) {
	var req ConnectRequest
	client, err := clientconfig.ParseConnectClient(c.Params("client"))
	if err != nil {
		return "", req, errNotFound("ClientNotFound", "%v", err)
	}
	if len(strings.TrimSpace(string(c.Body()))) > 0 {
		if err := decodeJSON(c.Body(), &req); err != nil {
			return "", req, err
		}
	}
	return client, req, nil
}

// errConnect turns a connector error ("path: ...") into a 422 naming the
// field, or a 500 when no field is at fault.
func errConnect(err error) error {
	if errors.Is(err, clientconfig.ErrNotConnected) {
		return errNotFound("NotConnected", "%v", err)
	}
	msg := err.Error()
	if field, detail, ok := strings.Cut(msg, ": "); ok {
		switch field {
		case "path", "command", "url", "client":
			return errInvalid(field, "%s", detail)
		}
	}
	return apiErr(http.StatusInternalServerError, "ConnectFailed", "%s", msg)
}

func (s *Server) connectClient(c *fiber.Ctx) error {
	client, req, err := connectTarget(c)
	if err != nil {
		return err
	}
	command := req.Command
	if command == "" && client == clientconfig.ClaudeDesktop {
		if command, err = os.Executable(); err != nil {
			return errInvalid("command", "the path of the switchboard program is unknown (%v); give it", err)
		}
	}
	if command != "" && !filepath.IsAbs(command) {
		return errInvalid("command", "must be an absolute path, got %q: the client launches it from its own folder", command)
	}
	res, err := s.connector().Connect(clientconfig.ConnectOptions{Client: client, Path: req.Path, Command: command, URL: s.mcpURL()})
	if err != nil {
		return errConnect(err)
	}
	return c.JSON(res)
}

func (s *Server) disconnectClient(c *fiber.Ctx) error {
	client, req, err := connectTarget(c)
	if err != nil {
		return err
	}
	res, err := s.connector().Undo(client, req.Path)
	if err != nil {
		return errConnect(err)
	}
	return c.JSON(res)
}
