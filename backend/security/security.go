// Package security records what matters to the safety of the gateway (calls
// refused by a policy, sensitive data in traffic, poisoned or changed tools
// held) as security events with a level, kept in the store and published
// on the event bus, and guards tool calls: the call guard the gateway runs
// before each call, and the visibility check behind tools/list.
package security

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"switchboard/backend/events"
	"switchboard/backend/store"
	"switchboard/backend/trust"
)

// Security event types.
const (
	// TypePolicyDenied is a tool call refused by a policy rule, a key's
	// scope or a withdrawal.
	TypePolicyDenied = "policy.denied"
	// TypeSensitiveBlocked is a call refused because its arguments carried
	// sensitive data where a policy blocks it.
	TypeSensitiveBlocked = "sensitive.blocked"
	// TypeSensitiveFound is sensitive data seen in a call's arguments or
	// result (flagged and redacted in the activity log).
	TypeSensitiveFound = "sensitive.found"
	// TypePoisoning is a held tool with poisoning findings.
	TypePoisoning = "poisoning.detected"
	// TypeToolChanged is a tool held because its definition changed after
	// approval (a rug pull).
	TypeToolChanged = "tool.changed"
	// TypeServerHeld is a server held in quarantine (new, or its command
	// changed).
	TypeServerHeld = "server.quarantined"
	// TypeAuthFailed is a request to the API or an MCP endpoint refused for
	// a missing, wrong, revoked or expired key.
	TypeAuthFailed = "auth.failed"
	// TypeAccessDenied is a request refused for a permission the caller's
	// role lacks, or a server outside its key's scope.
	TypeAccessDenied = "access.denied"
)

// Types lists the security event types, for the API's filter.
var Types = []string{TypePolicyDenied, TypeSensitiveBlocked, TypeSensitiveFound, TypePoisoning, TypeToolChanged, TypeServerHeld,
	TypeAuthFailed, TypeAccessDenied}

// Log keeps security events: in the store, on the bus, and in the log.
type Log struct {
	st  *store.Store
	bus *events.Bus
	log *slog.Logger
}

// NewLog makes a security log; st and bus may be nil (then events only go
// where there is somewhere to go).
func NewLog(st *store.Store, bus *events.Bus, logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{st: st, bus: bus, log: logger}
}

// Record keeps one security event and publishes it as an event of type
// "security" on the bus.
func (l *Log) Record(r store.SecurityRecord) store.SecurityRecord {
	if l == nil {
		return r
	}
	if l.st != nil {
		var err error
		if r, err = l.st.AppendSecurity(r); err != nil {
			l.log.Error("security event lost", "type", r.Type, "server", r.Server, "tool", r.Tool, "err", err)
		}
	}
	if l.bus != nil {
		l.bus.Publish(events.Security, r.Server, r)
	}
	lvl := slog.LevelInfo
	if r.Level != store.LevelInfo {
		lvl = slog.LevelWarn
	}
	l.log.Log(context.Background(), lvl, "security event", "type", r.Type, "level", r.Level, "principal", r.Principal,
		"server", r.Server, "tool", r.Tool, "message", r.Message)
	return r
}

// FromActivity records the sensitive data found in a stored call (the
// store's writer calls it). A refused call was recorded when it was
// refused, so it is not counted twice.
func (l *Log) FromActivity(rec store.ActivityRecord) {
	if rec.Outcome == store.OutcomeDenied || len(rec.Sensitive) == 0 {
		return
	}
	level := store.LevelWarning
	var kinds, in []string
	for _, f := range rec.Sensitive {
		if f.Severity == "high" {
			level = store.LevelCritical
		}
		kinds = appendNew(kinds, f.Kind)
		in = appendNew(in, f.In)
	}
	l.Record(store.SecurityRecord{Type: TypeSensitiveFound, Level: level, Server: rec.Server, Tool: rec.Tool,
		ActivityID: rec.ID,
		Message: fmt.Sprintf("sensitive data (%s) in the %s of a call of %q on %q; it is redacted in the activity log",
			strings.Join(kinds, ", "), strings.Join(in, " and "), rec.Tool, rec.Server),
		Detail: map[string]string{"kinds": strings.Join(kinds, ","), "in": strings.Join(in, ","),
			"findings": fmt.Sprint(len(rec.Sensitive)), "session_id": rec.SessionID, "client": rec.Client}})
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// FromQuarantine records holds: a tool whose definition changed after its
// approval, a tool with poisoning findings, a server awaiting approval.
// Decisions are people's and go to the audit log instead.
func (l *Log) FromQuarantine(server string, ev trust.Event) {
	if ev.Action != "held" {
		return
	}
	if len(ev.Findings) > 0 {
		level, worst := store.LevelInfo, ""
		var rules []string
		for _, f := range ev.Findings {
			switch f.Severity {
			case trust.SeverityHigh:
				level, worst = store.LevelCritical, f.Message
			case "medium":
				if level != store.LevelCritical {
					level, worst = store.LevelWarning, f.Message
				}
			default:
				if worst == "" {
					worst = f.Message
				}
			}
			rules = appendNew(rules, f.Rule)
		}
		what := fmt.Sprintf("tool %q of server %q", ev.Tool, server)
		if ev.Kind == "server" {
			what = fmt.Sprintf("server %q", server)
		}
		l.Record(store.SecurityRecord{Type: TypePoisoning, Level: level, Server: server, Tool: ev.Tool,
			Message: fmt.Sprintf("%s is held with %d poisoning finding(s): %s", what, len(ev.Findings), worst),
			Detail:  map[string]string{"rules": strings.Join(rules, ","), "status": ev.Status}})
	}
	switch {
	case ev.Kind == "tool" && ev.Status == "changed":
		l.Record(store.SecurityRecord{Type: TypeToolChanged, Level: store.LevelWarning, Server: server, Tool: ev.Tool,
			Message: fmt.Sprintf("tool %q of server %q changed after it was approved; it is held until it is approved again (GET /api/v1/quarantine/tools/%s/%s shows the diff)", ev.Tool, server, server, ev.Tool),
			Detail:  map[string]string{"status": ev.Status}})
	case ev.Kind == "server":
		l.Record(store.SecurityRecord{Type: TypeServerHeld, Level: store.LevelInfo, Server: server,
			Message: fmt.Sprintf("server %q is quarantined (%s) until it is approved", server, ev.Status),
			Detail:  map[string]string{"status": ev.Status}})
	}
}
