package api

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/discovery"
)

// DiscoverySourceList is the answer of GET /api/v1/discovery/sources.
type DiscoverySourceList struct {
	Sources []discovery.Status `json:"sources"`
}

// DiscoverySourceWrite is the body of POST /api/v1/discovery/sources (id
// and kind required) and PATCH /api/v1/discovery/sources/{source} (only the
// fields sent change; id and kind cannot).
type DiscoverySourceWrite struct {
	ID       *string `json:"id,omitempty"`
	Kind     *string `json:"kind,omitempty"`
	Mode     *string `json:"mode,omitempty"`
	Enabled  *bool   `json:"enabled,omitempty"`
	Interval *string `json:"interval,omitempty"`
	// Path is the folder of a folder source.
	Path *string `json:"path,omitempty"`
	// Socket is a docker source's engine socket (a path or unix:///path).
	Socket *string `json:"socket,omitempty"`
	// Kubeconfig, Context, Namespace (empty: every namespace) and
	// LabelSelector say where a kubernetes source looks.
	Kubeconfig    *string `json:"kubeconfig,omitempty"`
	Context       *string `json:"context,omitempty"`
	Namespace     *string `json:"namespace,omitempty"`
	LabelSelector *string `json:"label_selector,omitempty"`
}

// DiscoveryPendingList is the answer of GET /api/v1/discovery/pending.
type DiscoveryPendingList struct {
	Pending []discovery.Pending `json:"pending"`
}

// DiscoveryScanResult is the answer of a scan: each source scanned and the
// pending list after it.
type DiscoveryScanResult struct {
	Sources []discovery.Status  `json:"sources"`
	Pending []discovery.Pending `json:"pending"`
}

// DiscoveryDecision is the answer of approve and reject: the entry decided.
type DiscoveryDecision struct {
	Decision string            `json:"decision"` // approved, rejected
	Entry    discovery.Pending `json:"entry"`
}

