package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/config"
	"switchboard/backend/store"
	"switchboard/backend/upstream"
)

// target is where an exposed name leads: a server and the name it knows.
// A group's tool has a group and no server: each call picks a member
// (groups.go). A call on a member for a group has both.
type target struct {
	server string
	name   string
	group  string
}

// owner is the server of a target, or its group for a group's tool.
func (t target) owner() string {
	if t.server == "" {
		return t.group
	}
	return t.server
}

// templateRoute is the server of a resource template and its matcher.
type templateRoute struct {
	server string
	tmpl   *mcp.URITemplate
}

// routes is one endpoint's view of the union, swapped whole on every change.
type routes struct {
	tools      map[string]target
	prompts    map[string]target
	resources  map[string]string        // uri -> server
	templates  map[string]templateRoute // uri template -> server
	disabled   map[string]target        // exposed name -> a tool in its server's disabled_tools
	held       map[string]heldTool      // exposed name -> a tool the trust filter keeps from clients
	servers    []string
	collisions []Collision
	rejected   []string
	search     bool // search mode: tools are called through call_tool only
	// memberOf holds, on /mcp, the servers whose own tools are left off
	// because a group of theirs shows them (hide_members), and that group;
	// asGroup maps each such tool's own name on /mcp to the group's name
	// for it, so a call by the old name is told where the tool went.
	memberOf map[string]string
	asGroup  map[string]string
}

// endpoint is one MCP server that clients connect to: /mcp (every enabled,
// approved server, names prefixed), /mcp/servers/{name} (one server,
// names as the server gives them) or /mcp/profiles/{name} (the servers and
// tools of a profile, names as on /mcp).
type endpoint struct {
	g       *Gateway
	single  string // "" for the aggregate and profile endpoints
	profile string // the profile's name on a profile endpoint, else ""
	group   string // the group's id on a group endpoint, else ""
	srv     *server.MCPServer
	http    *server.StreamableHTTPServer
	routes  atomic.Pointer[routes]

	syncMu      sync.Mutex
	fingerprint [4]string               // tools, prompts, resources, templates last set
	itemKeys    map[string]*catalogKeys // server -> its catalog's items as JSON; under syncMu

	clients sync.Map // session id -> *clientState
	// fastCalls holds the cancel of each call on the fast path, by session
	// and request id, for the client's notifications/cancelled.
	fastCalls sync.Map
	// asks holds the fast path's requests to clients awaiting an answer,
	// by session and request id.
	asks sync.Map
}

// known returns the state of a live session, or nil.
func (e *endpoint) known(id string) *clientState {
	c, _ := e.clients.Load(id)
	cs, _ := c.(*clientState)
	return cs
}

// client returns the state of a session, creating it on first use.
func (e *endpoint) client(id string) *clientState {
	if c, ok := e.clients.Load(id); ok {
		return c.(*clientState)
	}
	c, _ := e.clients.LoadOrStore(id, &clientState{})
	return c.(*clientState)
}

