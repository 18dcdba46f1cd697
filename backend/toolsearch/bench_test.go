package toolsearch_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/backend/toolsearch"
)

// fleet makes about n tools from the labelled set: copies of its servers
// under other names, as a user with many servers would have.
func fleet(tb testing.TB, n int) map[string][]toolsearch.Doc {
	docs, _ := loadLabelled(tb)
	by := map[string][]toolsearch.Doc{}
	for copyN := 0; len(by) == 0 || count(by) < n; copyN++ {
		for _, d := range docs {
			if count(by) >= n {
				break
			}
			d.Server = fmt.Sprintf("%s-%d", d.Server, copyN)
			d.ID = d.Server + "/" + d.Name
			by[d.Server] = append(by[d.Server], d)
		}
	}
	return by
}

func count(by map[string][]toolsearch.Doc) int {
	n := 0
	for _, d := range by {
		n += len(d)
	}
	return n
}

func index(by map[string][]toolsearch.Doc) *toolsearch.Index {
	x := toolsearch.NewIndex()
	for s, d := range by {
		x.Set(s, d)
	}
	return x
}

// BenchmarkRetrieve10k is one retrieve_tools search (limit 10) over 10,000
// tools, cycling through the labelled queries; it reports the median and
// the 99th percentile of single searches.
func BenchmarkRetrieve10k(b *testing.B) {
	_, queries := loadLabelled(b)
	x := index(fleet(b, 10000))
	x.Search("warm up", 10)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		x.Search(queries[i%len(queries)].Query, 10)
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkBuild10k indexes 10,000 tools from nothing and makes the index
// searchable: the cost at start-up, or when every server changes at once.
func BenchmarkBuild10k(b *testing.B) {
	by := fleet(b, 10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := index(by)
		x.Search("list files", 1)
	}
}

// BenchmarkUpdateOneServer10k is the cost of a tool list change: one
// server of a 10,000-tool index lists a new tool, and the next search
// sees it.
func BenchmarkUpdateOneServer10k(b *testing.B) {
	by := fleet(b, 10000)
	x := index(by)
	x.Search("list files", 1)
	server := "github-0"
	base := by[server]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		docs := append(slices.Clone(base), toolsearch.Doc{ID: fmt.Sprintf("new-%d", i), Name: fmt.Sprintf("tool_%d", i),
			Description: "A tool added at run time.", Server: server})
		x.Set(server, docs)
		x.Search("list files", 1)
	}
}

func TestFleetSize(t *testing.T) {
	if n := count(fleet(t, 10000)); n != 10000 {
		t.Fatalf("fleet has %d tools", n)
	}
}
