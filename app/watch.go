package app

import (
	"context"
	"time"

	"switchboard/backend/client"
	"switchboard/backend/events"
)

// watchedEvents are the events that change what the tray shows.
var watchedEvents = []string{events.ServerState, events.ServerAdded, events.ServerRemoved, events.ServerUpdated,
	events.ConfigReloaded, events.Quarantine, events.ToolsChanged, events.UpdateAvailable}

// settle is how long Watch waits after an event for the ones that come
// with it (a restart sends several state changes) before re-reading.
const settle = 150 * time.Millisecond

// resync re-reads the state even with no event: start at login and the
// update check change without one, and a lost stream must not freeze the
// tray.
const resync = 30 * time.Second

// Watch calls onState with the state now, then again after each change
// the event stream reports, and after each receive on refresh (the tray's
// own actions: start at login changes with no event), until ctx ends. A
// stream that breaks (the core restarting) is opened again, with a
// backoff.
func Watch(ctx context.Context, c *client.Client, refresh <-chan struct{}, onState func(State)) {
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	go follow(ctx, c, poke)
	tick := time.NewTicker(resync)
	defer tick.Stop()
	onState(ReadState(ctx, c))
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-refresh:
		case <-changed:
			select {
			case <-time.After(settle):
			case <-ctx.Done():
				return
			}
		}
		onState(ReadState(ctx, c))
	}
}

// follow pokes on every watched event, reconnecting as needed.
func follow(ctx context.Context, c *client.Client, poke func()) {
	backoff := 500 * time.Millisecond
	last := ""
	for ctx.Err() == nil {
		s, err := c.Events(ctx, watchedEvents, last)
		if err == nil {
			backoff = 500 * time.Millisecond
			poke() // anything may have changed while the stream was down
			for {
				ev, err := s.Next()
				if err != nil {
					break
				}
				last = s.LastID()
				if ev.Type != "" {
					poke()
				}
			}
			last = s.LastID()
			_ = s.Close()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 10*time.Second {
			backoff *= 2
		}
	}
}
