package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/config"
	"switchboard/backend/toolsearch"
	"switchboard/backend/upstream"
)

// Search exposure (tool_exposure: "search"): instead of every tool, an
// endpoint lists three of its own. retrieve_tools finds tools for a request
// in words, describe_tool gives one tool's whole definition, and call_tool
// calls a tool by its exposed name. A model with fifty servers behind it
// then reads three short definitions instead of hundreds, and asks for the
// few tools it needs.
//
// What a client can find and call is exactly what direct exposure would
// list: the index holds the endpoint's exposed tools only (no disabled,
// quarantined or held tool is in it), a key's scope filters what is found
// and refuses what is called, and call_tool goes through endpoint.forward,
// so the call guard, the activity log and events see it as any call.

// Names of the search tools.
const (
	RetrieveToolsName = "retrieve_tools"
	DescribeToolName  = "describe_tool"
	CallToolName      = "call_tool"
)

// Bounds of retrieve_tools' limit.
const (
	defaultRetrieveLimit = 10
	maxRetrieveLimit     = 50
)

// searchState is one endpoint's index and the tools it holds, kept beside
// the endpoint (endpoint.go is the call path; this stays out of it).
type searchState struct {
	index *toolsearch.Index
	mu    sync.RWMutex
	tools map[string]*mcp.Tool // exposed name -> the tool as exposed
	// servers holds each server's exposed tools as the last sync saw them;
	// only exposure reads and writes it, under the endpoint's sync lock.
	servers map[string]*serverTools
}

// serverTools is one server's exposed tools and their documents.
type serverTools struct {
	tools []mcp.Tool
	names []string // the server's own names
	tags  []string
	docs  []toolsearch.Doc
}

// same says whether a server's tools are as they were: then its documents
// stand, and a sync of 10,000 unchanged tools copies, decodes and analyses
// nothing.
func (a *serverTools) same(tools []server.ServerTool, names, tags []string) bool {
	if len(a.tools) != len(tools) || !slices.Equal(a.tags, tags) || !slices.Equal(a.names, names) {
		return false
	}
	for i := range a.tools {
		x, y := &a.tools[i], &tools[i].Tool
		if x.Name != y.Name || x.Description != y.Description || len(x.RawInputSchema) == 0 ||
			!bytes.Equal(x.RawInputSchema, y.RawInputSchema) {
			return false
		}
	}
	return true
}

var searchStates sync.Map // *endpoint -> *searchState

func (e *endpoint) search() *searchState {
	if s, ok := searchStates.Load(e); ok {
		return s.(*searchState)
	}
	s, _ := searchStates.LoadOrStore(e, &searchState{index: toolsearch.NewIndex(), tools: map[string]*mcp.Tool{}})
	return s.(*searchState)
}

// exposure is called by sync with the tools the endpoint exposes now. In
// direct mode it returns them as they are; in search mode it updates the
// index (only servers whose tools changed are analysed again) and returns
// the three search tools in their place.
func (e *endpoint) exposure(tools []server.ServerTool) []server.ServerTool {
	if e.g.exposureMode() != config.ExposureSearch {
		// The index is only kept while it is used.
		searchStates.Delete(e)
		return tools
	}
	st := e.search()
	rt := e.routes.Load()
	// sync lists each server's tools together; a run is one server's.
	type run struct {
		server   string
		from, to int
		names    []string
	}
	var runs []run
	for i, t := range tools {
		tg, ok := rt.tools[t.Tool.Name]
		if !ok {
			continue
		}
		if len(runs) == 0 || runs[len(runs)-1].server != tg.owner() || runs[len(runs)-1].to != i {
			runs = append(runs, run{server: tg.owner(), from: i, to: i})
		}
		r := &runs[len(runs)-1]
		r.to = i + 1
		r.names = append(r.names, tg.name)
	}
	now := make(map[string]*serverTools, len(runs))
	changed := false
	for _, r := range runs {
		var tags []string
		if u := e.g.upstream(r.server); u != nil {
			tags = u.Config().Tags
		}
		part := tools[r.from:r.to]
		if prev := now[r.server]; prev != nil {
			// Not together after all: join the runs, and take the slow way.
			joined := make([]server.ServerTool, 0, len(prev.tools)+len(part))
			for _, t := range prev.tools {
				joined = append(joined, server.ServerTool{Tool: t})
			}
			part = append(joined, part...)
			r.names = append(slices.Clone(prev.names), r.names...)
		} else if old := st.servers[r.server]; old != nil && old.same(part, r.names, tags) {
			now[r.server] = old
			continue
		}
		changed = true
		g := &serverTools{tools: make([]mcp.Tool, len(part)), names: r.names, tags: tags, docs: make([]toolsearch.Doc, len(part))}
		for i, t := range part {
			g.tools[i] = t.Tool
			d := toolsearch.DocFromSchema(ToolInputSchema(t.Tool))
			d.ID, d.Name, d.Description, d.Server, d.Tags = t.Tool.Name, r.names[i], t.Tool.Description, r.server, tags
			g.docs[i] = d
		}
		now[r.server] = g
	}
	for name, g := range now {
		if st.servers[name] != g {
			st.index.Set(name, g.docs)
		}
	}
	changed = changed || len(now) != len(st.servers)
	for name := range st.servers {
		if now[name] == nil {
			st.index.Set(name, nil)
		}
	}
	st.servers = now
	if changed {
		defs := make(map[string]*mcp.Tool, len(tools))
		for _, g := range now {
			for i := range g.tools {
				defs[g.tools[i].Name] = &g.tools[i]
			}
		}
		st.mu.Lock()
		st.tools = defs
		st.mu.Unlock()
	}
	return searchTools(e)
}