func newEndpoint(g *Gateway, single, profile, group string) *endpoint {
	e := &endpoint{g: g, single: single, profile: profile, group: group}
	e.routes.Store(&routes{})
	hooks := &server.Hooks{}
	e.watchSessions(hooks)
	hooks.AddBeforeSubscribe(func(ctx context.Context, id any, req *mcp.SubscribeRequest) {
		e.subscribe(ctx, req.Params.URI, true)
	})
	hooks.AddBeforeUnsubscribe(func(ctx context.Context, id any, req *mcp.UnsubscribeRequest) {
		e.subscribe(ctx, req.Params.URI, false)
	})
	hooks.AddAfterSetLevel(func(ctx context.Context, id any, req *mcp.SetLevelRequest, _ *mcp.EmptyResult) {
		if s := sessionOf(ctx); s != nil {
			e.client(s.SessionID()).setLevel(req.Params.Level)
		}
	})
	name := "switchboard"
	if single != "" {
		name = single
	}
	if profile != "" {
		name = "switchboard-" + profile
	}
	if group != "" {
		name = group
	}
	e.srv = server.NewMCPServer(name, upstream.Version,
		server.WithToolCapabilities(true),
		server.WithPromptCapabilities(true),
		server.WithResourceCapabilities(true, true),
		server.WithLogging(),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(completer{e}),
		server.WithResourceCompletionProvider(completer{e}),
		server.WithHooks(hooks),
		server.WithToolFilter(e.scopeFilter), // mcpauth.go: an API key's scope
		server.WithRecovery(),
	)
	e.srv.AddNotificationHandler(string(mcp.MethodNotificationRootsListChanged), func(ctx context.Context, n mcp.JSONRPCNotification) {
		e.forEachUsable(func(ctx context.Context, c *client.Client) error { return c.RootListChanges(ctx) })
	})
	e.http = server.NewStreamableHTTPServer(e.srv,
		server.WithEventStore(server.NewInMemoryEventStore()),
		server.WithSessionIdManager(&sessionIDs{}),
		server.WithSessionIdleTTL(g.sessionIdleTTL),
		server.WithDisableLocalhostProtection(true), // Gateway.CheckOrigin checks Host and Origin on every endpoint
		server.WithStreamableHTTPLogger(g.log.With("endpoint", e.path())),
	)
	return e
}

func (e *endpoint) path() string {
	switch {
	case e.profile != "":
		return "/mcp/profiles/" + e.profile
	case e.group != "":
		return "/mcp/groups/" + e.group
	case e.single == "":
		return "/mcp"
	}
	return "/mcp/servers/" + e.single
}

// includes reports whether a server's items belong to this endpoint. prof
// is the endpoint's profile as configured now (nil on other endpoints, and
// on a profile endpoint whose profile was removed: it then shows nothing).
func (e *endpoint) includes(name string, u *upstream.Upstream, prof *config.Profile) bool {
	cfg := u.Config()
	if !cfg.IsEnabled() || cfg.Quarantined || e.group != "" {
		// A group's endpoint shows the group's tools only (groups.go).
		return false
	}
	if e.profile != "" {
		return prof != nil && slices.Contains(prof.Servers, name)
	}
	return e.single == "" || e.single == name
}

// profileConfig is the endpoint's profile in the running config, or nil.
func (e *endpoint) profileConfig() *config.Profile {
	if e.profile == "" {
		return nil
	}
	e.g.mu.RLock()
	defer e.g.mu.RUnlock()
	return e.g.cfg.Profiles[e.profile]
}

func (e *endpoint) prefixFor(name string, u *upstream.Upstream) string {
	if e.single != "" {
		return ""
	}
	return u.Config().ToolPrefix(name)
}

