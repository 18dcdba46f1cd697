package testserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The tools, resources and prompts below are the ones the official conformance
// suite (@modelcontextprotocol/conformance) calls in its server scenarios, with
// the names, arguments and contents its scenario descriptions ask for.

// A 1x1 red PNG and a tiny WAV file.
const (
	testPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
	testWAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="
)

func addConformance(s *server.MCPServer) {
	addConformanceTools(s)
	addConformanceElicitation(s)
	addConformanceResources(s)
	addConformancePrompts(s)
}

func noArgs(name, description string) mcp.Tool {
	return mcp.NewTool(name, mcp.WithDescription(description))
}

func result(content ...mcp.Content) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: content}
}

func addConformanceTools(s *server.MCPServer) {
	s.AddTool(noArgs("test_simple_text", "Returns a simple text response."),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("This is a simple text response for testing."), nil
		})
	s.AddTool(noArgs("test_image_content", "Returns a 1x1 PNG image."),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return result(mcp.NewImageContent(testPNG, "image/png")), nil
		})
	s.AddTool(noArgs("test_audio_content", "Returns a tiny WAV audio clip."),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return result(mcp.NewAudioContent(testWAV, "audio/wav")), nil
		})
	s.AddTool(noArgs("test_embedded_resource", "Returns an embedded text resource."),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return result(mcp.NewEmbeddedResource(mcp.TextResourceContents{
				URI: "test://embedded-resource", MIMEType: "text/plain", Text: "This is an embedded resource content.",
			})), nil
		})
	s.AddTool(noArgs("test_multiple_content_types", "Returns text, an image and an embedded resource."),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return result(
				mcp.NewTextContent("Multiple content types test:"),
				mcp.NewImageContent(testPNG, "image/png"),
				mcp.NewEmbeddedResource(mcp.TextResourceContents{
					URI: "test://mixed-content-resource", MIMEType: "application/json", Text: `{"test":"data","value":123}`,
				}),
			), nil
		})
	s.AddTool(noArgs("test_error_handling", "Always returns a tool error."),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultError("This tool intentionally returns an error for testing"), nil
		})

	s.AddTool(noArgs("test_tool_with_logging", "Sends three info log notifications about 50 ms apart."),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			for i, msg := range []string{"Tool execution started", "Tool processing data", "Tool execution completed"} {
				if i > 0 {
					if err := pause(ctx, 50*time.Millisecond); err != nil {
						return nil, err
					}
				}
				note := mcp.NewLoggingMessageNotification(mcp.LoggingLevelInfo, loggerName, msg)
				if err := s.SendLogMessageToClient(ctx, note); err != nil {
					return nil, fmt.Errorf("test_tool_with_logging: %w", err)
				}
			}
			settle(ctx)
			return mcp.NewToolResultText("Tool with logging executed successfully"), nil
		})

	s.AddTool(noArgs("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100, about 50 ms apart."),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			token := progressToken(req)
			for i, p := range []int{0, 50, 100} {
				if i > 0 {
					if err := pause(ctx, 50*time.Millisecond); err != nil {
						return nil, err
					}
				}
				if token == nil {
					continue
				}
				err := s.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), map[string]any{
					"progressToken": token, "progress": p, "total": 100,
				})
				if err != nil {
					return nil, fmt.Errorf("test_tool_with_progress: %w", err)
				}
			}
			settle(ctx)
			return mcp.NewToolResultText("Tool with progress executed successfully"), nil
		})

	s.AddTool(mcp.NewTool("test_sampling",
		mcp.WithDescription("Asks the client for an LLM completion of the prompt."),
		mcp.WithString("prompt", mcp.Required(), mcp.Description("The prompt to send to the LLM")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if res := server.SamplingResponse(req.Params.InputResponses, "sample"); res != nil {
			return mcp.NewToolResultText("LLM response: " + contentText(res.Content)), nil
		}
		return server.NewInputRequestBuilder("").Sample("sample", samplingParams(req.GetString("prompt", ""))).ToolResult(), nil
	})

	// Keywords of JSON Schema 2020-12 that must reach the client unchanged,
	// hence the raw schema.
	s.AddTool(mcp.NewToolWithRawSchema("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
		json.RawMessage(`{
			"$schema": "https://json-schema.org/draft/2020-12/schema",
			"type": "object",
			"$defs": {"address": {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
			"properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}},
			"additionalProperties": false
		}`),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		b, _ := json.Marshal(req.GetArguments())
		return mcp.NewToolResultText("received " + string(b)), nil
	})

	// test_reconnection is for the pending server-sse-polling scenario
	// (SEP-1699), which wants the server to close the response stream mid-call
	// and resume it on reconnection. mcp-go's streamable HTTP server does not
	// close streams on its own, so the scenario can only report on this tool's
	// plain answer.
	s.AddTool(noArgs("test_reconnection", "Waits briefly, then returns; used by the SSE polling scenario."),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if err := pause(ctx, 100*time.Millisecond); err != nil {
				return nil, err
			}
			return mcp.NewToolResultText("Reconnection test completed"), nil
		})
}

