package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/events"
	"switchboard/backend/gateway"
	"switchboard/backend/policy"
	"switchboard/backend/security"
	"switchboard/backend/store"
)

// PolicyList is every tool access rule, in the order they are tried, with
// the settings and the withdrawn tools.
type PolicyList struct {
	Policies  []policy.Rule       `json:"policies"`
	Settings  policy.Settings     `json:"settings"`
	Withdrawn []policy.Withdrawal `json:"withdrawn"`
}

// PolicyCheck asks what the policies decide for a principal, server and tool.
type PolicyCheck struct {
	Principal string `json:"principal"`
	// Roles are the principal's roles; when absent, those of the named
	// principal (for "role:" rules).
	Roles  []string `json:"roles,omitempty"`
	Server string   `json:"server"`
	Tool   string   `json:"tool"`
}

// ToolWithdraw says why a tool is withdrawn.
type ToolWithdraw struct {
	Reason string `json:"reason,omitempty"`
}

// WithdrawnList is the tools withdrawn from every client.
type WithdrawnList struct {
	Withdrawn []policy.Withdrawal `json:"withdrawn"`
}

// Audit types of policy changes.
const (
	AuditPolicyCreated  = "policy.created"
	AuditPolicyUpdated  = "policy.updated"
	AuditPolicyDeleted  = "policy.deleted"
	AuditPolicySettings = "policy.settings"
	AuditToolWithdrawn  = "policy.tool.withdrawn"
	AuditToolRestored   = "policy.tool.restored"
)

func (s *Server) registerPolicies() {
	const tag = "policies"
	s.handle(Route{Method: "GET", Path: "/api/v1/policies", Tag: tag, Perm: auth.PoliciesRead,
		Summary:  "List the tool access policies in the order they are tried, the settings and the withdrawn tools",
		Query:    []Param{{"principal", "string", "only rules whose principal pattern is exactly this"}, {"server", "string", "only rules whose server pattern is exactly this"}},
		Response: PolicyList{}}, s.listPolicies)
	s.handle(Route{Method: "POST", Path: "/api/v1/policies", Tag: tag, Perm: auth.PoliciesWrite,
		Summary:  "Create a rule that allows or denies a principal (or role:NAME) the tools of servers; principal, server and tool may be glob patterns",
		Body:     policy.Rule{Principal: "role:agent", Server: "filesystem", Tool: "write_*", Effect: policy.Deny},
		Response: policy.Rule{}, Status: http.StatusCreated}, s.createPolicy)
	s.handle(Route{Method: "GET", Path: "/api/v1/policies/settings", Tag: tag, Perm: auth.PoliciesRead,
		Summary: "What happens to a call whose arguments carry sensitive data where no rule says: flag (default) or block", Response: policy.Settings{}}, s.getPolicySettings)
	s.handle(Route{Method: "PUT", Path: "/api/v1/policies/settings", Tag: tag, Perm: auth.PoliciesWrite,
		Summary: "Set the sensitive-data action (flag or block) and the lowest severity that blocks (high, medium, low)",
		Body:    policy.Settings{SensitiveAction: policy.SensitiveBlock, SensitiveMinSeverity: "high"}, Response: policy.Settings{}}, s.putPolicySettings)
	s.handle(Route{Method: "POST", Path: "/api/v1/policies/check", Tag: tag, Perm: auth.PoliciesRead,
		Summary: "What the policies decide for a principal, a server and a tool, and which rule decided",
		Body:    PolicyCheck{Principal: "bot", Server: "filesystem", Tool: "write_file"}, Response: policy.Decision{}}, s.checkPolicy)
	s.handle(Route{Method: "GET", Path: "/api/v1/policies/withdrawn", Tag: tag, Perm: auth.PoliciesRead,
		Summary: "List the tools withdrawn from every client, with who withdrew them and why", Response: WithdrawnList{}}, s.listWithdrawn)
	s.handle(Route{Method: "GET", Path: "/api/v1/policies/:id", Tag: tag, Perm: auth.PoliciesRead,
		Summary: "Get one rule", Response: policy.Rule{}}, s.getPolicy)
	s.handle(Route{Method: "PUT", Path: "/api/v1/policies/:id", Tag: tag, Perm: auth.PoliciesWrite,
		Summary: "Replace a rule (its id and creation stay)", Body: policy.Rule{Principal: "bot", Server: "*", Tool: "*", Effect: policy.Allow},
		Response: policy.Rule{}}, s.updatePolicy)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/policies/:id", Tag: tag, Perm: auth.PoliciesWrite,
		Summary: "Delete a rule", Status: http.StatusNoContent}, s.deletePolicy)
	toolPath := "/api/v1/servers/:name/tools/:tool"
	s.handle(Route{Method: "POST", Path: toolPath + "/withdraw", Tag: "tools", Perm: auth.All,
		Summary: "Withdraw a tool from every client (admin only): hidden from tools/list and refused on tools/call on every endpoint until restored",
		Body:    ToolWithdraw{Reason: "under review"}, Response: policy.Withdrawal{}}, s.withdrawTool)
	s.handle(Route{Method: "POST", Path: toolPath + "/restore", Tag: "tools", Perm: auth.All,
		Summary: "Restore a withdrawn tool (admin only)", Response: policy.Withdrawal{}}, s.restoreTool)
}

