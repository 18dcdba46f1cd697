package trust

import (
	"encoding/json"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
)

// Finding is one result of a poisoning check on a tool.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"` // high, medium or low
	Message  string `json:"message"`
	// Field is where the text was found, such as "description".
	Field string `json:"field,omitempty"`
	// Text is what triggered the finding, quoted from the tool.
	Text string `json:"text,omitempty"`
}

// SeverityHigh findings block approval unless it is given with override.
const SeverityHigh = "high"

// Scanner runs the poisoning checks on a tool of a server. It is the seam
// to the checks: without one, tools have no findings and nothing is blocked
// by them.
type Scanner interface {
	Scan(server string, tool mcp.Tool) []Finding
}

// Blocking reports whether findings hold a high-severity one.
func Blocking(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityHigh {
			return true
		}
	}
	return false
}

// SetScanner sets the poisoning checks (nil: none).
func (t *Trust) SetScanner(s Scanner) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.scanner = s
}

func (t *Trust) scanLocked(server string, tool mcp.Tool) []Finding {
	if t.scanner == nil {
		return nil
	}
	return t.scanner.Scan(server, tool)
}

// ServerStatus says whether a server, configured as cfg, is approved,
// pending or rejected.
func (t *Trust) ServerStatus(name string, cfg *config.Server) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return serverStatus(t.loadLocked(name), cfg)
}

// ServerReview is what a person needs to decide on a server.
type ServerReview struct {
	Server string
	// Status is approved, pending or rejected.
	Status string
	// Reason is what clients are told while the server is held.
	Reason string
	// Record is the stored decision, nil when there is none.
	Record *ServerRecord
	Tools  []ToolReview
}

// ToolReview is one tool's standing.
type ToolReview struct {
	Tool mcp.Tool
	// Status is approved, new, changed or rejected; on a server that is
	// not approved, every tool is pending.
	Status   string
	Reason   string
	Pin      *ToolPin
	Findings []Finding
}

// Review says where a server and each of its current tools stand, without
// changing anything.
func (t *Trust) Review(name string, cfg *config.Server, tools []mcp.Tool) ServerReview {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.loadLocked(name)
	st := serverStatus(rec, cfg)
	out := ServerReview{Server: name, Status: st}
	if rec != nil {
		out.Record = rec.clone()
	}
	if st != StatusApproved {
		out.Reason = serverReason(name, st, rec)
	}
	for _, tool := range tools {
		tr := t.toolReviewLocked(name, st, rec, tool)
		out.Tools = append(out.Tools, tr)
	}
	return out
}

func (t *Trust) toolReviewLocked(name, serverSt string, rec *ServerRecord, tool mcp.Tool) ToolReview {
	tr := ToolReview{Tool: tool, Findings: t.scanLocked(name, tool)}
	if rec != nil {
		if p := rec.Tools[tool.Name]; p != nil {
			c := *p
			tr.Pin = &c
		}
	}
	if serverSt != StatusApproved {
		tr.Status, tr.Reason = StatusPending, serverReason(name, serverSt, rec)
		return tr
	}
	hash, _, err := ToolHash(tool)
	switch {
	case err != nil || tr.Pin == nil:
		tr.Status = StatusNew
	case tr.Pin.Hash != hash:
		tr.Status = StatusChanged
	case tr.Pin.Decision == Rejected:
		tr.Status = StatusRejected
	default:
		tr.Status = StatusApproved
		return tr
	}
	tr.Reason = toolReason(name, tool.Name, tr.Status)
	return tr
}

// ToolDetail is one tool's review with its pinned and current definitions
// and what changed between them.
type ToolDetail struct {
	ToolReview
	Current         json.RawMessage
	Changes         []FieldChange
	DescriptionDiff string
}

// ReviewTool details one current tool of a server.
func (t *Trust) ReviewTool(name string, cfg *config.Server, tool mcp.Tool) ToolDetail {
	t.mu.Lock()
	rec := t.loadLocked(name)
	tr := t.toolReviewLocked(name, serverStatus(rec, cfg), rec, tool)
	t.mu.Unlock()
	d := ToolDetail{ToolReview: tr}
	_, d.Current, _ = ToolHash(tool)
	if tr.Pin != nil && tr.Pin.Hash != "" && (tr.Status == StatusChanged || tr.Pin.Decision == Rejected) {
		d.Changes = Diff(tr.Pin.Definition, d.Current)
		var old struct {
			Description string `json:"description"`
		}
		_ = json.Unmarshal(tr.Pin.Definition, &old)
		if old.Description != tool.Description {
			d.DescriptionDiff = TextDiff(old.Description, tool.Description)
		}
	}
	return d
}

// PinnedAt is when a tool was last decided on, or the zero time.
func (tr ToolReview) PinnedAt() time.Time {
	if tr.Pin == nil {
		return time.Time{}
	}
	return tr.Pin.At
}