// sync recomputes the union from the upstreams and updates the MCP server,
// which tells clients with list_changed only for lists that really changed.
func (e *endpoint) sync(ups map[string]*upstream.Upstream) {
	e.syncMu.Lock()
	defer e.syncMu.Unlock()
	rt := &routes{tools: map[string]target{}, disabled: map[string]target{}, held: map[string]heldTool{},
		prompts: map[string]target{}, resources: map[string]string{}, templates: map[string]templateRoute{}}
	names := make([]string, 0, len(ups))
	heldTools := map[string]map[string]string{}
	prof := e.profileConfig()
	for n, u := range ups {
		if !e.includes(n, u, prof) {
			continue
		}
		tools, held := e.holdServer(rt, n, u)
		if held {
			continue
		}
		heldTools[n] = tools
		names = append(names, n)
	}
	slices.Sort(names)
	rt.servers = names
	var tools []server.ServerTool
	var prompts []server.ServerPrompt
	var resources []server.ServerResource
	var templates []server.ServerResourceTemplate
	// The fingerprints of the four lists, built from each item's JSON,
	// which is encoded once per catalog rather than on every sync.
	var fps [4]strings.Builder
	toolOwner := map[string]string{}
	hidden := e.hiddenMembers()
	for _, n := range names {
		u := ups[n]
		cat := u.Catalog()
		keys := e.keysOf(n, cat)
		prefix := e.prefixFor(n, u)
		disabled := u.Config().DisabledTools
		serverTools := cat.Tools
		if group := hidden[n]; group != "" {
			// Shown once, as the group's (groups.go).
			if rt.memberOf == nil {
				rt.memberOf, rt.asGroup = map[string]string{}, map[string]string{}
			}
			rt.memberOf[n] = group
			for _, t := range serverTools {
				rt.asGroup[ExposedName(prefix, t.Name)] = ExposedName(group, t.Name)
			}
			serverTools = nil
		}
		for i, t := range serverTools {
			if prof != nil && !prof.MatchesTool(n, t.Name, ExposedName(prefix, t.Name)) {
				// Outside the profile's tools: as if the server lacked it, so
				// tools/list, tools/call, the fast path and search agree.
				continue
			}
			if slices.Contains(disabled, t.Name) {
				rt.disabled[ExposedName(prefix, t.Name)] = target{server: n, name: t.Name}
				continue
			}
			exposed := ExposedName(prefix, t.Name)
			if reason, held := heldTools[n][t.Name]; held {
				rt.held[exposed] = heldTool{target{server: n, name: t.Name}, reason}
				continue
			}
			if problem := NameProblem(exposed); problem != "" {
				// Clients refuse a whole tool list over one bad name.
				rt.rejected = append(rt.rejected, fmt.Sprintf("tool of server %q not exposed: %s", n, problem))
				continue
			}
			if owner, taken := toolOwner[exposed]; taken {
				rt.collisions = append(rt.collisions, Collision{"tool", exposed, owner, n})
				continue
			}
			toolOwner[exposed] = n
			rt.tools[exposed] = target{server: n, name: t.Name}
			t.Name = exposed
			tools = append(tools, server.ServerTool{Tool: t, Handler: e.callTool})
			addKey(&fps[0], exposed, keys.tools[i])
		}
		for i, p := range cat.Prompts {
			exposed := ExposedName(prefix, p.Name)
			if owner, taken := rt.prompts[exposed]; taken {
				rt.collisions = append(rt.collisions, Collision{"prompt", exposed, owner.server, n})
				continue
			}
			rt.prompts[exposed] = target{server: n, name: p.Name}
			p.Name = exposed
			prompts = append(prompts, server.ServerPrompt{Prompt: p, Handler: e.getPrompt})
			addKey(&fps[1], exposed, keys.prompts[i])
		}
		for i, r := range cat.Resources {
			if owner, taken := rt.resources[r.URI]; taken {
				rt.collisions = append(rt.collisions, Collision{"resource", r.URI, owner, n})
				continue
			}
			rt.resources[r.URI] = n
			resources = append(resources, server.ServerResource{Resource: r, Handler: e.readResource(n)})
			addKey(&fps[2], "", keys.resources[i])
		}
		for i, t := range cat.Templates {
			uri := templateText(t)
			if owner, taken := rt.templates[uri]; taken {
				rt.collisions = append(rt.collisions, Collision{"resource_template", uri, owner.server, n})
				continue
			}
			rt.templates[uri] = templateRoute{n, t.URITemplate}
			templates = append(templates, server.ServerResourceTemplate{Template: t, Handler: server.ResourceTemplateHandlerFunc(e.readResource(n))})
			addKey(&fps[3], "", keys.templates[i])
		}
	}
	tools = e.addGroupTools(rt, tools, &fps[0], toolOwner, prof)
	if e.group != "" {
		prompts, resources, templates = e.addGroupCatalog(rt, &fps)
	}
	e.dropKeysBut(names)
	rt.search = e.g.exposureMode() == config.ExposureSearch
	old := e.routes.Swap(rt)
	for _, c := range rt.collisions {
		if !slices.ContainsFunc(old.collisions, c.sameClash) {
			e.g.log.Warn("name collision", "endpoint", e.path(), "detail", c.String())
		}
	}
	for _, r := range rt.rejected {
		if !slices.Contains(old.rejected, r) {
			e.g.log.Warn("invalid name", "endpoint", e.path(), "detail", r)
		}
	}
	exposed := e.exposure(tools) // searchmode.go: in search mode, three search tools stand in for the list
	toolsFP := fps[0].String()
	if !sameSlice(exposed, tools) {
		toolsFP = "exposed\x00" + fingerprint(exposed, func(t server.ServerTool) any { return t.Tool })
	}
	if toolsFP != e.fingerprint[0] {
		e.fingerprint[0] = toolsFP
		e.srv.SetTools(exposed...)
	}
	if fp := fps[1].String(); fp != e.fingerprint[1] {
		e.fingerprint[1] = fp
		e.srv.SetPrompts(prompts...)
	}
	if fp := fps[2].String(); fp != e.fingerprint[2] {
		e.fingerprint[2] = fp
		e.srv.SetResources(resources...)
	}
	if fp := fps[3].String(); fp != e.fingerprint[3] {
		e.fingerprint[3] = fp
		e.srv.SetResourceTemplates(templates...)
	}
}

