package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"switchboard/backend/groups"
	"switchboard/backend/upstream"
)

// A group's endpoint (/mcp/groups/{id}) serves its members' prompts,
// resources and resource templates besides their tools, so a client sees
// the group as it would see one of its servers. Each is listed once, as
// the first member in config order lists it; a prompts/get, resources/read
// or completion goes to one member in service that offers it, chosen by
// the group's strategy, and to another when that one is out of order:
// they only read, so they are always safe to repeat. On /mcp and on
// profiles the members' own prompts and resources are shown already, under
// the members' names, so the group adds none there.

// groupCatalog is what a group's members offer besides tools, part of the
// groupTable.
type groupCatalog struct {
	// members whose items are listed: in the config, enabled and approved,
	// in config order.
	members []string

	prompts       []mcp.Prompt
	promptKeys    []string
	promptHolders map[string][]string // prompt name -> members offering it

	resources       []mcp.Resource
	resourceKeys    []string
	resourceHolders map[string][]string // uri -> members

	templates       []mcp.ResourceTemplate
	templateKeys    []string
	templateHolders map[string][]string // uri template -> members
}

// add lists one member's catalog.
func (c *groupCatalog) add(member string, cat *upstream.Catalog) {
	c.members = append(c.members, member)
	if c.promptHolders == nil {
		c.promptHolders, c.resourceHolders, c.templateHolders = map[string][]string{}, map[string][]string{}, map[string][]string{}
	}
	for _, p := range cat.Prompts {
		if c.promptHolders[p.Name] == nil {
			c.prompts = append(c.prompts, p)
		}
		c.promptHolders[p.Name] = append(c.promptHolders[p.Name], member)
	}
	for _, r := range cat.Resources {
		if c.resourceHolders[r.URI] == nil {
			c.resources = append(c.resources, r)
		}
		c.resourceHolders[r.URI] = append(c.resourceHolders[r.URI], member)
	}
	for _, t := range cat.Templates {
		text := templateText(t)
		if c.templateHolders[text] == nil {
			c.templates = append(c.templates, t)
		}
		c.templateHolders[text] = append(c.templateHolders[text], member)
	}
}

// done sorts the lists and encodes their items for the fingerprints.
func (c *groupCatalog) done() {
	slices.SortFunc(c.prompts, func(a, b mcp.Prompt) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.resources, func(a, b mcp.Resource) int { return strings.Compare(a.URI, b.URI) })
	slices.SortFunc(c.templates, func(a, b mcp.ResourceTemplate) int { return strings.Compare(templateText(a), templateText(b)) })
	c.promptKeys, c.resourceKeys, c.templateKeys = jsonEach(c.prompts), jsonEach(c.resources), jsonEach(c.templates)
}

