package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/config"
	"switchboard/backend/events"
	"switchboard/backend/groups"
	"switchboard/backend/upstream"
)

// Groups: a group is a pool of interchangeable servers served as one
// virtual server, at /mcp/groups/{id} with the tools' own names and on /mcp
// as {id}__{tool}. Each call of a group's tool goes to one member, chosen
// by the group's strategy among the members in service that list the
// tool; a call that fails there (the member is down, went away, timed out)
// goes on to another member when the tool is safe to retry. Every attempt
// is an ordinary call of that member (forwardRaw with the member as
// target), so the call guard, quarantine, disabled tools, the activity log
// and events treat it as any call, and the fast path and mcp-go's path
// share it.

// ErrNoGroup means no group of that id is configured.
var ErrNoGroup = errors.New("no such group")

// groupRuntime is one configured group: its pool (members, breakers,
// strategy), its endpoint and the tools its members offer.
type groupRuntime struct {
	id    string
	g     *Gateway
	cfg   atomic.Pointer[config.Group]
	pool  *groups.Pool
	ep    *endpoint
	table atomic.Pointer[groupTable]

	stateMu sync.Mutex
	state   string // last published
}

// groupTable is what a group's members offer, rebuilt when their catalogs
// or configs change.
type groupTable struct {
	tools []mcp.Tool // the union, by name; each as the first member (in config order) lists it
	keys  []string   // each tool's JSON, for the endpoints' fingerprints
	// holders lists, per tool, the members that offer it (in the config,
	// approved, the tool neither disabled nor held), in config order.
	holders map[string][]string
	// defs holds each member's own definition of each tool, whose
	// annotations say whether a failed call may be retried.
	defs map[string]map[string]mcp.Tool
	// held maps each member the trust filter holds (not approved) to why;
	// read on every call, so the filter is asked only when lists change.
	held map[string]string
	// catalog is the members' prompts, resources and templates, which the
	// group's own endpoint serves (groupcatalog.go).
	catalog groupCatalog
	// from is what the table was built from, to skip rebuilding it.
	from string
}

func newGroupRuntime(g *Gateway, id string, cfg *config.Group) *groupRuntime {
	gr := &groupRuntime{id: id, g: g, state: ""}
	gr.cfg.Store(cfg)
	gr.table.Store(&groupTable{holders: map[string][]string{}, defs: map[string]map[string]mcp.Tool{}, held: map[string]string{}})
	gr.pool = groups.NewPool(cfg, gr.breakerChanged)
	gr.ep = newEndpoint(g, "", "", id)
	return gr
}

// reconcileGroups gives each group of cfg its runtime, updates those whose
// config changed, and returns the runtimes of groups cfg no longer has.
// Called with g.mu held.
func (g *Gateway) reconcileGroups(cfg *config.Config) []*groupRuntime {
	var dropped []*groupRuntime
	for id, gr := range g.groups {
		if cfg.Groups[id] == nil {
			delete(g.groups, id)
			dropped = append(dropped, gr)
		}
	}
	for id, gc := range cfg.Groups {
		if gc == nil {
			continue
		}
		if gr := g.groups[id]; gr != nil {
			gr.cfg.Store(gc)
			gr.pool.Configure(gc)
			continue
		}
		g.groups[id] = newGroupRuntime(g, id, gc)
	}
	return dropped
}

// dropGroups ends the sessions and breaker timers of groups that are gone.
func (g *Gateway) dropGroups(dropped []*groupRuntime) {
	eps := make([]*endpoint, 0, len(dropped))
	for _, gr := range dropped {
		gr.pool.Close()
		eps = append(eps, gr.ep)
	}
	g.dropEndpoints(eps, "its group was removed from the config")
}

// groupRuntimes lists the groups, sorted by id.
func (g *Gateway) groupRuntimes() []*groupRuntime {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := slices.Collect(maps.Values(g.groups))
	slices.SortFunc(out, func(a, b *groupRuntime) int { return strings.Compare(a.id, b.id) })
	return out
}

