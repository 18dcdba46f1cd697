package gateway

import (
	"strings"
	"testing"
)

func TestExposedNames(t *testing.T) {
	cases := []struct{ prefix, name, want string }{
		{"github", "search", "github__search"},
		{"gh", "create_issue", "gh__create_issue"},
		{"", "search", "search"},
	}
	for _, c := range cases {
		if got := ExposedName(c.prefix, c.name); got != c.want {
			t.Errorf("ExposedName(%q, %q) = %q, want %q", c.prefix, c.name, got, c.want)
		}
	}
}

func TestNameProblemMatchesWhatClientsAccept(t *testing.T) {
	if p := NameProblem("github__search-code"); p != "" {
		t.Errorf("valid name refused: %s", p)
	}
	if p := NameProblem(strings.Repeat("a", 65)); !strings.Contains(p, "65 characters") {
		t.Errorf("long name: %q", p)
	}
	if p := NameProblem("files__read.file"); !strings.Contains(p, "characters outside") {
		t.Errorf("dotted name: %q", p)
	}
}
