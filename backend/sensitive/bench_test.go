package sensitive

import (
	"encoding/json"
	"fmt"
	"testing"
)

// result4K builds a tools/call result of about 4 KB shaped like a GitHub
// list_issues answer: the issues as JSON text in a content block, and again
// as structured content.
func result4K(tb testing.TB, extra string) []byte {
	type issue struct {
		Number    int      `json:"number"`
		Title     string   `json:"title"`
		State     string   `json:"state"`
		User      string   `json:"user"`
		Labels    []string `json:"labels"`
		CreatedAt string   `json:"created_at"`
		Body      string   `json:"body"`
		URL       string   `json:"html_url"`
		SHA       string   `json:"merge_commit_sha"`
	}
	var issues []issue
	for i := range 6 {
		issues = append(issues, issue{
			Number: 1200 + i, Title: fmt.Sprintf("Tool list is empty after reconnect (#%d)", i), State: "open", User: "octocat",
			Labels: []string{"bug", "gateway"}, CreatedAt: "2026-11-02T10:15:00Z",
			Body: "After the upstream restarts, tools/list returns an empty array until the client reconnects. Steps: start the server, kill it, wait for the restart.",
			URL:  fmt.Sprintf("https://github.com/acme/switchboard/issues/%d", 1200+i), SHA: "3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
		})
	}
	issues[0].Body += extra
	text, _ := json.Marshal(issues)
	doc, err := json.Marshal(map[string]any{
		"content":           []any{map[string]any{"type": "text", "text": string(text)}},
		"structuredContent": map[string]any{"issues": issues[:2], "total": 6},
		"isError":           false,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func BenchmarkScan4KB(b *testing.B) {
	doc := result4K(b, "")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if fs := Scan(doc); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}

func BenchmarkScan4KBWithSecrets(b *testing.B) {
	doc := result4K(b, " token "+githubToken+" card 4111 1111 1111 1111")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if fs := Scan(doc); len(fs) != 4 {
			b.Fatal(fs)
		}
	}
}

func TestBenchmarkDocument(t *testing.T) {
	if n := len(result4K(t, "")); n < 3500 || n > 5000 {
		t.Fatalf("document is %d bytes, want about 4 KB", n)
	}
}
