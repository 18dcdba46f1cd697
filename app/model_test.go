package app

import (
	"strings"
	"testing"
)

func srv(name, state string) Server { return Server{Name: name, State: state, Enabled: true} }

func TestIconAndStatusLineFollowTheServers(t *testing.T) {
	paused := srv("b", "stopped")
	paused.LastError = PausedReason
	pausedA := srv("a", "stopped")
	pausedA.LastError = PausedReason
	handStopped := srv("b", "stopped")
	off := Server{Name: "z", State: "disabled"}
	for _, tc := range []struct {
		name   string
		st     State
		icon   Icon
		status string
	}{
		{"all ready", State{Reachable: true, Servers: []Server{srv("a", "ready"), srv("b", "cold"), off}}, IconOK, "All 2 servers ready"},
		{"degraded", State{Reachable: true, Servers: []Server{srv("a", "ready"), srv("b", "degraded")}}, IconAttention, "1 of 2 servers ready · 1 failing"},
		{"quarantine waiting", State{Reachable: true, Servers: []Server{srv("a", "ready")}, Quarantine: []QuarantineItem{{Server: "new"}}},
			IconAttention, "All 1 servers ready · 1 awaiting approval"},
		{"dead beats degraded", State{Reachable: true, Servers: []Server{srv("a", "degraded"), srv("b", "dead")}}, IconError, "0 of 2 servers ready · 2 failing"},
		{"a disabled dead server is no error", State{Reachable: true, Servers: []Server{srv("a", "ready"), {Name: "x", State: "dead"}}}, IconOK, "All 1 servers ready"},
		{"paused", State{Reachable: true, Servers: []Server{pausedA, paused, off}}, IconPaused, "Paused: 2 servers stopped"},
		{"stopped by hand is not paused", State{Reachable: true, Servers: []Server{pausedA, handStopped}}, IconOK, "0 of 2 servers ready"},
		{"core down", State{Err: "switchboard is not running"}, IconError, "Not running: switchboard is not running"},
		{"no servers", State{Reachable: true}, IconOK, "No servers enabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := BuildMenu(tc.st)
			if m.Icon != tc.icon {
				t.Errorf("icon %s, want %s", m.Icon, tc.icon)
			}
			if got := m.Find("status"); got == nil || got.Label != tc.status || !got.Disabled {
				t.Errorf("status item %+v, want the greyed line %q", got, tc.status)
			}
			if !strings.Contains(m.Tooltip, tc.status) {
				t.Errorf("tooltip %q lacks the status", m.Tooltip)
			}
		})
	}
}

func TestMenuHasEverySection(t *testing.T) {
	st := State{Reachable: true, Servers: []Server{srv("files", "ready")}, Update: &Update{Version: "v1.2.0", URL: "https://example.org/r"},
		AutostartSupported: true, ConfigPath: "/h/config.json", LogDir: "/h/logs"}
	m := BuildMenu(st)
	var labels []string
	for _, it := range m.Items {
		if !it.Separator {
			labels = append(labels, it.Label)
		}
	}
	want := []string{"All 1 servers ready", "Open Switchboard", "Servers (1)", "Quarantine (nothing waiting)", "Pause all",
		"Update available: v1.2.0", "Start at login", "Open config folder", "Open logs", "Quit Switchboard"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Fatalf("menu\n got %q\nwant %q", labels, want)
	}
	if u := m.Find("update"); u.Action.Kind != ActOpenURL || u.Action.URL != "https://example.org/r" {
		t.Errorf("update item opens %+v", u.Action)
	}
	if BuildMenu(State{Reachable: true}).Find("update") != nil {
		t.Error("an Update item with no update")
	}
}

