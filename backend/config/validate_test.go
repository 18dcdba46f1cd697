package config

import (
	"errors"
	"strings"
	"testing"
)

func problems(t *testing.T, content string) []Problem {
	t.Helper()
	_, err := loadString(t, content)
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("%s: got %v, want a *ValidationError", content, err)
	}
	return ve.Problems
}

func TestValidateMessages(t *testing.T) {
	cases := []struct {
		name, content, path, says string
	}{
		{"stdio without command", `{"mcpServers": {"github": {"type": "stdio", "url": "http://x"}}}`, "mcpServers.github.command", "required"},
		{"neither", `{"mcpServers": {"github": {"args": ["x"]}}}`, "mcpServers.github", "needs a command"},
		{"both", `{"mcpServers": {"github": {"command": "x", "url": "http://y"}}}`, "mcpServers.github", "both command and url"},
		{"bad type", `{"mcpServers": {"github": {"type": "ws", "command": "x"}}}`, "mcpServers.github.type", `got "ws"`},
		{"http without url", `{"mcpServers": {"github": {"type": "http", "command": "x"}}}`, "mcpServers.github.url", "required"},
		{"relative url", `{"mcpServers": {"github": {"url": "/mcp"}}}`, "mcpServers.github.url", "absolute http"},
		{"ftp url", `{"mcpServers": {"github": {"type": "sse", "url": "ftp://x/y"}}}`, "mcpServers.github.url", "absolute http"},
		{"bad name", `{"mcpServers": {"my server": {"command": "x"}}}`, `mcpServers["my server"]`, "1-48 letters"},
		{"long name", `{"mcpServers": {"` + strings.Repeat("a", 49) + `": {"command": "x"}}}`, "mcpServers.", "1-48 letters"},
		{"separator in name", `{"mcpServers": {"a__b": {"command": "x"}}}`, "mcpServers.a__b", `must not contain "__"`},
		{"negative timeout", `{"mcpServers": {"github": {"command": "x", "call_timeout_s": -5}}}`, "mcpServers.github.call_timeout_s", "got -5"},
		{"negative ttl", `{"mcpServers": {"github": {"command": "x", "idle_ttl_s": -1}}}`, "mcpServers.github.idle_ttl_s", "positive"},
		{"bad prefix", `{"mcpServers": {"github": {"command": "x", "prefix": "g h"}}}`, "mcpServers.github.prefix", "0-32 letters"},
		{"same prefix", `{"mcpServers": {"github": {"command": "x"}, "gh": {"command": "y", "prefix": "github"}}}`, "mcpServers.gh.prefix", `already used by server "github"`},
		{"empty env key", `{"mcpServers": {"github": {"command": "x", "env": {"": "v"}}}}`, "mcpServers.github.env", "empty variable name"},
		{"empty header key", `{"mcpServers": {"github": {"url": "https://x", "headers": {"": "v"}}}}`, "mcpServers.github.headers", "empty header name"},
		{"null server", `{"mcpServers": {"github": null}}`, "mcpServers.github", "expected an object"},
		{"listen", `{"listen": "7410", "mcpServers": {}}`, "listen", "host:port"},
		{"listen port", `{"listen": "127.0.0.1:http", "mcpServers": {}}`, "listen", "port must be a number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := problems(t, tc.content)
			for _, p := range ps {
				if strings.HasPrefix(p.Path, tc.path) && strings.Contains(p.Message, tc.says) {
					return
				}
			}
			t.Fatalf("got %v, want %s: ...%s...", ps, tc.path, tc.says)
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, content := range []string{
		`{"mcpServers": {"a": {"type": "stdio", "command": "x", "url": "http://kept-for-later"}}}`,
		`{"mcpServers": {"a": {"type": "http", "command": "unused", "url": "https://x/mcp"}}}`,
		`{"mcpServers": {"a": {"command": "x", "prefix": ""}, "b": {"command": "y", "prefix": ""}}}`,
		`{"mcpServers": {"a": {"url": "https://${env:HOST}/mcp"}, "b": {"url": "${env:URL}"}}}`,
		`{"listen": ":7410", "mcpServers": {"A-b_9": {"command": "x"}}}`,
	} {
		if ps := problems(t, content); ps != nil {
			t.Errorf("%s: unexpected problems %v", content, ps)
		}
	}
}

func TestValidationErrorText(t *testing.T) {
	_, err := loadString(t, `{"mcpServers": {"github": {"type": "stdio"}, "x": {"url": "nope"}}}`)
	want := `mcpServers.github.command: is required for type "stdio": the program to run, such as "npx"; mcpServers.x.url: must be an absolute`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant it to contain %s", err, want)
	}
}
