package toolsearch_test

import (
	"slices"
	"testing"

	"switchboard/backend/toolsearch"
)

var docs = []toolsearch.Doc{
	{ID: "fs/read_file", Name: "read_file", Server: "filesystem", Params: []string{"path"},
		Description: "Read the complete contents of a file from the file system."},
	{ID: "fs/write_file", Name: "write_file", Server: "filesystem", Params: []string{"path", "content"},
		Description: "Create a new file or overwrite an existing one."},
	{ID: "fs/list_directory", Name: "list_directory", Server: "filesystem", Params: []string{"path"},
		Description: "List the files and folders in a directory."},
	{ID: "gh/create_issue", Name: "createIssue", Server: "github", Tags: []string{"dev"},
		Params: []string{"owner", "repo", "title", "body"}, Description: "Open a new issue in a repository."},
	{ID: "mem/read_graph", Name: "read_graph", Server: "memory",
		Description: "Read the whole knowledge graph."},
	{ID: "t/echo", Name: "echo", Server: "test", Params: []string{"text"}, Description: "Returns the given text."},
	{ID: "t/echo_twice", Name: "echo_twice", Server: "test", Params: []string{"text"}, Description: "Returns the text twice."},
	{ID: "t/say", Name: "say", Server: "test", Params: []string{"text"}, Description: "Like echo, but spoken."},
}

func ids(hits []toolsearch.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestExactNameBeatsNameWordBeatsDescription(t *testing.T) {
	got := ids(toolsearch.Rank(docs, "echo", 0))
	want := []string{"t/echo", "t/echo_twice", "t/say"}
	if !slices.Equal(got, want) {
		t.Fatalf("echo: got %v, want %v", got, want)
	}
}

func TestNameWrittenAnyWay(t *testing.T) {
	for _, q := range []string{"read_file", "read file", "readFile", "READ-FILE", "filesystem__read_file"} {
		hits := toolsearch.Rank(docs, q, 1)
		if len(hits) != 1 || hits[0].ID != "fs/read_file" {
			t.Errorf("%q: got %v, want fs/read_file first", q, hits)
		}
	}
	if hits := toolsearch.Rank(docs, "create issue", 1); len(hits) != 1 || hits[0].ID != "gh/create_issue" {
		t.Errorf("camelCase name: got %v", hits)
	}
}

func TestFieldsAndPlurals(t *testing.T) {
	// A parameter name, a server name, a tag and a plural all find their tool.
	for q, want := range map[string]string{
		"repo":      "gh/create_issue",
		"github":    "gh/create_issue",
		"dev":       "gh/create_issue",
		"issues":    "gh/create_issue",
		"folders":   "fs/list_directory",
		"knowledge": "mem/read_graph",
	} {
		hits := toolsearch.Rank(docs, q, 0)
		if len(hits) == 0 || hits[0].ID != want {
			t.Errorf("%q: got %v, want %s first", q, hits, want)
		}
	}
}

func TestStopWordsAndPrefixes(t *testing.T) {
	// "the" is in most descriptions; it must not decide the ranking.
	hits := toolsearch.Rank(docs, "read the graph", 0)
	if len(hits) == 0 || hits[0].ID != "mem/read_graph" {
		t.Fatalf("got %v, want mem/read_graph first", hits)
	}
	// A word begun is a match, worth less than the whole word.
	hits = toolsearch.Rank(docs, "direc", 0)
	if len(hits) != 1 || hits[0].ID != "fs/list_directory" {
		t.Fatalf("prefix: got %v", hits)
	}
	if whole := toolsearch.Rank(docs, "directory", 1); whole[0].Score <= hits[0].Score {
		t.Fatalf("a whole word (%v) should score above a prefix (%v)", whole[0].Score, hits[0].Score)
	}
	// Two letters are too few to be a prefix.
	if hits := toolsearch.Rank(docs, "wr", 0); len(hits) != 0 {
		t.Fatalf("wr: got %v, want nothing", hits)
	}
}

func TestLimitEmptyAndNoMatch(t *testing.T) {
	if hits := toolsearch.Rank(docs, "file", 2); len(hits) != 2 {
		t.Fatalf("limit 2: got %d hits", len(hits))
	}
	if hits := toolsearch.Rank(docs, "  _-. ", 0); hits != nil {
		t.Fatalf("empty query: got %v", hits)
	}
	if hits := toolsearch.Rank(docs, "kubernetes", 0); len(hits) != 0 {
		t.Fatalf("no match: got %v", hits)
	}
	// Ties are broken by name, so the order is stable.
	a := ids(toolsearch.Rank(docs, "path", 0))
	if !slices.Equal(a, []string{"fs/list_directory", "fs/read_file", "fs/write_file"}) {
		t.Fatalf("tie order: %v", a)
	}
}

func TestTokens(t *testing.T) {
	for in, want := range map[string][]string{
		"readFile":         {"read", "file"},
		"HTTPServer":       {"http", "server"},
		"list_directories": {"list", "directory"},
		"git.log-v2":       {"git", "log", "v2"},
		"status":           {"status"},
	} {
		if got := toolsearch.Tokens(in); !slices.Equal(got, want) {
			t.Errorf("Tokens(%q) = %v, want %v", in, got, want)
		}
	}
}
