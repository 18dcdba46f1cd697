package api

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/store"
	"switchboard/backend/trust"
	"switchboard/backend/upstream"
)

// QuarantineList is what awaits a decision: servers that are quarantined
// as a whole (never approved, changed since, or rejected), and tools of
// approved servers that are held (new, changed since approval, rejected).
type QuarantineList struct {
	Servers []QuarantinedServer `json:"servers"`
	Tools   []QuarantinedTool   `json:"tools"`
}

// QuarantinedServer is a server under review with its current tools.
type QuarantinedServer struct {
	Name string `json:"name"`
	// Status is pending, rejected or approved.
	Status string `json:"status"`
	// Reason is what MCP clients are told while the server is held.
	Reason  string   `json:"reason,omitempty"`
	Type    string   `json:"type"`
	Command string   `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
	URL     string   `json:"url,omitempty"`
	// State is the connection's state: a quarantined server still runs,
	// so its tools can be inspected.
	State string `json:"state"`
	// Decision is the last decision on this server, if any.
	Decision *Decision     `json:"decision,omitempty"`
	Tools    []ToolVerdict `json:"tools"`
}

// Decision is who decided what, when, and why.
type Decision struct {
	Decision string    `json:"decision"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
}

// ToolVerdict is one tool's standing with its poisoning findings.
type ToolVerdict struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description"`
	// Status is approved, new, changed or rejected; pending on a server
	// that is not approved.
	Status   string          `json:"status"`
	Reason   string          `json:"reason,omitempty"`
	Findings []trust.Finding `json:"findings"`
	// Blocking: a finding is high severity, so approval needs override.
	Blocking bool `json:"blocking"`
}

// QuarantinedTool is a held tool of an approved server.
type QuarantinedTool struct {
	Server string `json:"server"`
	ToolVerdict
}

// ToolReview is one tool's pinned and current definitions and what
// changed between them.
type ToolReview struct {
	Server string `json:"server"`
	ToolVerdict
	// Pinned is the definition last decided on, absent for a new tool.
	Pinned *PinnedTool `json:"pinned,omitempty"`
	// Current is the definition the server lists now (canonical JSON of
	// its pinned fields).
	Current json.RawMessage `json:"current"`
	// Changes lists the fields that differ, leaf by leaf.
	Changes []trust.FieldChange `json:"changes"`
	// DescriptionDiff is a line diff of the descriptions ("- " old,
	// "+ " new), when they differ.
	DescriptionDiff string `json:"description_diff,omitempty"`
}

// PinnedTool is a stored decision on a tool's definition.
type PinnedTool struct {
	Decision
	Hash       string          `json:"hash"`
	Definition json.RawMessage `json:"definition"`
}

// ApproveRequest approves a server or tool. Override accepts it despite
// high-severity poisoning findings (recorded in the audit log).
type ApproveRequest struct {
	Note     string `json:"note"`
	Override bool   `json:"override"`
}

// RejectRequest rejects a server or tool; it stays hidden.
type RejectRequest struct {
	Reason string `json:"reason"`
}

// ServerDecision answers a decision on a server.
type ServerDecision struct {
	Server string `json:"server"`
	Decision
	// PinnedTools is how many tools were pinned by an approval.
	PinnedTools int `json:"pinned_tools"`
}

// ToolDecision answers a decision on a tool.
type ToolDecision struct {
	Server string `json:"server"`
	Tool   string `json:"tool"`
	Decision
	Hash string `json:"hash"`
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items      []store.AuditRecord `json:"items"`
	NextCursor string              `json:"next_cursor"`
}

