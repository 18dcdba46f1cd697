package poisoning

import "testing"

// BenchmarkScan checks one tool against the tools of every other server in
// the clean corpus, as at the discovery of a server.
func BenchmarkScan(b *testing.B) {
	clean := loadCorpus(b, "testdata/clean.jsonl")
	approved := tools(clean)
	tool := clean[0].Tool
	b.ReportAllocs()
	for b.Loop() {
		Scan(tool, approved)
	}
}