func (g *Gateway) groupRuntime(id string) *groupRuntime {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil
	}
	return g.groups[id]
}

// groupEndpoints lists the groups' endpoints. Called with g.mu held.
func (g *Gateway) groupEndpoints() []*endpoint {
	out := make([]*endpoint, 0, len(g.groups))
	for _, gr := range g.groups {
		out = append(out, gr.ep)
	}
	return out
}

// hiddenMembers maps, on /mcp, each server whose own tools a group shows
// instead (hide_members) to that group; nil on every other endpoint.
func (e *endpoint) hiddenMembers() map[string]string {
	if e != e.g.agg {
		return nil
	}
	var out map[string]string
	for _, gr := range e.g.groupRuntimes() {
		if cfg := gr.cfg.Load(); cfg.HidesMembers() {
			for _, s := range cfg.Servers() {
				if out == nil {
					out = map[string]string{}
				}
				if out[s] == "" {
					out[s] = gr.id
				}
			}
		}
	}
	return out
}

// syncGroups rebuilds the groups' tool tables from their members, and
// their states. Called by syncNow before the endpoints sync.
func (g *Gateway) syncGroups(ups map[string]*upstream.Upstream) {
	for _, gr := range g.groupRuntimes() {
		gr.rebuild(ups)
		gr.refreshState()
	}
}

// rebuild makes the group's tool table: the union of the tools of the
// members that are in the config, enabled and approved. A member that is
// down keeps its tools listed (its catalog stays known), so a client's
// list does not shrink and grow as members fail and come back; a call
// then goes to the members in service, or says why none is.
func (gr *groupRuntime) rebuild(ups map[string]*upstream.Upstream) {
	cfg := gr.cfg.Load()
	type source struct {
		name   string
		u      *upstream.Upstream
		reason string            // why the trust filter holds the whole server
		held   map[string]string // its tools the filter holds, and why
	}
	var srcs []source
	// from keys the table by everything it is built from, trust decisions
	// included, so a sync that changed none of it rebuilds nothing.
	var from strings.Builder
	for _, name := range cfg.Servers() {
		u := ups[name]
		if u == nil || !u.Config().IsEnabled() || u.Config().Quarantined {
			continue
		}
		reason, held := gr.g.trustCheck(name, u)
		srcs = append(srcs, source{name, u, reason, held})
		fmt.Fprintf(&from, "%s\x00%p\x00%p\x00%s\x00", name, u.Catalog(), u.Config(), reason)
		for _, tool := range slices.Sorted(maps.Keys(held)) {
			fmt.Fprintf(&from, "%s=%s\x00", tool, held[tool])
		}
	}
	if old := gr.table.Load(); old.from == from.String() {
		return
	}
	t := &groupTable{holders: map[string][]string{}, defs: map[string]map[string]mcp.Tool{}, held: map[string]string{}, from: from.String()}
	byName := map[string]mcp.Tool{}
	for _, s := range srcs {
		if s.reason != "" {
			t.held[s.name] = s.reason
			continue
		}
		disabled := s.u.Config().DisabledTools
		defs := map[string]mcp.Tool{}
		for _, tool := range s.u.Catalog().Tools {
			if slices.Contains(disabled, tool.Name) || s.held[tool.Name] != "" {
				continue
			}
			defs[tool.Name] = tool
			t.holders[tool.Name] = append(t.holders[tool.Name], s.name)
			if _, ok := byName[tool.Name]; !ok {
				byName[tool.Name] = tool
			}
		}
		t.defs[s.name] = defs
		t.catalog.add(s.name, s.u.Catalog())
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		t.tools = append(t.tools, byName[name])
	}
	t.keys = jsonEach(t.tools)
	t.catalog.done()
	gr.table.Store(t)
}

