package store

import (
	"testing"
	"time"
)

func TestSummaryCountsErrorsAndPercentiles(t *testing.T) {
	s := openTest(t, t.TempDir())
	base := time.Now().Add(-time.Hour)
	at := 0
	rec := func(server, tool, outcome string, ms float64) {
		at++
		s.Record(ActivityRecord{Time: base.Add(time.Duration(at) * time.Millisecond), Server: server, Tool: tool, Outcome: outcome, DurationMS: ms})
	}
	// fs.read: 1..100 ms, 10 errors; fs.write: 2 timeouts and one
	// cancelled call; git.log: 3 calls, one unavailable.
	for i := 1; i <= 100; i++ {
		outcome := OutcomeOK
		if i%10 == 0 {
			outcome = OutcomeError
		}
		rec("fs", "read", outcome, float64(i))
	}
	rec("fs", "write", OutcomeTimeout, 1000)
	rec("fs", "write", OutcomeTimeout, 1000)
	rec("fs", "write", OutcomeCancelled, 5)
	rec("git", "log", OutcomeOK, 7)
	rec("git", "log", OutcomeOK, 8)
	rec("git", "log", OutcomeUnavailable, 0)
	s.Flush()

	sum, err := s.SummarizeActivity(ActivityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count != 106 || sum.Errors != 13 || sum.ByStatus != (StatusCounts{OK: 92, Error: 10, Timeout: 2, Unavailable: 1, Cancelled: 1}) {
		t.Fatalf("totals: %+v", sum)
	}
	if len(sum.Servers) != 2 || sum.Servers[0].Server != "fs" || sum.Servers[0].Count != 103 || sum.Servers[0].Errors != 12 {
		t.Fatalf("servers: %+v", sum.Servers)
	}
	if len(sum.Tools) != 3 {
		t.Fatalf("tools: %+v", sum.Tools)
	}
	read := sum.Tools[0]
	if read.Tool != "read" || read.Count != 100 || read.Errors != 10 || read.ErrorRate != 0.1 || read.P50MS != 50 || read.P99MS != 99 {
		t.Fatalf("fs read: %+v", read)
	}
	for _, tl := range sum.Tools {
		if tl.Tool == "write" && (tl.Errors != 2 || tl.P99MS != 1000) {
			t.Fatalf("fs write: %+v (a cancelled call is not an error)", tl)
		}
		if tl.Tool == "log" && (tl.Server != "git" || tl.Errors != 1 || tl.P50MS != 7) {
			t.Fatalf("git log: %+v", tl)
		}
	}

	git, err := s.SummarizeActivity(ActivityFilter{Server: "git"})
	if err != nil || git.Count != 3 || len(git.Servers) != 1 || len(git.Tools) != 1 {
		t.Fatalf("server filter: %+v, %v", git, err)
	}
	recent, err := s.SummarizeActivity(ActivityFilter{Since: base.Add(101 * time.Millisecond)})
	if err != nil || recent.Count != 6 {
		t.Fatalf("since filter: %+v, %v; want the 6 calls after fs read", recent, err)
	}
	empty, err := s.SummarizeActivity(ActivityFilter{Server: "none"})
	if err != nil || empty.Count != 0 || empty.Servers == nil || empty.Tools == nil {
		t.Fatalf("empty summary: %+v, %v (lists must be empty, not null)", empty, err)
	}
}
