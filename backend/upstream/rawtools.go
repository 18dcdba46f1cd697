package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// rawID numbers our own tools/list requests; the prefix keeps them apart
// from the ids the mcp-go client uses on the same transport.
var rawID atomic.Uint64

// listToolsRaw fetches every page of tools/list and keeps each tool's input
// and output schema byte for byte. mcp-go's typed schema would drop keywords
// it does not model ($defs, oneOf, ...), and clients must see the schema the
// server wrote.
func listToolsRaw(ctx context.Context, c *client.Client) ([]mcp.Tool, error) {
	var tools []mcp.Tool
	var cursor string
	for page := 0; page < 1000; page++ {
		params := map[string]any{}
		if cursor != "" {
			params["cursor"] = cursor
		}
		resp, err := c.GetTransport().SendRequest(ctx, transport.JSONRPCRequest{
			JSONRPC: mcp.JSONRPC_VERSION,
			ID:      mcp.NewRequestId(fmt.Sprintf("sb-tools-%d", rawID.Add(1))),
			Method:  string(mcp.MethodToolsList),
			Params:  params,
		})
		if err != nil {
			return nil, err
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("%s (code %d)", resp.Error.Message, resp.Error.Code)
		}
		var result struct {
			Tools      []json.RawMessage `json:"tools"`
			NextCursor string            `json:"nextCursor"`
		}
		if err := json.Unmarshal(resp.Result, &result); err != nil {
			return nil, fmt.Errorf("tools/list result: %w", err)
		}
		for _, raw := range result.Tools {
			t, err := decodeTool(raw)
			if err != nil {
				return nil, err
			}
			tools = append(tools, t)
		}
		if result.NextCursor == "" || result.NextCursor == cursor {
			return tools, nil
		}
		cursor = result.NextCursor
	}
	return nil, fmt.Errorf("tools/list: more than 1000 pages")
}

func decodeTool(raw json.RawMessage) (mcp.Tool, error) {
	var t mcp.Tool
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, fmt.Errorf("tools/list: bad tool: %w", err)
	}
	var schemas struct {
		Input  json.RawMessage `json:"inputSchema"`
		Output json.RawMessage `json:"outputSchema"`
	}
	_ = json.Unmarshal(raw, &schemas)
	t.InputSchema = mcp.ToolInputSchema{}
	t.RawInputSchema = schemas.Input
	if len(t.RawInputSchema) == 0 || string(t.RawInputSchema) == "null" {
		t.RawInputSchema = json.RawMessage(`{"type":"object"}`)
	}
	t.OutputSchema = mcp.ToolOutputSchema{}
	if len(schemas.Output) > 0 && string(schemas.Output) != "null" {
		t.RawOutputSchema = schemas.Output
	}
	return t, nil
}
