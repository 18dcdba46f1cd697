package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"switchboard/backend/events"
	"switchboard/backend/store"
	"switchboard/backend/upstream"
)

// ErrNoServer means no server of that name is configured.
var ErrNoServer = errors.New("no such server")

// Server returns a configured server's supervisor, or nil.
func (g *Gateway) Server(name string) *upstream.Upstream { return g.upstream(name) }

func (g *Gateway) mustServer(name string) (*upstream.Upstream, error) {
	u := g.upstream(name)
	if u == nil {
		return nil, fmt.Errorf("%w: %q is not in the config", ErrNoServer, name)
	}
	return u, nil
}

// StopServer stops a server until StartServer or a config change brings it
// back; calls to it are refused with the reason meanwhile.
func (g *Gateway) StopServer(name, reason string) error {
	u, err := g.mustServer(name)
	if err != nil {
		return err
	}
	u.StopWithReason(reason)
	// A stop calls no hook of the server's (so that removing a server or
	// closing the gateway does not report every server as stopped): the
	// state event and the groups' states that follow from it are made here.
	g.stateChanged(u)
	g.kick()
	return nil
}

// StartServer starts a cold, dead or stopped server. A stopped one gets a
// new supervisor from its current config, since a stop is final for the
// old one. A disabled server stays disabled: enabling is a config change.
func (g *Gateway) StartServer(name string) error {
	return g.bringUp(name, (*upstream.Upstream).Start)
}

// RestartServer reconnects a server now (a stopped one is started again).
func (g *Gateway) RestartServer(name string) error {
	return g.bringUp(name, (*upstream.Upstream).Restart)
}

// bringUp runs how on a server that is neither disabled nor stopped; a
// stopped one is replaced by a new supervisor, which starts.
func (g *Gateway) bringUp(name string, how func(*upstream.Upstream)) error {
	u, err := g.mustServer(name)
	if err != nil {
		return err
	}
	switch u.State() {
	case upstream.StateDisabled:
		return fmt.Errorf("server %q is disabled; enable it first", name)
	case upstream.StateStopped:
		g.replace(u)
	default:
		how(u)
	}
	return nil
}

// RefreshServer reconnects if needed and lists the server's tools, prompts
// and resources again.
func (g *Gateway) RefreshServer(ctx context.Context, name string) error {
	u, err := g.mustServer(name)
	if err != nil {
		return err
	}
	if u.State() == upstream.StateStopped {
		u = g.replace(u)
	}
	return u.Refresh(ctx)
}

// replace swaps a stopped supervisor for a new one with the same config and
// starts it.
func (g *Gateway) replace(old *upstream.Upstream) *upstream.Upstream {
	g.mu.Lock()
	cur := g.upstreams[old.Name()]
	if cur != old || g.closed {
		g.mu.Unlock()
		return cur
	}
	u := upstream.New(old.Name(), old.Config(), g.hooks(), g.log)
	g.upstreams[old.Name()] = u
	g.mu.Unlock()
	g.saved.Delete(old)
	u.Start()
	g.kick()
	return u
}

// publish sends an event when the gateway has a bus.
func (g *Gateway) publish(typ, server string, data any) {
	if g.events != nil {
		g.events.Publish(typ, server, data)
	}
}

// stateChanged publishes a server's state when it differs from the last one
// published for that supervisor.
func (g *Gateway) stateChanged(u *upstream.Upstream) {
	if g.events == nil {
		return
	}
	st := u.Status()
	if prev, ok := g.lastState.Swap(u, st.State); ok && prev == st.State {
		return
	}
	g.events.Publish(events.ServerState, u.Name(), map[string]any{
		"state": st.State, "last_error": st.LastError, "restarts": st.Restarts, "tools": st.ToolCount})
}

// toolsChanged publishes the change of the tool list on /mcp, if any.
func (g *Gateway) toolsChanged() {
	if g.events == nil {
		return
	}
	rt := g.agg.routes.Load()
	names := make([]string, 0, len(rt.tools))
	for n := range rt.tools {
		names = append(names, n)
	}
	slices.Sort(names)
	g.toolsMu.Lock()
	prev := g.lastTools
	g.lastTools = names
	g.toolsMu.Unlock()
	if slices.Equal(prev, names) {
		return
	}
	var added, removed []string
	for _, n := range names {
		if _, found := slices.BinarySearch(prev, n); !found {
			added = append(added, n)
		}
	}
	for _, n := range prev {
		if _, found := slices.BinarySearch(names, n); !found {
			removed = append(removed, n)
		}
	}
	g.events.Publish(events.ToolsChanged, "", map[string]any{"count": len(names), "added": added, "removed": removed})
}

// callStarted and callEnded publish a tool call's start and end.
func (g *Gateway) callStarted(t target, session string) {
	data := map[string]any{"tool": t.name, "session_id": session}
	if t.group != "" {
		data["group"] = t.group
	}
	g.publish(events.ToolCallStarted, t.server, data)
}

func (g *Gateway) callEnded(rec store.ActivityRecord) {
	if g.events == nil {
		return
	}
	data := map[string]any{"tool": rec.Tool, "session_id": rec.SessionID, "outcome": rec.Outcome,
		"duration_ms": rec.DurationMS}
	if rec.Error != "" {
		data["error"] = strings.TrimSpace(rec.Error)
	}
	if rec.Group != "" {
		data["group"] = rec.Group
	}
	g.events.Publish(events.ToolCallEnded, rec.Server, data)
}
