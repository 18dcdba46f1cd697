// Package testserver is Switchboard's own MCP server for tests: a real upstream
// whose tools echo, sleep, fail, crash, stream progress, log, ask the client for
// sampling, elicitation and roots, and change their own tool list at run time.
// It also carries every tool, resource and prompt the official conformance
// suite's server scenarios call, so the suite can run against it directly or
// through the gateway.
package testserver

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Version is reported in serverInfo.
const Version = "1.0.0"

// loggerName is the "logger" field of every log notification the server sends.
const loggerName = "switchboard-testserver"

// state is what the handlers share: counters and resource subscriptions.
type state struct {
	srv *server.MCPServer

	counter atomic.Int64 // reads of test://counter

	mu    sync.Mutex
	calls map[string]int             // tools/call count per tool name
	subs  map[string]map[string]bool // session id -> subscribed resource URIs
}

// New builds the test server. The same server can be served over stdio,
// streamable HTTP or SSE.
func New(name string) *server.MCPServer {
	st := &state{calls: map[string]int{}, subs: map[string]map[string]bool{}}

	hooks := &server.Hooks{}
	// mcp-go acknowledges subscriptions but does not remember them for HTTP
	// sessions, so touch_resource needs its own record of who asked for what.
	hooks.AddAfterSubscribe(func(ctx context.Context, _ any, req *mcp.SubscribeRequest, _ *mcp.EmptyResult) {
		if id := sessionID(ctx); id != "" {
			st.mu.Lock()
			if st.subs[id] == nil {
				st.subs[id] = map[string]bool{}
			}
			st.subs[id][req.Params.URI] = true
			st.mu.Unlock()
		}
	})
	hooks.AddAfterUnsubscribe(func(ctx context.Context, _ any, req *mcp.UnsubscribeRequest, _ *mcp.EmptyResult) {
		if id := sessionID(ctx); id != "" {
			st.mu.Lock()
			delete(st.subs[id], req.Params.URI)
			st.mu.Unlock()
		}
	})
	hooks.AddOnUnregisterSession(func(_ context.Context, s server.ClientSession) {
		st.mu.Lock()
		delete(st.subs, s.SessionID())
		st.mu.Unlock()
	})

	st.srv = server.NewMCPServer(name, Version,
		server.WithToolCapabilities(true),
		server.WithPromptCapabilities(true),
		server.WithResourceCapabilities(true, true),
		server.WithLogging(),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(completer{}),
		server.WithResourceCompletionProvider(completer{}),
		server.WithHooks(hooks),
		server.WithToolHandlerMiddleware(st.countCalls),
		server.WithRecovery(),
		server.WithInstructions("Switchboard's test server: tools for exercising an MCP gateway."),
	)

	st.addTools()
	st.addResources()
	st.addPrompts()
	addConformance(st.srv)
	return st.srv
}

// countCalls counts finished calls of tools that exist: a call of a missing
// tool never gets here, and a call that first asks the client for input
// (sampling, elicitation, roots) is counted once, when it completes.
func (st *state) countCalls(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := next(ctx, req)
		if res == nil || !res.NeedsInput() {
			st.mu.Lock()
			st.calls[req.Params.Name]++
			st.mu.Unlock()
		}
		return res, err
	}
}

func sessionID(ctx context.Context) string {
	if s := server.ClientSessionFromContext(ctx); s != nil {
		return s.SessionID()
	}
	return ""
}

