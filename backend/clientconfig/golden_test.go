package clientconfig

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailscale/hujson"

	"switchboard/backend/config"
)

// -update rewrites the golden files from what the code produces now; read
// the diff before committing it.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or writes it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// clientFormats are the formats with a file in testdata.
var clientFormats = []Format{ClaudeDesktop, Cursor, VSCode, Windsurf, ClaudeCode}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// standardJSON decodes a (JSONC) file for comparisons of content.
func standardJSON(t *testing.T, data []byte) map[string]any {
	t.Helper()
	v, err := hujson.Parse(bytes.Clone(data)) // Standardize writes into its input
	if err != nil {
		t.Fatalf("not JSONC: %v\n%s", err, data)
	}
	v.Standardize()
	var m map[string]any
	if err := json.Unmarshal(v.Pack(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestConnectGoldenAndUndoRestoresTheOriginalByteForByte(t *testing.T) {
	for _, f := range clientFormats {
		t.Run(string(f), func(t *testing.T) {
			orig := readTestdata(t, string(f)+"/original.json")
			dir := t.TempDir()
			path := filepath.Join(dir, "client", "mcp.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, orig, 0o640); err != nil {
				t.Fatal(err)
			}
			c := &Connector{Dir: filepath.Join(dir, "home", "clients")}
			res, err := c.Connect(ConnectOptions{Client: f, Path: path, Command: "/opt/switchboard/bin/switchboard", URL: "http://127.0.0.1:7410/mcp"})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Changed || res.Created || res.Backup == "" {
				t.Fatalf("connect result: %+v", res)
			}
			got, _ := os.ReadFile(path)
			golden(t, string(f)+"/connected.json", got)

			// Everything but the new entry is as it was.
			before, after := standardJSON(t, orig), standardJSON(t, got)
			key := infos[f].ServersKey
			entry := after[key].(map[string]any)[EntryName]
			if entry == nil {
				t.Fatalf("no %s.%s entry in:\n%s", key, EntryName, got)
			}
			delete(after[key].(map[string]any), EntryName)
			if a, b := mustJSON(t, before), mustJSON(t, after); a != b {
				t.Errorf("connect changed other entries:\nbefore %s\nafter  %s", a, b)
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
				t.Errorf("file mode became %v", st.Mode().Perm())
			}
			if backup, _ := os.ReadFile(res.Backup); !bytes.Equal(backup, orig) {
				t.Errorf("the backup is not the original")
			}

			// A second connect changes nothing and keeps the first backup.
			again, err := c.Connect(ConnectOptions{Client: f, Path: path, Command: "/opt/switchboard/bin/switchboard", URL: "http://127.0.0.1:7410/mcp"})
			if err != nil || again.Changed {
				t.Fatalf("second connect: %+v, %v", again, err)
			}
			// A connect with a new address edits the entry in place and
			// still undoes to the original.
			if _, err := c.Connect(ConnectOptions{Client: f, Path: path, Command: "/usr/local/bin/switchboard", URL: "http://127.0.0.1:7411/mcp"}); err != nil {
				t.Fatal(err)
			}

			u, err := c.Undo(f, path)
			if err != nil {
				t.Fatal(err)
			}
			if !u.Restored {
				t.Fatalf("undo did not restore: %+v", u)
			}
			back, _ := os.ReadFile(path)
			if !bytes.Equal(back, orig) {
				t.Fatalf("undo did not restore the original byte for byte:\n%s", back)
			}
			if _, err := c.Undo(f, path); err == nil || !strings.Contains(err.Error(), "no record") {
				t.Errorf("a second undo: %v", err)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConnectCreatesAMissingFileAndUndoRemovesIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".cursor", "mcp.json")
	c := &Connector{Dir: filepath.Join(dir, "clients")}
	res, err := c.Connect(ConnectOptions{Client: Cursor, Path: path, URL: "http://127.0.0.1:7410/mcp"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Backup != "" {
		t.Fatalf("%+v", res)
	}
	got, _ := os.ReadFile(path)
	want := "{\n  \"mcpServers\": {\n    \"switchboard\": {\n      \"url\": \"http://127.0.0.1:7410/mcp\"\n    }\n  }\n}\n"
	if string(got) != want {
		t.Fatalf("got\n%s", got)
	}
	if _, err := c.Undo(Cursor, path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("undo left the file it had created: %v", err)
	}
}

func TestUndoAfterAHandEditTakesOutOnlyOurEntry(t *testing.T) {
	for _, f := range clientFormats {
		t.Run(string(f), func(t *testing.T) {
			orig := readTestdata(t, string(f)+"/original.json")
			dir := t.TempDir()
			path := filepath.Join(dir, "mcp.json")
			_ = os.WriteFile(path, orig, 0o600)
			c := &Connector{Dir: filepath.Join(dir, "clients")}
			if _, err := c.Connect(ConnectOptions{Client: f, Path: path, Command: "/bin/switchboard", URL: "http://127.0.0.1:7410/mcp"}); err != nil {
				t.Fatal(err)
			}
			// The person adds a key of their own after connecting.
			cur, _ := os.ReadFile(path)
			edited := bytes.Replace(cur, []byte("{"), []byte("{\n  \"addedLater\": 1,"), 1)
			_ = os.WriteFile(path, edited, 0o600)
			u, err := c.Undo(f, path)
			if err != nil {
				t.Fatal(err)
			}
			if u.Restored || !u.Removed || !strings.Contains(u.Message, "edited since") {
				t.Fatalf("%+v", u)
			}
			got, _ := os.ReadFile(path)
			want := bytes.Replace(orig, []byte("{"), []byte("{\n  \"addedLater\": 1,"), 1)
			if !bytes.Equal(got, want) {
				t.Fatalf("undo after an edit:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestConnectKeepsAByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "claude_desktop_config.json")
	orig := append([]byte("\xef\xbb\xbf"), readTestdata(t, "claude-desktop/original.json")...)
	_ = os.WriteFile(path, orig, 0o600)
	c := &Connector{Dir: filepath.Join(dir, "clients")}
	if _, err := c.Connect(ConnectOptions{Client: ClaudeDesktop, Path: path, Command: "/opt/switchboard/bin/switchboard"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := append([]byte("\xef\xbb\xbf"), readTestdata(t, "claude-desktop/connected.json")...)
	if !bytes.Equal(got, want) {
		t.Fatalf("got\n%q", got)
	}
	if p, err := Parse(got, path, ""); err != nil || len(p.Servers) != 4 {
		t.Fatalf("a file with a BOM does not import: %v", err)
	}
	if _, err := c.Undo(ClaudeDesktop, path); err != nil {
		t.Fatal(err)
	}
	if back, _ := os.ReadFile(path); !bytes.Equal(back, orig) {
		t.Fatal("undo lost the byte order mark")
	}
	// An edit after connect: undo takes out only the entry, BOM kept.
	if _, err := c.Connect(ConnectOptions{Client: ClaudeDesktop, Path: path, Command: "/opt/switchboard/bin/switchboard"}); err != nil {
		t.Fatal(err)
	}
	cur, _ := os.ReadFile(path)
	_ = os.WriteFile(path, append(cur, '\n'), 0o600)
	if u, err := c.Undo(ClaudeDesktop, path); err != nil || u.Restored {
		t.Fatalf("%+v %v", u, err)
	}
	if back, _ := os.ReadFile(path); !bytes.Equal(back, append(bytes.Clone(orig), '\n')) {
		t.Fatalf("undo after an edit:\n%q", back)
	}
	if _, err := c.Connect(ConnectOptions{Client: VSCode, Path: filepath.Join(dir, "settings.json"), URL: "http://x/mcp"}); err == nil || !strings.Contains(err.Error(), "mcp.json") {
		t.Fatalf("settings.json: %v", err)
	}
}

func TestConnectKeepsWindowsLineEndings(t *testing.T) {
	for _, f := range clientFormats {
		crlf := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }
		orig := crlf(readTestdata(t, string(f)+"/original.json"))
		dir := t.TempDir()
		path := filepath.Join(dir, "mcp.json")
		_ = os.WriteFile(path, orig, 0o600)
		c := &Connector{Dir: filepath.Join(dir, "clients")}
		if _, err := c.Connect(ConnectOptions{Client: f, Path: path, Command: "/opt/switchboard/bin/switchboard", URL: "http://127.0.0.1:7410/mcp"}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if want := crlf(readTestdata(t, string(f)+"/connected.json")); !bytes.Equal(got, want) {
			t.Fatalf("%s: got\n%q", f, got)
		}
		if _, err := c.Undo(f, path); err != nil {
			t.Fatal(err)
		}
		if back, _ := os.ReadFile(path); !bytes.Equal(back, orig) {
			t.Fatalf("%s: undo", f)
		}
	}
}

func TestConnectRefusesABrokenFileAndChangesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "claude_desktop_config.json")
	broken := []byte("{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"\n  }\n")
	_ = os.WriteFile(path, broken, 0o600)
	c := &Connector{Dir: filepath.Join(dir, "clients")}
	_, err := c.Connect(ConnectOptions{Client: ClaudeDesktop, Path: path, Command: "/bin/switchboard"})
	if err == nil || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), "line") {
		t.Fatalf("want a refusal naming the line, got %v", err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, broken) {
		t.Fatal("the broken file was changed")
	}
	if _, err := c.Connect(ConnectOptions{Client: Cursor, Path: "relative/mcp.json", URL: "http://x/mcp"}); err == nil || !strings.HasPrefix(err.Error(), "path:") {
		t.Fatalf("a relative path: %v", err)
	}
	if _, err := c.Connect(ConnectOptions{Client: Cursor, Path: "/home/me/.bashrc", URL: "http://x/mcp"}); err == nil || !strings.Contains(err.Error(), ".json") {
		t.Fatalf("a file that is not JSON by name: %v", err)
	}
	if _, err := c.Undo(ClaudeDesktop, path); err == nil {
		t.Fatal("undo without a connect succeeded")
	}
}

func TestPatcherKeepsEveryStyle(t *testing.T) {
	entry := map[string]any{"url": "http://127.0.0.1:7410/mcp"}
	cases := []struct{ name, in, want string }{
		{"empty object", `{}`, "{\n  \"mcpServers\": {\n    \"switchboard\": {\n      \"url\": \"http://127.0.0.1:7410/mcp\"\n    }\n  }\n}"},
		{"empty servers", "{\n  \"mcpServers\": {}\n}\n", "{\n  \"mcpServers\": {\n    \"switchboard\": {\n      \"url\": \"http://127.0.0.1:7410/mcp\"\n    }\n  }\n}\n"},
		{"one line", `{"mcpServers": {"a": {"command": "x"}}}`, `{"mcpServers": {"a": {"command": "x"}, "switchboard": {"url":"http://127.0.0.1:7410/mcp"}}}`},
		{"comment inside empty", "{\n  \"mcpServers\": {\n    // none yet\n  }\n}", "{\n  \"mcpServers\": {\n    // none yet\n    \"switchboard\": {\n      \"url\": \"http://127.0.0.1:7410/mcp\"\n    }\n  }\n}"},
		{"trailing comment after last", "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"} // mine\n  }\n}", "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"}, // mine\n    \"switchboard\": {\n      \"url\": \"http://127.0.0.1:7410/mcp\"\n    }\n  }\n}"},
		{"replace existing", "{\n  \"mcpServers\": {\n    \"switchboard\": {\"command\": \"old\"}, // keep this note\n    \"b\": {}\n  }\n}", "{\n  \"mcpServers\": {\n    \"switchboard\": {\n      \"url\": \"http://127.0.0.1:7410/mcp\"\n    }, // keep this note\n    \"b\": {}\n  }\n}"},
		{"no servers key", "{\n    \"theme\": \"dark\"\n}\n", "{\n    \"theme\": \"dark\",\n    \"mcpServers\": {\n        \"switchboard\": {\n            \"url\": \"http://127.0.0.1:7410/mcp\"\n        }\n    }\n}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := setEntry([]byte(tc.in), "mcpServers", EntryName, entry)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			if _, err := hujson.Parse(got); err != nil {
				t.Fatalf("result is not JSONC: %v", err)
			}
			if tc.name == "replace existing" {
				return
			}
			back, found, err := removeEntry(got, "mcpServers", EntryName)
			if err != nil || !found {
				t.Fatalf("remove: %v %v", found, err)
			}
			if _, err := hujson.Parse(back); err != nil {
				t.Fatalf("after remove, not JSONC: %v\n%s", err, back)
			}
		})
	}
}

// currentConfig is the Switchboard config imports are compared with: one
// server the same as Claude Desktop's, one that differs.
func currentConfig() *config.Config {
	return &config.Config{Servers: map[string]*config.Server{
		"filesystem": {Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/Users/alice/Desktop", "/Users/alice/Downloads"}, Tags: []string{"files"}},
		"github":     {Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-github"}, Env: map[string]string{"GITHUB_PERSONAL_ACCESS_TOKEN": "${keyring:GITHUB_TOKEN}"}},
	}}
}

func TestImportGolden(t *testing.T) {
	for _, f := range append(clientFormats, Generic) {
		t.Run(string(f), func(t *testing.T) {
			data := readTestdata(t, string(f)+"/original.json")
			p, err := Parse(data, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Format != f {
				t.Fatalf("detected %s (%s), want %s", p.Format, p.Detected, f)
			}
			plan := MakePlan(currentConfig(), p, PlanOptions{Listen: "127.0.0.1:7410"})
			for i := range plan.Changes {
				plan.Changes[i].Server = plan.Changes[i].Server.Redacted()
			}
			out, err := marshalIndent(plan)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(out, []byte("ghp_16C7e42F")) {
				t.Fatal("the preview shows a secret")
			}
			golden(t, string(f)+"/import.json", out)

			// Applying changes the config as the plan says, and nothing else.
			cfg := currentConfig()
			names, err := plan.Apply(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(names) != plan.Summary.Add+plan.Summary.Update {
				t.Fatalf("applied %v, plan %+v", names, plan.Summary)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("the applied config does not validate: %v", err)
			}
			if !cfg.Servers["github"].Equal(currentConfig().Servers["github"]) {
				t.Fatal("a conflicting server was changed without replace")
			}
		})
	}
}

func TestImportAfterConnectSkipsSwitchboardItself(t *testing.T) {
	data := readTestdata(t, "claude-desktop/connected.json")
	p, err := Parse(data, "claude_desktop_config.json", "")
	if err != nil {
		t.Fatal(err)
	}
	plan := MakePlan(&config.Config{}, p, PlanOptions{})
	for _, ch := range plan.Changes {
		if ch.Name == EntryName && ch.Action != ActionSkip {
			t.Fatalf("switchboard's own entry would be imported: %+v", ch)
		}
	}
	data = readTestdata(t, "cursor/connected.json")
	p, _ = Parse(data, "", Cursor)
	plan = MakePlan(&config.Config{}, p, PlanOptions{Listen: "127.0.0.1:7410"})
	if plan.Summary.Skip != 1 {
		t.Fatalf("want the endpoint skipped: %+v", plan.Summary)
	}
}

func TestImportReplaceAndChosenNames(t *testing.T) {
	p, err := Parse(readTestdata(t, "claude-desktop/original.json"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	plan := MakePlan(currentConfig(), p, PlanOptions{Replace: true, Names: []string{"github"}})
	if plan.Summary.Update != 1 || plan.Summary.Add != 0 || plan.Summary.Skip != 2 {
		t.Fatalf("%+v", plan.Summary)
	}
	cfg := currentConfig()
	if _, err := plan.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	gh := cfg.Servers["github"]
	if gh.Env["GITHUB_PERSONAL_ACCESS_TOKEN"] == "${keyring:GITHUB_TOKEN}" {
		t.Fatal("replace did not update the env")
	}
}

func TestImportReportsBadEntriesAndRefusesToApplyThem(t *testing.T) {
	data := []byte(`{"mcpServers": {"ok": {"command": "x"}, "badargs": {"command": "x", "args": "not a list"}, "neither": {"env": {}}}}`)
	p, err := Parse(data, "", "")
	if err != nil {
		t.Fatal(err)
	}
	plan := MakePlan(&config.Config{}, p, PlanOptions{})
	if plan.Summary.Invalid != 2 || plan.Summary.Add != 1 {
		t.Fatalf("%+v %+v", plan.Summary, plan.Changes)
	}
	for _, ch := range plan.Changes {
		if ch.Action == ActionInvalid && (len(ch.Problems) == 0 || !strings.Contains(ch.Problems[0].Path, ch.Name)) {
			t.Errorf("%s: problems do not name the entry: %+v", ch.Name, ch.Problems)
		}
	}
	cfg := &config.Config{}
	if _, err := plan.Apply(cfg); err == nil || len(cfg.Servers) != 0 {
		t.Fatalf("apply of a plan with invalid entries: %v, %v", err, cfg.Servers)
	}
	// Choosing only the good one applies it.
	plan = MakePlan(&config.Config{}, p, PlanOptions{Names: []string{"ok"}})
	if _, err := plan.Apply(cfg); err != nil || cfg.Servers["ok"] == nil {
		t.Fatalf("%v %v", err, cfg.Servers)
	}
	for _, bad := range []string{"", "[1]", "{\"other\": 1}", "{\"mcpServers\": [1]}"} {
		if _, err := Parse([]byte(bad), "", ""); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// exportServers cover what an export must handle: references of both
// kinds, a literal secret, a remote server with a header, SSE, Docker and a
// disabled server.
func exportServers() map[string]*config.Server {
	off := false
	return map[string]*config.Server{
		"github": {Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-github"},
			Env: map[string]string{"GITHUB_PERSONAL_ACCESS_TOKEN": "${keyring:GITHUB_TOKEN}"}, Tags: []string{"code"}, IdleTTLS: 600},
		"notes": {Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/home/alice/notes"}},
		"pay":   {Command: "npx", Args: []string{"-y", "@stripe/mcp", "--tools=all", "--api-key=sk_live_51H8abcdefghijklmnopqrstuv"}},
		"search": {Command: "npx", Args: []string{"-y", "tavily-mcp"},
			Env: map[string]string{"TAVILY_API_KEY": "tvly-literal-secret-value", "LOG": "${env:TAVILY_LOG}"}},
		"remote": {URL: "https://mcp.example.com/mcp", Headers: map[string]string{"Authorization": "Bearer ${env:REMOTE_TOKEN}"}},
		"legacy": {Type: "sse", URL: "https://mcp.linear.app/sse"},
		"boxed":  {Command: "uvx", Args: []string{"mcp-server-fetch"}, Isolation: "docker", Enabled: &off},
	}
}

func TestExportGolden(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			ex, err := Export(exportServers(), nil, f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(ex.Data, []byte("tvly-literal-secret-value")) || bytes.Contains(ex.Data, []byte("sk_live_51H8")) {
				t.Fatal("the export holds a secret")
			}
			golden(t, string(f)+"/export.json", ex.Data)
			warn, _ := marshalIndent(ex.Warnings)
			golden(t, string(f)+"/export-warnings.json", warn)

			// What is exported imports back in the same format as the same
			// servers (Claude Desktop changes remote servers into mcp-remote).
			p, err := Parse(ex.Data, "", f)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Servers) != len(exportServers()) {
				t.Fatalf("re-import found %d servers", len(p.Servers))
			}
			for _, im := range p.Servers {
				want := exportServers()[im.Name]
				if f == ClaudeDesktop && want.URL != "" {
					continue
				}
				if fields := clientFields(want, im.Server); len(fields) > 0 && !(im.Name == "search" && len(fields) == 1 && fields[0] == "env") && !(im.Name == "pay" && len(fields) == 1 && fields[0] == "args") {
					t.Errorf("%s: re-import differs in %v: %+v", im.Name, fields, im.Server)
				}
			}
		})
	}
	if _, err := Export(exportServers(), []string{"nosuch"}, Cursor); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("unknown name: %v", err)
	}
	ex, err := Export(exportServers(), []string{"notes"}, Cursor)
	if err != nil || len(ex.Servers) != 1 || strings.Contains(string(ex.Data), "github") {
		t.Fatalf("chosen servers: %v %s", err, ex.Data)
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		data, path string
		want       Format
	}{
		{`{"mcpServers": {"a": {"command": "x"}}}`, "/home/a/.config/Claude/claude_desktop_config.json", ClaudeDesktop},
		{`{"mcpServers": {"a": {"command": "x"}}}`, `C:\Users\a\.cursor\mcp.json`, Cursor},
		{`{"mcpServers": {"a": {"command": "x"}}}`, "/home/a/.claude.json", ClaudeCode},
		{`{"mcpServers": {"a": {"command": "x"}}}`, "", ClaudeDesktop},
		{`{"mcpServers": {"a": {"url": "https://x/mcp"}}}`, "", Cursor},
		{`{"mcpServers": {"a": {"serverUrl": "https://x/mcp"}}}`, "", Windsurf},
		{`{"mcpServers": {"a": {"command": "x", "idle_ttl_s": 5}}}`, "", Generic},
		{`{"numStartups": 1, "mcpServers": {}}`, "", ClaudeCode},
		{"{\n // c\n \"servers\": {},\n}", "", VSCode},
		{`{"mcp": {"servers": {}}}`, "settings.json", VSCode},
	}
	for _, tc := range cases {
		got, reason, err := Detect([]byte(tc.data), tc.path)
		if err != nil || got != tc.want || reason == "" {
			t.Errorf("%s at %q: got %s (%s), %v; want %s", tc.data, tc.path, got, reason, err, tc.want)
		}
	}
	if _, _, err := Detect([]byte(`{"name": "x"}`), ""); err == nil || !strings.Contains(err.Error(), "mcpServers") {
		t.Errorf("no servers: %v", err)
	}
}

func TestLocationsOnEveryPlatform(t *testing.T) {
	env := func(goos, home string, vars map[string]string) Env {
		return Env{GOOS: goos, Home: home, Getenv: func(k string) string { return vars[k] }}
	}
	cases := []struct {
		e    Env
		want map[Format]string
	}{
		{env("linux", "/home/al", nil), map[Format]string{
			ClaudeDesktop: "/home/al/.config/Claude/claude_desktop_config.json", Cursor: "/home/al/.cursor/mcp.json",
			VSCode: "/home/al/.config/Code/User/mcp.json", Windsurf: "/home/al/.codeium/windsurf/mcp_config.json", ClaudeCode: "/home/al/.claude.json"}},
		{env("linux", "/home/al", map[string]string{"XDG_CONFIG_HOME": "/xdg"}), map[Format]string{
			ClaudeDesktop: "/xdg/Claude/claude_desktop_config.json", VSCode: "/xdg/Code/User/mcp.json"}},
		{env("darwin", "/Users/al", nil), map[Format]string{
			ClaudeDesktop: "/Users/al/Library/Application Support/Claude/claude_desktop_config.json",
			VSCode:        "/Users/al/Library/Application Support/Code/User/mcp.json", Cursor: "/Users/al/.cursor/mcp.json"}},
		{env("windows", `C:\Users\al`, map[string]string{"APPDATA": `C:\Users\al\AppData\Roaming`}), map[Format]string{
			ClaudeDesktop: `C:\Users\al\AppData\Roaming\Claude\claude_desktop_config.json`,
			VSCode:        `C:\Users\al\AppData\Roaming\Code\User\mcp.json`, Cursor: `C:\Users\al\.cursor\mcp.json`,
			Windsurf: `C:\Users\al\.codeium\windsurf\mcp_config.json`, ClaudeCode: `C:\Users\al\.claude.json`}},
	}
	for _, tc := range cases {
		for f, want := range tc.want {
			if got, _ := defaultPath(tc.e, f); got != want {
				t.Errorf("%s %s: got %q, want %q", tc.e.GOOS, f, got, want)
			}
		}
	}
}

func TestParseFormatNames(t *testing.T) {
	for in, want := range map[string]Format{"claude": ClaudeDesktop, "Claude_Desktop": ClaudeDesktop, "vs-code": VSCode, "json": Generic, "claude-code": ClaudeCode} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("%q: %s %v", in, got, err)
		}
	}
	if _, err := ParseFormat("emacs"); err == nil || !strings.Contains(err.Error(), "claude-desktop, cursor") {
		t.Errorf("unknown: %v", err)
	}
	if _, err := ParseConnectClient("generic"); err == nil {
		t.Error("generic is not a client to connect")
	}
}