func TestServerItemsOfferWhatTheirStateAllows(t *testing.T) {
	st := State{Reachable: true, Servers: []Server{srv("files", "ready"), {Name: "old", State: "disabled"},
		{Name: "web", State: "dead", Enabled: true, LastError: "exit status 1", Restarts: 4}}}
	m := BuildMenu(st)
	files := m.Find("server/files")
	if files.Label != "files — ready" || len(files.Children) != 3 {
		t.Fatalf("files: %+v", files)
	}
	if d := m.Find("server/files/disable"); d == nil || *d.Action != (Action{Kind: ActDisable, Server: "files"}) {
		t.Errorf("disable item: %+v", d)
	}
	if r := m.Find("server/files/restart"); r == nil || r.Action.Kind != ActRestart {
		t.Errorf("restart item: %+v", r)
	}
	if m.Find("server/old/disable") != nil || m.Find("server/old/restart") != nil {
		t.Error("a disabled server offers disable or restart")
	}
	if e := m.Find("server/old/enable"); e == nil || e.Action.Kind != ActEnable || m.Find("server/old").Label != "old — disabled" {
		t.Errorf("old: %+v", m.Find("server/old"))
	}
	if w := m.Find("server/web"); w.Label != "web — failed" || w.Tooltip != "exit status 1" {
		t.Errorf("web: %+v", w)
	}
	if o := m.Find("server/web/open"); o.Action.Kind != ActOpenWindow || o.Action.Path != "/servers/web" {
		t.Errorf("show item: %+v", o.Action)
	}
}

func TestQuarantineItemsOpenTheWindowAtThatItem(t *testing.T) {
	st := State{Reachable: true, Quarantine: []QuarantineItem{{Server: "new one"}, {Server: "files", Tool: "read&write"}}}
	m := BuildMenu(st)
	q := m.Find("quarantine")
	if q.Label != "Quarantine (2 waiting)" || len(q.Children) != 2 {
		t.Fatalf("quarantine: %+v", q)
	}
	if a := m.Find("quarantine/new one").Action; a.Kind != ActOpenWindow || a.Path != "/quarantine?server=new+one" {
		t.Errorf("server item: %+v", a)
	}
	if a := m.Find("quarantine/files/read&write").Action; a.Path != "/quarantine?server=files&tool=read%26write" {
		t.Errorf("tool item: %+v", a)
	}
}

func TestPauseBecomesResume(t *testing.T) {
	a, b := srv("a", "stopped"), srv("b", "stopped")
	a.LastError, b.LastError = PausedReason, PausedReason
	m := BuildMenu(State{Reachable: true, Servers: []Server{a, b}})
	if m.Find("pause") != nil || m.Find("resume") == nil || m.Find("resume").Action.Kind != ActResumeAll {
		t.Fatalf("a paused gateway offers %+v / %+v", m.Find("pause"), m.Find("resume"))
	}
	if p := BuildMenu(State{Reachable: true, Servers: []Server{srv("a", "stopped")}}).Find("pause"); p == nil || !p.Disabled {
		t.Errorf("with nothing running, Pause all should be greyed: %+v", p)
	}
}

func TestAutostartCheckboxTogglesToTheOtherValue(t *testing.T) {
	on := BuildMenu(State{Reachable: true, Autostart: true, AutostartSupported: true}).Find("autostart")
	if !on.Checkable || !on.Checked || on.Disabled || on.Action.On {
		t.Errorf("checked: %+v %+v", on, on.Action)
	}
	off := BuildMenu(State{Reachable: true, AutostartSupported: true}).Find("autostart")
	if off.Checked || !off.Action.On {
		t.Errorf("unchecked: %+v %+v", off, off.Action)
	}
	if !BuildMenu(State{Reachable: true}).Find("autostart").Disabled {
		t.Error("start at login offered where it is not supported")
	}
}

func TestUnreachableCoreStillOffersOpenAndQuit(t *testing.T) {
	m := BuildMenu(State{Err: "connection refused"})
	if m.Find("servers") != nil || m.Find("pause") != nil {
		t.Error("server actions offered with no core to act on")
	}
	if m.Find("open") == nil || m.Find("quit") == nil || m.Find("quit").Disabled {
		t.Error("Open and Quit must stay")
	}
}
