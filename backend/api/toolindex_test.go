package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// GET /tools?q= takes requests in a user's words, keeps to ?server=, and
// follows tool list changes at once.
func TestToolSearchInUsersWordsAndLive(t *testing.T) {
	h := newHarness(t, twoServers(t))
	search := func(q string) toolListView {
		var res toolListView
		h.req("GET", "/api/v1/tools?q="+url.QueryEscape(q), nil).JSON(t, &res)
		return res
	}
	if res := search("repeat this text back to me"); len(res.Tools) == 0 || !strings.HasSuffix(res.Tools[0].Name, "__echo") {
		t.Fatalf("natural query: %+v", res.Tools)
	}
	var beta toolListView
	h.req("GET", "/api/v1/tools?server=beta&q=echo", nil).JSON(t, &beta)
	if len(beta.Tools) == 0 || slices.ContainsFunc(beta.Tools, func(tv toolView) bool { return tv.Server != "beta" }) {
		t.Fatalf("?server=beta&q=echo: %+v", beta.Tools)
	}
	// The whole index survives a query limited to one server.
	if res := search("echo"); !slices.ContainsFunc(res.Tools, func(tv toolView) bool { return tv.Server != "beta" }) {
		t.Fatalf("after a one-server query, others' tools are gone: %+v", res.Tools)
	}
	h.req("POST", "/api/v1/servers/alpha/tools/add_tool/call", map[string]any{"arguments": map[string]any{"name": "zebra_stripes"}}).JSON(t, &map[string]any{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := search("zebra stripes")
		if len(res.Tools) > 0 && res.Tools[0].OriginalName == "zebra_stripes" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a tool added at run time is not found: %+v", res.Tools)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
