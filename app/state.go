package app

import (
	"context"
	"path/filepath"
	"sort"

	"switchboard/backend/api"
	"switchboard/backend/client"
)

// State is what the tray shows, read from the control API.
type State struct {
	// Reachable is false when the core did not answer; Err says why.
	Reachable bool
	Err       string

	Servers    []Server
	Quarantine []QuarantineItem
	// Update is set when a newer release is available.
	Update *Update

	Autostart          bool
	AutostartSupported bool

	// ConfigPath and LogDir are where "Open config folder" and "Open logs" go.
	ConfigPath string
	LogDir     string
}

// Server is one configured server as the tray shows it.
type Server struct {
	Name        string
	State       string // an upstream state: ready, starting, degraded, dead, stopped, cold, disabled
	Enabled     bool
	Quarantined bool
	LastError   string
	Restarts    int
}

// QuarantineItem is a server, or one tool of a server, awaiting approval.
type QuarantineItem struct {
	Server string
	Tool   string // "" for the whole server
}

// Update is a newer release.
type Update struct {
	Version string
	URL     string
}

// ReadState asks the core for everything the tray shows. A core that does
// not answer gives a State that says so, not an error: the tray shows it.
func ReadState(ctx context.Context, c *client.Client) State {
	var st State
	info, err := c.SystemInfo(ctx)
	if err != nil {
		return State{Err: err.Error()}
	}
	st.Reachable = true
	st.ConfigPath = info.ConfigPath
	st.LogDir = filepath.Join(info.Home, "logs")
	if info.Update.Available {
		st.Update = &Update{Version: info.Update.Latest, URL: info.Update.URL}
	}
	if list, err := c.ListServers(ctx, client.ServerFilter{}); err == nil {
		st.Servers = serversOf(list.Servers)
	} else {
		st.Err = err.Error()
	}
	if q, err := c.Quarantine(ctx); err == nil {
		st.Quarantine = waiting(q)
	}
	if a, err := c.Autostart(ctx); err == nil {
		st.Autostart, st.AutostartSupported = a.Enabled, a.Supported
	}
	return st
}

func serversOf(in []api.ServerInfo) []Server {
	out := make([]Server, 0, len(in))
	for _, s := range in {
		out = append(out, Server{Name: s.Name, State: s.State, Enabled: s.Enabled, Quarantined: s.Quarantined,
			LastError: s.LastError, Restarts: s.Restarts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// waiting is what awaits a decision: pending servers, then changed or new
// tools of approved servers.
func waiting(q *api.QuarantineList) []QuarantineItem {
	var out []QuarantineItem
	for _, s := range q.Servers {
		if s.Status == "pending" {
			out = append(out, QuarantineItem{Server: s.Name})
		}
	}
	for _, t := range q.Tools {
		if t.Status == "new" || t.Status == "changed" {
			out = append(out, QuarantineItem{Server: t.Server, Tool: t.Name})
		}
	}
	return out
}
