package client_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/client"
	"switchboard/backend/config"
	"switchboard/backend/events"
)

// nextOf reads events until one of the wanted type (and server) comes.
func nextOf(t *testing.T, next func() (*client.Event, error), typ, server string) *client.Event {
	t.Helper()
	for {
		ev, err := next()
		if err != nil {
			t.Fatalf("waiting for %s of %q: %v", typ, server, err)
		}
		if ev.Type == typ && (server == "" || ev.Server == server) {
			return ev
		}
	}
}

func TestEventStreamSeesEachStepInOrderAndResumes(t *testing.T) {
	k := startCore(t, nil)
	c := ctx(t)
	types := []string{events.ServerAdded, events.ServerUpdated, events.ServerRemoved}
	stream, err := k.c.Events(c, types, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()

	if _, err := k.c.CreateServer(c, "echo", testServer(t)); err != nil {
		t.Fatal(err)
	}
	added := nextOf(t, stream.Next, events.ServerAdded, "echo")
	if _, err := k.c.DisableServer(c, "echo"); err != nil {
		t.Fatal(err)
	}
	updated := nextOf(t, stream.Next, events.ServerUpdated, "echo")
	if _, err := k.c.DeleteServer(c, "echo"); err != nil {
		t.Fatal(err)
	}
	removed := nextOf(t, stream.Next, events.ServerRemoved, "echo")
	if !(added.ID < updated.ID && updated.ID < removed.ID) || added.Time.IsZero() {
		t.Fatalf("ids out of order: %d %d %d", added.ID, updated.ID, removed.ID)
	}
	if stream.LastID() != jsonID(removed.ID) {
		t.Fatalf("LastID %q, last event %d", stream.LastID(), removed.ID)
	}
	stream.Close()

	// A client that left after "added" gets the rest when it comes back.
	again, err := k.c.Events(c, types, jsonID(added.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for _, want := range []*client.Event{updated, removed} {
		ev, err := again.Next()
		if err != nil || ev.ID != want.ID || ev.Type != want.Type {
			t.Fatalf("resumed: want %d %s, got %+v %v", want.ID, want.Type, ev, err)
		}
	}

	_, err = k.c.Events(c, nil, "not-a-number")
	apiError(t, err, http.StatusUnprocessableEntity, "InvalidField")
}

func jsonID(id uint64) string { return strconv.FormatUint(id, 10) }

func TestEventWebSocketChangesItsFilter(t *testing.T) {
	k := startCore(t, nil)
	c := ctx(t)
	ws, err := k.c.EventsWebSocket(c, []string{events.ServerAdded}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	next := func() (*client.Event, error) { return ws.Next(c) }

	if _, err := k.c.CreateServer(c, "echo", testServer(t)); err != nil {
		t.Fatal(err)
	}
	nextOf(t, next, events.ServerAdded, "echo")
	if err := ws.SetTypes(c, []string{events.ServerRemoved}); err != nil {
		t.Fatal(err)
	}
	nextOf(t, next, api.EventsFilter, "")
	if _, err := k.c.DeleteServer(c, "echo"); err != nil {
		t.Fatal(err)
	}
	ev, err := ws.Next(c)
	if err != nil || ev.Type != events.ServerRemoved || ev.Server != "echo" {
		t.Fatalf("after the filter change: %+v %v", ev, err)
	}
}

func TestTailServerLogsFollowsStderr(t *testing.T) {
	k := startCore(t, map[string]*config.Server{"alpha": testServer(t)})
	c := ctx(t)
	tail, err := k.c.TailServerLogs(c, "alpha", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tail.Close()
	if _, err := k.c.CallTool(c, "alpha", "stderr", map[string]any{"lines": 2}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		rc, cancel := context.WithTimeout(c, 10*time.Second)
		m, err := tail.Next(rc)
		cancel()
		if err != nil {
			t.Fatalf("tail after %q: %v", got, err)
		}
		if m.Type == "line" && strings.HasPrefix(m.Line, "stderr line") {
			got = append(got, m.Line)
		}
	}
	if got[0] != "stderr line 1 of 2" || got[1] != "stderr line 2 of 2" {
		t.Fatalf("lines: %q", got)
	}

	_, err = k.c.TailServerLogs(c, "nope", -1)
	apiError(t, err, http.StatusNotFound, "ServerNotFound")
}