// addGroupTools adds the tools of the groups an endpoint shows: every
// group's on /mcp, prefixed with its id; a group's own on its endpoint;
// those a profile names on the profile's endpoint. prof is the endpoint's profile as the sync read it (nil elsewhere).
func (e *endpoint) addGroupTools(rt *routes, tools []server.ServerTool, fp *strings.Builder, owner map[string]string, prof *config.Profile) []server.ServerTool {
	var shown []*groupRuntime
	switch {
	case e == e.g.agg:
		shown = e.g.groupRuntimes()
	case e.group != "":
		if gr := e.g.groupRuntime(e.group); gr != nil {
			shown = []*groupRuntime{gr}
		}
	case prof != nil:
		for _, id := range prof.Groups {
			if gr := e.g.groupRuntime(id); gr != nil {
				shown = append(shown, gr)
			}
		}
	}
	for _, gr := range shown {
		prefix := ""
		if e.group == "" {
			prefix = gr.id
		}
		tbl := gr.table.Load()
		for i, t := range tbl.tools {
			exposed := ExposedName(prefix, t.Name)
			if prof != nil && !prof.MatchesTool(gr.id, t.Name, exposed) {
				continue // outside the profile's tools
			}
			if problem := NameProblem(exposed); problem != "" {
				rt.rejected = append(rt.rejected, fmt.Sprintf("tool of group %q not exposed: %s", gr.id, problem))
				continue
			}
			if o, taken := owner[exposed]; taken {
				rt.collisions = append(rt.collisions, Collision{"tool", exposed, o, gr.id})
				continue
			}
			owner[exposed] = gr.id
			rt.tools[exposed] = target{name: t.Name, group: gr.id}
			t.Name = exposed
			tools = append(tools, server.ServerTool{Tool: t, Handler: e.callTool})
			addKey(fp, exposed, tbl.keys[i])
		}
	}
	return tools
}

// inService reports whether a member can take calls now: in the config,
// enabled, approved, running or able to start (a cold member starts on
// its first call), and its breaker not open. Why not, otherwise.
func (gr *groupRuntime) inService(m *groups.Member) (bool, string) {
	u := gr.g.upstream(m.Server)
	if u == nil {
		return false, "not in the config"
	}
	cfg := u.Config()
	switch {
	case !cfg.IsEnabled():
		return false, "disabled"
	case cfg.Quarantined:
		return false, "quarantined until it is approved"
	}
	if reason := gr.table.Load().held[m.Server]; reason != "" {
		return false, reason
	}
	switch st := u.State(); st {
	case upstream.StateReady, upstream.StateDegraded, upstream.StateCold, upstream.StateStarting:
	default:
		return false, string(st)
	}
	if m.BreakerOpen() {
		return false, "its circuit breaker is open"
	}
	return true, ""
}

// refreshState recomputes the group's state and publishes a change.
func (gr *groupRuntime) refreshState() string {
	in := 0
	members := gr.pool.Members()
	for _, m := range members {
		if ok, _ := gr.inService(m); ok {
			in++
		}
	}
	return gr.setState(groups.StateOf(in, len(members), gr.cfg.Load().MinHealthyMembers()))
}

// setState records the group's state and publishes a change.
func (gr *groupRuntime) setState(state string) string {
	gr.stateMu.Lock()
	prev := gr.state
	gr.state = state
	gr.stateMu.Unlock()
	if prev != state {
		if prev != "" || state != groups.Healthy {
			gr.g.log.Info("group state", "group", gr.id, "state", state, "previous", prev)
		}
		gr.g.publish(events.GroupState, "", map[string]any{"group": gr.id, "state": state, "previous": prev})
	}
	return state
}

// breakerChanged publishes a member's breaker change and the group's
// state that follows from it.
func (gr *groupRuntime) breakerChanged(e groups.BreakerEvent) {
	gr.g.log.Info("group member breaker", "group", gr.id, "server", e.Server, "state", e.State, "previous", e.Previous)
	gr.g.publish(events.GroupBreaker, e.Server, map[string]any{"group": gr.id, "server": e.Server,
		"state": e.State, "previous": e.Previous})
	gr.refreshState()
}