func (g *Gateway) exposureMode() string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.cfg.Exposure()
}

// searchTools are the three tools a client sees in search mode.
func searchTools(e *endpoint) []server.ServerTool {
	return []server.ServerTool{
		{Tool: mcp.NewTool(RetrieveToolsName,
			mcp.WithDescription("Find the tools that can do what you need. Describe the task in plain words "+
				"(\"list the files in a folder\", \"open a pull request\", \"remember a fact about someone\"); "+
				"the answer lists the best matching tools, best first, each with its name, description, input schema "+
				"and a relevance score. Then call one with call_tool, using its name and arguments that follow its schema."),
			mcp.WithString("query", mcp.Required(), mcp.Description("What you want to do, in plain words.")),
			mcp.WithNumber("limit", mcp.Description(fmt.Sprintf("At most this many tools (default %d, at most %d).", defaultRetrieveLimit, maxRetrieveLimit)),
				mcp.Min(1), mcp.Max(maxRetrieveLimit)),
			mcp.WithReadOnlyHintAnnotation(true),
			mcp.WithOpenWorldHintAnnotation(false),
		), Handler: e.retrieveTools},
		{Tool: mcp.NewTool(DescribeToolName,
			mcp.WithDescription("Give the full definition of one tool found with retrieve_tools: its description, input schema, output schema and annotations."),
			mcp.WithString("name", mcp.Required(), mcp.Description("The tool's name as retrieve_tools gave it.")),
			mcp.WithReadOnlyHintAnnotation(true),
			mcp.WithOpenWorldHintAnnotation(false),
		), Handler: e.describeTool},
		{Tool: mcp.NewTool(CallToolName,
			mcp.WithDescription("Call a tool found with retrieve_tools, by its name, with its arguments; returns the tool's own result."),
			mcp.WithString("name", mcp.Required(), mcp.Description("The tool's name as retrieve_tools gave it.")),
			mcp.WithObject("arguments", mcp.Description("The tool's arguments, as its input schema describes them.")),
		), Handler: e.callFound},
	}
}

// RetrievedTool is one tool in retrieve_tools' answer.
type RetrievedTool struct {
	Name        string          `json:"name"`
	Server      string          `json:"server"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"inputSchema"`
	Score       float64         `json:"score"`
}

// inScope says whether the caller's key (if any) may see and call a tool,
// and why not.
func (g *Gateway) inScope(ctx context.Context, t target) (bool, string) {
	f, _ := ctx.Value(toolScopeKey{}).(ToolScope)
	if f == nil {
		return true, ""
	}
	return g.scopeAllows(f, t)
}

