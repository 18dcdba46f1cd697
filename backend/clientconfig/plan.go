package clientconfig

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"switchboard/backend/config"
)

// Actions of a plan.
const (
	// ActionAdd: a new server.
	ActionAdd = "add"
	// ActionUpdate: a server of that name exists and its command, args,
	// env, url or headers change (only with Replace).
	ActionUpdate = "update"
	// ActionUnchanged: it exists already with the same settings.
	ActionUnchanged = "unchanged"
	// ActionConflict: it exists with other settings and is left alone
	// (Replace would update it).
	ActionConflict = "conflict"
	// ActionSkip: not imported (Switchboard itself, or not chosen).
	ActionSkip = "skip"
	// ActionInvalid: the entry cannot be used; Problems say why.
	ActionInvalid = "invalid"
)

// PlanOptions choose what an import does.
type PlanOptions struct {
	// Names limits the import to these servers (their Switchboard names or
	// the names in the file); empty means all.
	Names []string
	// Replace updates servers that exist with other settings; without it
	// they are left alone.
	Replace bool
	// Listen is the running address, so an entry pointing at this very
	// Switchboard is recognised and skipped.
	Listen string
}

// Change is what an import does to one server.
type Change struct {
	Name       string `json:"name"`
	SourceName string `json:"source_name,omitempty"`
	Action     string `json:"action"`
	// Fields are the settings that differ from the server that exists.
	Fields []string `json:"fields,omitempty"`
	// Reason explains a skip, conflict or invalid entry.
	Reason   string           `json:"reason,omitempty"`
	Problems []config.Problem `json:"problems,omitempty"`
	Warnings []string         `json:"warnings,omitempty"`
	// Server is the server as it would be written; callers showing it
	// must redact it.
	Server *config.Server `json:"server,omitempty"`
}

// Plan is the preview of an import.
type Plan struct {
	Format   Format   `json:"format"`
	Detected string   `json:"detected"`
	Changes  []Change `json:"changes"`
	Summary  Summary  `json:"summary"`
}

// Summary counts the changes by action.
type Summary struct {
	Add       int `json:"add"`
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	Conflict  int `json:"conflict"`
	Skip      int `json:"skip"`
	Invalid   int `json:"invalid"`
}

