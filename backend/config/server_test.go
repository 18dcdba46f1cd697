package config

import (
	"reflect"
	"testing"
)

func sample() *Server {
	on, p := true, "g"
	return &Server{
		Command: "npx", Args: []string{"-y", "pkg"}, Env: map[string]string{"A": "1"},
		Headers: map[string]string{"H": "v"}, Enabled: &on, Prefix: &p,
		DisabledTools: []string{"t"}, Tags: []string{"x"},
		Extra: map[string]any{"deep": map[string]any{"list": []any{"a"}}},
	}
}

func TestCloneIsDeep(t *testing.T) {
	s := sample()
	c := s.Clone()
	if !reflect.DeepEqual(s, c) || !s.Equal(c) {
		t.Fatal("clone differs")
	}
	c.Args[0] = "changed"
	c.Env["A"] = "2"
	c.Headers["H"] = "w"
	*c.Enabled = false
	*c.Prefix = "h"
	c.DisabledTools[0] = "u"
	c.Tags[0] = "y"
	c.Extra["deep"].(map[string]any)["list"].([]any)[0] = "b"
	if !reflect.DeepEqual(s, sample()) {
		t.Fatalf("changing the clone changed the original: %+v", s)
	}

	cfg := &Config{Servers: map[string]*Server{"a": s}, CORSOrigins: []string{"o"}}
	cc := cfg.Clone()
	cc.Servers["a"].Command = "other"
	cc.CORSOrigins[0] = "p"
	if cfg.Servers["a"].Command != "npx" || cfg.CORSOrigins[0] != "o" {
		t.Fatal("config clone shares data")
	}
}

func TestEqual(t *testing.T) {
	a, b := sample(), sample()
	if !a.Equal(b) {
		t.Fatal("same content should be equal")
	}
	b.Extra["deep"].(map[string]any)["list"] = []any{"a", "b"}
	if a.Equal(b) {
		t.Fatal("Extra must count")
	}
	if !(&Server{Command: "x"}).Equal(&Server{Command: "x", Args: []string{}}) {
		t.Error("an empty list is written the same as a missing one")
	}
	empty := ""
	if (&Server{Command: "x"}).Equal(&Server{Command: "x", Prefix: &empty}) {
		t.Error("an empty prefix is not the same as no prefix")
	}
	var n *Server
	if !n.Equal(nil) || n.Equal(a) {
		t.Error("nil handling")
	}
}
