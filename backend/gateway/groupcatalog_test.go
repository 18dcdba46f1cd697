package gateway_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
)

// A group's endpoint serves its members' prompts, resources and templates
// once each, and each read goes to a member in service: the counter
// resource, which each test server process counts on its own, shows the
// reads shared by round robin and then taken by the member left when the
// other stops.
func TestGroupServesPromptsAndResources(t *testing.T) {
	h := newGroupHarness(t, &config.Config{
		Servers: map[string]*config.Server{"a": stdioServer(t), "b": stdioServer(t)},
		Groups: map[string]*config.Group{"pool": {Strategy: config.StrategyRoundRobin,
			Members: members(member("a", 1, 0), member("b", 1, 0))}},
	})
	ctx := context.Background()
	c := h.connect("/mcp/groups/pool")
	if g := h.group("pool"); g.Prompts < 1 || g.Resources < 2 {
		t.Fatalf("the group counts %d prompts and %d resources and templates", g.Prompts, g.Resources)
	}

	prompts, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var promptNames []string
	for _, p := range prompts.Prompts {
		promptNames = append(promptNames, p.Name)
	}
	if !slices.Contains(promptNames, "greet") || !slices.IsSorted(promptNames) || len(slices.Compact(slices.Clone(promptNames))) != len(promptNames) {
		t.Fatalf("prompts of the group: %v, want greet among them, each once, sorted", promptNames)
	}
	get := mcp.GetPromptRequest{}
	get.Params.Name, get.Params.Arguments = "greet", map[string]string{"name": "Ann"}
	got, err := c.GetPrompt(ctx, get)
	if err != nil || len(got.Messages) != 1 || !strings.Contains(got.Messages[0].Content.(mcp.TextContent).Text, "Hello, Ann!") {
		t.Fatalf("greet through the group: %+v, %v", got, err)
	}
	resources, err := c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	counters := 0
	for _, r := range resources.Resources {
		if r.URI == "test://counter" {
			counters++
		}
	}
	if counters != 1 {
		t.Fatalf("the group lists test://counter %d times, want once: %+v", counters, resources.Resources)
	}
	templates, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil || len(templates.ResourceTemplates) != 1 || templates.ResourceTemplates[0].URITemplate.Raw() != "test://template/{id}/data" {
		t.Fatalf("templates of the group: %+v, %v", templates, err)
	}
	read := func(uri string) string {
		t.Helper()
		req := mcp.ReadResourceRequest{}
		req.Params.URI = uri
		res, err := c.ReadResource(ctx, req)
		if err != nil || len(res.Contents) != 1 {
			t.Fatalf("read %s through the group: %+v, %v", uri, res, err)
		}
		return res.Contents[0].(mcp.TextResourceContents).Text
	}
	var counts []string
	for range 4 {
		counts = append(counts, read("test://counter"))
	}
	slices.Sort(counts)
	if !slices.Equal(counts, []string{"1", "1", "2", "2"}) {
		t.Fatalf("four reads of the counter: %v, want two from each member (1, 1, 2, 2)", counts)
	}
	if text := read("test://template/42/data"); !strings.Contains(text, "42") {
		t.Fatalf("a templated resource through the group: %q", text)
	}

	comp := mcp.CompleteRequest{}
	comp.Params.Ref = mcp.PromptReference{Type: "ref/prompt", Name: "greet"}
	comp.Params.Argument.Name, comp.Params.Argument.Value = "name", "a"
	if res, err := c.Complete(ctx, comp); err != nil || !slices.Contains(res.Completion.Values, "alice") {
		t.Fatalf("completion of greet's name through the group: %+v, %v", res, err)
	}

	// A subscription through the group reaches the members: an update
	// from the one that takes the touch_resource call comes back.
	updated := resourceUpdates(c)
	sub := mcp.SubscribeRequest{}
	sub.Params.URI = "test://counter"
	if err := c.Subscribe(ctx, sub); err != nil {
		t.Fatal(err)
	}
	for range 2 { // one call on each member
		callTool(t, c, "touch_resource", map[string]any{"uri": "test://counter"})
		select {
		case uri := <-updated:
			if uri != "test://counter" {
				t.Fatalf("updated %q", uri)
			}
		case <-time.After(3 * time.Second):
			t.Fatal("no notifications/resources/updated through the group for a subscribed resource")
		}
	}

	// b stops: every read goes to a, which counted two reads so far.
	h.gw.Server("b").Stop()
	for _, want := range []string{"3", "4"} {
		if got := read("test://counter"); got != want {
			t.Fatalf("with b stopped, the counter read %s, want %s from a", got, want)
		}
	}

	// /mcp shows the members' own prompts, under their names, and adds
	// none for the group.
	agg, err := h.connect("/mcp").ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var aggNames []string
	for _, p := range agg.Prompts {
		aggNames = append(aggNames, p.Name)
	}
	if !slices.Contains(aggNames, "a__greet") || slices.Contains(aggNames, "pool__greet") {
		t.Fatalf("prompts on /mcp: %v, want a__greet and no pool__greet", aggNames)
	}
}