// catalogKeys are the items of one catalog, each as its JSON.
type catalogKeys struct {
	cat                                  *upstream.Catalog
	tools, prompts, resources, templates []string
}

// keysOf returns the JSON of a server's catalog items, encoding them only
// when the catalog is new. Called under syncMu.
func (e *endpoint) keysOf(server string, cat *upstream.Catalog) *catalogKeys {
	if k := e.itemKeys[server]; k != nil && k.cat == cat {
		return k
	}
	k := &catalogKeys{cat: cat, tools: jsonEach(cat.Tools), prompts: jsonEach(cat.Prompts),
		resources: jsonEach(cat.Resources), templates: jsonEach(cat.Templates)}
	if e.itemKeys == nil {
		e.itemKeys = map[string]*catalogKeys{}
	}
	e.itemKeys[server] = k
	return k
}

// dropKeysBut forgets the keys of servers no longer exposed.
func (e *endpoint) dropKeysBut(servers []string) {
	for n := range e.itemKeys {
		if !slices.Contains(servers, n) {
			delete(e.itemKeys, n)
		}
	}
}

func jsonEach[T any](items []T) []string {
	out := make([]string, len(items))
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			b = []byte("unmarshalable: " + err.Error())
		}
		out[i] = string(b)
	}
	return out
}

// addKey adds one item, under the name it is exposed as, to a fingerprint.
func addKey(b *strings.Builder, name, key string) {
	b.WriteString(name)
	b.WriteByte(0)
	b.WriteString(key)
	b.WriteByte(1)
}

