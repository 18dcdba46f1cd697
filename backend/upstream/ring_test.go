package upstream

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var _ io.Writer = (*RingBuffer)(nil)

func TestRingBufferSplitsLinesAndKeepsPartial(t *testing.T) {
	r := NewRingBuffer(10, 100)
	fmt.Fprint(r, "first\nsecond\r\nhalf")
	if got := r.Lines(0); strings.Join(got, "|") != "first|second|half" || r.Len() != 3 {
		t.Fatalf("got %q (len %d)", got, r.Len())
	}
	fmt.Fprint(r, "-done\n")
	fmt.Fprint(r, "\n") // an empty line is a line
	if got := r.Lines(0); strings.Join(got, "|") != "first|second|half-done|" {
		t.Fatalf("got %q", got)
	}
	if got := r.Lines(2); strings.Join(got, "|") != "half-done|" {
		t.Fatalf("Lines(2) = %q", got)
	}
	if got := r.Lines(99); len(got) != 4 {
		t.Fatalf("Lines(99) = %q", got)
	}
}

func TestRingBufferKeepsOnlyTheLastLines(t *testing.T) {
	r := NewRingBuffer(3, 100)
	for i := range 100 {
		fmt.Fprintf(r, "line %d\n", i)
	}
	if got := r.Lines(0); strings.Join(got, "|") != "line 97|line 98|line 99" || r.Len() != 3 {
		t.Fatalf("got %q", got)
	}
}

func TestRingBufferTruncatesLongLines(t *testing.T) {
	r := NewRingBuffer(5, 10)
	fmt.Fprint(r, strings.Repeat("x", 50)+"\nshort\n")
	got := r.Lines(0)
	if len(got) != 2 || got[0] != "xxxxxxxxxx"+truncatedMark || got[1] != "short" {
		t.Fatalf("got %q", got)
	}
	// A cut never splits a character.
	fmt.Fprint(r, strings.Repeat("é", 10)+"\n") // 2 bytes each
	fmt.Fprint(r, "bad \xff bytes\n")
	got = r.Lines(2)
	if got[0] != "ééééé"+truncatedMark || !utf8.ValidString(got[1]) {
		t.Fatalf("got %q", got)
	}
	r2 := NewRingBuffer(5, 5)
	fmt.Fprint(r2, "abcdé\n")
	if got := r2.Lines(0); got[0] != "abcd"+truncatedMark {
		t.Fatalf("got %q", got)
	}
}

// A child flooding stderr, with or without newlines, cannot grow memory.
func TestRingBufferFloodStaysBounded(t *testing.T) {
	const maxLines, maxBytes = 100, 256
	r := NewRingBuffer(maxLines, maxBytes)
	chunk := bytes.Repeat([]byte("y"), 64*1024)
	for range 160 { // 10 MB without a newline
		r.Write(chunk)
	}
	if got := r.Lines(0); len(got) != 1 || len(got[0]) != maxBytes+len(truncatedMark) {
		t.Fatalf("one cut partial line expected, got %d lines", len(got))
	}
	if cap(r.partial) > 2*maxBytes {
		t.Fatalf("partial line holds %d bytes", cap(r.partial))
	}

	lines := bytes.Repeat([]byte(strings.Repeat("z", 1000)+"\n"), 1000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 10 { // 10 MB of long lines
		r.Write(lines)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	total := 0
	for _, l := range r.Lines(0) {
		total += len(l)
	}
	if r.Len() != maxLines || total > maxLines*(maxBytes+len(truncatedMark)) {
		t.Fatalf("%d lines, %d bytes kept", r.Len(), total)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 1<<20 {
		t.Fatalf("heap grew by %d bytes", grown)
	}
}

func TestRingBufferConcurrentWriters(t *testing.T) {
	r := NewRingBuffer(50, 100)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 500 {
				fmt.Fprintf(r, "writer %d line %d\n", w, i)
				if i%50 == 0 {
					r.Lines(10)
				}
			}
		})
	}
	wg.Wait()
	got := r.Lines(0)
	if len(got) != 50 {
		t.Fatalf("%d lines", len(got))
	}
	for _, l := range got {
		var w, i int
		if n, _ := fmt.Sscanf(l, "writer %d line %d", &w, &i); n != 2 {
			t.Fatalf("mangled line %q", l)
		}
	}
}

func TestRingBufferAsChildStderr(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs sh")
	}
	r := NewRingBuffer(10, 100)
	cmd := exec.Command("sh", "-c", `echo "error: cannot connect" >&2; printf "fatal: last words" >&2; exit 3`)
	cmd.Stderr = r
	if err := cmd.Run(); err == nil {
		t.Fatal("want exit status 3")
	}
	if got := r.Lines(0); strings.Join(got, "|") != "error: cannot connect|fatal: last words" {
		t.Fatalf("got %q", got)
	}
}
