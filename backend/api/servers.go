package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/store"
	"switchboard/backend/upstream"
)

// ServerInfo is a server as the API shows it: its config (secrets
// redacted) and how it is doing.
type ServerInfo struct {
	Name        string                `json:"name"`
	Type        string                `json:"type"`
	Enabled     bool                  `json:"enabled"`
	Quarantined bool                  `json:"quarantined"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	State       string                `json:"state"`
	LastError   string                `json:"last_error,omitempty"`
	Restarts    int                   `json:"restarts"`
	StartedAt   *time.Time            `json:"started_at,omitempty"`
	UptimeS     float64               `json:"uptime_s"`
	NextRestart *time.Time            `json:"next_restart,omitempty"`
	PID         int                   `json:"pid,omitempty"`
	InFlight    int64                 `json:"in_flight"`
	ToolCount   int                   `json:"tool_count"`
	LastCheck   *upstream.HealthCheck `json:"last_health_check,omitempty"`
	Config      *config.Server        `json:"config,omitempty"`
}

// ServerList is the answer of GET /servers.
type ServerList struct {
	Servers []ServerInfo `json:"servers"`
	Total   int          `json:"total"`
}

// ServerCreate is the body of POST /servers: a name and the server's config
// in the Claude Desktop / Cursor format, or a pasted {"mcpServers": {...}}
// block that adds each server in it.
type ServerCreate struct {
	Name       string                    `json:"name,omitempty"`
	Server     *config.Server            `json:"-"`
	MCPServers map[string]*config.Server `json:"mcpServers,omitempty"`
}

// ServersCreated lists the servers a POST added.
type ServersCreated struct {
	Created []ServerInfo `json:"created"`
}

// StopRequest says why a server is stopped.
type StopRequest struct {
	Reason string `json:"reason,omitempty"`
}

// ActionResult is the answer of an action on a server.
type ActionResult struct {
	Name    string `json:"name"`
	Action  string `json:"action"`
	State   string `json:"state"`
	Message string `json:"message,omitempty"`
}

// ServerLogs is the tail of a server's stderr.
type ServerLogs struct {
	Name  string   `json:"name"`
	Lines []string `json:"lines"`
}

// ServerHealth is a server's health and its recent checks, oldest first.
type ServerHealth struct {
	Name      string                 `json:"name"`
	State     string                 `json:"state"`
	Healthy   bool                   `json:"healthy"`
	LastError string                 `json:"last_error,omitempty"`
	IntervalS float64                `json:"interval_s"`
	Checks    []upstream.HealthCheck `json:"checks"`
}

// BulkRequest limits a bulk action to some servers (all when empty).
type BulkRequest struct {
	Names []string `json:"names,omitempty"`
}

// BulkResult lists what a bulk action did per server.
type BulkResult struct {
	Action  string         `json:"action"`
	Results []ActionResult `json:"results"`
}

func (s *Server) registerServers() {
	const tag = "servers"
	nameParam := "/api/v1/servers/:name"
	s.handle(Route{Method: "GET", Path: "/api/v1/servers", Tag: tag, Perm: auth.ServersRead, Summary: "List servers",
		Query: []Param{
			{"state", "string", "only servers in this state (cold, starting, ready, degraded, dead, disabled, stopped)"},
			{"tag", "string", "only servers with this tag"},
			{"enabled", "boolean", "only enabled (true) or disabled (false) servers"},
			{"quarantined", "boolean", "only quarantined (true) or approved (false) servers"},
		}, Response: ServerList{}}, s.listServers)
	s.handle(Route{Method: "POST", Path: "/api/v1/servers", Tag: tag, Perm: auth.ServersWrite, Summary: "Add servers",
		Body: map[string]any{}, Response: ServersCreated{}, Status: http.StatusCreated}, s.createServers)
	s.handle(Route{Method: "GET", Path: nameParam, Tag: tag, Perm: auth.ServersRead, Summary: "Get a server with its config and state",
		Response: ServerInfo{}}, s.getServer)
	s.handle(Route{Method: "PUT", Path: nameParam, Tag: tag, Perm: auth.ServersWrite, Summary: "Replace a server's config",
		Body: config.Server{}, Response: ServerInfo{}}, s.putServer)
	s.handle(Route{Method: "PATCH", Path: nameParam, Tag: tag, Perm: auth.ServersWrite, Summary: "Change some of a server's config (JSON merge patch)",
		Body: map[string]any{}, Response: ServerInfo{}}, s.patchServer)
	s.handle(Route{Method: "DELETE", Path: nameParam, Tag: tag, Perm: auth.ServersWrite, Summary: "Stop and remove a server",
		Response: ActionResult{}}, s.deleteServer)
	for _, a := range []struct{ action, summary string }{
		{"start", "Start a server"},
		{"stop", "Stop a server until started again (body: reason)"},
		{"restart", "Restart a server"},
		{"enable", "Enable a server (saved in the config)"},
		{"disable", "Disable a server (saved in the config)"},
		{"refresh", "Reconnect if needed and list the server's tools again"},
	} {
		rt := Route{Method: "POST", Path: nameParam + "/" + a.action, Tag: tag, Perm: auth.ServersStart, Summary: a.summary, Response: ActionResult{}}
		if a.action == "stop" {
			rt.Body = StopRequest{}
		}
		action := a.action
		s.handle(rt, func(c *fiber.Ctx) error { return s.serverAction(c, action) })
	}
	s.handle(Route{Method: "GET", Path: nameParam + "/logs", Tag: tag, Perm: auth.ServersRead, Summary: "The last lines the server wrote to stderr",
		Query: []Param{{"lines", "integer", "how many lines (default 100, at most 500)"}}, Response: ServerLogs{}}, s.serverLogs)
	s.handle(Route{Method: "GET", Path: nameParam + "/health", Tag: tag, Perm: auth.ServersRead, Summary: "A server's health and its check history",
		Response: ServerHealth{}}, s.serverHealth)
	s.handle(Route{Method: "POST", Path: nameParam + "/health/check", Tag: tag, Perm: auth.ServersStart, Summary: "Ping a server now",
		Response: upstream.HealthCheck{}}, s.checkServerHealth)
	s.handle(Route{Method: "GET", Path: nameParam + "/calls", Tag: tag, Perm: auth.ActivityRead, Summary: "A server's tool calls, newest first",
		Query:    []Param{{"limit", "integer", "page size (default 50, at most 1000)"}, {"cursor", "string", "next_cursor of the previous page"}},
		Response: ActivityPage{}}, s.serverCalls)
	for _, a := range []string{"enable_all", "disable_all", "restart_all", "reconnect"} {
		action := a
		s.handle(Route{Method: "POST", Path: "/api/v1/bulk/" + a, Tag: tag, Perm: auth.ServersStart,
			Summary: "Bulk " + strings.ReplaceAll(a, "_", " ") + " (body: optional names)",
			Body:    BulkRequest{}, Response: BulkResult{}}, func(c *fiber.Ctx) error { return s.bulk(c, action) })
	}
}

// serverInfo joins a server's config and its supervisor's status.
func (s *Server) serverInfo(name string, sc *config.Server, withConfig bool) ServerInfo {
	info := ServerInfo{Name: name, Type: sc.TransportType(), Enabled: sc.IsEnabled(), Quarantined: s.quarantined(name, sc),
		Description: sc.Description, Tags: sc.Tags, State: string(upstream.StateCold)}
	if !info.Enabled {
		info.State = string(upstream.StateDisabled)
	}
	if withConfig {
		info.Config = sc.Redacted()
	}
	u := s.opts.Gateway.Server(name)
	if u == nil {
		return info
	}
	st := u.Status()
	info.State, info.LastError, info.Restarts = string(st.State), st.LastError, st.Restarts
	info.PID, info.InFlight, info.ToolCount = st.PID, st.InFlight, st.ToolCount
	if !st.StartedAt.IsZero() && st.State.Usable() {
		t := st.StartedAt.UTC()
		info.StartedAt = &t
		info.UptimeS = time.Since(st.StartedAt).Round(time.Millisecond).Seconds()
	}
	if !st.NextRestart.IsZero() && st.State == upstream.StateDead {
		t := st.NextRestart.UTC()
		info.NextRestart = &t
	}
	if hc, ok := u.LastHealthCheck(); ok {
		info.LastCheck = &hc
	}
	return info
}

func (s *Server) listServers(c *fiber.Ctx) error {
	enabled, err := boolQuery(c, "enabled")
	if err != nil {
		return err
	}
	quarantined, err := boolQuery(c, "quarantined")
	if err != nil {
		return err
	}
	state, tag := c.Query("state"), c.Query("tag")
	if state != "" && !slices.Contains(upstream.States(), upstream.State(state)) {
		return errInvalid("state", "must be one of %v, got %q", upstream.States(), state)
	}
	cfg := s.opts.Config.Snapshot()
	names := make([]string, 0, len(cfg.Servers))
	for n := range cfg.Servers {
		names = append(names, n)
	}
	slices.Sort(names)
	out := ServerList{Servers: []ServerInfo{}}
	for _, n := range names {
		sc := cfg.Servers[n]
		if enabled != nil && sc.IsEnabled() != *enabled ||
			quarantined != nil && s.quarantined(n, sc) != *quarantined ||
			tag != "" && !slices.Contains(sc.Tags, tag) {
			continue
		}
		info := s.serverInfo(n, sc, false)
		if state != "" && info.State != state {
			continue
		}
		out.Servers = append(out.Servers, info)
	}
	out.Total = len(out.Servers)
	return c.JSON(out)
}

func boolQuery(c *fiber.Ctx, name string) (*bool, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, errInvalid(name, "must be true or false, got %q", v)
	}
	return &b, nil
}

// serverConfig finds a server in the config in force.
func (s *Server) serverConfig(name string) (*config.Server, error) {
	sc := s.opts.Config.Snapshot().Servers[name]
	if sc == nil {
		return nil, errNotFound("ServerNotFound", "no server named %q is configured", name)
	}
	return sc, nil
}

func (s *Server) getServer(c *fiber.Ctx) error {
	name := c.Params("name")
	sc, err := s.serverConfig(name)
	if err != nil {
		return err
	}
	return c.JSON(s.serverInfo(name, sc, true))
}

// decodeServer reads a server config from a JSON object; a "name" key, if
// present, is returned and not kept as an unknown key.
func decodeServer(raw []byte) (name string, sc *config.Server, err error) {
	var obj map[string]json.RawMessage
	if err := decodeJSON(raw, &obj); err != nil {
		return "", nil, err
	}
	if obj == nil {
		return "", nil, errBadRequest("BadJSON", "the body must be a JSON object")
	}
	if n, ok := obj["name"]; ok {
		if err := json.Unmarshal(n, &name); err != nil {
			return "", nil, errInvalid("name", "must be a string")
		}
		delete(obj, "name")
	}
	rest, _ := json.Marshal(obj)
	sc = &config.Server{}
	if err := sc.UnmarshalJSON(rest); err != nil {
		return "", nil, errConfigDecode(err)
	}
	return name, sc, nil
}

// errConfigDecode reports a field of the wrong type in a server config.
func errConfigDecode(err error) *Error {
	msg := err.Error()
	field, detail, ok := strings.Cut(msg, ": ")
	if !ok {
		field, detail = "(body)", msg
	}
	return errInvalid(field, "%s", detail)
}

func (s *Server) createServers(c *fiber.Ctx) error {
	body := c.Body()
	var probe map[string]json.RawMessage
	if err := decodeJSON(body, &probe); err != nil {
		return err
	}
	add := map[string]*config.Server{}
	if block, ok := probe["mcpServers"]; ok {
		if len(probe) > 1 {
			return errInvalid("mcpServers", "send either a pasted {\"mcpServers\": {...}} block or one server with a name, not both")
		}
		var servers map[string]json.RawMessage
		if err := json.Unmarshal(block, &servers); err != nil || servers == nil {
			return errInvalid("mcpServers", "must be an object of servers by name")
		}
		for n, raw := range servers {
			_, sc, err := decodeServer(raw)
			if err != nil {
				return prefixField(err, "mcpServers."+n)
			}
			add[n] = sc
		}
	} else {
		name, sc, err := decodeServer(body)
		if err != nil {
			return err
		}
		if name == "" {
			return errInvalid("name", "is required: the server's name, as in mcpServers (letters, digits, _ and -)")
		}
		add[name] = sc
	}
	if len(add) == 0 {
		return errInvalid("mcpServers", "has no servers")
	}
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		for n, sc := range add {
			if cfg.Servers[n] != nil {
				return errConflict("ServerExists", "a server named %q already exists; change it with PUT or PATCH /api/v1/servers/%s", n, n)
			}
			cfg.Servers[n] = sc
		}
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	out := ServersCreated{}
	names := make([]string, 0, len(add))
	for n := range add {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out.Created = append(out.Created, s.serverInfo(n, add[n], true))
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// prefixField puts a path in front of the field an error names.
func prefixField(err error, prefix string) error {
	var ae *Error
	if !errors.As(err, &ae) {
		return err
	}
	for i := range ae.Problems {
		ae.Problems[i].Path = prefix + "." + ae.Problems[i].Path
	}
	if len(ae.Problems) > 0 {
		ae.Message = ae.Problems[0].Path + ": " + ae.Problems[0].Message
	}
	return ae
}

func (s *Server) putServer(c *fiber.Ctx) error {
	name := c.Params("name")
	body, err := nonEmptyBody(c)
	if err != nil {
		return err
	}
	bodyName, sc, err := decodeServer(body)
	if err != nil {
		return err
	}
	if bodyName != "" && bodyName != name {
		return errInvalid("name", "is %q but the path names %q; rename by adding the new server and deleting the old", bodyName, name)
	}
	return s.changeServer(c, name, func(old *config.Server) (*config.Server, error) {
		sc.KeepSecretsFrom(old)
		return sc, nil
	})
}

func (s *Server) patchServer(c *fiber.Ctx) error {
	name := c.Params("name")
	body, err := nonEmptyBody(c)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := decodeJSON(body, &patch); err != nil {
		return err
	}
	if patch == nil {
		return errBadRequest("BadJSON", "a merge patch must be a JSON object")
	}
	if n, ok := patch["name"]; ok && string(n) != strconv.Quote(name) {
		return errInvalid("name", "cannot be changed by PATCH; add the server under the new name and delete the old")
	}
	delete(patch, "name")
	return s.changeServer(c, name, func(old *config.Server) (*config.Server, error) {
		cur, err := json.Marshal(old)
		if err != nil {
			return nil, err
		}
		merged, err := mergePatch(cur, patch)
		if err != nil {
			return nil, err
		}
		sc := &config.Server{}
		if err := sc.UnmarshalJSON(merged); err != nil {
			return nil, errConfigDecode(err)
		}
		sc.KeepSecretsFrom(old)
		return sc, nil
	})
}

func nonEmptyBody(c *fiber.Ctx) ([]byte, error) {
	body := c.Body()
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, errBadRequest("EmptyBody", "the request needs a JSON body")
	}
	return body, nil
}

// mergePatch applies an RFC 7396 merge patch to a JSON object.
func mergePatch(doc []byte, patch map[string]json.RawMessage) ([]byte, error) {
	var target map[string]any
	if err := json.Unmarshal(doc, &target); err != nil {
		return nil, err
	}
	for k, raw := range patch {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, errInvalid(k, "is not valid JSON")
		}
		target[k] = mergeValue(target[k], v)
		if v == nil {
			delete(target, k)
		}
	}
	return json.Marshal(target)
}

func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeValue(tm[k], v)
	}
	return tm
}

// changeServer replaces a server's config with what change makes of the
// current one, saves it and answers with the server.
func (s *Server) changeServer(c *fiber.Ctx, name string, change func(old *config.Server) (*config.Server, error)) error {
	var next *config.Server
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		old := cfg.Servers[name]
		if old == nil {
			return errNotFound("ServerNotFound", "no server named %q is configured", name)
		}
		sc, err := change(old)
		if err != nil {
			return err
		}
		cfg.Servers[name] = sc
		next = sc
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	return c.JSON(s.serverInfo(name, next, true))
}

func (s *Server) deleteServer(c *fiber.Ctx) error {
	name := c.Params("name")
	_, err := s.opts.Config.Update(func(cfg *config.Config) error {
		if cfg.Servers[name] == nil {
			return errNotFound("ServerNotFound", "no server named %q is configured", name)
		}
		delete(cfg.Servers, name)
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	// Update applied the config, which stopped the server and its processes.
	return c.JSON(ActionResult{Name: name, Action: "delete", State: string(upstream.StateStopped), Message: "removed from the config"})
}

func (s *Server) serverAction(c *fiber.Ctx, action string) error {
	name := c.Params("name")
	if _, err := s.serverConfig(name); err != nil {
		return err
	}
	var req StopRequest
	if action == "stop" && len(strings.TrimSpace(string(c.Body()))) > 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	if err := s.doAction(ctxOf(requestOf(c)), name, action, req.Reason); err != nil {
		return err
	}
	return c.JSON(s.actionResult(name, action))
}

func (s *Server) actionResult(name, action string) ActionResult {
	res := ActionResult{Name: name, Action: action}
	if u := s.opts.Gateway.Server(name); u != nil {
		st := u.Status()
		res.State, res.Message = string(st.State), st.LastError
	}
	return res
}

// doAction runs one action on one configured server.
func (s *Server) doAction(ctx context.Context, name, action, reason string) error {
	gw := s.opts.Gateway
	var err error
	switch action {
	case "start":
		err = gw.StartServer(name)
	case "stop":
		err = gw.StopServer(name, reason)
	case "restart", "reconnect":
		err = gw.RestartServer(name)
	case "refresh":
		err = gw.RefreshServer(ctx, name)
	case "enable", "disable":
		on := action == "enable"
		_, err = s.opts.Config.Update(func(cfg *config.Config) error {
			sc := cfg.Servers[name]
			if sc == nil {
				return errNotFound("ServerNotFound", "no server named %q is configured", name)
			}
			if on {
				sc.Enabled = nil // enabled is the default: keep the file minimal
			} else {
				sc.Enabled = &on
			}
			return nil
		})
		if err != nil {
			return errConfig(err)
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gateway.ErrNoServer):
		return errNotFound("ServerNotFound", "no server named %q is configured", name)
	case errors.Is(err, upstream.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return apiErr(http.StatusServiceUnavailable, "ServerUnavailable", "%v", err)
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return errConflict("ActionRefused", "%v", err)
}

func (s *Server) serverLogs(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, err := s.serverConfig(name); err != nil {
		return err
	}
	n, err := intQuery(c, "lines", 100, 1, 500)
	if err != nil {
		return err
	}
	out := ServerLogs{Name: name, Lines: []string{}}
	if u := s.opts.Gateway.Server(name); u != nil {
		if lines := u.Stderr(n); lines != nil {
			out.Lines = lines
		}
	}
	return c.JSON(out)
}

// intQuery reads an integer query parameter with a default and bounds.
func intQuery(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errInvalid(name, "must be a whole number from %d to %d, got %q", lo, hi, v)
	}
	return n, nil
}

func (s *Server) serverHealth(c *fiber.Ctx) error {
	name := c.Params("name")
	sc, err := s.serverConfig(name)
	if err != nil {
		return err
	}
	out := ServerHealth{Name: name, IntervalS: sc.HealthCheckInterval().Seconds(), Checks: []upstream.HealthCheck{}}
	if u := s.opts.Gateway.Server(name); u != nil {
		st := u.Status()
		out.State, out.LastError, out.Healthy = string(st.State), st.LastError, st.State == upstream.StateReady
		if hs := u.HealthHistory(); hs != nil {
			out.Checks = hs
		}
	}
	return c.JSON(out)
}

func (s *Server) checkServerHealth(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, err := s.serverConfig(name); err != nil {
		return err
	}
	u := s.opts.Gateway.Server(name)
	if u == nil {
		return errNotFound("ServerNotFound", "no server named %q is running", name)
	}
	return c.JSON(u.CheckHealth(ctxOf(requestOf(c))))
}

func (s *Server) serverCalls(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, err := s.serverConfig(name); err != nil {
		return err
	}
	limit, err := intQuery(c, "limit", 50, 1, 1000)
	if err != nil {
		return err
	}
	items, next, err := s.opts.Store.ListActivity(store.ActivityFilter{Server: name, Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return errInvalid("cursor", "%v", err)
	}
	page := ActivityPage{Items: make([]Activity, 0, len(items)), NextCursor: next}
	for i := range items {
		page.Items = append(page.Items, activityOf(&items[i], false))
	}
	return c.JSON(page)
}

// bulkNames is the servers a bulk request names, sorted, or every server
// when it names none; an unknown name is a 422 naming its place.
func (s *Server) bulkNames(names []string) ([]string, error) {
	cfg := s.opts.Config.Current()
	if len(names) == 0 {
		for n := range cfg.Servers {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for i, n := range names {
		if cfg.Servers[n] == nil {
			return nil, errInvalid("names["+strconv.Itoa(i)+"]", "no server named %q is configured", n)
		}
	}
	return names, nil
}

func (s *Server) bulk(c *fiber.Ctx, action string) error {
	var req BulkRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	names, err := s.bulkNames(req.Names)
	if err != nil {
		return err
	}
	cfg := s.opts.Config.Current()
	out := BulkResult{Action: action, Results: []ActionResult{}}
	switch action {
	case "enable_all", "disable_all":
		// One config change for all of them, so they reload together.
		on := action == "enable_all"
		if _, err := s.opts.Config.Update(func(cfg *config.Config) error {
			for _, n := range names {
				if sc := cfg.Servers[n]; sc != nil {
					if on {
						sc.Enabled = nil
					} else {
						sc.Enabled = &on
					}
				}
			}
			return nil
		}); err != nil {
			return errConfig(err)
		}
		for _, n := range names {
			out.Results = append(out.Results, s.actionResult(n, strings.TrimSuffix(action, "_all")))
		}
	default:
		for _, n := range names {
			sc := cfg.Servers[n]
			if !sc.IsEnabled() {
				out.Results = append(out.Results, ActionResult{Name: n, Action: action, State: string(upstream.StateDisabled), Message: "skipped: disabled"})
				continue
			}
			res := s.actionResult(n, action)
			if err := s.doAction(ctxOf(requestOf(c)), n, "restart", ""); err != nil {
				res.Message = err.Error()
			} else {
				res = s.actionResult(n, action)
			}
			out.Results = append(out.Results, res)
		}
	}
	return c.JSON(out)
}