func (s *Server) registerQuarantine() {
	const tag = "quarantine"
	s.handle(Route{Method: "GET", Path: "/api/v1/quarantine", Tag: tag, Perm: auth.QuarantineRead,
		Summary:  "Servers and tools awaiting approval: quarantined servers, and new, changed or rejected tools of approved ones",
		Response: QuarantineList{}}, s.listQuarantine)
	s.handle(Route{Method: "GET", Path: "/api/v1/quarantine/servers/:name", Tag: tag, Perm: auth.QuarantineRead,
		Summary: "Where a server and each of its tools stand", Response: QuarantinedServer{}}, s.getQuarantinedServer)
	s.handle(Route{Method: "GET", Path: "/api/v1/quarantine/tools/:server/:tool", Tag: tag, Perm: auth.QuarantineRead,
		Summary: "A tool's pinned and current definitions, what changed, and its findings", Response: ToolReview{}}, s.getToolReview)
	s.handle(Route{Method: "POST", Path: "/api/v1/quarantine/tools/:server/:tool/approve", Tag: tag, Perm: auth.QuarantineApprove,
		Summary: "Approve a tool's current definition", Body: ApproveRequest{}, Response: ToolDecision{}},
		func(c *fiber.Ctx) error { return s.decideTool(c, true) })
	s.handle(Route{Method: "POST", Path: "/api/v1/quarantine/tools/:server/:tool/reject", Tag: tag, Perm: auth.QuarantineApprove,
		Summary: "Reject a tool's current definition: it stays hidden", Body: RejectRequest{}, Response: ToolDecision{}},
		func(c *fiber.Ctx) error { return s.decideTool(c, false) })
	s.handle(Route{Method: "POST", Path: "/api/v1/servers/:name/approve", Tag: tag, Perm: auth.QuarantineApprove,
		Summary: "Approve a server as configured now and pin its current tools", Body: ApproveRequest{}, Response: ServerDecision{}},
		s.approveServer)
	s.handle(Route{Method: "POST", Path: "/api/v1/servers/:name/reject", Tag: tag, Perm: auth.QuarantineApprove,
		Summary: "Reject a server: it stays quarantined", Body: RejectRequest{}, Response: ServerDecision{}}, s.rejectServer)
	s.handle(Route{Method: "GET", Path: "/api/v1/audit", Tag: tag, Perm: auth.AuditRead, Summary: "The audit log: who decided what and when, newest first",
		Query: []Param{
			{"type", "string", "a record type (quarantine.server.approved) or a prefix ending in a dot (quarantine.)"},
			{"server", "string", "only records about this server"},
			{"since", "string", "RFC 3339 time; records at or after it"},
			{"until", "string", "RFC 3339 time; records before it"},
			{"limit", "integer", "page size (default 50, at most 1000)"},
			{"cursor", "string", "next_cursor of the previous page"},
		}, Response: AuditPage{}}, s.listAudit)
}

// quarantined says whether a server is kept from clients as a whole: by
// the config's quarantined key, or because it awaits approval (or was
// rejected).
func (s *Server) quarantined(name string, sc *config.Server) bool {
	return sc.Quarantined || s.opts.Trust != nil && s.opts.Trust.ServerStatus(name, sc) != trust.StatusApproved
}

// principalName is who makes a request, for the audit log.
func principalName(c *fiber.Ctx) string {
	if p := requestOf(c).principal; p != nil && p.Name != "" {
		return p.Name
	}
	return "unknown"
}

// trusted returns the running server of a name and the trust keeper.
func (s *Server) trusted(name string) (*upstream.Upstream, error) {
	if s.opts.Trust == nil {
		return nil, apiErr(503, "QuarantineUnavailable", "quarantine is not set up in this instance")
	}
	u := s.opts.Gateway.Server(name)
	if u == nil {
		return nil, errNotFound("ServerNotFound", "no server named %q is configured", name)
	}
	return u, nil
}

func (s *Server) listQuarantine(c *fiber.Ctx) error {
	out := QuarantineList{Servers: []QuarantinedServer{}, Tools: []QuarantinedTool{}}
	if s.opts.Trust == nil {
		return c.JSON(out)
	}
	for _, u := range s.opts.Gateway.Upstreams() {
		qs := s.reviewServer(u)
		if qs.Status != trust.StatusApproved {
			out.Servers = append(out.Servers, qs)
			continue
		}
		for _, t := range qs.Tools {
			if t.Status != trust.StatusApproved {
				out.Tools = append(out.Tools, QuarantinedTool{Server: qs.Name, ToolVerdict: t})
			}
		}
	}
	return c.JSON(out)
}

func (s *Server) getQuarantinedServer(c *fiber.Ctx) error {
	u, err := s.trusted(c.Params("name"))
	if err != nil {
		return err
	}
	return c.JSON(s.reviewServer(u))
}

func (s *Server) reviewServer(u *upstream.Upstream) QuarantinedServer {
	cfg := u.Config()
	r := s.opts.Trust.Review(u.Name(), cfg, u.Catalog().Tools)
	red := cfg.Redacted()
	qs := QuarantinedServer{Name: u.Name(), Status: r.Status, Reason: r.Reason, Type: cfg.TransportType(),
		Command: red.Command, Args: red.Args, URL: red.URL, State: string(u.State()), Tools: []ToolVerdict{}}
	if r.Record != nil {
		qs.Decision = &Decision{Decision: r.Record.Decision, By: r.Record.By, At: r.Record.At, Note: r.Record.Note}
	}
	for _, t := range r.Tools {
		qs.Tools = append(qs.Tools, verdictOf(t))
	}
	slices.SortFunc(qs.Tools, func(a, b ToolVerdict) int { return strings.Compare(a.Name, b.Name) })
	return qs
}