// forwardGroup sends one call of a group's tool to a member, and on to
// another member while the call fails and the tool is safe to retry.
func (e *endpoint) forwardGroup(ctx context.Context, t target, args json.RawMessage, clientMeta *mcp.Meta, sink *fastSink) (json.RawMessage, *mcp.JSONRPCErrorDetails, error) {
	start := time.Now()
	// refused records a call that no member was sent; a call a member took
	// is recorded by forwardRaw, with the member.
	refused := func(err error) (json.RawMessage, *mcp.JSONRPCErrorDetails, error) {
		e.g.recordCall(ctx, target{name: t.name, group: t.group}, args, start, nil, false, err)
		return nil, nil, err
	}
	gr := e.g.groupRuntime(t.group)
	if gr == nil {
		return refused(fmt.Errorf("%w: group %q has been removed from the config", upstream.ErrUnavailable, t.group))
	}
	cfg := gr.cfg.Load()
	tbl := gr.table.Load()
	holders := tbl.holders[t.name]
	var tried []string
	var lastErr error
	// outOfScope is why the caller's key may not use a member that could
	// take the call, when one is left out for that.
	var outOfScope string
	for attempt := 0; ; attempt++ {
		// One look at each member per attempt: it gives both the group's
		// state (on the first) and the members that can take this call.
		able, in, total := gr.candidates(holders, tried)
		able = slices.DeleteFunc(able, func(m *groups.Member) bool {
			ok, why := e.g.inScope(ctx, target{server: m.Server, name: t.name})
			if !ok && outOfScope == "" {
				outOfScope = why
			}
			return !ok
		})
		if attempt == 0 && gr.setState(groups.StateOf(in, total, cfg.MinHealthyMembers())) == groups.Unavailable {
			return refused(fmt.Errorf("%w: group %q is unavailable: %s; it needs %d in service (min_healthy)",
				upstream.ErrUnavailable, gr.id, gr.membersReport(), cfg.MinHealthyMembers()))
		}
		m := gr.pool.Pick(able)
		if m == nil {
			switch {
			case lastErr != nil:
				// Each failed attempt is recorded already.
				return nil, nil, fmt.Errorf("group %q: tool %q failed on member(s) %s and no other member can take it: %w",
					gr.id, t.name, strings.Join(tried, ", "), lastErr)
			case attempt == 0 && outOfScope != "":
				// Every member in service that has the tool is outside the
				// caller's scope: a refusal, not an outage.
				return refused(fmt.Errorf("%w: group %q: tool %q: %s", ErrDenied, gr.id, t.name, outOfScope))
			}
			return refused(fmt.Errorf("%w: group %q: no member can take tool %q now (%s)",
				upstream.ErrUnavailable, gr.id, t.name, gr.holdersReport(holders)))
		}
		tried = append(tried, m.Server)
		res, rpcErr, err := e.forwardRaw(ctx, target{server: m.Server, name: t.name, group: gr.id}, args, clientMeta, sink)
		switch {
		case err == nil:
			// The member answered; a JSON-RPC error or an isError result is
			// its answer, not a sign that it is out of order.
			gr.pool.Done(m, groups.Succeeded)
			return res, rpcErr, nil
		case errors.Is(err, ErrDenied) || ctx.Err() != nil:
			gr.pool.Done(m, groups.Neutral)
			return nil, nil, err
		}
		gr.pool.Done(m, groups.Failed)
		if !errors.Is(err, upstream.ErrUnavailable) && !errors.Is(err, upstream.ErrTimeout) {
			err = fmt.Errorf("%w: %w", upstream.ErrUnavailable, err)
		}
		if !groups.SafeToRetry(tbl.defs[m.Server][t.name], cfg.RetryTools) {
			return nil, nil, fmt.Errorf("group %q: tool %q failed on member %q and was not sent to another member, as it is not safe to retry "+
				"(its server marks it neither readOnlyHint nor idempotentHint, and the group's retry_tools does not list it): %w",
				gr.id, t.name, m.Server, err)
		}
		lastErr = err
	}
}

