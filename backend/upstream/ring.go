package upstream

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Defaults for NewRingBuffer when given sizes <= 0.
const (
	DefaultRingLines     = 500
	DefaultRingLineBytes = 4096
)

// truncatedMark ends a line that was cut at maxLineBytes.
const truncatedMark = " …[truncated]"

// RingBuffer keeps the last lines written to it, typically a child's
// stderr. Memory stays bounded by maxLines × maxLineBytes however much the
// child writes, with or without newlines. It is safe for concurrent use.
type RingBuffer struct {
	mu           sync.Mutex
	maxLines     int
	maxLineBytes int
	lines        []string // ring storage, len == maxLines once full
	next         int      // slot the next line goes to, once full
	partial      []byte   // the unfinished last line, at most maxLineBytes
	cut          bool     // partial lost bytes beyond maxLineBytes
	followers    map[chan string]struct{}
}

// NewRingBuffer returns a buffer for maxLines lines of at most maxLineBytes
// bytes each (longer lines are cut and marked).
func NewRingBuffer(maxLines, maxLineBytes int) *RingBuffer {
	if maxLines <= 0 {
		maxLines = DefaultRingLines
	}
	if maxLineBytes <= 0 {
		maxLineBytes = DefaultRingLineBytes
	}
	return &RingBuffer{maxLines: maxLines, maxLineBytes: maxLineBytes}
}

// Write splits p into lines. It never fails and never blocks on a reader,
// so the child's pipe is always drained.
func (r *RingBuffer) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := indexNewline(p)
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := r.maxLineBytes - len(r.partial); room < len(chunk) {
			r.partial = append(r.partial, chunk[:max(room, 0)]...)
			r.cut = true
		} else {
			r.partial = append(r.partial, chunk...)
		}
		if i < 0 {
			break
		}
		r.push(r.finish())
		p = p[i+1:]
	}
	return n, nil
}

func indexNewline(p []byte) int {
	for i, b := range p {
		if b == '\n' {
			return i
		}
	}
	return -1
}

// finish turns the pending bytes into a line and resets them.
func (r *RingBuffer) finish() string {
	s := render(r.partial, r.cut)
	r.partial = r.partial[:0]
	r.cut = false
	if cap(r.partial) > r.maxLineBytes {
		r.partial = nil // a cut line may have grown the backing array
	}
	return s
}

// render makes a line printable: no trailing CR, valid UTF-8 (a cut may
// split a character; a child may print binary), and a mark when cut.
func render(b []byte, cut bool) string {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if cut {
		for len(b) > 0 && !utf8.FullRune(b[lastRuneStart(b):]) {
			b = b[:lastRuneStart(b)]
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if cut {
		s += truncatedMark
	}
	return s
}

func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return len(b) - 1
}

func (r *RingBuffer) push(line string) {
	for c := range r.followers {
		select {
		case c <- line:
		default:
			// The writer is the child's stderr pipe: it must never wait for a
			// reader, so one that fell behind is let go.
			delete(r.followers, c)
			close(c)
		}
	}
	if len(r.lines) < r.maxLines {
		r.lines = append(r.lines, line)
		return
	}
	r.lines[r.next] = line
	r.next = (r.next + 1) % r.maxLines
}

// Follow returns the last n complete lines (none when n is 0, all kept when
// n < 0), oldest first, and a channel that then receives every line
// completed after them, in order: nothing is lost or repeated between the
// two. An unfinished line arrives once its newline does. The channel holds
// up to buffer lines; a follower that lets it fill is dropped, its channel
// closed without stop being called, so the writer never waits. stop ends
// the follow and closes the channel; calling it again does nothing.
func (r *RingBuffer) Follow(n, buffer int) (last []string, lines <-chan string, stop func()) {
	if buffer <= 0 {
		buffer = 256
	}
	c := make(chan string, buffer)
	r.mu.Lock()
	defer r.mu.Unlock()
	if n != 0 {
		last = append(slices.Clone(r.lines[r.next:]), r.lines[:r.next]...)
		if n > 0 && n < len(last) {
			last = last[len(last)-n:]
		}
	}
	if r.followers == nil {
		r.followers = map[chan string]struct{}{}
	}
	r.followers[c] = struct{}{}
	return last, c, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := r.followers[c]; ok {
			delete(r.followers, c)
			close(c)
		}
	}
}

// Followers counts the open follows.
func (r *RingBuffer) Followers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.followers)
}

// Lines returns the last n lines, oldest first; n <= 0 returns all. An
// unfinished last line (no newline yet) is included, so the final words of
// a crashing child are not lost.
func (r *RingBuffer) Lines(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := make([]string, 0, len(r.lines)+1)
	all = append(all, r.lines[r.next:]...)
	all = append(all, r.lines[:r.next]...)
	if len(r.partial) > 0 || r.cut {
		all = append(all, render(r.partial, r.cut))
	}
	if n > 0 && n < len(all) {
		all = all[len(all)-n:]
	}
	return all
}

// Len is the number of lines Lines(0) would return.
func (r *RingBuffer) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.lines)
	if len(r.partial) > 0 || r.cut {
		n++
	}
	return n
}
