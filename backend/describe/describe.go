// Package describe writes a short description of an MCP server from what
// the server says of itself, for a server configured without one. No
// model is asked: the words are the server's own (the description in its
// serverInfo, else its instructions), or, from a server that says nothing
// of itself, a list of its tools. A description helps a person scan the
// server list and tool search rank servers.
package describe

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// Where a description came from.
const (
	FromServerInfo   = "server_info"  // the description in the server's serverInfo
	FromInstructions = "instructions" // the first paragraph of its instructions
	FromTools        = "tools"        // its title, if any, and its tools' names
	FromTitle        = "title"        // its title alone (it lists no tools)
)

// MaxLen is the longest description made, in characters: a line in a list.
const MaxLen = 200

// toolsNamed is how many tool names a description from tools lists.
const toolsNamed = 5

// Of describes a server by its serverInfo, instructions and tools. source
// says which it used; ok is false when the server says nothing of itself
// and lists no tools.
func Of(info mcp.Implementation, instructions string, tools []mcp.Tool) (text, source string, ok bool) {
	if t := firstParagraph(info.Description); t != "" {
		return t, FromServerInfo, true
	}
	if t := firstParagraph(instructions); t != "" {
		return t, FromInstructions, true
	}
	title := oneLine(info.Title)
	if len(tools) == 0 {
		return title, FromTitle, title != ""
	}
	names := make([]string, 0, toolsNamed)
	for _, t := range tools[:min(len(tools), toolsNamed)] {
		names = append(names, t.Name)
	}
	list := strings.Join(names, ", ")
	if more := len(tools) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	text = fmt.Sprintf("%d tools: %s", len(tools), list)
	if len(tools) == 1 {
		text = "One tool: " + list
	}
	if title != "" {
		text = title + ". " + text
	}
	return cut(text), FromTools, true
}

// firstParagraph is the first paragraph of a text that is not a heading,
// on one line, cut to MaxLen at a sentence's end where one comes late
// enough, else at a word.
func firstParagraph(s string) string {
	for p := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		p = strings.TrimSpace(p)
		if p == "" || strings.HasPrefix(p, "#") && !strings.Contains(p, "\n") {
			continue // a markdown heading on its own
		}
		p = strings.TrimLeft(p, "# ")
		return cut(oneLine(p))
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func cut(s string) string {
	if utf8.RuneCountInString(s) <= MaxLen {
		return s
	}
	r := []rune(s)[:MaxLen-1]
	head := string(r)
	if i := strings.LastIndex(head, ". "); i >= MaxLen/3 {
		return head[:i+1]
	}
	if i := strings.LastIndex(head, " "); i > 0 {
		head = head[:i]
	}
	return strings.TrimRight(head, ",;:") + "…"
}
