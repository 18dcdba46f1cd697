package trust

import (
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/poisoning"
)

// Poisoning is the Scanner of backend/poisoning's offline checks.
type Poisoning struct {
	// Elsewhere lists the tools of the servers other than the one given,
	// so a tool that shadows or refers to another server's tools is found;
	// nil checks each server on its own. The checks read only the server
	// and name of those tools.
	Elsewhere func(server string) []poisoning.Tool
}

// Scan runs the checks on one tool.
func (p Poisoning) Scan(server string, tool mcp.Tool) []Finding {
	var elsewhere []poisoning.Tool
	if p.Elsewhere != nil {
		elsewhere = p.Elsewhere(server)
	}
	found := poisoning.Scan(PoisoningTool(server, tool), elsewhere)
	out := make([]Finding, 0, len(found))
	for _, f := range found {
		out = append(out, Finding{Rule: f.Rule, Severity: string(f.Severity), Message: f.Message, Field: f.Field, Text: f.Excerpt})
	}
	return out
}

// PoisoningTool is a tool as the checks read it: the fields that are
// pinned, which are the ones a model sees.
func PoisoningTool(server string, t mcp.Tool) poisoning.Tool {
	out := poisoning.Tool{Server: server, Name: t.Name, Description: t.Description}
	if c, err := Canonical(t); err == nil {
		_ = json.Unmarshal(c, &out)
	}
	out.Server = server
	return out
}
