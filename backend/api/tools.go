package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/security"
	"switchboard/backend/upstream"
)

// ToolInfo is one tool of one server: what the model sees of it on /mcp,
// and whether it is there.
type ToolInfo struct {
	Name         string             `json:"name"` // on /mcp: {prefix}__{tool}
	Server       string             `json:"server"`
	OriginalName string             `json:"original_name"`
	Title        string             `json:"title,omitempty"`
	Description  string             `json:"description"`
	InputSchema  json.RawMessage    `json:"input_schema"`
	OutputSchema json.RawMessage    `json:"output_schema,omitempty"`
	Annotations  mcp.ToolAnnotation `json:"annotations"`
	// Enabled is false when the tool is in the server's disabled_tools.
	Enabled bool `json:"enabled"`
	// Exposed is true when clients of /mcp see the tool now; HiddenReason
	// says why not otherwise.
	Exposed      bool   `json:"exposed"`
	HiddenReason string `json:"hidden_reason,omitempty"`
	// Withdrawn is true when an admin withdrew the tool from every client.
	Withdrawn   bool     `json:"withdrawn,omitempty"`
	ServerState string   `json:"server_state"`
	Tags        []string `json:"tags,omitempty"`
	// Score is the relevance to the query ?q=, higher is better.
	Score float64 `json:"score,omitempty"`
}

// ToolList is the answer of GET /tools and GET /servers/{name}/tools.
type ToolList struct {
	Tools []ToolInfo `json:"tools"`
	Total int        `json:"total"`
	Query string     `json:"query,omitempty"`
}