func (s *Server) policies() (*policy.Engine, error) {
	if s.opts.Guard == nil || s.opts.Guard.Policies == nil {
		return nil, apiErr(http.StatusServiceUnavailable, "PoliciesUnavailable", "tool policies are not available: the store could not be opened")
	}
	return s.opts.Guard.Policies, nil
}

// policyErr maps the engine's errors to the envelope.
func policyErr(err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, policy.ErrNotFound):
		return errNotFound("PolicyNotFound", "%s", strings.TrimPrefix(msg, "not found: "))
	case errors.Is(err, policy.ErrConflict):
		return errConflict("Conflict", "%s", strings.TrimPrefix(msg, "conflict: "))
	case errors.Is(err, policy.ErrInvalid):
		field, rest, _ := strings.Cut(strings.TrimPrefix(msg, "invalid: "), ": ")
		return errInvalid(field, "%s", rest)
	}
	return err
}

// audit writes a decision to the audit log; a lost record is logged, not
// returned, since the change itself was made.
func (s *Server) audit(c *fiber.Ctx, typ, server, tool, note string, detail map[string]string) {
	if s.opts.Store == nil {
		return
	}
	r := store.AuditRecord{Type: typ, Principal: requestOf(c).principal.Name, Server: server, Tool: tool, Note: note, Detail: detail}
	if _, err := s.opts.Store.AppendAudit(r); err != nil {
		s.log.Error("audit record lost", "type", typ, "err", err)
	}
}

// policyChanged tells the event stream and recomputes nothing: policies are
// read per request, so the change is in force for the next one.
func (s *Server) policyChanged(action string, data map[string]any) {
	if s.opts.Events != nil {
		data["action"] = action
		s.opts.Events.Publish(events.Policy, "", data)
	}
}

func (s *Server) listPolicies(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	out := PolicyList{Policies: []policy.Rule{}, Settings: e.Settings(), Withdrawn: e.Withdrawn()}
	for _, r := range e.Rules() {
		if p := c.Query("principal"); p != "" && r.Principal != p {
			continue
		}
		if sv := c.Query("server"); sv != "" && r.Server != sv {
			continue
		}
		out.Policies = append(out.Policies, r)
	}
	return c.JSON(out)
}

func (s *Server) getPolicy(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	r, err := e.Rule(c.Params("id"))
	if err != nil {
		return policyErr(err)
	}
	return c.JSON(r)
}

func ruleDetail(r policy.Rule) map[string]string {
	d := map[string]string{"id": r.ID, "principal": r.Principal, "server": r.Server, "tool": r.Tool, "effect": r.Effect}
	if r.Sensitive != "" {
		d["sensitive"] = r.Sensitive
	}
	return d
}

func (s *Server) createPolicy(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	var r policy.Rule
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := e.Create(r, requestOf(c).principal.Name)
	if err != nil {
		return policyErr(err)
	}
	s.audit(c, AuditPolicyCreated, "", "", out.Description, ruleDetail(out))
	s.policyChanged("created", map[string]any{"policy": out})
	return c.Status(http.StatusCreated).JSON(out)
}

func (s *Server) updatePolicy(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	var r policy.Rule
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := e.Update(c.Params("id"), r)
	if err != nil {
		return policyErr(err)
	}
	s.audit(c, AuditPolicyUpdated, "", "", out.Description, ruleDetail(out))
	s.policyChanged("updated", map[string]any{"policy": out})
	return c.JSON(out)
}

func (s *Server) deletePolicy(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	old, err := e.Delete(c.Params("id"))
	if err != nil {
		return policyErr(err)
	}
	s.audit(c, AuditPolicyDeleted, "", "", old.Description, ruleDetail(old))
	s.policyChanged("deleted", map[string]any{"policy": old})
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) getPolicySettings(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	return c.JSON(e.Settings())
}

