package poisoning

import (
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
)

// FromMCP takes the parts of an MCP tool the model reads. Schemas given raw
// (as upstreams' tools are decoded) are used as they are.
func FromMCP(server string, t mcp.Tool) Tool {
	out := Tool{Server: server, Name: t.Name, Title: t.Title, Description: t.Description}
	out.InputSchema = t.RawInputSchema
	if len(out.InputSchema) == 0 {
		out.InputSchema, _ = json.Marshal(t.InputSchema)
	}
	out.OutputSchema = t.RawOutputSchema
	if len(out.OutputSchema) == 0 && t.OutputSchema.Type != "" {
		out.OutputSchema, _ = json.Marshal(t.OutputSchema)
	}
	if a, err := json.Marshal(t.Annotations); err == nil && string(a) != "{}" {
		out.Annotations = a
	}
	return out
}

// FromMCPList converts the tools of one server.
func FromMCPList(server string, tools []mcp.Tool) []Tool {
	out := make([]Tool, len(tools))
	for i, t := range tools {
		out[i] = FromMCP(server, t)
	}
	return out
}