func (s *Server) registerDiscovery() {
	const tag = "discovery"
	// Discovery proposes servers and (approved) adds them, so it needs the
	// servers permissions: reading it shows server commands, acting on it
	// changes the server list.
	s.handle(Route{Method: "GET", Path: "/api/v1/discovery/sources", Tag: tag, Perm: auth.ServersRead,
		Summary: "Discovery sources (a watched folder, the installed clients' configs, Docker containers, Kubernetes services and pods) with their last scan", Response: DiscoverySourceList{}}, s.listDiscoverySources)
	s.handle(Route{Method: "POST", Path: "/api/v1/discovery/sources", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Add a discovery source (kind folder, clients, docker or kubernetes; mode additive or authoritative); it is scanned at once when enabled",
		Body:    DiscoverySourceWrite{}, Response: discovery.Status{}, Status: http.StatusCreated}, s.createDiscoverySource)
	s.handle(Route{Method: "GET", Path: "/api/v1/discovery/sources/:source", Tag: tag, Perm: auth.ServersRead,
		Summary: "One discovery source with its last scan and the files it could not read", Response: discovery.Status{}}, s.getDiscoverySource)
	s.handle(Route{Method: "PATCH", Path: "/api/v1/discovery/sources/:source", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Change a source: enabled, mode, interval and its kind's settings (path; socket; kubeconfig, context, namespace, label_selector); id and kind cannot change",
		Body:    DiscoverySourceWrite{}, Response: discovery.Status{}}, s.updateDiscoverySource)
	s.handle(Route{Method: "DELETE", Path: "/api/v1/discovery/sources/:source", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Delete a source with its pending entries and rejections; servers approved from it stay", Status: http.StatusNoContent}, s.deleteDiscoverySource)
	s.handle(Route{Method: "POST", Path: "/api/v1/discovery/sources/:source/scan", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Scan one source now", Response: DiscoveryScanResult{}}, s.scanDiscoverySource)
	s.handle(Route{Method: "POST", Path: "/api/v1/discovery/scan", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Scan every enabled source now", Response: DiscoveryScanResult{}}, s.scanAllDiscovery)
	s.handle(Route{Method: "GET", Path: "/api/v1/discovery/pending", Tag: tag, Perm: auth.ServersRead,
		Summary: "Servers found and waiting: additions, and removals proposed by authoritative sources", Response: DiscoveryPendingList{}}, s.listDiscoveryPending)
	s.handle(Route{Method: "POST", Path: "/api/v1/discovery/pending/:source/:entry/approve", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Approve a pending entry: an addition enters the config quarantined; a removal deletes the server", Response: DiscoveryDecision{}}, s.approveDiscovery)
	s.handle(Route{Method: "POST", Path: "/api/v1/discovery/pending/:source/:entry/reject", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Reject a pending entry: the same server is not offered again by that source", Response: DiscoveryDecision{}}, s.rejectDiscovery)
}

func (s *Server) discovery() (*discovery.Manager, error) {
	if s.opts.Discovery == nil {
		return nil, apiErr(http.StatusServiceUnavailable, "DiscoveryUnavailable", "discovery is not set up in this instance")
	}
	return s.opts.Discovery, nil
}

// errDiscovery maps the discovery package's errors to statuses: a bad
// field is a 422 naming it, an unknown id 404, a taken one 409.
func errDiscovery(err error) error {
	var fe *discovery.FieldError
	switch {
	case errors.As(err, &fe) && fe.Source != "":
		return errInvalid(fe.Field, "%s (source %q)", fe.Message, fe.Source)
	case errors.As(err, &fe):
		return errInvalid(fe.Field, "%s", fe.Message)
	case errors.Is(err, discovery.ErrNotFound):
		return errNotFound("NotFound", "%s", err.Error())
	case errors.Is(err, discovery.ErrExists):
		return errConflict("Exists", "%s", err.Error())
	}
	return errConfig(err)
}

func (s *Server) listDiscoverySources(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	return c.JSON(DiscoverySourceList{Sources: m.Sources()})
}

func (s *Server) getDiscoverySource(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	st, err := m.Source(c.Params("source"))
	if err != nil {
		return errDiscovery(err)
	}
	return c.JSON(st)
}

func (w DiscoverySourceWrite) apply(sc *discovery.SourceConfig) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&sc.ID, w.ID)
	set(&sc.Kind, w.Kind)
	set(&sc.Mode, w.Mode)
	set(&sc.Interval, w.Interval)
	set(&sc.Path, w.Path)
	set(&sc.Socket, w.Socket)
	set(&sc.Kubeconfig, w.Kubeconfig)
	set(&sc.Context, w.Context)
	set(&sc.Namespace, w.Namespace)
	set(&sc.LabelSelector, w.LabelSelector)
	if w.Enabled != nil {
		sc.Enabled = *w.Enabled
	}
}

func (s *Server) createDiscoverySource(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	var req DiscoverySourceWrite
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	// A new source is on unless the caller says otherwise.
	sc := discovery.SourceConfig{Enabled: true}
	req.apply(&sc)
	st, err := m.AddSource(sc)
	if err != nil {
		return errDiscovery(err)
	}
	return c.Status(http.StatusCreated).JSON(st)
}

func (s *Server) updateDiscoverySource(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	var req DiscoverySourceWrite
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	st, err := m.UpdateSource(c.Params("source"), req.apply)
	if err != nil {
		return errDiscovery(err)
	}
	return c.JSON(st)
}

func (s *Server) deleteDiscoverySource(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	if err := m.DeleteSource(c.Params("source")); err != nil {
		return errDiscovery(err)
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) scanDiscoverySource(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	st, err := m.Scan(c.UserContext(), c.Params("source"))
	if err != nil {
		return errDiscovery(err)
	}
	return c.JSON(DiscoveryScanResult{Sources: []discovery.Status{st}, Pending: discovery.RedactAll(m.PendingList())})
}

func (s *Server) scanAllDiscovery(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	m.ScanAll(c.UserContext())
	return c.JSON(DiscoveryScanResult{Sources: m.Sources(), Pending: discovery.RedactAll(m.PendingList())})
}

func (s *Server) listDiscoveryPending(c *fiber.Ctx) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	return c.JSON(DiscoveryPendingList{Pending: discovery.RedactAll(m.PendingList())})
}

func (s *Server) approveDiscovery(c *fiber.Ctx) error {
	return s.decideDiscovery(c, "approved", (*discovery.Manager).Approve)
}

func (s *Server) rejectDiscovery(c *fiber.Ctx) error {
	return s.decideDiscovery(c, "rejected", (*discovery.Manager).Reject)
}

func (s *Server) decideDiscovery(c *fiber.Ctx, decision string, fn func(*discovery.Manager, string) (discovery.Pending, error)) error {
	m, err := s.discovery()
	if err != nil {
		return err
	}
	p, err := fn(m, c.Params("source")+"/"+c.Params("entry"))
	if err != nil {
		return errDiscovery(err)
	}
	return c.JSON(DiscoveryDecision{Decision: decision, Entry: p.Redacted()})
}
