package app

import (
	"fmt"
	"net/url"
	"strings"
)

// Icon is the tray icon: the state of the whole gateway at a glance.
type Icon string

const (
	IconOK        Icon = "ok"        // every enabled server is ready (or idle)
	IconAttention Icon = "attention" // a server is degraded, or something awaits approval
	IconError     Icon = "error"     // a server is dead, or the core does not answer
	IconPaused    Icon = "paused"    // every enabled server was stopped with Pause all
)

// ActionKind is what clicking an item does.
type ActionKind string

const (
	ActOpenWindow    ActionKind = "open-window"   // Path: the panel route to show, "" for the dashboard
	ActEnable        ActionKind = "enable"        // Server
	ActDisable       ActionKind = "disable"       // Server
	ActRestart       ActionKind = "restart"       // Server
	ActPauseAll      ActionKind = "pause-all"     // stop every running server
	ActResumeAll     ActionKind = "resume-all"    // start the servers Pause all stopped
	ActOpenURL       ActionKind = "open-url"      // URL, in the default browser
	ActSetAutostart  ActionKind = "set-autostart" // On
	ActOpenConfigDir ActionKind = "open-config-dir"
	ActOpenLogs      ActionKind = "open-logs"
	ActQuit          ActionKind = "quit"
)

// Action is what an item does when clicked.
type Action struct {
	Kind   ActionKind
	Server string
	Path   string // panel route, such as "/quarantine?server=x"
	URL    string
	On     bool
}

// Item is one entry of the tray menu. The tree is rebuilt from State on
// every change; IDs stay the same for the same thing, so tests (and the
// DBus menu) can find an item again.
type Item struct {
	ID        string
	Label     string
	Tooltip   string
	Disabled  bool
	Checkable bool
	Checked   bool
	Separator bool
	Action    *Action
	Children  []Item
}

// Menu is the tray: its icon, tooltip and items.
type Menu struct {
	Icon    Icon
	Tooltip string
	Items   []Item
}

// PausedReason is the reason Pause all gives each server it stops: a
// server stopped with it reads as paused, one stopped otherwise does not.
const PausedReason = "paused from the tray"

// BuildMenu is the tray for a state. It is pure: the same state gives the
// same menu, which is what the headless tests check.
func BuildMenu(st State) Menu {
	m := Menu{Icon: IconFor(st), Tooltip: "Switchboard: " + StatusLine(st)}
	m.Items = append(m.Items,
		Item{ID: "status", Label: StatusLine(st), Disabled: true},
		Item{Separator: true},
		Item{ID: "open", Label: "Open Switchboard", Action: &Action{Kind: ActOpenWindow}},
	)
	if st.Reachable {
		m.Items = append(m.Items, serversMenu(st), quarantineMenu(st))
		if paused(st) {
			m.Items = append(m.Items, Item{ID: "resume", Label: "Resume all", Action: &Action{Kind: ActResumeAll}})
		} else {
			m.Items = append(m.Items, Item{ID: "pause", Label: "Pause all", Disabled: running(st) == 0,
				Tooltip: "Stop every running server until Resume all", Action: &Action{Kind: ActPauseAll}})
		}
	}
	if st.Update != nil {
		m.Items = append(m.Items, Item{ID: "update", Label: "Update available: " + st.Update.Version,
			Action: &Action{Kind: ActOpenURL, URL: st.Update.URL}, Disabled: st.Update.URL == ""})
	}
	m.Items = append(m.Items,
		Item{Separator: true},
		Item{ID: "autostart", Label: "Start at login", Checkable: true, Checked: st.Autostart,
			Disabled: !st.Reachable || !st.AutostartSupported, Action: &Action{Kind: ActSetAutostart, On: !st.Autostart}},
		Item{ID: "config-dir", Label: "Open config folder", Disabled: st.ConfigPath == "", Action: &Action{Kind: ActOpenConfigDir}},
		Item{ID: "logs", Label: "Open logs", Disabled: st.LogDir == "", Action: &Action{Kind: ActOpenLogs}},
		Item{Separator: true},
		Item{ID: "quit", Label: "Quit Switchboard", Action: &Action{Kind: ActQuit}},
	)
	return m
}

func serversMenu(st State) Item {
	it := Item{ID: "servers", Label: fmt.Sprintf("Servers (%d)", len(st.Servers))}
	if len(st.Servers) == 0 {
		it.Children = []Item{{ID: "servers/none", Label: "No servers yet: add one in the window", Disabled: true}}
		return it
	}
	for _, s := range st.Servers {
		id := "server/" + s.Name
		srv := Item{ID: id, Label: s.Name + " — " + stateWords(s), Tooltip: s.LastError}
		if s.Enabled {
			srv.Children = append(srv.Children,
				Item{ID: id + "/restart", Label: "Restart", Action: &Action{Kind: ActRestart, Server: s.Name}},
				Item{ID: id + "/disable", Label: "Disable", Action: &Action{Kind: ActDisable, Server: s.Name}})
		} else {
			srv.Children = append(srv.Children,
				Item{ID: id + "/enable", Label: "Enable", Action: &Action{Kind: ActEnable, Server: s.Name}})
		}
		srv.Children = append(srv.Children, Item{ID: id + "/open", Label: "Show in Switchboard",
			Action: &Action{Kind: ActOpenWindow, Path: serverPath(s.Name)}})
		it.Children = append(it.Children, srv)
	}
	return it
}

