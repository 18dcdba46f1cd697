// Package events is Switchboard's one event bus. Every event gets the next
// id, so a subscriber that reconnects can ask for what it missed; the last
// events are kept in a ring for that. Publishing never waits: a subscriber
// whose buffer is full is dropped and told so.
package events

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Event types.
const (
	ServerState     = "server.state"      // data: state, last_error, restarts
	ServerAdded     = "server.added"      // a server came into the config
	ServerRemoved   = "server.removed"    // a server left the config
	ServerUpdated   = "server.updated"    // a server's config changed
	ConfigReloaded  = "config.reloaded"   // data: added, removed, changed
	ConfigRejected  = "config.rejected"   // data: error
	ToolsChanged    = "tools.changed"     // the tool index changed; data: count
	ToolCallStarted = "tool_call.started" // data: server, tool, session
	ToolCallEnded   = "tool_call.ended"   // data: outcome, duration_ms, error
	SessionStarted  = "session.started"
	SessionEnded    = "session.ended"
	Quarantine      = "quarantine"         // a quarantine decision
	Policy          = "policy"             // a policy decision
	Security        = "security"           // a security event: data is the record, with its level
	UpdateAvailable = "update.available"   // data: version, url
	DiscoveryFound  = "discovery.pending"  // a discovery source found servers to approve or remove; data: source, entries
	DiscoveryScan   = "discovery.scanned"  // a discovery source was scanned; data: source, found, problems, error
	GroupState      = "group.state"        // a group's state changed; data: group, state, previous
	GroupBreaker    = "group.breaker"      // a group member's breaker changed; data: group, server, state, previous
	Dropped         = "subscriber.dropped" // sent to a subscriber that fell behind, then it is closed
)

// Event is one thing that happened.
type Event struct {
	ID     uint64    `json:"id"`
	Type   string    `json:"type"`
	Time   time.Time `json:"time"`
	Server string    `json:"server,omitempty"`
	Data   any       `json:"data,omitempty"`

	// encoded is the event's JSON, made once at publishing for every
	// subscriber to share when there are any.
	encoded []byte
}

// JSON is the event encoded as one line of JSON.
func (e Event) JSON() ([]byte, error) {
	if e.encoded != nil {
		return e.encoded, nil
	}
	return encode(e)
}