// candidates are the members in service that offer an item (holders) and
// have not been tried for this request, in config order; in counts the
// members in service, of total.
func (gr *groupRuntime) candidates(holders, tried []string) (able []*groups.Member, in, total int) {
	members := gr.pool.Members()
	for _, m := range members {
		if ok, _ := gr.inService(m); !ok {
			continue
		}
		in++
		if slices.Contains(holders, m.Server) && !slices.Contains(tried, m.Server) {
			able = append(able, m)
		}
	}
	return able, in, len(members)
}

// membersReport says how each member stands, for errors.
func (gr *groupRuntime) membersReport() string {
	members := gr.pool.Members()
	parts := make([]string, 0, len(members))
	in := 0
	for _, m := range members {
		ok, why := gr.inService(m)
		if ok {
			in++
			parts = append(parts, m.Server+" in service")
		} else {
			parts = append(parts, m.Server+" "+why)
		}
	}
	return fmt.Sprintf("%d of %d members in service (%s)", in, len(members), strings.Join(parts, "; "))
}

// holdersReport says why none of the members offering a tool can take it.
func (gr *groupRuntime) holdersReport(holders []string) string {
	if len(holders) == 0 {
		return "no member in service offers it"
	}
	parts := make([]string, 0, len(holders))
	for _, s := range holders {
		m := gr.pool.Member(s)
		if m == nil {
			continue
		}
		if ok, why := gr.inService(m); !ok {
			parts = append(parts, s+": "+why)
		} else if !m.BreakerAvailable() {
			parts = append(parts, s+": its breaker's half-open trial call is in progress")
		} else {
			parts = append(parts, s+": outside the caller's scope")
		}
	}
	return strings.Join(parts, "; ")
}

// scopeAllows applies a caller's scope to a target: to a group's tool, as
// to the tool of each member offering it, any one of which is enough to see
// it (a call then goes only to members in scope).
func (g *Gateway) scopeAllows(f ToolScope, t target) (bool, string) {
	if t.server != "" || t.group == "" {
		return f(t.server, t.name)
	}
	gr := g.groupRuntime(t.group)
	if gr == nil {
		return false, fmt.Sprintf("group %q is not in the config", t.group)
	}
	why := fmt.Sprintf("no member of group %q offers tool %q", t.group, t.name)
	for _, s := range gr.table.Load().holders[t.name] {
		var ok bool
		if ok, why = f(s, t.name); ok {
			return true, ""
		}
	}
	return false, why
}

// groupHandler serves /mcp/groups/{id}.
func (g *Gateway) groupHandler(w http.ResponseWriter, r *http.Request) {
	g.waitSettled(r)
	id := r.PathValue("id")
	gr := g.groupRuntime(id)
	if gr == nil {
		writeError(w, http.StatusNotFound, "GroupNotFound", fmt.Sprintf("no group with id %q is configured", id))
		return
	}
	gr.ep.ServeHTTP(w, r)
}

// GroupInfo is one group as the API shows it.
type GroupInfo struct {
	ID               string
	Description      string
	Strategy         string
	MinHealthy       int
	HideMembers      bool
	RetryTools       []string
	FailureThreshold int
	CooldownS        int
	State            string
	HealthyMembers   int
	Members          []GroupMemberInfo
	Tools            int
	Prompts          int // on the group's endpoint
	Resources        int // resources and resource templates on the group's endpoint
	Path             string
}

// GroupMemberInfo is one member of a group as the API shows it.
type GroupMemberInfo struct {
	Server        string
	Weight        int
	Priority      int
	ServerState   upstream.State
	Eligible      bool
	Why           string // why not eligible
	ActiveCalls   int64
	CallsTotal    int64
	FailuresTotal int64
	Breaker       groups.BreakerSnapshot
}

