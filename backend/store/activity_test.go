package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestFlushMakesRecordsVisibleAndTheySurviveReopen(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)

	id := NewActivityID(time.Now())
	s.Record(ActivityRecord{
		ID: id, Time: time.Now(), SessionID: "sess-1", Client: "cursor",
		Server: "fs", Tool: "read_file", Arguments: json.RawMessage(`{"path":"/tmp/a.txt"}`),
		DurationMS: 12.5, Outcome: OutcomeOK,
	})
	s.Record(ActivityRecord{Server: "fs", Tool: "write_file", Outcome: OutcomeError, Error: "permission denied"})
	s.Flush()

	got, err := s.GetActivity(id)
	if err != nil {
		t.Fatalf("GetActivity after Flush: %v", err)
	}
	if got.Tool != "read_file" || got.SessionID != "sess-1" || got.Client != "cursor" ||
		got.DurationMS != 12.5 || string(got.Arguments) != `{"path":"/tmp/a.txt"}` {
		t.Fatalf("record read back wrong: %+v", got)
	}
	list, _, err := s.ListActivity(ActivityFilter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListActivity = %d records, %v; want 2", len(list), err)
	}
	if list[1].ID == "" || list[1].Time.IsZero() {
		t.Fatalf("record without id/time did not get them: %+v", list[1])
	}

	// Records queued but not flushed are written by Close.
	s.Record(ActivityRecord{Server: "fs", Tool: "list_dir", Outcome: OutcomeOK})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir)
	list, _, err = s.ListActivity(ActivityFilter{})
	if err != nil || len(list) != 3 {
		t.Fatalf("after reopen: %d records, %v; want 3", len(list), err)
	}
	if list[0].Tool != "list_dir" {
		t.Fatalf("newest record after reopen is %q, want list_dir", list[0].Tool)
	}
	if _, err := s.GetActivity(id); err != nil {
		t.Fatalf("GetActivity after reopen: %v", err)
	}
	if _, err := s.GetActivity(NewActivityID(time.Now())); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetActivity of unknown id: %v, want ErrNotFound", err)
	}
	if _, err := s.GetActivity("nonsense"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetActivity of malformed id: %v, want ErrNotFound", err)
	}
}