// ToolCallRequest is the body of a test call.
type ToolCallRequest struct {
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// ToolCallResult is what a test call returned, as MCP's tools/call result
// gives it, and how long it took.
type ToolCallResult struct {
	Content           []map[string]any `json:"content"`
	IsError           bool             `json:"isError"`
	StructuredContent any              `json:"structuredContent,omitempty"`
	ElapsedMS         float64          `json:"elapsed_ms"`
}

// registerTools adds the routes for tools: list, search, per-tool enable and disable, test call.
func (s *Server) registerTools() {
	const tag = "tools"
	toolPath := "/api/v1/servers/:name/tools/:tool"
	s.handle(Route{Method: "GET", Path: "/api/v1/tools", Tag: tag, Perm: auth.ToolsRead,
		Summary: "List every server's tools (disabled ones too); with q, ranked by relevance",
		Query: []Param{
			{"q", "string", "search words: matched against names, parameters, server, tags and description; results are ranked, best first"},
			{"limit", "integer", "at most this many tools (1 to 1000)"},
			{"server", "string", "only this server's tools"},
		}, Response: ToolList{}}, s.listTools)
	s.handle(Route{Method: "GET", Path: "/api/v1/servers/:name/tools", Tag: tag, Perm: auth.ToolsRead,
		Summary: "List a server's tools (disabled ones too)", Response: ToolList{}}, s.listServerTools)
	s.handle(Route{Method: "GET", Path: toolPath, Tag: tag, Perm: auth.ToolsRead, Summary: "Get one tool of a server by its own name",
		Response: ToolInfo{}}, s.getTool)
	s.handle(Route{Method: "POST", Path: toolPath + "/enable", Tag: tag, Perm: auth.ToolsWrite,
		Summary:  "Enable a tool: remove it from the server's disabled_tools (saved in the config)",
		Response: ToolInfo{}}, func(c *fiber.Ctx) error { return s.setToolEnabled(c, true) })
	s.handle(Route{Method: "POST", Path: toolPath + "/disable", Tag: tag, Perm: auth.ToolsWrite,
		Summary:  "Disable a tool: hide it from clients and refuse calls to it (saved in the server's disabled_tools)",
		Response: ToolInfo{}}, func(c *fiber.Ctx) error { return s.setToolEnabled(c, false) })
	s.handle(Route{Method: "POST", Path: toolPath + "/call", Tag: tag, Perm: auth.ToolsCall,
		Summary: "Call a tool through the gateway, as a client would; the call is recorded in the activity log",
		Body:    ToolCallRequest{Arguments: json.RawMessage(`{"text": "hello"}`)}, Response: ToolCallResult{}}, s.callTool)
}

func (s *Server) listTools(c *fiber.Ctx) error {
	limit, err := intQuery(c, "limit", 0, 1, 1000)
	if err != nil {
		return err
	}
	var tools []gateway.ToolInfo
	if name := c.Query("server"); name != "" {
		if tools, err = s.opts.Gateway.ServerTools(name); err != nil {
			return toolErr(err, name, "")
		}
	} else {
		tools = s.opts.Gateway.Tools()
	}
	out := ToolList{Tools: []ToolInfo{}, Query: c.Query("q")}
	if out.Query == "" {
		for _, t := range tools {
			out.Tools = append(out.Tools, s.toolInfo(t))
		}
	} else {
		ranked, scores := s.rankTools(tools, out.Query, c.Query("server")) // toolindex.go
		for i, t := range ranked {
			ti := s.toolInfo(t)
			ti.Score = scores[i]
			out.Tools = append(out.Tools, ti)
		}
	}
	out.Total = len(out.Tools)
	if limit > 0 && len(out.Tools) > limit {
		out.Tools = out.Tools[:limit]
	}
	return c.JSON(out)
}

func (s *Server) listServerTools(c *fiber.Ctx) error {
	name := unescapedParam(c, "name")
	tools, err := s.opts.Gateway.ServerTools(name)
	if err != nil {
		return toolErr(err, name, "")
	}
	out := ToolList{Tools: make([]ToolInfo, 0, len(tools))}
	for _, t := range tools {
		out.Tools = append(out.Tools, s.toolInfo(t))
	}
	out.Total = len(out.Tools)
	return c.JSON(out)
}

func (s *Server) getTool(c *fiber.Ctx) error {
	name, tool := unescapedParam(c, "name"), unescapedParam(c, "tool")
	t, err := s.opts.Gateway.ServerTool(name, tool)
	if err != nil {
		return toolErr(err, name, tool)
	}
	return c.JSON(s.toolInfo(t))
}

// setToolEnabled writes the change into the server's disabled_tools; the
// config is then applied like a hand edit of the file.
func (s *Server) setToolEnabled(c *fiber.Ctx, on bool) error {
	name, tool := unescapedParam(c, "name"), unescapedParam(c, "tool")
	if _, err := s.serverConfig(name); err != nil {
		return err
	}
	before, err := s.opts.Gateway.ServerTool(name, tool)
	// A tool the server no longer lists may still be enabled again.
	listed := err == nil
	if err != nil && !(on && slices.Contains(s.opts.Config.Snapshot().Servers[name].DisabledTools, tool)) {
		return toolErr(err, name, tool)
	}
	if !listed || before.Disabled == on {
		_, err = s.opts.Config.Update(func(cfg *config.Config) error {
			sc := cfg.Servers[name]
			if sc == nil {
				return errNotFound("ServerNotFound", "no server named %q is configured", name)
			}
			sc.DisabledTools = slices.DeleteFunc(sc.DisabledTools, func(t string) bool { return t == tool })
			if !on {
				sc.DisabledTools = append(sc.DisabledTools, tool)
			}
			return nil
		})
		if err != nil {
			return errConfig(err)
		}
	}
	if !listed {
		return c.JSON(ToolInfo{Name: tool, Server: name, OriginalName: tool, Enabled: true,
			HiddenReason: "the server does not list this tool now", InputSchema: json.RawMessage("{}")})
	}
	// The server may be reconnecting with the new config, its tool list not
	// known yet: then the answer is the tool as it was, with the change.
	after, err := s.opts.Gateway.ServerTool(name, tool)
	if err != nil || after.Disabled == on {
		after = before
		after.Disabled = !on
		after.Exposed = false
		after.Hidden = ""
		if !on {
			after.Hidden = "the tool is in the server's disabled_tools"
		}
	}
	return c.JSON(s.toolInfo(after))
}

func (s *Server) callTool(c *fiber.Ctx) error {
	name, tool := unescapedParam(c, "name"), unescapedParam(c, "tool")
	var req ToolCallRequest
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeJSON(c.Body(), &req); err != nil {
			return err
		}
	}
	args := bytes.TrimSpace(req.Arguments)
	if len(args) > 0 && args[0] != '{' && string(args) != "null" {
		return errInvalid("arguments", "must be an object of the tool's arguments, got %s", clipArg(string(args), 40))
	}
	if string(args) == "null" {
		args = nil
	}
	start := time.Now()
	// The caller's policies apply to a test call as to a client's call.
	ctx := security.WithCaller(ctxOf(requestOf(c)), s.callerOf(requestOf(c).principal))
	res, err := s.opts.Gateway.CallTool(ctx, name, tool, json.RawMessage(args))
	elapsed := time.Since(start)
	if err != nil {
		return toolErr(err, name, tool)
	}
	out, err := toolCallResult(res)
	if err != nil {
		return err
	}
	out.ElapsedMS = float64(elapsed.Microseconds()) / 1000
	return c.JSON(out)
}

