package config

import (
	"strings"
	"testing"
)

func TestExpandRefs(t *testing.T) {
	t.Setenv("SB_TEST_TOKEN", "s3cret")
	t.Setenv("SB_TEST_HOST", "api.example.com")
	s := &Server{
		URL:     "https://${env:SB_TEST_HOST}/mcp",
		Args:    []string{"--token=${env:SB_TEST_TOKEN}", "plain ${HOME}"},
		Env:     map[string]string{"TOKEN": "${env:SB_TEST_TOKEN}"},
		Headers: map[string]string{"Authorization": "Bearer ${env:SB_TEST_TOKEN}"},
	}
	got, err := ExpandRefs("gh", s)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != "https://api.example.com/mcp" || got.Args[0] != "--token=s3cret" || got.Args[1] != "plain ${HOME}" ||
		got.Env["TOKEN"] != "s3cret" || got.Headers["Authorization"] != "Bearer s3cret" {
		t.Fatalf("expanded: %+v", got)
	}
	if s.Env["TOKEN"] != "${env:SB_TEST_TOKEN}" || s.Args[0] != "--token=${env:SB_TEST_TOKEN}" {
		t.Fatal("the original must keep its references")
	}
}

func TestExpandRefsErrors(t *testing.T) {
	s := &Server{
		Command: "x",
		Env:     map[string]string{"A": "${env:SB_TEST_SURELY_UNSET}", "K": "${keyring:github}"},
		Args:    []string{"${env:}"},
	}
	_, err := ExpandRefs("gh", s)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{
		"mcpServers.gh.env.A: environment variable SB_TEST_SURELY_UNSET is not set",
		"secret store not configured: keyring reference github in mcpServers.gh.env.K",
		"mcpServers.gh.args[0]: reference ${env:} has no name",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestExpandRefsChecksBuiltURL(t *testing.T) {
	t.Setenv("SB_TEST_URL", "not a url")
	_, err := ExpandRefs("r", &Server{URL: "${env:SB_TEST_URL}"})
	if err == nil || !strings.Contains(err.Error(), "mcpServers.r.url") || strings.Contains(err.Error(), "not a url") {
		t.Fatalf("got %v, want the field named and the value kept out", err)
	}
}

func TestRedacted(t *testing.T) {
	s := &Server{
		URL:     "https://user:pw@example.com/mcp",
		Env:     map[string]string{"RAW": "ghp_abc", "REF": "${env:GH_TOKEN}", "KR": "${keyring:gh}"},
		Headers: map[string]string{"Authorization": "Bearer ${env:T}", "X-Key": "Bearer abc"},
	}
	r := s.Redacted()
	if r.Env["RAW"] != "***" || r.Env["REF"] != "${env:GH_TOKEN}" || r.Env["KR"] != "${keyring:gh}" ||
		r.Headers["Authorization"] != "Bearer ${env:T}" || r.Headers["X-Key"] != "***" {
		t.Fatalf("redacted: %+v", r)
	}
	if strings.Contains(r.URL, "pw") {
		t.Fatalf("url password shown: %s", r.URL)
	}
	if s.Env["RAW"] != "ghp_abc" {
		t.Fatal("the original must not change")
	}
}
