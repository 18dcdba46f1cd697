package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/backend/config"
)

func TestBuiltinEntriesAreValidAndHoldTheReferenceServers(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Builtin() {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.ID, err)
		}
		if seen[e.ID] {
			t.Errorf("%s twice", e.ID)
		}
		seen[e.ID] = true
		if e.Description == "" || len(e.Tags) == 0 || e.Homepage == "" {
			t.Errorf("%s: needs a description, tags and a homepage", e.ID)
		}
	}
	for _, id := range []string{"filesystem", "memory", "everything", "fetch", "git", "time", "sequential-thinking", "github"} {
		if !seen[id] {
			t.Errorf("the built-in list lacks %s", id)
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d built-in entries", len(seen))
	}
}

func TestSearchByTextAndTags(t *testing.T) {
	c, err := New(filepath.Join(t.TempDir(), "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(es []Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	if got := ids(c.Search("memory", nil)); len(got) == 0 || got[0] != "memory" {
		t.Errorf("memory: %v", got)
	}
	got := ids(c.Search("", []string{"official", "python"}))
	for _, want := range []string{"fetch", "git", "time"} {
		if !strings.Contains(strings.Join(got, ","), want) {
			t.Errorf("official+python lacks %s: %v", want, got)
		}
	}
	if got := ids(c.Search("github token", []string{"remote"})); len(got) != 1 || got[0] != "github-remote" {
		t.Errorf("github token, remote: %v", got)
	}
	if got := c.Search("nothing-matches-this", nil); len(got) != 0 {
		t.Errorf("want none: %v", ids(got))
	}
	if got := c.Search("", []string{"OFFICIAL"}); len(got) < 7 {
		t.Errorf("tags are not case-sensitive: %v", ids(got))
	}
}

func TestUserEntriesPersistAndBuiltinsStay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.json")
	c, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Add(Entry{ID: "team-tools", Name: "Team tools", URL: "https://mcp.example.com/mcp", Tags: []string{"team"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Transport != config.TypeHTTP || e.Source != SourceUser {
		t.Fatalf("%+v", e)
	}
	if _, err := c.Add(Entry{ID: "team-tools", Name: "again", Command: "x"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := c.Add(Entry{ID: "memory", Name: "mine", Command: "x"}); !errors.Is(err, ErrExists) {
		t.Fatalf("a built-in id: %v", err)
	}
	var fe *FieldError
	if _, err := c.Add(Entry{ID: "Bad ID", Transport: "carrier-pigeon"}); !errors.As(err, &fe) || len(fe.Problems) != 3 {
		t.Fatalf("bad entry: %v", err)
	}
	if fe.Problems[0].Path != "id" || fe.Problems[1].Path != "name" || fe.Problems[2].Path != "transport" {
		t.Fatalf("problems: %+v", fe.Problems)
	}

	again, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Get("team-tools")
	if err != nil || got.URL != "https://mcp.example.com/mcp" || got.Source != SourceUser {
		t.Fatalf("reopened: %+v %v", got, err)
	}
	if err := again.Delete("memory"); !errors.Is(err, ErrBuiltin) {
		t.Fatalf("delete a built-in: %v", err)
	}
	if err := again.Delete("nosuch"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete nothing: %v", err)
	}
	if err := again.Delete("team-tools"); err != nil {
		t.Fatal(err)
	}
	third, _ := New(path)
	if _, err := third.Get("team-tools"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted entry came back: %v", err)
	}
}

func TestADamagedFileIsReportedNotOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.json")
	_ = os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := New(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("%v", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "{not json" {
		t.Fatal("the file was changed")
	}
}

func TestDeployNeedsTheRequiredEnvAndBuildsTheServer(t *testing.T) {
	c, _ := New("")
	gh, _ := c.Get("github")
	_, err := gh.Server(DeployRequest{})
	var fe *FieldError
	if !errors.As(err, &fe) || len(fe.Problems) != 1 || fe.Problems[0].Path != "env.GITHUB_PERSONAL_ACCESS_TOKEN" || !strings.Contains(fe.Problems[0].Message, "keyring") {
		t.Fatalf("missing env: %v", err)
	}
	sc, err := gh.Server(DeployRequest{Env: map[string]string{"GITHUB_PERSONAL_ACCESS_TOKEN": "${keyring:GH}"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "docker run -i --rm -e GITHUB_PERSONAL_ACCESS_TOKEN ghcr.io/github/github-mcp-server"
	if got := sc.Command + " " + strings.Join(sc.Args, " "); got != want || sc.Env["GITHUB_PERSONAL_ACCESS_TOKEN"] != "${keyring:GH}" {
		t.Fatalf("got %q %v", got, sc.Env)
	}

	fs, _ := c.Get("filesystem")
	sc, err = fs.Server(DeployRequest{Args: []string{"/home/me/notes"}, Tags: []string{"mine"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sc.Args, " ") != "-y @modelcontextprotocol/server-filesystem /home/me/notes" || sc.Env != nil || sc.Tags[len(sc.Tags)-1] != "mine" {
		t.Fatalf("%+v", sc)
	}

	remote, _ := c.Get("github-remote")
	sc, err = remote.Server(DeployRequest{Env: map[string]string{"GITHUB_PERSONAL_ACCESS_TOKEN": "${keyring:GH}"}})
	if err != nil || sc.Headers["Authorization"] != "Bearer ${keyring:GH}" || sc.Env != nil {
		t.Fatalf("%+v %v", sc, err)
	}
	cfg := &config.Config{Servers: map[string]*config.Server{DeployRequest{}.ServerName(remote): sc}}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("deployed server does not validate: %v", err)
	}
	linear, _ := c.Get("linear")
	if sc, _ := linear.Server(DeployRequest{}); sc.Type != config.TypeSSE {
		t.Fatalf("%+v", sc)
	}
}