// Groups lists the configured groups, sorted by id.
func (g *Gateway) Groups() []GroupInfo {
	var out []GroupInfo
	for _, gr := range g.groupRuntimes() {
		out = append(out, gr.info())
	}
	return out
}

// Group returns one group.
func (g *Gateway) Group(id string) (GroupInfo, error) {
	gr := g.groupRuntime(id)
	if gr == nil {
		return GroupInfo{}, fmt.Errorf("%w: %q is not in the config", ErrNoGroup, id)
	}
	return gr.info(), nil
}

// GroupTool is one tool of a group.
type GroupTool struct {
	Tool    mcp.Tool // as the first member in config order lists it; Name is its name on the group's endpoint
	MCPName string   // its name on /mcp: {group}__{tool}
	// Members offer it now (in the config, approved, the tool neither
	// disabled nor held), in config order.
	Members []string
	// Retryable says a call that fails on one member is sent to another:
	// the tool is read-only or idempotent, or in the group's retry_tools.
	Retryable bool
}

// GroupTools lists a group's tools, sorted by name.
func (g *Gateway) GroupTools(id string) ([]GroupTool, error) {
	gr := g.groupRuntime(id)
	if gr == nil {
		return nil, fmt.Errorf("%w: %q is not in the config", ErrNoGroup, id)
	}
	cfg, tbl := gr.cfg.Load(), gr.table.Load()
	out := make([]GroupTool, 0, len(tbl.tools))
	for _, t := range tbl.tools {
		out = append(out, GroupTool{Tool: t, MCPName: ExposedName(id, t.Name),
			Members: slices.Clone(tbl.holders[t.Name]), Retryable: groups.SafeToRetry(t, cfg.RetryTools)})
	}
	slices.SortFunc(out, func(a, b GroupTool) int { return strings.Compare(a.Tool.Name, b.Tool.Name) })
	return out, nil
}

// RebalanceGroup starts the group's strategy afresh and half-opens its open
// breakers, so the next calls try those members again at once.
func (g *Gateway) RebalanceGroup(id string) (GroupInfo, error) {
	gr := g.groupRuntime(id)
	if gr == nil {
		return GroupInfo{}, fmt.Errorf("%w: %q is not in the config", ErrNoGroup, id)
	}
	gr.pool.Rebalance()
	gr.refreshState()
	return gr.info(), nil
}

func (gr *groupRuntime) info() GroupInfo {
	cfg, tbl := gr.cfg.Load(), gr.table.Load()
	info := GroupInfo{ID: gr.id, Description: cfg.Description, Strategy: cfg.StrategyName(),
		MinHealthy: cfg.MinHealthyMembers(), HideMembers: cfg.HidesMembers(), RetryTools: slices.Clone(cfg.RetryTools),
		FailureThreshold: cfg.FailureThreshold(), CooldownS: cfg.CooldownSeconds(),
		Tools: len(tbl.tools), Prompts: len(tbl.catalog.prompts), Resources: len(tbl.catalog.resources) + len(tbl.catalog.templates),
		Path: gr.ep.path()}
	if info.RetryTools == nil {
		info.RetryTools = []string{}
	}
	for _, m := range gr.pool.Members() {
		st := m.Stats()
		mi := GroupMemberInfo{Server: m.Server, Weight: m.Weight, Priority: m.Priority,
			ActiveCalls: st.ActiveCalls, CallsTotal: st.CallsTotal, FailuresTotal: st.FailuresTotal, Breaker: st.Breaker}
		if u := gr.g.upstream(m.Server); u != nil {
			mi.ServerState = u.State()
		}
		mi.Eligible, mi.Why = gr.inService(m)
		if mi.Eligible {
			info.HealthyMembers++
		}
		info.Members = append(info.Members, mi)
	}
	info.State = groups.StateOf(info.HealthyMembers, len(info.Members), info.MinHealthy)
	return info
}