func encode(e Event) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return redactEncoded(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// withID puts the id in front of an event encoded with id 0, which
// encoding/json writes as its first field: {"id":0,...} -> {"id":N,...}.
func withID(id uint64, body []byte) []byte {
	const zero = `{"id":0,`
	if !bytes.HasPrefix(body, []byte(zero)) {
		return nil // redaction rewrote it; each subscriber encodes for itself
	}
	out := make([]byte, 0, len(body)+20)
	out = append(out, `{"id":`...)
	out = strconv.AppendUint(out, id, 10)
	return append(out, body[len(zero)-1:]...)
}

// Bus fans events out to subscribers.
type Bus struct {
	mu sync.Mutex
	// interest is who wants which type: read without the lock so an event
	// nobody wants is not encoded, and under it so an event goes to the
	// subscribers that want it without asking every subscriber.
	interest atomic.Pointer[interest]
	next     uint64
	ring     []Event // circular: the last events; once full, ring[head] is the oldest
	head     int
	size     int
	subs     map[*Subscription]struct{}
}

// New makes a bus that keeps the last ringSize events for resuming.
func New(ringSize int) *Bus {
	if ringSize <= 0 {
		ringSize = 1024
	}
	b := &Bus{size: ringSize, subs: map[*Subscription]struct{}{}}
	b.interest.Store(&interest{})
	return b
}

// Subscription receives events on C until it is closed: by Close, or by the
// bus when it fell behind (its last event is then of type Dropped).
type Subscription struct {
	C      <-chan Event
	c      chan Event
	types  []string
	bus    *Bus
	closed bool
}

// Publish stamps and delivers an event. It never blocks.
func (b *Bus) Publish(typ, server string, data any) Event {
	now := time.Now().UTC()
	var body []byte
	if b.interest.Load().wants(typ) {
		// Once here instead of once per subscriber, and before taking the
		// lock, so publishers do not queue behind each other's encoding.
		// Data that does not encode is left to each subscriber's JSON call,
		// which reports the error.
		body, _ = encode(Event{Type: typ, Time: now, Server: server, Data: data})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	ev := Event{ID: b.next, Type: typ, Time: now, Server: server, Data: data}
	if body != nil {
		ev.encoded = withID(b.next, body)
	}
	if len(b.ring) < b.size {
		b.ring = append(b.ring, ev)
	} else {
		b.ring[b.head] = ev
		b.head = (b.head + 1) % b.size
	}
	// Read again under the lock: the subscriptions as they are now. A drop
	// below makes a new interest; this one still lists each subscriber of
	// typ once.
	in := b.interest.Load()
	for _, s := range in.all {
		b.deliverLocked(s, ev)
	}
	for _, s := range in.byType[typ] {
		b.deliverLocked(s, ev)
	}
	return ev
}

func (b *Bus) deliverLocked(s *Subscription, ev Event) {
	// Only the bus sends, under b.mu, so the length can only shrink
	// meanwhile. The last slot is kept for the notice.
	if len(s.c) < cap(s.c)-1 {
		s.c <- ev
	} else {
		b.dropLocked(s)
	}
}

// dropLocked ends a subscriber that fell behind. The notice goes in the slot
// kept for it, after every event still buffered: none is taken out, so the
// subscriber that resumes from the last id it got loses nothing.
func (b *Bus) dropLocked(s *Subscription) {
	s.c <- Event{ID: b.next, Type: Dropped, Time: time.Now().UTC(),
		Data: map[string]any{"reason": "the subscriber did not keep up; reconnect with the last id it saw to resume"}}
	b.closeLocked(s)
}

// Subscribe starts a subscription to the given types (all when empty) with
// room for buffer events. With since > 0, the events after that id still in
// the ring are delivered first; missed is true when some of them were
// already gone.
func (b *Bus) Subscribe(types []string, buffer int, since uint64) (sub *Subscription, missed bool) {
	if buffer <= 0 {
		buffer = 256
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var backlog []Event
	if since > 0 && since < b.next {
		ordered := append(slices.Clone(b.ring[b.head:]), b.ring[:b.head]...)
		if len(ordered) == 0 || ordered[0].ID > since+1 {
			missed = true
		}
		for _, ev := range ordered {
			if ev.ID > since {
				backlog = append(backlog, ev)
			}
		}
	}
	s := &Subscription{types: types, bus: b}
	var want []Event
	for _, ev := range backlog {
		if s.wants(ev.Type) {
			want = append(want, ev)
		}
	}
	s.c = make(chan Event, buffer+len(want)+1) // +1: the slot for the Dropped notice
	s.C = s.c
	for _, ev := range want {
		s.c <- ev
	}
	b.subs[s] = struct{}{}
	b.noteInterestLocked()
	return s, missed
}

// LastID is the id of the newest event.
func (b *Bus) LastID() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.next
}

// Subscribers counts the open subscriptions.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Close ends the subscription; C is closed.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.closeLocked(s)
}

func (b *Bus) closeLocked(s *Subscription) {
	if s.closed {
		return
	}
	s.closed = true
	delete(b.subs, s)
	b.noteInterestLocked()
	close(s.c)
}

// interest sums up the subscribers' type filters: each subscriber is in
// all or under each type it wants, once.
type interest struct {
	all    []*Subscription            // subscribers of every type
	byType map[string][]*Subscription // the others, by type
}

func (in *interest) wants(typ string) bool {
	return in != nil && (len(in.all) > 0 || len(in.byType[typ]) > 0)
}

// noteInterestLocked sums up the filters again; it runs when a subscriber
// comes or goes, not per event.
func (b *Bus) noteInterestLocked() {
	in := &interest{byType: map[string][]*Subscription{}}
	for s := range b.subs {
		if len(s.types) == 0 {
			in.all = append(in.all, s)
			continue
		}
		for i, t := range s.types {
			if !slices.Contains(s.types[:i], t) {
				in.byType[t] = append(in.byType[t], s)
			}
		}
	}
	b.interest.Store(in)
}

func (s *Subscription) wants(typ string) bool {
	return len(s.types) == 0 || slices.Contains(s.types, typ)
}