// elicitTool registers a tool that elicits with the given schema and reports
// the answer as "<prefix>action=..., content=...".
func elicitTool(s *server.MCPServer, tool mcp.Tool, prefix string, params func(mcp.CallToolRequest) mcp.ElicitationParams) {
	s.AddTool(tool, func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if res := server.ElicitationResponse(req.Params.InputResponses, "elicit"); res != nil {
			content, _ := json.Marshal(res.Content)
			return mcp.NewToolResultText(fmt.Sprintf("%saction=%s, content=%s", prefix, res.Action, content)), nil
		}
		return server.NewInputRequestBuilder("").Elicit("elicit", params(req)).ToolResult(), nil
	})
}

func addConformanceElicitation(s *server.MCPServer) {
	elicitTool(s, mcp.NewTool("test_elicitation",
		mcp.WithDescription("Asks the user for a username and an email address."),
		mcp.WithString("message", mcp.Required(), mcp.Description("The message to show the user")),
	), "User response: ", func(req mcp.CallToolRequest) mcp.ElicitationParams {
		return mcp.ElicitationParams{
			Message: req.GetString("message", ""),
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"username": map[string]any{"type": "string", "description": "User's response"},
					"email":    map[string]any{"type": "string", "description": "User's email address"},
				},
				"required": []string{"username", "email"},
			},
		}
	})

	elicitTool(s, noArgs("test_elicitation_sep1034_defaults", "Elicits fields of every primitive type, each with a default (SEP-1034)."),
		"Elicitation completed: ", func(mcp.CallToolRequest) mcp.ElicitationParams {
			return mcp.ElicitationParams{
				Message: "Please review your information",
				RequestedSchema: map[string]any{
					"type": "object",
					"properties": map[string]any{
						"name":     map[string]any{"type": "string", "description": "Name", "default": "John Doe"},
						"age":      map[string]any{"type": "integer", "description": "Age", "default": 30},
						"score":    map[string]any{"type": "number", "description": "Score", "default": 95.5},
						"status":   map[string]any{"type": "string", "description": "Status", "enum": []string{"active", "inactive", "pending"}, "default": "active"},
						"verified": map[string]any{"type": "boolean", "description": "Verified", "default": true},
					},
				},
			}
		})

	titled := func(pairs ...string) []any {
		var out []any
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, map[string]any{"const": pairs[i], "title": pairs[i+1]})
		}
		return out
	}
	elicitTool(s, noArgs("test_elicitation_sep1330_enums", "Elicits all five enum variants (SEP-1330)."),
		"Elicitation completed: ", func(mcp.CallToolRequest) mcp.ElicitationParams {
			return mcp.ElicitationParams{
				Message: "Please choose",
				RequestedSchema: map[string]any{
					"type": "object",
					"properties": map[string]any{
						"untitledSingle": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}},
						"titledSingle": map[string]any{"type": "string",
							"oneOf": titled("value1", "First Option", "value2", "Second Option", "value3", "Third Option")},
						"legacyEnum": map[string]any{"type": "string", "enum": []string{"opt1", "opt2", "opt3"},
							"enumNames": []string{"Option One", "Option Two", "Option Three"}},
						"untitledMulti": map[string]any{"type": "array",
							"items": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}}},
						"titledMulti": map[string]any{"type": "array",
							"items": map[string]any{"anyOf": titled("value1", "First Choice", "value2", "Second Choice", "value3", "Third Choice")}},
					},
				},
			}
		})
}