func (s *Server) putPolicySettings(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	var in policy.Settings
	if err := bind(c, &in); err != nil {
		return err
	}
	out, err := e.SetSettings(in)
	if err != nil {
		return policyErr(err)
	}
	s.audit(c, AuditPolicySettings, "", "", "", map[string]string{"sensitive_action": out.SensitiveAction, "sensitive_min_severity": out.SensitiveMinSeverity})
	s.policyChanged("settings", map[string]any{"settings": out})
	return c.JSON(out)
}

func (s *Server) checkPolicy(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	var req PolicyCheck
	if err := bind(c, &req); err != nil {
		return err
	}
	switch {
	case req.Principal == "":
		return errInvalid("principal", "is required (\"anonymous\" for a keyless client, \"local-user\" for the socket's owner)")
	case req.Server == "":
		return errInvalid("server", "is required")
	case req.Tool == "":
		return errInvalid("tool", "is required: the tool's own name on its server")
	}
	roles := req.Roles
	if roles == nil && s.auth != nil {
		if id, err := s.auth.IdentityForPrincipal(req.Principal); err == nil {
			roles = id.Roles
		}
	}
	return c.JSON(e.Decide(policy.Caller{Principal: req.Principal, Roles: roles}, req.Server, req.Tool))
}

func (s *Server) listWithdrawn(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	return c.JSON(WithdrawnList{Withdrawn: e.Withdrawn()})
}

func (s *Server) withdrawTool(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	server, tool := unescapedParam(c, "name"), unescapedParam(c, "tool")
	if s.opts.Config.Snapshot().Servers[server] == nil {
		return errNotFound("ServerNotFound", "no server named %q is configured", server)
	}
	var req ToolWithdraw
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	w, err := e.Withdraw(server, tool, requestOf(c).principal.Name, req.Reason)
	if err != nil {
		return policyErr(err)
	}
	s.audit(c, AuditToolWithdrawn, server, tool, req.Reason, nil)
	s.policyChanged("withdrawn", map[string]any{"server": server, "tool": tool, "by": w.By, "reason": w.Reason})
	return c.JSON(w)
}

func (s *Server) restoreTool(c *fiber.Ctx) error {
	e, err := s.policies()
	if err != nil {
		return err
	}
	server, tool := unescapedParam(c, "name"), unescapedParam(c, "tool")
	w, err := e.Restore(server, tool)
	if err != nil {
		return policyErr(err)
	}
	s.audit(c, AuditToolRestored, server, tool, "", map[string]string{"withdrawn_by": w.By, "withdrawn_reason": w.Reason})
	s.policyChanged("restored", map[string]any{"server": server, "tool": tool})
	return c.JSON(w)
}

// callerOf is who an API request is, for the policies of its test calls.
func (s *Server) callerOf(p *Principal) *security.Caller {
	if p == nil || p.id == nil {
		return &security.Caller{Caller: policy.Caller{Principal: policy.Anonymous}, Via: "none"}
	}
	return s.callerFor(p.id, p.Via)
}

func (s *Server) callerFor(id *auth.Identity, via string) *security.Caller {
	c := &security.Caller{Caller: policy.Caller{Principal: id.Principal, Roles: id.Roles}, Via: via}
	if !id.Scope.Empty() {
		c.Scope = func(server, tool string) (bool, string) {
			var tags []string
			if sc := s.opts.Config.Snapshot().Servers[server]; sc != nil {
				tags = sc.Tags
			}
			return id.Allows(auth.ToolsRead, server, tags, tool)
		}
	}
	return c
}

// mcpCalls reports whether an MCP POST calls a tool (gateway.CalledTools).
// The body is put back for the gateway. An unreadable body counts as a
// call, to refuse rather than guess.
func mcpCalls(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Body == nil {
		return false
	}
	// Read what the gateway would accept at most; whatever is beyond stays
	// in the body, for the gateway to refuse the request as too large.
	rest := r.Body
	data, err := io.ReadAll(io.LimitReader(rest, gateway.MaxRequestBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), rest), rest}
	if err != nil {
		return true
	}
	calls, _ := gateway.CalledTools(data)
	return calls
}

// withPolicies puts the caller in an MCP request's context, and, when a
// policy, a withdrawal or the key's scope could hide a tool from them, the
// check that tools/list and tools/call apply.
func (s *Server) withPolicies(ctx context.Context, caller *security.Caller) context.Context {
	ctx = security.WithCaller(ctx, caller)
	g := s.opts.Guard
	if g == nil {
		if caller.Scope != nil {
			ctx = gateway.WithToolScope(ctx, caller.Scope)
		}
		return ctx
	}
	if !g.Active(caller) {
		return ctx
	}
	// The gateway lets a tool this hides through for the request that calls
	// it by name, so that the call guard refuses it and says why.
	return gateway.WithToolScope(ctx, func(server, tool string) (bool, string) { return g.Visible(caller, server, tool) })
}
