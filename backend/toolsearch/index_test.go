package toolsearch_test

import (
	"slices"
	"testing"

	"switchboard/backend/toolsearch"
)

var fsDocs = []toolsearch.Doc{
	{ID: "fs/list_directory", Name: "list_directory", Server: "filesystem", Params: []string{"path"},
		Description: "Get a detailed listing of all files and directories in a specified path."},
	{ID: "fs/create_directory", Name: "create_directory", Server: "filesystem", Params: []string{"path"},
		Description: "Create a new directory or ensure a directory exists."},
	{ID: "mem/create_entities", Name: "create_entities", Server: "memory", Params: []string{"entities"},
		Description: "Create multiple new entities in the knowledge graph"},
	{ID: "every/get-sum", Name: "get-sum", Server: "everything", Params: []string{"a", "b"},
		Description: "Returns the sum of two numbers", ParamDocs: []string{"First number", "Second number"}},
	{ID: "fetch/fetch", Name: "fetch", Server: "fetch", Params: []string{"url"},
		Description: "Fetches a URL from the internet and optionally extracts its contents as markdown."},
	{ID: "pw/browser_take_screenshot", Name: "browser_take_screenshot", Server: "playwright",
		Description: "Take a screenshot of the current page."},
	{ID: "git/git_add", Name: "git_add", Server: "git", Params: []string{"repo_path", "files"},
		Description: "Adds file contents to the staging area"},
}

func first(t *testing.T, x *toolsearch.Index, q, want string) {
	t.Helper()
	hits := x.Search(q, 3)
	if len(hits) == 0 || hits[0].ID != want {
		t.Errorf("%q: want %s first, got %v", q, want, hits)
	}
}

func TestPeoplesWordsFindToolWords(t *testing.T) {
	x := toolsearch.NewIndex()
	x.Set("", fsDocs)
	for q, want := range map[string]string{
		"show what's in my folder":            "fs/list_directory",   // folder -> directory, show -> list
		"make a new folder":                   "fs/create_directory", // make -> create
		"remember that my sister lives there": "mem/create_entities", // remember -> memory, entities
		"add 17 and 25":                       "every/get-sum",       // add -> sum; numbers hint at number
		"download https://example.com/a":      "fetch/fetch",         // a URL hints at url
		"capture a picture of the page":       "pw/browser_take_screenshot",
		"stage main.go":                       "git/git_add", // a file name hints at file, stage -> staging
	} {
		first(t, x, q, want)
	}
}

func TestInflectionsTyposAndPrefixes(t *testing.T) {
	x := toolsearch.NewIndex()
	x.Set("", fsDocs)
	for q, want := range map[string]string{
		"listing directories": "fs/list_directory",   // stemming
		"created directory":   "fs/create_directory", // stemming
		"lsit directroy":      "fs/list_directory",   // typos: a swap in each word
		"screenshto":          "pw/browser_take_screenshot",
		"entit":               "mem/create_entities", // a word begun
	} {
		first(t, x, q, want)
	}
}

func TestSetIsPerSourceAndLive(t *testing.T) {
	x := toolsearch.NewIndex()
	x.Set("filesystem", fsDocs[:2])
	x.Set("memory", fsDocs[2:3])
	if x.Len() != 3 {
		t.Fatalf("Len %d, want 3", x.Len())
	}
	first(t, x, "knowledge graph", "mem/create_entities")
	// Replacing one source leaves the other's tools in place.
	x.Set("filesystem", fsDocs[:1])
	if hits := x.Search("create directory", 5); slices.ContainsFunc(hits, func(h toolsearch.Hit) bool { return h.ID == "fs/create_directory" }) {
		t.Fatalf("a removed tool is still found: %v", hits)
	}
	first(t, x, "knowledge graph", "mem/create_entities")
	// An empty list removes the source.
	x.Set("memory", nil)
	if hits := x.Search("knowledge graph", 5); len(hits) != 0 {
		t.Fatalf("a removed source is still found: %v", hits)
	}
	// Replace drops sources that are not in the new list.
	x.Replace(fsDocs)
	if x.Len() != len(fsDocs) {
		t.Fatalf("after Replace: Len %d", x.Len())
	}
	x.Replace(fsDocs[:1])
	if x.Len() != 1 {
		t.Fatalf("after Replace with one: Len %d", x.Len())
	}
}

func TestTopKMatchesFullSort(t *testing.T) {
	// The limited search keeps the best k in order; it must agree with the
	// unlimited one.
	docs, queries := loadLabelled(t)
	x := toolsearch.NewIndex()
	x.Set("", docs)
	for _, q := range queries {
		all := x.Search(q.Query, 0)
		top := x.Search(q.Query, 3)
		if len(all) > 3 {
			all = all[:3]
		}
		if !slices.Equal(all, top) {
			t.Fatalf("%q: limit 3 gives %v, the first 3 of all are %v", q.Query, top, all)
		}
	}
}

func TestDocFromSchema(t *testing.T) {
	d := toolsearch.DocFromSchema([]byte(`{"type":"object","properties":{"url":{"type":"string","description":"URL to fetch"},"raw":{"type":"boolean"}}}`))
	if !slices.Equal(d.Params, []string{"raw", "url"}) || !slices.Equal(d.ParamDocs, []string{"URL to fetch"}) {
		t.Fatalf("got %+v", d)
	}
	if d := toolsearch.DocFromSchema([]byte(`not json`)); len(d.Params) != 0 {
		t.Fatalf("bad schema: %+v", d)
	}
}

// eachWord is split without allocating; they must agree.
func TestEachWordAgreesWithSplit(t *testing.T) {
	for _, s := range []string{"readFile", "HTTPServer", "list_directories", "git.log-v2", "API-get-user",
		"context7CompatibleLibraryID", "Créer un fichier", "  ", "ABC", "a1B2c3", "x__y"} {
		var got []string
		toolsearch.EachWordForTest(s, func(w string) { got = append(got, w) })
		if want := toolsearch.SplitForTest(s); !slices.Equal(got, want) {
			t.Errorf("%q: eachWord %v, split %v", s, got, want)
		}
	}
}
