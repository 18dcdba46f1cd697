package app

import "testing"

func TestNoticesComeOnceForEachNewThing(t *testing.T) {
	before := State{Reachable: true, Servers: []Server{srv("a", "ready")}}
	after := State{Reachable: true,
		Servers:    []Server{{Name: "a", State: "starting", Enabled: true, Restarts: 3, LastError: "exit status 2"}},
		Quarantine: []QuarantineItem{{Server: "new"}, {Server: "a", Tool: "write"}},
		Update:     &Update{Version: "v2.0.0"}}
	got := Notices(before, after)
	keys := map[string]Notice{}
	for _, n := range got {
		keys[n.Key] = n
	}
	if len(got) != 4 || keys["quarantine/new/"].Path != "/quarantine?server=new" ||
		keys["quarantine/a/write"].Title != "Awaiting your approval" ||
		keys["server/a"].Body != "a keeps crashing (3 restarts): exit status 2" || keys["update"].Title != "Switchboard v2.0.0 is available" {
		t.Fatalf("notices: %+v", got)
	}
	if again := Notices(after, after); len(again) != 0 {
		t.Fatalf("the same state notified again: %+v", again)
	}
	more := after
	more.Servers = []Server{{Name: "a", State: "dead", Enabled: true, Restarts: 5}}
	if n := Notices(after, more); len(n) != 1 || n[0].Key != "server/a" {
		t.Fatalf("a server that then died: %+v", n)
	}
}

func TestNoNoticesForDisabledServersOrADownCore(t *testing.T) {
	next := State{Reachable: true, Servers: []Server{{Name: "x", State: "dead", Restarts: 9}}}
	if n := Notices(State{Reachable: true, Servers: []Server{{Name: "x"}}}, next); len(n) != 0 {
		t.Fatalf("disabled server notified: %+v", n)
	}
	if n := Notices(State{}, State{Err: "down"}); n != nil {
		t.Fatalf("down core: %+v", n)
	}
}