func (e *endpoint) retrieveTools(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	q, err := req.RequireString("query")
	if err != nil || strings.TrimSpace(q) == "" {
		return mcp.NewToolResultError("retrieve_tools needs a query: what you want to do, in plain words"), nil
	}
	limit := min(max(req.GetInt("limit", defaultRetrieveLimit), 1), maxRetrieveLimit)
	st := e.search()
	rt := e.routes.Load()
	// With a scope, search further down the list, since some hits are
	// filtered out.
	want := limit
	if f, _ := ctx.Value(toolScopeKey{}).(ToolScope); f != nil {
		want = 0
	}
	out := struct {
		Query string          `json:"query"`
		Tools []RetrievedTool `json:"tools"`
	}{Query: q, Tools: []RetrievedTool{}}
	st.mu.RLock()
	for _, h := range st.index.Search(q, want) {
		if len(out.Tools) == limit {
			break
		}
		tg, ok := rt.tools[h.ID]
		def, known := st.tools[h.ID]
		if !ok || !known {
			continue // gone since the index was built
		}
		if ok, _ := e.g.inScope(ctx, tg); !ok {
			continue
		}
		out.Tools = append(out.Tools, RetrievedTool{Name: h.ID, Server: tg.owner(), Description: def.Description,
			InputSchema: ToolInputSchema(*def), Score: h.Score})
	}
	st.mu.RUnlock()
	text, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return mcp.NewToolResultStructured(out, string(text)), nil
}

// lookup finds a tool the caller may use by its exposed name, or says why
// there is none.
func (e *endpoint) lookup(ctx context.Context, name string) (target, mcp.Tool, string) {
	rt := e.routes.Load()
	if t, ok := rt.tools[name]; ok {
		if ok, why := e.g.inScope(ctx, t); !ok {
			return target{}, mcp.Tool{}, why
		}
		st := e.search()
		st.mu.RLock()
		def, known := st.tools[name]
		st.mu.RUnlock()
		if known {
			return t, *def, ""
		}
	}
	if t, ok := rt.disabled[name]; ok {
		return target{}, mcp.Tool{}, fmt.Sprintf("tool %q of server %q is disabled (in its disabled_tools)", t.name, t.server)
	}
	if h, ok := rt.held[name]; ok {
		return target{}, mcp.Tool{}, h.reason
	}
	return target{}, mcp.Tool{}, fmt.Sprintf("no tool named %q; find tools with %s", name, RetrieveToolsName)
}

func (e *endpoint) describeTool(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	name, err := req.RequireString("name")
	if err != nil {
		return mcp.NewToolResultError("describe_tool needs the name of a tool, as retrieve_tools gave it"), nil
	}
	t, def, why := e.lookup(ctx, name)
	if why != "" {
		return mcp.NewToolResultError(why), nil
	}
	out := struct {
		Name         string             `json:"name"`
		Server       string             `json:"server"`
		Title        string             `json:"title,omitempty"`
		Description  string             `json:"description"`
		InputSchema  json.RawMessage    `json:"inputSchema"`
		OutputSchema json.RawMessage    `json:"outputSchema,omitempty"`
		Annotations  mcp.ToolAnnotation `json:"annotations"`
	}{Name: name, Server: t.owner(), Title: def.Title, Description: def.Description, InputSchema: ToolInputSchema(def),
		OutputSchema: def.RawOutputSchema, Annotations: def.Annotations}
	text, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return mcp.NewToolResultStructured(out, string(text)), nil
}

// callFound is call_tool: the named tool's own result, or an error result
// that says why it was not called.
func (e *endpoint) callFound(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	name, err := req.RequireString("name")
	if err != nil {
		return mcp.NewToolResultError("call_tool needs the name of a tool, as retrieve_tools gave it"), nil
	}
	t, _, why := e.lookup(ctx, name)
	if why != "" {
		return mcp.NewToolResultError("Switchboard: " + why), nil
	}
	args := json.RawMessage("{}")
	if a, ok := req.GetArguments()["arguments"]; ok && a != nil {
		if _, isObject := a.(map[string]any); !isObject {
			return mcp.NewToolResultError("call_tool: arguments must be an object of the tool's arguments"), nil
		}
		if args, err = json.Marshal(a); err != nil {
			return mcp.NewToolResultError("call_tool: arguments: " + err.Error()), nil
		}
	}
	res, err := e.forward(ctx, t, args, req.Params.Meta)
	if err != nil {
		if errors.Is(err, upstream.ErrUnavailable) || errors.Is(err, upstream.ErrTimeout) || errors.Is(err, ErrDenied) {
			return mcp.NewToolResultError("Switchboard: " + err.Error()), nil
		}
		return nil, err
	}
	return res, nil
}

// ToolInputSchema is a tool's input schema as its server wrote it; a tool
// restored from a saved catalog or built in code carries it typed instead.
func ToolInputSchema(t mcp.Tool) json.RawMessage {
	if len(t.RawInputSchema) > 0 {
		return t.RawInputSchema
	}
	data, err := json.Marshal(t.InputSchema)
	if err != nil {
		return json.RawMessage(`{"type":"object"}`)
	}
	return data
}
