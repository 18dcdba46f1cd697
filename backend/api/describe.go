package api

import (
	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/describe"
	"switchboard/backend/upstream"
)

// DescribeRequest is the body of POST /servers/{name}/describe.
type DescribeRequest struct {
	// Apply writes the description into the server's config.
	Apply bool `json:"apply,omitempty"`
	// Overwrite lets Apply replace a description the server has.
	Overwrite bool `json:"overwrite,omitempty"`
}

// BulkDescribeRequest is the body of POST /bulk/describe.
type BulkDescribeRequest struct {
	Names []string `json:"names,omitempty"` // default: every server
	DescribeRequest
}

// ServerDescription is a description made for a server from what it says
// of itself (package describe).
type ServerDescription struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Source is where it came from: server_info, instructions, tools or title.
	Source string `json:"source,omitempty"`
	// Previous is the description in the config when asked.
	Previous string `json:"previous,omitempty"`
	Applied  bool   `json:"applied"`
	// Skipped says why it was not applied (or, in a bulk answer, not made).
	Skipped string `json:"skipped,omitempty"`
}

// BulkDescriptions is the answer of POST /bulk/describe.
type BulkDescriptions struct {
	Results []ServerDescription `json:"results"`
}

func (s *Server) registerDescribe() {
	s.handle(Route{Method: "POST", Path: "/api/v1/servers/:name/describe", Tag: "servers", Perm: auth.ServersWrite,
		Summary: "Make a description of a server from its own words (its serverInfo description, else its instructions) or, failing those, its tools; apply writes it to the config",
		Body:    DescribeRequest{}, Response: ServerDescription{}}, s.describeOne)
	s.handle(Route{Method: "POST", Path: "/api/v1/bulk/describe", Tag: "servers", Perm: auth.ServersWrite,
		Summary: "Describe several servers (default: all) as POST /servers/{name}/describe does; one without its list yet, or awaiting approval, is skipped and says why",
		Body:    BulkDescribeRequest{}, Response: BulkDescriptions{}}, s.describeMany)
}

func (s *Server) describeOne(c *fiber.Ctx) error {
	var req DescribeRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	d, aerr := s.proposeDescription(c.Params("name"))
	if aerr != nil {
		return aerr
	}
	out := []ServerDescription{d}
	if err := s.applyDescriptions(out, req); err != nil {
		return err
	}
	return c.JSON(out[0])
}

func (s *Server) describeMany(c *fiber.Ctx) error {
	var req BulkDescribeRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	names, err := s.bulkNames(req.Names)
	if err != nil {
		return err
	}
	out := BulkDescriptions{Results: make([]ServerDescription, 0, len(names))}
	for _, n := range names {
		d, err := s.proposeDescription(n)
		if err != nil {
			d = ServerDescription{Name: n, Skipped: err.Message}
		}
		out.Results = append(out.Results, d)
	}
	if err := s.applyDescriptions(out.Results, req.DescribeRequest); err != nil {
		return err
	}
	return c.JSON(out)
}

// proposeDescription makes a server's description, without writing it.
func (s *Server) proposeDescription(name string) (ServerDescription, *Error) {
	sc := s.opts.Config.Current().Servers[name]
	if sc == nil {
		return ServerDescription{}, errNotFound("ServerNotFound", "no server named %q is configured", name)
	}
	if s.quarantined(name, sc) {
		// Its instructions are words an unapproved server chose: they are
		// not copied anywhere until a person has approved it.
		return ServerDescription{}, errConflict("ServerQuarantined", "%q awaits approval: approve it in quarantine before its own words describe it", name)
	}
	var cat *upstream.Catalog
	if u := s.opts.Gateway.Server(name); u != nil {
		cat = u.Catalog()
	}
	// Every server names itself when it starts: a catalog without a name
	// is the empty one of a server that has not run.
	if cat == nil || cat.Info.Name == "" {
		todo := "start it (POST /api/v1/servers/" + name + "/start)"
		if !sc.IsEnabled() {
			todo = "enable it (POST /api/v1/servers/" + name + "/enable)"
		}
		return ServerDescription{}, errConflict("NotListedYet", "%q has not said what it offers yet: %s and ask again", name, todo)
	}
	text, source, ok := describe.Of(cat.Info, cat.Instructions, cat.Tools)
	if !ok {
		return ServerDescription{}, errConflict("NothingToDescribe", "%q says nothing of itself (no description, instructions or title) and lists no tools", name)
	}
	return ServerDescription{Name: name, Description: text, Source: source, Previous: sc.Description}, nil
}

// applyDescriptions writes, when req asks to, the descriptions made (those
// skipped have none) in one change of the config, and marks each Applied,
// or Skipped when the server has one of its own and req does not overwrite.
func (s *Server) applyDescriptions(ds []ServerDescription, req DescribeRequest) *Error {
	if !req.Apply {
		return nil
	}
	var write []*ServerDescription
	for i := range ds {
		switch d := &ds[i]; {
		case d.Description == "":
		case d.Previous != "" && !req.Overwrite:
			d.Skipped = "it has a description already; set overwrite to replace it"
		default:
			write = append(write, d)
		}
	}
	if len(write) == 0 {
		return nil
	}
	if _, err := s.opts.Config.Update(func(cfg *config.Config) error {
		for _, d := range write {
			sc := cfg.Servers[d.Name]
			if sc == nil {
				return errNotFound("ServerNotFound", "no server named %q is configured", d.Name)
			}
			sc.Description = d.Description
		}
		return nil
	}); err != nil {
		return errConfig(err)
	}
	for _, d := range write {
		d.Applied = true
	}
	return nil
}
