package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestABurstOf10000RecordsIsStoredWhole(t *testing.T) {
	s := openTest(t, t.TempDir())
	const n = 10000
	for i := 0; i < n; i++ {
		s.Record(ActivityRecord{Server: "fs", Tool: fmt.Sprintf("t%d", i%7), Outcome: OutcomeOK})
	}
	s.Flush()
	if s.Dropped() != 0 {
		t.Fatalf("%d of %d records were dropped", s.Dropped(), n)
	}
	seen := map[string]bool{}
	var last time.Time
	err := s.EachActivity(ActivityFilter{}, func(r *ActivityRecord) error {
		if seen[r.ID] {
			return fmt.Errorf("record %s twice", r.ID)
		}
		if !last.IsZero() && r.Time.After(last) {
			return fmt.Errorf("record %s is newer than the one before it", r.ID)
		}
		seen[r.ID], last = true, r.Time
		return nil
	})
	if err != nil || len(seen) != n {
		t.Fatalf("EachActivity saw %d records (%v), want %d", len(seen), err, n)
	}
}

func TestEachActivityFiltersAndStops(t *testing.T) {
	s := openTest(t, t.TempDir())
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 600; i++ {
		s.Record(ActivityRecord{Time: base.Add(time.Duration(i) * time.Millisecond), Server: []string{"a", "b"}[i%2], Tool: "t", Outcome: OutcomeOK})
	}
	s.Flush()

	count := 0
	if err := s.EachActivity(ActivityFilter{Server: "b", Limit: 3}, func(r *ActivityRecord) error {
		if r.Server != "b" {
			return fmt.Errorf("server %q passed the filter", r.Server)
		}
		count++
		return nil
	}); err != nil || count != 300 {
		t.Fatalf("filtered iteration: %d records, %v; want 300 (Limit is ignored)", count, err)
	}

	count = 0
	if err := s.EachActivity(ActivityFilter{}, func(*ActivityRecord) error {
		count++
		if count == 10 {
			return ErrStop
		}
		return nil
	}); err != nil || count != 10 {
		t.Fatalf("ErrStop: %d records, %v; want 10 and no error", count, err)
	}

	boom := errors.New("client went away")
	if err := s.EachActivity(ActivityFilter{}, func(*ActivityRecord) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("the callback's error was not returned: %v", err)
	}
}
