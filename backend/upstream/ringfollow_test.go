package upstream

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestRingFollowSendsLastLinesThenNewOnes(t *testing.T) {
	r := NewRingBuffer(10, 100)
	fmt.Fprint(r, "one\ntwo\nthree\nhal")
	last, lines, stop := r.Follow(2, 10)
	defer stop()
	// The unfinished line is not history: it arrives whole once ended.
	if strings.Join(last, "|") != "two|three" {
		t.Fatalf("last %q", last)
	}
	fmt.Fprint(r, "f\nfour\n")
	if a, b := <-lines, <-lines; a != "half" || b != "four" {
		t.Fatalf("got %q %q", a, b)
	}

	none, _, stopNone := r.Follow(0, 1)
	all, _, stopAll := r.Follow(-1, 1)
	stopNone()
	stopAll()
	if len(none) != 0 || strings.Join(all, "|") != "one|two|three|half|four" {
		t.Fatalf("Follow(0) %q, Follow(-1) %q", none, all)
	}
}

// Lines written while a follow starts are either in its history or on its
// channel, exactly once.
func TestRingFollowLosesNothingWhileWritten(t *testing.T) {
	r := NewRingBuffer(1000, 100)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 500 {
			fmt.Fprintf(r, "%d\n", i)
		}
	})
	last, lines, stop := r.Follow(-1, 1000)
	wg.Wait()
	stop()
	got := last
	for l := range lines {
		got = append(got, l)
	}
	if len(got) != 500 {
		t.Fatalf("%d lines", len(got))
	}
	for i, l := range got {
		if l != fmt.Sprint(i) {
			t.Fatalf("line %d is %q", i, l)
		}
	}
}

func TestRingFollowDropsASlowReader(t *testing.T) {
	r := NewRingBuffer(10, 100)
	_, slow, stopSlow := r.Follow(0, 3)
	_, fast, stopFast := r.Follow(0, 100)
	// Nobody reads slow: the writer goes on regardless.
	for i := range 20 {
		fmt.Fprintf(r, "line %d\n", i)
	}
	var got []string
	for l := range slow { // closed by the buffer, not by stop
		got = append(got, l)
	}
	if strings.Join(got, "|") != "line 0|line 1|line 2" {
		t.Fatalf("slow got %q", got)
	}
	if r.Followers() != 1 {
		t.Fatalf("%d followers", r.Followers())
	}
	stopSlow() // harmless after the drop
	stopFast()
	stopFast()
	n := 0
	for range fast {
		n++
	}
	if n != 20 || r.Followers() != 0 {
		t.Fatalf("fast got %d lines; %d followers left", n, r.Followers())
	}
	// Writing with nobody following still works.
	fmt.Fprint(r, "after\n")
	if l := r.Lines(1); l[0] != "after" {
		t.Fatalf("got %q", l)
	}
}