func TestListActivityFiltersAndPages(t *testing.T) {
	s := openTest(t, t.TempDir())
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	servers := []string{"fs", "github", "memory"}
	outcomes := []string{OutcomeOK, OutcomeOK, OutcomeError, OutcomeTimeout}
	const n = 250
	// Enqueued oldest last: order must come from Time, not arrival.
	for i := n - 1; i >= 0; i-- {
		s.Record(ActivityRecord{
			Time:      base.Add(time.Duration(i) * time.Second),
			SessionID: fmt.Sprintf("sess-%d", i%2),
			Server:    servers[i%3],
			Tool:      fmt.Sprintf("tool%d", i%5),
			Outcome:   outcomes[i%4],
			// An argument named like a field must not fool the filter.
			Arguments: json.RawMessage(`{"server":"fs","tool":"tool0"}`),
		})
	}
	s.Flush()

	// Paging newest first with the default limit.
	var all []ActivityRecord
	cursor := ""
	pages := 0
	for {
		page, next, err := s.ListActivity(ActivityFilter{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if pages != 3 || len(all) != n {
		t.Fatalf("paged %d records in %d pages, want %d in 3", len(all), pages, n)
	}
	for i := range all {
		want := base.Add(time.Duration(n-1-i) * time.Second)
		if !all[i].Time.Equal(want) {
			t.Fatalf("record %d has time %v, want %v (newest first, no gaps or repeats)", i, all[i].Time, want)
		}
	}

	// An exact last page has no cursor.
	page, next, _ := s.ListActivity(ActivityFilter{Limit: n})
	if len(page) != n || next != "" {
		t.Fatalf("Limit=%d: %d records, cursor %q; want all and no cursor", n, len(page), next)
	}

	count := func(f ActivityFilter, check func(ActivityRecord) bool) int {
		t.Helper()
		f.Limit = 1000
		recs, _, err := s.ListActivity(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if !check(r) {
				t.Fatalf("filter %+v returned %+v", f, r)
			}
		}
		return len(recs)
	}
	want := func(pred func(i int) bool) int {
		c := 0
		for i := 0; i < n; i++ {
			if pred(i) {
				c++
			}
		}
		return c
	}

	if got, w := count(ActivityFilter{Server: "github"}, func(r ActivityRecord) bool { return r.Server == "github" }),
		want(func(i int) bool { return i%3 == 1 }); got != w {
		t.Errorf("Server filter: %d records, want %d", got, w)
	}
	if got, w := count(ActivityFilter{Server: "fs", Tool: "tool0"}, func(r ActivityRecord) bool { return r.Server == "fs" && r.Tool == "tool0" }),
		want(func(i int) bool { return i%3 == 0 && i%5 == 0 }); got != w {
		t.Errorf("Server+Tool filter: %d records, want %d", got, w)
	}
	if got, w := count(ActivityFilter{SessionID: "sess-1", Outcome: OutcomeError}, func(r ActivityRecord) bool { return r.SessionID == "sess-1" && r.Outcome == OutcomeError }),
		want(func(i int) bool { return i%2 == 1 && i%4 == 2 }); got != w {
		t.Errorf("SessionID+Outcome filter: %d records, want %d (none: odd i is never 2 mod 4)", got, w)
	}
	if got, w := count(ActivityFilter{Outcome: OutcomeTimeout}, func(r ActivityRecord) bool { return r.Outcome == OutcomeTimeout }),
		want(func(i int) bool { return i%4 == 3 }); got != w {
		t.Errorf("Outcome filter: %d records, want %d", got, w)
	}

	since, until := base.Add(100*time.Second), base.Add(150*time.Second)
	inRange := func(r ActivityRecord) bool { return !r.Time.Before(since) && r.Time.Before(until) }
	if got := count(ActivityFilter{Since: since, Until: until}, inRange); got != 50 {
		t.Errorf("Since/Until: %d records, want 50", got)
	}

	// Filter and paging together: pages of 7 over the 'memory' server.
	total, cursor := 0, ""
	for {
		page, next, err := s.ListActivity(ActivityFilter{Server: "memory", Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			if r.Server != "memory" {
				t.Fatalf("paged filter returned server %q", r.Server)
			}
		}
		total += len(page)
		if next == "" {
			break
		}
		cursor = next
	}
	if w := want(func(i int) bool { return i%3 == 2 }); total != w {
		t.Errorf("paged Server filter: %d records, want %d", total, w)
	}

	if _, _, err := s.ListActivity(ActivityFilter{Cursor: "bogus"}); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}

func TestRecordedArgumentsAndErrorsAreRedacted(t *testing.T) {
	s := openTest(t, t.TempDir())
	id := NewActivityID(time.Now())
	s.Record(ActivityRecord{
		ID: id, Server: "github", Tool: "create_issue", Outcome: OutcomeError,
		Arguments: json.RawMessage(`{"title":"bug","api_key":"abc123"}`),
		Error:     "upstream said: invalid token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
	})
	s.Flush()
	r, err := s.GetActivity(id)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Arguments) != `{"title":"bug","api_key":"[REDACTED]"}` {
		t.Errorf("stored arguments = %s", r.Arguments)
	}
	if strings.Contains(r.Error, "ghp_") || !strings.Contains(r.Error, "[REDACTED]") {
		t.Errorf("stored error = %q", r.Error)
	}
}

func TestRetentionTTLRemovesRecords(t *testing.T) {
	s := openTest(t, t.TempDir())
	s.SetRetention(time.Second)
	id := NewActivityID(time.Now())
	s.Record(ActivityRecord{ID: id, Server: "fs", Tool: "read_file", Outcome: OutcomeOK})
	s.Flush()
	if _, err := s.GetActivity(id); err != nil {
		t.Fatalf("record with 1 s retention not visible right after Flush: %v", err)
	}
	time.Sleep(2100 * time.Millisecond)
	if _, err := s.GetActivity(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("record still there after its retention: err = %v", err)
	}
	if list, _, _ := s.ListActivity(ActivityFilter{}); len(list) != 0 {
		t.Fatalf("ListActivity still shows %d expired records", len(list))
	}
}

func TestShorterRetentionDeletesOlderRecords(t *testing.T) {
	s := openTest(t, t.TempDir())
	now := time.Now()
	s.Record(ActivityRecord{Time: now.Add(-3 * time.Hour), Server: "fs", Tool: "old", Outcome: OutcomeOK})
	s.Record(ActivityRecord{Time: now.Add(-time.Minute), Server: "fs", Tool: "recent", Outcome: OutcomeOK})
	s.Flush()
	s.SetRetention(time.Hour)
	list, _, err := s.ListActivity(ActivityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Tool != "recent" {
		t.Fatalf("after SetRetention(1h): %+v, want only the recent record", list)
	}
	if s.Retention() != time.Hour {
		t.Fatalf("Retention() = %v", s.Retention())
	}
}

func TestFullQueueDropsInsteadOfBlocking(t *testing.T) {
	s := openTest(t, t.TempDir())
	// Far more than the queue holds, faster than the writer drains it.
	const n = queueSize * 8
	for i := 0; i < n; i++ {
		s.Record(ActivityRecord{Server: "fs", Tool: "t", Outcome: OutcomeOK})
	}
	s.Flush()
	list, _, err := s.ListActivity(ActivityFilter{Limit: 1})
	if err != nil || len(list) != 1 {
		t.Fatalf("nothing written: %v", err)
	}
	stored := 0
	cursor := ""
	for {
		page, next, err := s.ListActivity(ActivityFilter{Limit: 1000, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		stored += len(page)
		if next == "" {
			break
		}
		cursor = next
	}
	if uint64(stored)+s.Dropped() != n {
		t.Fatalf("stored %d + dropped %d != recorded %d", stored, s.Dropped(), n)
	}
}

// BenchmarkRecord is the cost Record adds to a tool call. "queued" keeps
// the queue from filling (the normal case); "queue-full" is the drop path
// under a flood.
func BenchmarkRecord(b *testing.B) {
	r := ActivityRecord{
		Time: time.Now(), SessionID: "sess-1", Client: "claude-desktop", Server: "fs", Tool: "read_file",
		Arguments: json.RawMessage(`{"path":"/home/user/notes.txt"}`), DurationMS: 3.2, Outcome: OutcomeOK,
	}
	b.Run("queued", func(b *testing.B) {
		s := openTest(b, b.TempDir())
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if i%(queueSize/2) == 0 {
				b.StopTimer()
				s.Flush()
				b.StartTimer()
			}
			s.Record(r)
		}
		b.StopTimer()
		s.Flush()
		b.ReportMetric(float64(s.Dropped()), "dropped")
	})
	b.Run("queue-full", func(b *testing.B) {
		s := openTest(b, b.TempDir())
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.Record(r)
		}
		b.StopTimer()
		s.Flush()
	})
}