func (st *state) addTools() {
	s := st.srv

	type echoOut struct {
		Text string `json:"text"`
	}
	s.AddTool(mcp.NewTool("echo",
		mcp.WithDescription("Returns the given text, as text and as structured content."),
		mcp.WithString("text", mcp.Required(), mcp.Description("Text to return.")),
		mcp.WithOutputSchema[echoOut](),
		mcp.WithReadOnlyHintAnnotation(true),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		text := req.GetString("text", "")
		return mcp.NewToolResultStructured(echoOut{Text: text}, text), nil
	})

	s.AddTool(mcp.NewTool("sleep",
		mcp.WithDescription("Sleeps for ms milliseconds; stops early when the call is cancelled."),
		mcp.WithNumber("ms", mcp.Required(), mcp.Description("How long to sleep, in milliseconds.")),
		mcp.WithReadOnlyHintAnnotation(true),
	), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ms := req.GetInt("ms", 0)
		if err := pause(ctx, time.Duration(ms)*time.Millisecond); err != nil {
			// Counted apart so a test can see that a cancellation arrived.
			st.mu.Lock()
			st.calls["sleep:cancelled"]++
			st.mu.Unlock()
			return nil, fmt.Errorf("sleep %d ms interrupted: %w", ms, err)
		}
		return mcp.NewToolResultText(fmt.Sprintf("slept %d ms", ms)), nil
	})

	s.AddTool(mcp.NewTool("fail",
		mcp.WithDescription("Returns a tool error (isError true) carrying the given message."),
		mcp.WithString("message", mcp.Description("Error message.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultError(req.GetString("message", "failed on purpose")), nil
	})

	s.AddTool(mcp.NewTool("crash",
		mcp.WithDescription("Exits the server process at once with the given code, mid-call."),
		mcp.WithNumber("code", mcp.Description("Exit code (default 1).")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		os.Exit(req.GetInt("code", 1))
		return nil, nil
	})

	s.AddTool(mcp.NewTool("progress",
		mcp.WithDescription("Sends one progress notification per step (with the request's progressToken), then returns \"done\"."),
		mcp.WithNumber("steps", mcp.Description("Number of steps (default 3).")),
		mcp.WithNumber("interval_ms", mcp.Description("Pause between steps in milliseconds (default 10).")),
	), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		steps := req.GetInt("steps", 3)
		interval := time.Duration(req.GetInt("interval_ms", 10)) * time.Millisecond
		token := progressToken(req)
		for i := 1; i <= steps; i++ {
			if i > 1 {
				if err := pause(ctx, interval); err != nil {
					return nil, fmt.Errorf("progress interrupted at step %d of %d: %w", i, steps, err)
				}
			}
			if token != nil {
				err := s.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), map[string]any{
					"progressToken": token,
					"progress":      i,
					"total":         steps,
					"message":       fmt.Sprintf("step %d of %d", i, steps),
				})
				if err != nil {
					return nil, fmt.Errorf("progress step %d: %w", i, err)
				}
			}
		}
		settle(ctx)
		return mcp.NewToolResultText("done"), nil
	})

	s.AddTool(mcp.NewTool("log",
		mcp.WithDescription("Sends a notifications/message log notification to the caller, then returns."),
		mcp.WithString("level", mcp.Description("Log level (default info)."),
			mcp.Enum("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")),
		mcp.WithString("message", mcp.Required(), mcp.Description("Log message.")),
	), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		level := mcp.LoggingLevel(req.GetString("level", "info"))
		msg := req.GetString("message", "")
		if err := s.SendLogMessageToClient(ctx, mcp.NewLoggingMessageNotification(level, loggerName, msg)); err != nil {
			return nil, fmt.Errorf("log: %w", err)
		}
		settle(ctx)
		return mcp.NewToolResultText("logged at " + string(level)), nil
	})

	// sample, elicit and roots are written as multi round-trip handlers: a
	// client on protocol 2026-07-28 gets an input_required result, and for
	// older clients mcp-go sends sampling/createMessage, elicitation/create or
	// roots/list itself and calls the handler again with the answer.
	s.AddTool(mcp.NewTool("sample",
		mcp.WithDescription("Asks the client for an LLM completion (sampling/createMessage) and returns its text."),
		mcp.WithString("prompt", mcp.Required(), mcp.Description("Prompt to send.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if res := server.SamplingResponse(req.Params.InputResponses, "sample"); res != nil {
			return mcp.NewToolResultText(contentText(res.Content)), nil
		}
		return server.NewInputRequestBuilder("").Sample("sample", samplingParams(req.GetString("prompt", ""))).ToolResult(), nil
	})

	s.AddTool(mcp.NewTool("elicit",
		mcp.WithDescription("Asks the user for a name and a yes/no (elicitation/create); returns the action and content as JSON."),
		mcp.WithString("message", mcp.Required(), mcp.Description("Message shown to the user.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if res := server.ElicitationResponse(req.Params.InputResponses, "elicit"); res != nil {
			out, err := json.Marshal(map[string]any{"action": res.Action, "content": res.Content})
			if err != nil {
				return nil, fmt.Errorf("elicit: encoding the answer: %w", err)
			}
			return mcp.NewToolResultText(string(out)), nil
		}
		return server.NewInputRequestBuilder("").Elicit("elicit", mcp.ElicitationParams{
			Message: req.GetString("message", ""),
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"name": map[string]any{"type": "string", "description": "Your name"},
					"ok":   map[string]any{"type": "boolean", "description": "Go ahead?"},
				},
				"required": []string{"name"},
			},
		}).ToolResult(), nil
	})

	s.AddTool(mcp.NewTool("roots",
		mcp.WithDescription("Asks the client for its roots (roots/list) and returns their URIs, one per line."),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if res := server.RootsResponse(req.Params.InputResponses, "roots"); res != nil {
			uris := make([]string, 0, len(res.Roots))
			for _, r := range res.Roots {
				uris = append(uris, r.URI)
			}
			return mcp.NewToolResultText(strings.Join(uris, "\n")), nil
		}
		return server.NewInputRequestBuilder("").Roots("roots").ToolResult(), nil
	})

	s.AddTool(mcp.NewTool("add_tool",
		mcp.WithDescription("Adds a tool with the given name at run time (clients get tools/list_changed)."),
		mcp.WithString("name", mcp.Required(), mcp.Description("Name of the new tool.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		name, err := req.RequireString("name")
		if err != nil {
			return mcp.NewToolResultError("add_tool: " + err.Error()), nil
		}
		s.AddTool(mcp.NewTool(name, mcp.WithDescription("Added at run time by add_tool; returns its own name.")),
			func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return mcp.NewToolResultText(name), nil
			})
		return mcp.NewToolResultText("added " + name), nil
	})

	s.AddTool(mcp.NewTool("remove_tool",
		mcp.WithDescription("Removes the named tool at run time (clients get tools/list_changed)."),
		mcp.WithString("name", mcp.Required(), mcp.Description("Name of the tool to remove.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		name, err := req.RequireString("name")
		if err != nil {
			return mcp.NewToolResultError("remove_tool: " + err.Error()), nil
		}
		if s.GetTool(name) == nil {
			return mcp.NewToolResultError("remove_tool: no tool named " + name), nil
		}
		s.DeleteTools(name)
		return mcp.NewToolResultText("removed " + name), nil
	})

	s.AddTool(mcp.NewTool("set_description",
		mcp.WithDescription("Changes the description of the named tool at run time (clients get tools/list_changed), as a server that rug-pulls its users would."),
		mcp.WithString("name", mcp.Required(), mcp.Description("Name of the tool to change.")),
		mcp.WithString("description", mcp.Required(), mcp.Description("Its new description.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		name, err := req.RequireString("name")
		if err != nil {
			return mcp.NewToolResultError("set_description: " + err.Error()), nil
		}
		desc, err := req.RequireString("description")
		if err != nil {
			return mcp.NewToolResultError("set_description: " + err.Error()), nil
		}
		t := s.GetTool(name)
		if t == nil {
			return mcp.NewToolResultError("set_description: no tool named " + name), nil
		}
		tool := t.Tool
		tool.Description = desc
		s.AddTool(tool, t.Handler)
		return mcp.NewToolResultText("changed " + name), nil
	})

	s.AddTool(mcp.NewTool("garbage",
		mcp.WithDescription("Writes a line that is not JSON to stdout (breaks the stdio framing on purpose), then returns."),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		// One Write call, so the line cannot interleave with a JSON message.
		_, _ = os.Stdout.Write([]byte("this is not JSON-RPC }{\n"))
		return mcp.NewToolResultText("wrote garbage to stdout"), nil
	})

	s.AddTool(mcp.NewTool("stderr",
		mcp.WithDescription("Writes the given number of lines to stderr."),
		mcp.WithNumber("lines", mcp.Description("How many lines (default 1).")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		n := req.GetInt("lines", 1)
		var b strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "stderr line %d of %d\n", i, n)
		}
		_, _ = os.Stderr.WriteString(b.String())
		return mcp.NewToolResultText(fmt.Sprintf("wrote %d lines to stderr", n)), nil
	})

	s.AddTool(mcp.NewTool("pid",
		mcp.WithDescription("Returns the server's process id."),
		mcp.WithReadOnlyHintAnnotation(true),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(fmt.Sprint(os.Getpid())), nil
	})

	s.AddTool(mcp.NewTool("env",
		mcp.WithDescription("Returns the value of an environment variable of the server process (empty when unset)."),
		mcp.WithString("name", mcp.Required(), mcp.Description("Variable name.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText(os.Getenv(req.GetString("name", ""))), nil
	})

	s.AddTool(mcp.NewTool("touch_resource",
		mcp.WithDescription("Sends notifications/resources/updated for the URI to every session subscribed to it."),
		mcp.WithString("uri", mcp.Required(), mcp.Description("Resource URI.")),
	), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		uri := req.GetString("uri", "")
		n := 0
		for _, id := range st.subscribers(uri) {
			err := s.SendNotificationToSpecificClient(id, string(mcp.MethodNotificationResourceUpdated), map[string]any{"uri": uri})
			if err == nil {
				n++
			}
		}
		return mcp.NewToolResultText(fmt.Sprintf("notified %d session(s) of %s", n, uri)), nil
	})

	s.AddTool(mcp.NewTool("calls",
		mcp.WithDescription("Returns, as JSON, how many times each tool has been called on this server process."),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		st.mu.Lock()
		out, err := json.Marshal(st.calls)
		st.mu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("calls: %w", err)
		}
		return mcp.NewToolResultText(string(out)), nil
	})
}

func (st *state) subscribers(uri string) []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var ids []string
	for id, uris := range st.subs {
		if uris[uri] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (st *state) addResources() {
	st.srv.AddResource(mcp.NewResource("test://counter", "counter",
		mcp.WithResourceDescription("A number that goes up by one on every read."),
		mcp.WithMIMEType("text/plain"),
	), func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		n := st.counter.Add(1)
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/plain", Text: fmt.Sprint(n)}}, nil
	})
}

func (st *state) addPrompts() {
	st.srv.AddPrompt(mcp.NewPrompt("greet",
		mcp.WithPromptDescription("Greets someone by name."),
		mcp.WithArgument("name", mcp.ArgumentDescription("Who to greet."), mcp.RequiredArgument()),
	), func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		name := req.Params.Arguments["name"]
		return mcp.NewGetPromptResult("A greeting", []mcp.PromptMessage{
			mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent("Hello, "+name+"!")),
		}), nil
	})
}

// completer suggests values for prompt and resource template arguments.
type completer struct{}

var completions = map[string][]string{
	"greet/name":                      {"alice", "bob", "carol", "dave"},
	"test_prompt_with_arguments/arg1": {"paris", "park", "party", "test-value"},
	"test_prompt_with_arguments/arg2": {"world", "wonder", "test-value"},
	"test://template/{id}/data/id":    {"1", "2", "123"},
}

func (completer) CompletePromptArgument(_ context.Context, prompt string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	return complete(prompt+"/"+arg.Name, arg.Value), nil
}

func (completer) CompleteResourceArgument(_ context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	return complete(uri+"/"+arg.Name, arg.Value), nil
}

func complete(key, prefix string) *mcp.Completion {
	values := []string{} // never null on the wire: clients expect an array
	for _, v := range completions[key] {
		if strings.HasPrefix(v, prefix) {
			values = append(values, v)
		}
	}
	return &mcp.Completion{Values: values, Total: len(values)}
}

// settle gives notifications a moment to reach the client before the result
// does. mcp-go's streamable HTTP server hands a session's notifications to
// whichever of its streams reads first, the call's own POST stream or the
// client's standalone GET stream; one that goes out on the GET stream can
// arrive after the result, when the client no longer expects progress for
// that call.
func settle(ctx context.Context) { _ = pause(ctx, 50*time.Millisecond) }

// pause waits for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func progressToken(req mcp.CallToolRequest) mcp.ProgressToken {
	if req.Params.Meta != nil {
		return req.Params.Meta.ProgressToken
	}
	return nil
}

func samplingParams(prompt string) mcp.CreateMessageParams {
	return mcp.CreateMessageParams{
		Messages:  []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.NewTextContent(prompt)}},
		MaxTokens: 100,
	}
}

// contentText returns the text of a sampling reply's content.
func contentText(c any) string {
	switch v := c.(type) {
	case mcp.TextContent:
		return v.Text
	case *mcp.TextContent:
		return v.Text
	case map[string]any:
		if t, ok := v["text"].(string); ok {
			return t
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}