// sameSlice reports whether b is a itself, not a list in its place.
func sameSlice[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func templateText(t mcp.ResourceTemplate) string {
	if t.URITemplate == nil {
		return ""
	}
	return t.URITemplate.Raw()
}

func fingerprint[T any](items []T, key func(T) any) string {
	keys := make([]any, len(items))
	for i, it := range items {
		keys[i] = key(it)
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return fmt.Sprintf("unmarshalable: %v", err)
	}
	return string(b)
}

// callTool forwards tools/call and records it.
func (e *endpoint) callTool(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	t, ok := e.routes.Load().tools[req.Params.Name]
	if !ok {
		return nil, fmt.Errorf("unknown tool %q", req.Params.Name)
	}
	res, err := e.forward(ctx, t, rawArgs(req), req.Params.Meta)
	if err != nil {
		if errors.Is(err, upstream.ErrUnavailable) || errors.Is(err, upstream.ErrTimeout) || errors.Is(err, ErrDenied) {
			return mcp.NewToolResultError("Switchboard: " + err.Error()), nil
		}
		return nil, err
	}
	return res, nil
}

// forward sends one tool call to its server under the server's timeout and
// records it: forwardRaw, with the result decoded for mcp-go. Calls that
// do not take the fast path and the control API's test calls come here.
func (e *endpoint) forward(ctx context.Context, t target, args json.RawMessage, clientMeta *mcp.Meta) (*mcp.CallToolResult, error) {
	raw, rpcErr, err := e.forwardRaw(ctx, t, args, clientMeta, nil)
	if err != nil {
		return nil, err
	}
	if rpcErr != nil {
		return nil, rpcErr.AsError()
	}
	return mcp.ParseCallToolResult(&raw)
}

// recordCall records one tool call and publishes its end. result is what
// the server returned (a *mcp.CallToolResult, or the raw JSON of one), nil
// when it returned nothing.
func (g *Gateway) recordCall(ctx context.Context, t target, args json.RawMessage, start time.Time, result any, isError bool, err error) {
	if g.recorder == nil && g.events == nil {
		return
	}
	rec := store.ActivityRecord{Time: start, Server: t.server, Group: t.group, Tool: t.name,
		Arguments: args, DurationMS: ms(time.Since(start)), Outcome: "ok"}
	if s := sessionOf(ctx); s != nil {
		rec.SessionID = s.SessionID()
		rec.Client = clientName(s)
	}
	if g.callerName != nil {
		rec.Principal = g.callerName(ctx)
	}
	switch {
	case errors.Is(err, ErrDenied):
		rec.Outcome, rec.Error = "denied", err.Error()
	case errors.Is(err, upstream.ErrTimeout):
		rec.Outcome, rec.Error = "timeout", err.Error()
	case errors.Is(err, upstream.ErrUnavailable):
		rec.Outcome, rec.Error = "unavailable", err.Error()
	case ctx.Err() != nil:
		rec.Outcome, rec.Error = "cancelled", ctx.Err().Error()
	case err != nil:
		rec.Outcome, rec.Error = "error", err.Error()
	case isError:
		rec.Outcome = "error"
	}
	// Encoded and redacted by the store's writer, off the call path; the
	// result is only read from here on.
	rec.ResultValue = result
	g.callEnded(rec)
	if g.recorder != nil {
		g.recorder.Record(rec)
	}
}

func (e *endpoint) getPrompt(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	t, ok := e.routes.Load().prompts[req.Params.Name]
	if !ok {
		return nil, fmt.Errorf("unknown prompt %q", req.Params.Name)
	}
	up := req
	up.Params.Name = t.name
	var res *mcp.GetPromptResult
	get := func(ctx context.Context, cl *client.Client, meta *mcp.Meta) (err error) {
		up.Params.Meta = meta
		res, err = cl.GetPrompt(ctx, up)
		return err
	}
	if t.group != "" {
		err := e.onGroupMember(ctx, fmt.Sprintf("prompt %q", t.name), func(c *groupCatalog) []string { return c.promptHolders[t.name] }, req.Params.Meta, get)
		return res, err
	}
	return res, e.g.do(ctx, e, t.server, req.Params.Meta, get)
}

func (e *endpoint) readResource(serverName string) server.ResourceHandlerFunc {
	return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		var res *mcp.ReadResourceResult
		if err := e.g.do(ctx, e, serverName, req.Params.Meta, read(req, &res)); err != nil {
			return nil, err
		}
		return res.Contents, nil
	}
}

// read is one resources/read request, its answer put in *res.
func read(req mcp.ReadResourceRequest, res **mcp.ReadResourceResult) func(ctx context.Context, cl *client.Client, meta *mcp.Meta) error {
	return func(ctx context.Context, cl *client.Client, meta *mcp.Meta) (err error) {
		up := req
		up.Params.Meta = meta
		*res, err = cl.ReadResource(ctx, up)
		return err
	}
}

// serverForURI finds which server serves a resource URI.
func (e *endpoint) serverForURI(uri string) string {
	rt := e.routes.Load()
	if s, ok := rt.resources[uri]; ok {
		return s
	}
	for _, t := range rt.templates {
		if t.tmpl != nil && t.tmpl.Regexp().MatchString(uri) {
			return t.server
		}
	}
	return ""
}

// subscribe records a session's (un)subscription, which decides who gets
// resources/updated, and passes it on to the server that owns the URI.
func (e *endpoint) subscribe(ctx context.Context, uri string, subscribe bool) {
	if s := sessionOf(ctx); s != nil {
		e.client(s.SessionID()).subscribe(uri, subscribe)
	}
	if e.group != "" {
		e.subscribeGroup(uri, subscribe)
		return
	}
	name := e.serverForURI(uri)
	if name == "" {
		return
	}
	err := e.g.do(ctx, e, name, nil, func(ctx context.Context, cl *client.Client, _ *mcp.Meta) error {
		return passSubscription(ctx, cl, uri, subscribe)
	})
	if err != nil {
		e.g.log.Warn("forward resource subscription", "server", name, "uri", uri, "err", err)
	}
}