func toolCallResult(res *mcp.CallToolResult) (ToolCallResult, error) {
	out := ToolCallResult{Content: []map[string]any{}, IsError: res.IsError, StructuredContent: res.StructuredContent}
	if len(res.Content) == 0 {
		return out, nil
	}
	data, err := json.Marshal(res.Content)
	if err == nil {
		err = json.Unmarshal(data, &out.Content)
	}
	return out, err
}

// toolErr turns a gateway error into the envelope.
func toolErr(err error, server, tool string) error {
	switch {
	case errors.Is(err, gateway.ErrNoServer):
		return errNotFound("ServerNotFound", "no server named %q is configured", server)
	case errors.Is(err, gateway.ErrNoTool):
		return errNotFound("ToolNotFound", "%s", gatewayMessage(err, gateway.ErrNoTool))
	case errors.Is(err, gateway.ErrToolDisabled):
		return errConflict("ToolDisabled", "%s", gatewayMessage(err, gateway.ErrToolDisabled))
	case errors.Is(err, gateway.ErrDenied):
		return errForbidden("CallDenied", "%s", gatewayMessage(err, gateway.ErrDenied))
	case errors.Is(err, gateway.ErrQuarantined):
		return errConflict("ServerQuarantined", "%s", gatewayMessage(err, gateway.ErrQuarantined))
	case errors.Is(err, upstream.ErrTimeout):
		return apiErr(http.StatusGatewayTimeout, "UpstreamTimeout", "%s", gatewayMessage(err, upstream.ErrTimeout))
	case errors.Is(err, upstream.ErrUnavailable):
		return apiErr(http.StatusServiceUnavailable, "ServerUnavailable", "%s", gatewayMessage(err, upstream.ErrUnavailable))
	case errors.Is(err, context.Canceled):
		return apiErr(499, "ClientClosedRequest", "the call was cancelled: the caller went away")
	}
	return apiErr(http.StatusBadGateway, "UpstreamError", "server %q answered the call of %q with an error: %v", server, tool, err)
}

// gatewayMessage drops the "sentinel: " head of a wrapped error, which only
// repeats what the error code says.
func gatewayMessage(err, sentinel error) string {
	msg := err.Error()
	if head := sentinel.Error() + ": "; len(msg) > len(head) && msg[:len(head)] == head {
		return msg[len(head):]
	}
	return msg
}

// toolInfo is a tool as the API shows it; a withdrawn tool is shown as
// hidden from clients, with who withdrew it and why.
func (s *Server) toolInfo(t gateway.ToolInfo) ToolInfo {
	ti := toolInfoOf(t)
	if s.opts.Guard == nil || s.opts.Guard.Policies == nil {
		return ti
	}
	if w, ok := s.opts.Guard.Policies.Withdrawal(t.Server, t.Tool.Name); ok {
		ti.Withdrawn, ti.Exposed = true, false
		ti.HiddenReason = "withdrawn by " + w.By
		if w.Reason != "" {
			ti.HiddenReason += ": " + w.Reason
		}
	}
	return ti
}

func toolInfoOf(t gateway.ToolInfo) ToolInfo {
	return ToolInfo{Name: t.Name, Server: t.Server, OriginalName: t.Tool.Name, Title: t.Tool.Title,
		Description: t.Tool.Description, InputSchema: gateway.ToolInputSchema(t.Tool), OutputSchema: t.Tool.RawOutputSchema,
		Annotations: t.Tool.Annotations, Enabled: !t.Disabled, Exposed: t.Exposed, HiddenReason: t.Hidden,
		ServerState: string(t.State), Tags: t.Tags}
}

// unescapedParam is a path parameter, %-decoded (tool names may hold any
// character), and copied: fiber's strings point into a buffer it reuses
// once the handler returns, and a name may outlive it (activity records).
func unescapedParam(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if d, err := url.PathUnescape(v); err == nil {
		v = d
	}
	return strings.Clone(v)
}

func clipArg(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