// holdersOfURI lists the members that serve a resource URI: those listing
// it, else those with a template that matches it.
func (c *groupCatalog) holdersOfURI(uri string) []string {
	if h := c.resourceHolders[uri]; h != nil {
		return h
	}
	var out []string
	for _, t := range c.templates {
		if t.URITemplate != nil && t.URITemplate.Regexp().MatchString(uri) {
			for _, m := range c.templateHolders[templateText(t)] {
				if !slices.Contains(out, m) {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// addGroupCatalog gives a group's endpoint the group's prompts, resources
// and templates, and its members as the servers whose notifications
// (resources/updated, logs) reach its sessions.
func (e *endpoint) addGroupCatalog(rt *routes, fps *[4]strings.Builder) ([]server.ServerPrompt, []server.ServerResource, []server.ServerResourceTemplate) {
	gr := e.g.groupRuntime(e.group)
	if gr == nil {
		return nil, nil, nil
	}
	cat := &gr.table.Load().catalog
	rt.servers = slices.Clone(cat.members)
	prompts := make([]server.ServerPrompt, 0, len(cat.prompts))
	for i, p := range cat.prompts {
		rt.prompts[p.Name] = target{name: p.Name, group: gr.id}
		prompts = append(prompts, server.ServerPrompt{Prompt: p, Handler: e.getPrompt})
		addKey(&fps[1], p.Name, cat.promptKeys[i])
	}
	read := server.ResourceHandlerFunc(e.readGroupResource)
	resources := make([]server.ServerResource, 0, len(cat.resources))
	for i, r := range cat.resources {
		resources = append(resources, server.ServerResource{Resource: r, Handler: read})
		addKey(&fps[2], "", cat.resourceKeys[i])
	}
	templates := make([]server.ServerResourceTemplate, 0, len(cat.templates))
	for i, t := range cat.templates {
		rt.templates[templateText(t)] = templateRoute{tmpl: t.URITemplate}
		templates = append(templates, server.ServerResourceTemplate{Template: t, Handler: server.ResourceTemplateHandlerFunc(read)})
		addKey(&fps[3], "", cat.templateKeys[i])
	}
	return prompts, resources, templates
}

// readGroupResource reads a resource of a group's endpoint from a member
// that serves its URI.
func (e *endpoint) readGroupResource(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	uri := req.Params.URI
	var res *mcp.ReadResourceResult
	holders := func(c *groupCatalog) []string { return c.holdersOfURI(uri) }
	if err := e.onGroupMember(ctx, fmt.Sprintf("resource %q", uri), holders, req.Params.Meta, read(req, &res)); err != nil {
		return nil, err
	}
	return res.Contents, nil
}

// onGroupMember runs fn on a member of the endpoint's group that offers
// what (holders names them), chosen by the group's strategy, and on
// another one while the chosen one is out of order (down, gone, timed
// out). An error the member answered with (an unknown prompt, a bad
// argument) is its answer, passed on as it is. The pool counts each
// attempt, so breakers and the group's call counts see these reads too.
func (e *endpoint) onGroupMember(ctx context.Context, what string, holders func(*groupCatalog) []string, meta *mcp.Meta,
	fn func(ctx context.Context, cl *client.Client, meta *mcp.Meta) error) error {
	gr := e.g.groupRuntime(e.group)
	if gr == nil {
		return fmt.Errorf("%w: group %q has been removed from the config", upstream.ErrUnavailable, e.group)
	}
	offering := holders(&gr.table.Load().catalog)
	var tried []string
	var lastErr error
	for {
		able, _, _ := gr.candidates(offering, tried)
		m := gr.pool.Pick(able)
		if m == nil {
			if lastErr != nil {
				return fmt.Errorf("group %q: %s failed on member(s) %s and no other member can serve it: %w", gr.id, what, strings.Join(tried, ", "), lastErr)
			}
			return fmt.Errorf("%w: group %q: no member can serve %s now (%s)", upstream.ErrUnavailable, gr.id, what, gr.holdersReport(offering))
		}
		tried = append(tried, m.Server)
		err := e.g.do(ctx, e, m.Server, meta, fn)
		switch {
		case err == nil:
			gr.pool.Done(m, groups.Succeeded)
			return nil
		case ctx.Err() != nil:
			gr.pool.Done(m, groups.Neutral)
			return err
		case !errors.Is(err, upstream.ErrUnavailable) && !errors.Is(err, upstream.ErrTimeout):
			gr.pool.Done(m, groups.Succeeded)
			return err
		}
		gr.pool.Done(m, groups.Failed)
		lastErr = err
	}
}

// subscribeGroup passes a resource subscription of a group's session on to
// every running member that serves the URI, so an update from whichever
// member serves the reads reaches the session; it returns when they have
// all answered. A member that starts later is not subscribed.
func (e *endpoint) subscribeGroup(uri string, subscribe bool) {
	gr := e.g.groupRuntime(e.group)
	if gr == nil {
		return
	}
	var wg sync.WaitGroup
	for _, name := range gr.table.Load().catalog.holdersOfURI(uri) {
		u := e.g.upstream(name)
		if u == nil || !u.State().Usable() {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), u.Config().CallTimeout())
			defer cancel()
			err := u.Do(ctx, func(ctx context.Context, cl *client.Client) error {
				return passSubscription(ctx, cl, uri, subscribe)
			})
			if err != nil {
				e.g.log.Warn("forward resource subscription", "group", gr.id, "server", name, "uri", uri, "err", err)
			}
		})
	}
	wg.Wait()
}