func verdictOf(t trust.ToolReview) ToolVerdict {
	v := ToolVerdict{Name: t.Tool.Name, Title: t.Tool.Title, Description: t.Tool.Description, Status: t.Status,
		Reason: t.Reason, Findings: t.Findings, Blocking: trust.Blocking(t.Findings)}
	if v.Findings == nil {
		v.Findings = []trust.Finding{}
	}
	return v
}

// currentTool finds a tool a server lists now.
func currentTool(u *upstream.Upstream, name string) (mcp.Tool, error) {
	for _, t := range u.Catalog().Tools {
		if t.Name == name {
			return t, nil
		}
	}
	return mcp.Tool{}, errNotFound("ToolNotFound", "server %q (%s) lists no tool named %q", u.Name(), u.State(), name)
}

func (s *Server) getToolReview(c *fiber.Ctx) error {
	u, err := s.trusted(c.Params("server"))
	if err != nil {
		return err
	}
	tool, err := currentTool(u, c.Params("tool"))
	if err != nil {
		return err
	}
	d := s.opts.Trust.ReviewTool(u.Name(), u.Config(), tool)
	out := ToolReview{Server: u.Name(), ToolVerdict: verdictOf(d.ToolReview), Current: d.Current,
		Changes: d.Changes, DescriptionDiff: d.DescriptionDiff}
	if out.Changes == nil {
		out.Changes = []trust.FieldChange{}
	}
	if p := d.Pin; p != nil {
		out.Pinned = &PinnedTool{Decision: Decision{Decision: p.Decision, By: p.By, At: p.At, Note: p.Note},
			Hash: p.Hash, Definition: p.Definition}
	}
	return c.JSON(out)
}

// bindOptional decodes a body that may be left out.
func bindOptional(c *fiber.Ctx, v any) error {
	if len(strings.TrimSpace(string(c.Body()))) == 0 {
		return nil
	}
	return bind(c, v)
}

func decisionErr(err error) error {
	switch {
	case errors.Is(err, trust.ErrBlocked):
		return errConflict("ApprovalBlocked", "%s", err.Error())
	case errors.Is(err, trust.ErrServerNotApproved):
		return errConflict("ServerQuarantined", "%s", err.Error())
	}
	return err
}

func (s *Server) approveServer(c *fiber.Ctx) error {
	var req ApproveRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	u, err := s.trusted(c.Params("name"))
	if err != nil {
		return err
	}
	rec, err := s.opts.Trust.ApproveServer(u.Name(), u.Config(), u.Catalog().Tools, principalName(c), req.Note, req.Override)
	if err != nil {
		return decisionErr(err)
	}
	return c.JSON(ServerDecision{Server: rec.Server, PinnedTools: len(rec.Tools),
		Decision: Decision{Decision: rec.Decision, By: rec.By, At: rec.At, Note: rec.Note}})
}

func (s *Server) rejectServer(c *fiber.Ctx) error {
	var req RejectRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	u, err := s.trusted(c.Params("name"))
	if err != nil {
		return err
	}
	rec, err := s.opts.Trust.RejectServer(u.Name(), u.Config(), principalName(c), req.Reason)
	if err != nil {
		return decisionErr(err)
	}
	return c.JSON(ServerDecision{Server: rec.Server,
		Decision: Decision{Decision: rec.Decision, By: rec.By, At: rec.At, Note: rec.Note}})
}

func (s *Server) decideTool(c *fiber.Ctx, approve bool) error {
	var note string
	var override bool
	if approve {
		var req ApproveRequest
		if err := bindOptional(c, &req); err != nil {
			return err
		}
		note, override = req.Note, req.Override
	} else {
		var req RejectRequest
		if err := bindOptional(c, &req); err != nil {
			return err
		}
		note = req.Reason
	}
	u, err := s.trusted(c.Params("server"))
	if err != nil {
		return err
	}
	tool, err := currentTool(u, c.Params("tool"))
	if err != nil {
		return err
	}
	pin, err := s.opts.Trust.DecideTool(u.Name(), u.Config(), tool, approve, principalName(c), note, override)
	if err != nil {
		return decisionErr(err)
	}
	return c.JSON(ToolDecision{Server: u.Name(), Tool: tool.Name, Hash: pin.Hash,
		Decision: Decision{Decision: pin.Decision, By: pin.By, At: pin.At, Note: pin.Note}})
}

func (s *Server) listAudit(c *fiber.Ctx) error {
	f := store.AuditFilter{Type: c.Query("type"), Server: c.Query("server")}
	var err error
	if f.Since, f.Until, f.Limit, f.Cursor, err = logPage(c); err != nil {
		return err
	}
	recs, next, err := s.opts.Store.ListAudit(f)
	if err != nil {
		return err
	}
	if recs == nil {
		recs = []store.AuditRecord{}
	}
	return c.JSON(AuditPage{Items: recs, NextCursor: next})
}
