package describe

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

func tools(names ...string) []mcp.Tool {
	out := make([]mcp.Tool, len(names))
	for i, n := range names {
		out[i] = mcp.Tool{Name: n}
	}
	return out
}

func TestOf(t *testing.T) {
	long := strings.Repeat("Reads and writes files in the folders it is given. ", 8)
	cases := []struct {
		name         string
		info         mcp.Implementation
		instructions string
		tools        []mcp.Tool
		want, source string
	}{
		{"the server's own description wins", mcp.Implementation{Description: "GitHub issues\nand pull requests", Title: "GitHub"}, "Use it for PRs.", tools("a"),
			"GitHub issues and pull requests", FromServerInfo},
		{"then its instructions, past a heading", mcp.Implementation{}, "# Filesystem\n\nReads and writes files\nin allowed folders.\n\nMore help.", nil,
			"Reads and writes files in allowed folders.", FromInstructions},
		{"long instructions end at a sentence", mcp.Implementation{}, long, nil,
			strings.TrimSpace(strings.Repeat("Reads and writes files in the folders it is given. ", 3)), FromInstructions},
		{"then its title and tools", mcp.Implementation{Title: "Memory"}, "", tools("create_entities", "create_relations", "add_observations", "delete_entities", "read_graph", "search_nodes", "open_nodes"),
			"Memory. 7 tools: create_entities, create_relations, add_observations, delete_entities, read_graph and 2 more", FromTools},
		{"one tool", mcp.Implementation{}, "  ", tools("echo"), "One tool: echo", FromTools},
		{"a title alone", mcp.Implementation{Title: " Time "}, "", nil, "Time", FromTitle},
	}
	for _, c := range cases {
		got, source, ok := Of(c.info, c.instructions, c.tools)
		if !ok || got != c.want || source != c.source {
			t.Errorf("%s: got %q from %s (%v), want %q from %s", c.name, got, source, ok, c.want, c.source)
		}
		if utf8.RuneCountInString(got) > MaxLen {
			t.Errorf("%s: %d characters, more than %d", c.name, utf8.RuneCountInString(got), MaxLen)
		}
	}
	if got, _, ok := Of(mcp.Implementation{Name: "x"}, "", nil); ok || got != "" {
		t.Errorf("a server that says nothing: %q, %v", got, ok)
	}
	// No sentence end late enough: cut at a word, marked as cut.
	words := strings.Repeat("word ", 60)
	if got, _, _ := Of(mcp.Implementation{Description: words}, "", nil); !strings.HasSuffix(got, "word…") || utf8.RuneCountInString(got) > MaxLen {
		t.Errorf("cut at a word: %q", got)
	}
}