func quarantineMenu(st State) Item {
	it := Item{ID: "quarantine", Label: fmt.Sprintf("Quarantine (%d waiting)", len(st.Quarantine))}
	if len(st.Quarantine) == 0 {
		it.Label = "Quarantine (nothing waiting)"
		it.Children = []Item{{ID: "quarantine/none", Label: "Nothing awaits approval", Disabled: true}}
		return it
	}
	for _, q := range st.Quarantine {
		label, id := "Review server "+q.Server+"…", "quarantine/"+q.Server
		if q.Tool != "" {
			label, id = "Review tool "+q.Tool+" of "+q.Server+"…", id+"/"+q.Tool
		}
		it.Children = append(it.Children, Item{ID: id, Label: label,
			Action: &Action{Kind: ActOpenWindow, Path: QuarantinePath(q)}})
	}
	return it
}

// QuarantinePath is the panel route that shows one item awaiting approval.
func QuarantinePath(q QuarantineItem) string {
	v := url.Values{"server": {q.Server}}
	if q.Tool != "" {
		v.Set("tool", q.Tool)
	}
	return "/quarantine?" + v.Encode()
}

// IconFor is the icon of a state: an unreachable core or a dead server is
// an error, a degraded server or anything awaiting approval needs
// attention, a fully paused gateway is paused.
func IconFor(st State) Icon {
	if !st.Reachable {
		return IconError
	}
	if paused(st) {
		return IconPaused
	}
	attention := len(st.Quarantine) > 0
	for _, s := range st.Servers {
		if !s.Enabled {
			continue
		}
		switch s.State {
		case "dead":
			return IconError
		case "degraded":
			attention = true
		}
	}
	if attention {
		return IconAttention
	}
	return IconOK
}

// StatusLine is the first, greyed line of the menu.
func StatusLine(st State) string {
	if !st.Reachable {
		return "Not running: " + st.Err
	}
	if paused(st) {
		return fmt.Sprintf("Paused: %d servers stopped", countEnabled(st))
	}
	enabled, ready, failing := 0, 0, 0
	for _, s := range st.Servers {
		if !s.Enabled {
			continue
		}
		enabled++
		switch s.State {
		case "ready", "cold":
			ready++
		case "dead", "degraded":
			failing++
		}
	}
	var parts []string
	switch {
	case enabled == 0:
		parts = append(parts, "No servers enabled")
	case ready == enabled:
		parts = append(parts, fmt.Sprintf("All %d servers ready", enabled))
	default:
		parts = append(parts, fmt.Sprintf("%d of %d servers ready", ready, enabled))
	}
	if failing > 0 {
		parts = append(parts, fmt.Sprintf("%d failing", failing))
	}
	if n := len(st.Quarantine); n > 0 {
		parts = append(parts, fmt.Sprintf("%d awaiting approval", n))
	}
	return strings.Join(parts, " · ")
}

// stateWords is a server's state as the menu says it.
func stateWords(s Server) string {
	if !s.Enabled {
		return "disabled"
	}
	w := s.State
	switch s.State {
	case "cold":
		w = "idle"
	case "dead":
		w = "failed"
	case "stopped":
		if pausedByTray(s) {
			w = "paused"
		}
	}
	if s.Quarantined {
		w += ", awaiting approval"
	}
	return w
}

// paused is true when there are enabled servers and Pause all stopped
// every one of them.
func paused(st State) bool {
	n := 0
	for _, s := range st.Servers {
		if !s.Enabled {
			continue
		}
		if !pausedByTray(s) {
			return false
		}
		n++
	}
	return n > 0
}

// pausedByTray is true for a server Pause all stopped: the core keeps the
// reason of a stop as the server's last error ("stopped: <reason>").
func pausedByTray(s Server) bool {
	return s.State == "stopped" && strings.HasSuffix(s.LastError, PausedReason)
}

// pausable says whether Pause all stops s: enabled and not stopped yet.
func pausable(s Server) bool {
	return s.Enabled && s.State != "stopped" && s.State != "disabled"
}

// serverPath is a server's page in the panel.
func serverPath(name string) string { return "/servers/" + url.PathEscape(name) }

// running counts the servers Pause all would stop.
func running(st State) int {
	n := 0
	for _, s := range st.Servers {
		if pausable(s) {
			n++
		}
	}
	return n
}

func countEnabled(st State) int {
	n := 0
	for _, s := range st.Servers {
		if s.Enabled {
			n++
		}
	}
	return n
}

// Find is the item with this ID anywhere in the tree, or nil.
func (m Menu) Find(id string) *Item {
	var walk func([]Item) *Item
	walk = func(items []Item) *Item {
		for i := range items {
			if items[i].ID == id {
				return &items[i]
			}
			if f := walk(items[i].Children); f != nil {
				return f
			}
		}
		return nil
	}
	return walk(m.Items)
}
