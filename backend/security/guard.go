package security

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"switchboard/backend/policy"
	"switchboard/backend/sensitive"
	"switchboard/backend/store"
)

// Caller is who makes an MCP request or a test call: their principal and
// roles for policies, and the scope of their key, if it has one.
type Caller struct {
	policy.Caller
	// Via is how they came in: api_key, socket or none.
	Via string
	// Scope says whether their key's scope allows a server's tool; nil
	// when the key is not scoped.
	Scope func(server, tool string) (bool, string)
}

type callerKey struct{}

// WithCaller says who makes the requests made with ctx.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf is who makes the request; a request no guard saw is anonymous,
// so it gets no more than a keyless client.
func CallerOf(ctx context.Context) *Caller {
	if c, ok := ctx.Value(callerKey{}).(*Caller); ok && c != nil {
		return c
	}
	return &Caller{Caller: policy.Caller{Principal: policy.Anonymous}, Via: "none"}
}

// Guard decides tool access from the policies and a key's scope, and
// records each refusal.
type Guard struct {
	Policies *policy.Engine
	Log      *Log
}

// Active says whether anything can hide a tool from c, so the MCP path can
// skip the work when nothing would.
func (g *Guard) Active(c *Caller) bool {
	return c.Scope != nil || g.Policies != nil && !g.Policies.Empty()
}

// refusal is why a tool is not for a caller, and what refused it.
type refusal struct {
	by     string // scope, rule or withdrawn
	rule   string
	reason string
}

func (g *Guard) check(c *Caller, server, tool string) (*refusal, policy.Decision) {
	if c.Scope != nil {
		if ok, why := c.Scope(server, tool); !ok {
			return &refusal{by: "scope", reason: why}, policy.Decision{}
		}
	}
	if g.Policies == nil {
		return nil, policy.Decision{Allowed: true, Sensitive: policy.SensitiveFlag}
	}
	d := g.Policies.Decide(c.Caller, server, tool)
	if d.Allowed {
		return nil, d
	}
	by := "rule"
	if d.Withdrawn {
		by = "withdrawn"
	}
	return &refusal{by: by, rule: d.Rule, reason: d.Reason}, d
}

// Visible says whether c may see (and so call) server's tool, and why not.
// It records nothing: tools/list asks it for every tool.
func (g *Guard) Visible(c *Caller, server, tool string) (bool, string) {
	r, _ := g.check(c, server, tool)
	if r != nil {
		return false, r.reason
	}
	return true, ""
}

// Call is the gateway's call guard: it refuses a call that a policy, a key's
// scope or a withdrawal denies, or whose arguments carry sensitive data
// where a policy blocks it, and records each refusal as a security event.
func (g *Guard) Call(ctx context.Context, server, tool string, args json.RawMessage) error {
	c := CallerOf(ctx)
	r, d := g.check(c, server, tool)
	if r != nil {
		detail := map[string]string{"by": r.by, "via": c.Via}
		if r.rule != "" {
			detail["rule"] = r.rule
		}
		g.Log.Record(store.SecurityRecord{Type: TypePolicyDenied, Level: store.LevelWarning, Principal: c.Principal,
			Server: server, Tool: tool, Message: r.reason, Detail: detail})
		return errors.New(r.reason)
	}
	if d.Sensitive != policy.SensitiveBlock || len(args) == 0 {
		return nil
	}
	found := blocking(sensitive.Scan(args), g.Policies.MinSeverity())
	if len(found) == 0 {
		return nil
	}
	level := store.LevelWarning
	var kinds, where []string
	for _, f := range found {
		if f.Severity == sensitive.High {
			level = store.LevelCritical
		}
		kinds = appendNew(kinds, string(f.Kind))
		where = appendNew(where, fmt.Sprintf("%s at %s", f.Kind, f.Path))
	}
	msg := fmt.Sprintf("the call of %q on %q was blocked: its arguments carry sensitive data (%s), which a policy does not let through",
		tool, server, strings.Join(where, ", "))
	detail := map[string]string{"kinds": strings.Join(kinds, ","), "via": c.Via}
	if d.Rule != "" {
		detail["rule"] = d.Rule
	}
	g.Log.Record(store.SecurityRecord{Type: TypeSensitiveBlocked, Level: level, Principal: c.Principal,
		Server: server, Tool: tool, Message: msg, Detail: detail})
	return errors.New(msg)
}

var severityRank = map[sensitive.Severity]int{sensitive.Low: 0, sensitive.Medium: 1, sensitive.High: 2}

// blocking keeps the findings at or above min.
func blocking(fs []sensitive.Finding, min string) []sensitive.Finding {
	floor := severityRank[sensitive.Severity(min)]
	var out []sensitive.Finding
	for _, f := range fs {
		if severityRank[f.Severity] >= floor {
			out = append(out, f)
		}
	}
	return out
}
