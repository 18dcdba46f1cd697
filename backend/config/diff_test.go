package config

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	off := false
	old := &Config{Listen: DefaultListen, Servers: map[string]*Server{
		"keep": {Command: "a"}, "edit": {Command: "b"}, "gone": {Command: "c"}, "toggle": {Command: "d"},
	}}
	new := old.Clone()
	delete(new.Servers, "gone")
	new.Servers["edit"].Args = []string{"--verbose"}
	new.Servers["toggle"].Enabled = &off
	new.Servers["new2"] = &Server{URL: "https://x"}
	new.Servers["new1"] = &Server{URL: "https://y"}
	new.Listen = "127.0.0.1:9000"
	new.Extra = map[string]any{"theme": "dark"}

	got := Diff(old, new)
	want := DiffResult{
		Added: []string{"new1", "new2"}, Removed: []string{"gone"},
		Changed: []string{"edit", "toggle"}, Settings: []string{"listen", "theme"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if !Diff(old, old.Clone()).Empty() {
		t.Fatal("a clone should differ in nothing")
	}
	if d := Diff(nil, old); len(d.Added) != 4 {
		t.Fatalf("from nothing: %+v", d)
	}
}