func addConformanceResources(s *server.MCPServer) {
	text := func(uri, mime, body string) server.ResourceHandlerFunc {
		return func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: mime, Text: body}}, nil
		}
	}
	s.AddResource(mcp.NewResource("test://static-text", "static-text",
		mcp.WithResourceDescription("A static text resource."), mcp.WithMIMEType("text/plain")),
		text("test://static-text", "text/plain", "This is the content of the static text resource."))
	s.AddResource(mcp.NewResource("test://static-binary", "static-binary",
		mcp.WithResourceDescription("A static binary resource (a 1x1 PNG)."), mcp.WithMIMEType("image/png")),
		func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.BlobResourceContents{URI: "test://static-binary", MIMEType: "image/png", Blob: testPNG}}, nil
		})
	s.AddResource(mcp.NewResource("test://watched-resource", "watched-resource",
		mcp.WithResourceDescription("A resource to subscribe to."), mcp.WithMIMEType("text/plain")),
		text("test://watched-resource", "text/plain", "Watched resource content."))
	s.AddResourceTemplate(mcp.NewResourceTemplate("test://template/{id}/data", "template-data",
		mcp.WithTemplateDescription("Data for an id, substituted into the URI."), mcp.WithTemplateMIMEType("application/json")),
		func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			id := strings.TrimSuffix(strings.TrimPrefix(req.Params.URI, "test://template/"), "/data")
			body, _ := json.Marshal(map[string]any{"id": id, "templateTest": true, "data": "Data for ID: " + id})
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(body)}}, nil
		})
}

func addConformancePrompts(s *server.MCPServer) {
	user := func(c mcp.Content) mcp.PromptMessage { return mcp.NewPromptMessage(mcp.RoleUser, c) }

	s.AddPrompt(mcp.NewPrompt("test_simple_prompt", mcp.WithPromptDescription("A simple prompt without arguments.")),
		func(context.Context, mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return mcp.NewGetPromptResult("", []mcp.PromptMessage{user(mcp.NewTextContent("This is a simple prompt for testing."))}), nil
		})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_arguments",
		mcp.WithPromptDescription("A prompt with two required arguments."),
		mcp.WithArgument("arg1", mcp.ArgumentDescription("First test argument"), mcp.RequiredArgument()),
		mcp.WithArgument("arg2", mcp.ArgumentDescription("Second test argument"), mcp.RequiredArgument()),
	), func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		a := req.Params.Arguments
		text := fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", a["arg1"], a["arg2"])
		return mcp.NewGetPromptResult("", []mcp.PromptMessage{user(mcp.NewTextContent(text))}), nil
	})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_embedded_resource",
		mcp.WithPromptDescription("A prompt that embeds a resource."),
		mcp.WithArgument("resourceUri", mcp.ArgumentDescription("URI of the resource to embed"), mcp.RequiredArgument()),
	), func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		uri := req.Params.Arguments["resourceUri"]
		return mcp.NewGetPromptResult("", []mcp.PromptMessage{
			user(mcp.NewEmbeddedResource(mcp.TextResourceContents{URI: uri, MIMEType: "text/plain", Text: "Embedded resource content for testing."})),
			user(mcp.NewTextContent("Please process the embedded resource above.")),
		}), nil
	})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_image", mcp.WithPromptDescription("A prompt that includes an image.")),
		func(context.Context, mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return mcp.NewGetPromptResult("", []mcp.PromptMessage{
				user(mcp.NewImageContent(testPNG, "image/png")),
				user(mcp.NewTextContent("Please analyze the image above.")),
			}), nil
		})
}