// clientKeys are the settings a client's file carries; the rest of a
// Switchboard server (tags, timeouts, enabled...) is Switchboard's and an
// import leaves it as it is.
func clientFields(a, b *config.Server) []string {
	var out []string
	eq := func(name string, same bool) {
		if !same {
			out = append(out, name)
		}
	}
	eq("type", a.TransportType() == b.TransportType())
	eq("command", a.Command == b.Command)
	eq("args", slices.Equal(a.Args, b.Args))
	eq("env", mapsEqual(a.Env, b.Env))
	eq("cwd", a.Cwd == b.Cwd)
	eq("url", a.URL == b.URL)
	eq("headers", mapsEqual(a.Headers, b.Headers))
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// MakePlan compares what a file holds with the servers configured now.
// Each entry to add or update is validated as part of cur, so a plan whose
// adds all pass applies without errors.
func MakePlan(cur *config.Config, p *Parsed, opts PlanOptions) *Plan {
	plan := &Plan{Format: p.Format, Detected: p.Detected, Changes: []Change{}}
	chosen := func(im Imported) bool {
		return len(opts.Names) == 0 || slices.Contains(opts.Names, im.Name) ||
			(im.SourceName != "" && slices.Contains(opts.Names, im.SourceName))
	}
	next := cur.Clone()
	if next.Servers == nil {
		next.Servers = map[string]*config.Server{}
	}
	for _, im := range p.Servers {
		ch := Change{Name: im.Name, SourceName: im.SourceName, Warnings: im.Warnings, Server: im.Server}
		old := cur.Servers[im.Name]
		switch {
		case !chosen(im):
			ch.Action, ch.Reason = ActionSkip, "not among the servers chosen"
		case im.Error != "":
			ch.Action, ch.Reason = ActionInvalid, im.Error
			path, msg, _ := strings.Cut(im.Error, ": ")
			ch.Problems = []config.Problem{{Path: path, Message: msg}}
		case im.Skip != "":
			ch.Action, ch.Reason = ActionSkip, im.Skip
		case isSelf(im.Server, opts.Listen):
			ch.Action, ch.Reason = ActionSkip, "this entry is this Switchboard's own endpoint"
		case old == nil:
			ch.Action = ActionAdd
		default:
			ch.Fields = clientFields(old, im.Server)
			switch {
			case len(ch.Fields) == 0:
				ch.Action = ActionUnchanged
			case opts.Replace:
				ch.Action = ActionUpdate
			default:
				ch.Action = ActionConflict
				ch.Reason = fmt.Sprintf("a server named %q exists with other %s; import with replace to update it, or rename one of them", im.Name, strings.Join(ch.Fields, ", "))
			}
		}
		if ch.Action == ActionAdd || ch.Action == ActionUpdate {
			next.Servers[im.Name] = merged(old, im.Server)
		}
		plan.Changes = append(plan.Changes, ch)
	}
	// Validate the config as it would be, and mark each entry with problems.
	var ve *config.ValidationError
	if err := next.Validate(); errors.As(err, &ve) {
		for i := range plan.Changes {
			ch := &plan.Changes[i]
			if ch.Action != ActionAdd && ch.Action != ActionUpdate {
				continue
			}
			base := "mcpServers." + ch.Name
			for _, pr := range ve.Problems {
				if pr.Path == base || strings.HasPrefix(pr.Path, base+".") || strings.HasPrefix(pr.Path, `mcpServers["`+ch.Name+`"]`) {
					ch.Problems = append(ch.Problems, pr)
				}
			}
			if len(ch.Problems) > 0 {
				ch.Action = ActionInvalid
				ch.Reason = ch.Problems[0].Path + ": " + ch.Problems[0].Message
			}
		}
	}
	for _, ch := range plan.Changes {
		switch ch.Action {
		case ActionAdd:
			plan.Summary.Add++
		case ActionUpdate:
			plan.Summary.Update++
		case ActionUnchanged:
			plan.Summary.Unchanged++
		case ActionConflict:
			plan.Summary.Conflict++
		case ActionSkip:
			plan.Summary.Skip++
		case ActionInvalid:
			plan.Summary.Invalid++
		}
	}
	return plan
}

// merged is the server an update writes: the client's settings over the
// existing server, whose own keys (tags, timeouts, enabled...) stay.
func merged(old, in *config.Server) *config.Server {
	if old == nil {
		return in.Clone()
	}
	out := old.Clone()
	out.Type, out.Command, out.Args, out.Env = in.Type, in.Command, in.Args, in.Env
	out.Cwd, out.URL, out.Headers = in.Cwd, in.URL, in.Headers
	return out
}

// Apply makes the plan's adds and updates in cfg (inside config.Manager's
// Update) and returns the names changed. It refuses when an entry the plan
// would write is invalid, so nothing is half applied.
func (p *Plan) Apply(cfg *config.Config) ([]string, error) {
	var bad []config.Problem
	for _, ch := range p.Changes {
		if ch.Action == ActionInvalid && len(ch.Problems) > 0 {
			bad = append(bad, ch.Problems...)
		}
	}
	if len(bad) > 0 {
		return nil, &config.ValidationError{Problems: bad}
	}
	if cfg.Servers == nil {
		cfg.Servers = map[string]*config.Server{}
	}
	var names []string
	for _, ch := range p.Changes {
		switch ch.Action {
		case ActionAdd:
			if cfg.Servers[ch.Name] != nil {
				// Added by someone else since the preview: leave theirs.
				continue
			}
			cfg.Servers[ch.Name] = ch.Server.Clone()
		case ActionUpdate:
			cfg.Servers[ch.Name] = merged(cfg.Servers[ch.Name], ch.Server)
		default:
			continue
		}
		names = append(names, ch.Name)
	}
	return names, nil
}

// isSelf says whether a URL server points at the Switchboard listening on
// listen.
func isSelf(sc *config.Server, listen string) bool {
	if sc == nil || sc.URL == "" || listen == "" {
		return false
	}
	u, err := url.Parse(sc.URL)
	if err != nil {
		return false
	}
	_, lport, err := net.SplitHostPort(listen)
	if err != nil || u.Port() != lport {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return (host == "localhost" || ip != nil && ip.IsLoopback()) && (u.Path == "/mcp" || strings.HasPrefix(u.Path, "/mcp/"))
}
