package discovery

import (
	"context"
	"strings"
	"time"
)

// Run scans each enabled source at its interval (the first time right
// away) and, for sources that can, on every change, until ctx is done. Call
// it in its own goroutine: start-up never waits on a scan.
func (m *Manager) Run(ctx context.Context) {
	type watch struct {
		cancel context.CancelFunc
		key    string
		// token tells this watch from a later one of the same source, so
		// a stale report of a stopped watch does not drop its successor.
		token *int
	}
	type stopped struct {
		id    string
		token *int
	}
	watches := map[string]watch{}
	defer func() {
		for _, w := range watches {
			w.cancel()
		}
	}()
	due := make(chan string, 16)
	dead := make(chan stopped)
	// retry holds sources whose watch stopped on an error.
	retry := map[string]bool{}
	next := map[string]time.Time{}

	// reconcile starts a watch for each enabled source that can watch and
	// stops the watches of sources gone, disabled or moved.
	reconcile := func() {
		m.mu.Lock()
		srcs := append([]SourceConfig(nil), m.st.Sources...)
		m.mu.Unlock()
		want := map[string]SourceConfig{}
		for _, c := range srcs {
			if c.Enabled {
				want[c.ID] = c
			}
		}
		for id, w := range watches {
			if c, ok := want[id]; !ok || watchKey(c) != w.key {
				w.cancel()
				delete(watches, id)
			}
		}
		for id, c := range want {
			if _, ok := watches[id]; ok {
				continue
			}
			src, err := m.build(c)
			if err != nil {
				continue
			}
			wt, ok := src.(watcher)
			if !ok {
				continue
			}
			wctx, cancel := context.WithCancel(ctx)
			token := new(int)
			watches[id] = watch{cancel: cancel, key: watchKey(c), token: token}
			go func(id string) {
				err := wt.Watch(wctx, func() {
					select {
					case due <- id:
					default:
					}
				})
				if err != nil && wctx.Err() == nil {
					// The interval still scans it, and the watch is tried
					// again after that scan (a folder made later is then
					// watched).
					m.log.Warn("discovery watch stopped", "source", id, "err", err)
					select {
					case dead <- stopped{id, token}:
					case <-wctx.Done():
					}
				}
			}(id)
		}
		for id := range next {
			if _, ok := want[id]; !ok {
				delete(next, id)
			}
		}
	}
	reconcile()
	// Run sleeps until the next source is due rather than checking every
	// so often: an idle desktop app should not wake the machine for nothing.
	timer := time.NewTimer(idleWait)
	defer timer.Stop()
	scan := func(id string) {
		if _, err := m.Scan(ctx, id); err != nil && ctx.Err() == nil {
			m.log.Warn("discovery scan failed", "source", id, "err", err)
		}
		m.mu.Lock()
		if i := m.indexLocked(id); i >= 0 {
			next[id] = time.Now().Add(m.st.Sources[i].interval())
		}
		m.mu.Unlock()
		if retry[id] {
			delete(retry, id)
			reconcile()
		}
	}
	for {
		m.mu.Lock()
		var ready []string
		now := time.Now()
		for _, c := range m.st.Sources {
			if c.Enabled && !now.Before(next[c.ID]) {
				ready = append(ready, c.ID)
			}
		}
		m.mu.Unlock()
		for _, id := range ready {
			scan(id)
		}
		timer.Reset(m.untilDue(next))
		select {
		case <-ctx.Done():
			return
		case <-m.changed:
			reconcile()
			// A new or changed source is scanned at once.
			clear(next)
		case id := <-due:
			scan(id)
		case d := <-dead:
			if w, ok := watches[d.id]; ok && w.token == d.token {
				w.cancel()
				delete(watches, d.id)
				retry[d.id] = true
			}
		case <-timer.C:
		}
	}
}

// idleWait is how long Run sleeps with no enabled source: any change to the
// sources wakes it sooner.
const idleWait = time.Hour

// untilDue is how long until the first enabled source is due for a scan
// by its interval (0 when one already is).
func (m *Manager) untilDue(next map[string]time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	wait := idleWait
	for _, c := range m.st.Sources {
		if c.Enabled {
			wait = min(wait, max(0, time.Until(next[c.ID])))
		}
	}
	return wait
}

// watchKey is what a source's watch depends on: a watch is restarted when
// its folder, its engine's socket or its cluster settings change.
func watchKey(c SourceConfig) string {
	return strings.Join([]string{c.Path, c.Socket, c.Kubeconfig, c.Context, c.Namespace, c.LabelSelector}, "\x00")
}
