package api_test

import (
	"net/http"
	"strings"
	"testing"

	"switchboard/backend/api"
	"switchboard/backend/config"
)

// A server is described in its own words (the test server's instructions),
// shown before it is written; applying writes config.json, and a second
// apply keeps what is there unless told to overwrite. A server awaiting
// approval is not described by its own words, and one not started yet
// says to start it.
func TestDescribeServers(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"alpha": stdioServer(t), "beta": stdioServer(t)})
	const words = "Switchboard's test server: tools for exercising an MCP gateway."

	var d api.ServerDescription
	h.req("POST", "/api/v1/servers/alpha/describe", nil).JSON(t, &d)
	if d.Description != words || d.Source != "instructions" || d.Applied {
		t.Fatalf("describe alpha: %+v", d)
	}
	if got := h.fileConfig().Servers["alpha"].Description; got != "" {
		t.Fatalf("describing without apply wrote %q", got)
	}
	r := h.req("POST", "/api/v1/servers/alpha/describe", map[string]any{"apply": true})
	d = api.ServerDescription{}
	r.JSON(t, &d)
	if r.Status != http.StatusOK || !d.Applied || h.fileConfig().Servers["alpha"].Description != words {
		t.Fatalf("apply: %d %s; config.json has %q", r.Status, r.Body, h.fileConfig().Servers["alpha"].Description)
	}
	if r := h.req("PATCH", "/api/v1/servers/beta", map[string]any{"description": "Mine"}); r.Status != http.StatusOK {
		t.Fatalf("patch beta: %d %s", r.Status, r.Body)
	}

	var bulk api.BulkDescriptions
	h.req("POST", "/api/v1/bulk/describe", map[string]any{"apply": true}).JSON(t, &bulk)
	if len(bulk.Results) != 2 || bulk.Results[1].Name != "beta" || bulk.Results[1].Applied || bulk.Results[1].Skipped == "" || bulk.Results[1].Previous != "Mine" {
		t.Fatalf("bulk: %+v", bulk)
	}
	if got := h.fileConfig().Servers["beta"].Description; got != "Mine" {
		t.Fatalf("bulk apply replaced beta's own description with %q", got)
	}
	h.req("POST", "/api/v1/bulk/describe", map[string]any{"apply": true, "overwrite": true, "names": []string{"beta"}}).JSON(t, &bulk)
	if len(bulk.Results) != 1 || !bulk.Results[0].Applied || h.fileConfig().Servers["beta"].Description != words {
		t.Fatalf("overwrite: %+v", bulk)
	}

	// Added now: held in quarantine, so its words are not used.
	if r := h.req("POST", "/api/v1/servers", map[string]any{"name": "newbie", "command": stdioServer(t).Command, "args": []string{"--transport", "stdio"}}); r.Status != http.StatusCreated {
		t.Fatalf("add newbie: %d %s", r.Status, r.Body)
	}
	h.req("POST", "/api/v1/servers/newbie/describe", nil).envelope(t, http.StatusConflict, "ServerQuarantined")
	h.req("POST", "/api/v1/servers/nobody/describe", nil).envelope(t, http.StatusNotFound, "ServerNotFound")
	h.req("POST", "/api/v1/servers/alpha/describe", map[string]any{"apply": "yes"}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
	// Never run: nothing of its own to go by yet.
	if r := h.req("POST", "/api/v1/servers/beta/disable", nil); r.Status != http.StatusOK {
		t.Fatalf("disable beta: %d %s", r.Status, r.Body)
	}
	if r := h.req("POST", "/api/v1/servers", map[string]any{"name": "gamma", "command": stdioServer(t).Command, "enabled": false}); r.Status != http.StatusCreated {
		t.Fatalf("add gamma: %d %s", r.Status, r.Body)
	}
	if r := h.req("POST", "/api/v1/servers/gamma/approve", map[string]any{}); r.Status != http.StatusOK {
		t.Fatalf("approve gamma: %d %s", r.Status, r.Body)
	}
	if msg := h.req("POST", "/api/v1/servers/gamma/describe", nil).envelope(t, http.StatusConflict, "NotListedYet"); !strings.Contains(msg, "enable") {
		t.Fatalf("describe a disabled server never run: %q", msg)
	}
	h.req("POST", "/api/v1/bulk/describe", map[string]any{"names": []string{"nobody"}}).envelope(t, http.StatusUnprocessableEntity, "InvalidField")
}
