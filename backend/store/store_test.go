package store

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir, quietLogger())
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSecondOpenOfSameDirFailsClearly(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)

	_, err := Open(dir, quietLogger())
	if err == nil {
		t.Fatal("second Open of the same folder succeeded; want an in-use error")
	}
	want := "store at " + dir + " is in use by another Switchboard process"
	if err.Error() != want {
		t.Fatalf("error = %q, want %q", err, want)
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("errors.Is(err, ErrLocked) = false for %v", err)
	}

	// Once the first one closes, the folder can be opened again.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, quietLogger())
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

func TestCloseTwice(t *testing.T) {
	s, err := Open(t.TempDir(), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Use after Close neither blocks nor panics.
	s.Record(ActivityRecord{Server: "s", Tool: "t"})
	s.Flush()
	if s.Dropped() != 1 {
		t.Fatalf("Dropped() = %d after recording on a closed store, want 1", s.Dropped())
	}
}

func TestJSONKV(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)

	type tool struct {
		Name string `json:"name"`
	}
	var got []tool
	if err := s.GetJSON("toolcache/fs", &got); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetJSON of a missing key: err = %v, want ErrNotFound", err)
	}
	want := []tool{{"read_file"}, {"write_file"}}
	if err := s.PutJSON("toolcache/fs", want); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJSON("", 1); err == nil {
		t.Fatal("PutJSON with an empty key succeeded")
	}

	// Survives a restart.
	s.Close()
	s = openTest(t, dir)
	if err := s.GetJSON("toolcache/fs", &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("GetJSON = %+v, want %+v", got, want)
	}

	if err := s.DeleteKey("toolcache/fs"); err != nil {
		t.Fatal(err)
	}
	if err := s.GetJSON("toolcache/fs", &got); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetJSON after DeleteKey: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteKey("never-set"); err != nil {
		t.Fatalf("DeleteKey of a missing key: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for badger's background goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBadgerLogsGoToOurLoggerQuietly(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := Open(t.TempDir(), logger)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	out := buf.String()
	if !strings.Contains(out, "source=badger") {
		t.Fatalf("no badger lines reached our logger:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "source=badger") && !strings.Contains(line, "level=DEBUG") {
			t.Errorf("badger routine line above debug level: %s", line)
		}
	}
}