// passSubscription sends a resource (un)subscription on to a server.
func passSubscription(ctx context.Context, cl *client.Client, uri string, subscribe bool) error {
	if subscribe {
		req := mcp.SubscribeRequest{}
		req.Params.URI = uri
		return cl.Subscribe(ctx, req)
	}
	req := mcp.UnsubscribeRequest{}
	req.Params.URI = uri
	return cl.Unsubscribe(ctx, req)
}

// forEachUsable runs fn on every running server of this endpoint that
// supports it, without starting cold ones, in the background.
func (e *endpoint) forEachUsable(fn func(ctx context.Context, c *client.Client) error) {
	for _, name := range e.routes.Load().servers {
		u := e.g.upstream(name)
		if u == nil || !u.State().Usable() {
			continue
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = u.Do(ctx, func(ctx context.Context, c *client.Client) error { return fn(ctx, c) })
		}()
	}
}

// completer forwards completion/complete to the server that owns the
// prompt or resource template.
type completer struct{ e *endpoint }

func (c completer) CompletePromptArgument(ctx context.Context, name string, arg mcp.CompleteArgument, cc mcp.CompleteContext) (*mcp.Completion, error) {
	t, ok := c.e.routes.Load().prompts[name]
	if !ok {
		return nil, fmt.Errorf("unknown prompt %q", name)
	}
	ref := mcp.PromptReference{Type: "ref/prompt", Name: t.name}
	if t.group != "" {
		return c.forwardGroup(ctx, fmt.Sprintf("prompt %q", t.name), func(g *groupCatalog) []string { return g.promptHolders[t.name] }, ref, arg, cc)
	}
	return c.forward(ctx, t.server, ref, arg, cc)
}

func (c completer) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, cc mcp.CompleteContext) (*mcp.Completion, error) {
	ref := mcp.ResourceReference{Type: "ref/resource", URI: uri}
	if c.e.group != "" {
		return c.forwardGroup(ctx, fmt.Sprintf("resource template %q", uri), func(g *groupCatalog) []string {
			if h := g.templateHolders[uri]; h != nil {
				return h
			}
			return g.holdersOfURI(uri)
		}, ref, arg, cc)
	}
	rt := c.e.routes.Load()
	name := rt.templates[uri].server
	if name == "" {
		name = c.e.serverForURI(uri)
	}
	if name == "" {
		return nil, fmt.Errorf("unknown resource %q", uri)
	}
	return c.forward(ctx, name, ref, arg, cc)
}

func (c completer) forward(ctx context.Context, name string, ref any, arg mcp.CompleteArgument, cc mcp.CompleteContext) (*mcp.Completion, error) {
	var res *mcp.CompleteResult
	if err := c.e.g.do(ctx, c.e, name, nil, complete(&res, ref, arg, cc)); err != nil {
		return nil, err
	}
	return &res.Completion, nil
}

// forwardGroup asks a member of the endpoint's group that offers what.
func (c completer) forwardGroup(ctx context.Context, what string, holders func(*groupCatalog) []string, ref any, arg mcp.CompleteArgument, cc mcp.CompleteContext) (*mcp.Completion, error) {
	var res *mcp.CompleteResult
	if err := c.e.onGroupMember(ctx, what, holders, nil, complete(&res, ref, arg, cc)); err != nil {
		return nil, err
	}
	return &res.Completion, nil
}

// complete is one completion/complete request, its answer put in *res.
func complete(res **mcp.CompleteResult, ref any, arg mcp.CompleteArgument, cc mcp.CompleteContext) func(ctx context.Context, cl *client.Client, _ *mcp.Meta) error {
	return func(ctx context.Context, cl *client.Client, _ *mcp.Meta) (err error) {
		req := mcp.CompleteRequest{}
		req.Params.Ref = ref
		req.Params.Argument = arg
		req.Params.Context = cc
		*res, err = cl.Complete(ctx, req)
		return err
	}
}
