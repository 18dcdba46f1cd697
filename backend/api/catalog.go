package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/catalog"
	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
)

// CatalogList is the answer of GET /catalog.
type CatalogList struct {
	Entries []catalog.Entry `json:"entries"`
	Total   int             `json:"total"`
}

// CatalogDeleted says an entry was removed.
type CatalogDeleted struct {
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

// CatalogDeployed is the server a deploy created.
type CatalogDeployed struct {
	Entry   string     `json:"entry"`
	Server  ServerInfo `json:"server"`
	Message string     `json:"message"`
}

// CatalogSyncRequest is the body of POST /catalog/sync.
type CatalogSyncRequest struct {
	// URL of a registry serving the MCP Registry API (default: the
	// official one, https://registry.modelcontextprotocol.io).
	URL string `json:"url,omitempty"`
}

// CatalogSyncStatus is the last registry sync (GET /catalog/sync).
type CatalogSyncStatus struct {
	Registry string     `json:"registry,omitempty"`
	SyncedAt *time.Time `json:"synced_at,omitempty"` // absent: never synced
	Entries  int        `json:"entries"`
}

// catalogFile is where user entries are kept, in the home folder.
const catalogFile = "catalog.json"

func (s *Server) registerCatalog() {
	const tag = "catalog"
	// The catalog is opened on first use: the home folder is known only
	// once the API serves, and a damaged file is then reported per request
	// (and retried after it is fixed) instead of failing the whole API.
	var (
		mu  sync.Mutex
		cat *catalog.Catalog
	)
	open := func() (*catalog.Catalog, error) {
		mu.Lock()
		defer mu.Unlock()
		if cat != nil {
			return cat, nil
		}
		c, err := catalog.New(filepath.Join(s.home(), catalogFile))
		if err != nil {
			return nil, apiErr(http.StatusInternalServerError, "CatalogUnreadable", "%v", err)
		}
		cat = c
		return c, nil
	}
	with := func(h func(*fiber.Ctx, *catalog.Catalog) error) fiber.Handler {
		return func(c *fiber.Ctx) error {
			cat, err := open()
			if err != nil {
				return err
			}
			return h(c, cat)
		}
	}
	s.handle(Route{Method: "GET", Path: "/api/v1/catalog", Tag: tag, Perm: auth.ServersRead,
		Summary: "Search the catalog of installable servers (built-in, works offline; your own entries; and a registry's, once synced) by text and tags",
		Query: []Param{
			{"q", "string", "words that must all match the id, name, description, tags or package"},
			{"tags", "string", "comma-separated tags that must all be present"},
		}, Response: CatalogList{}}, with(s.listCatalog))
	s.handle(Route{Method: "POST", Path: "/api/v1/catalog/sync", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Fill the catalog from an MCP registry (default: the official one): every server's latest version that can run here, kept until the next sync; an error keeps the last sync",
		Body:    CatalogSyncRequest{}, Response: catalog.SyncResult{}}, with(s.syncCatalog))
	s.handle(Route{Method: "GET", Path: "/api/v1/catalog/sync", Tag: tag, Perm: auth.ServersRead,
		Summary: "The last registry sync: the registry, when, and how many entries it gave", Response: CatalogSyncStatus{}}, with(s.catalogSyncStatus))
	s.handle(Route{Method: "GET", Path: "/api/v1/catalog/:id", Tag: tag, Perm: auth.ServersRead,
		Summary: "One catalog entry", Response: catalog.Entry{}}, with(s.getCatalogEntry))
	s.handle(Route{Method: "POST", Path: "/api/v1/catalog", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Add your own catalog entry (kept in catalog.json in the home folder)",
		Body:    catalog.Entry{}, Response: catalog.Entry{}, Status: http.StatusCreated}, with(s.addCatalogEntry))
	s.handle(Route{Method: "DELETE", Path: "/api/v1/catalog/:id", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Delete one of your catalog entries (built-in ones stay)", Response: CatalogDeleted{}}, with(s.deleteCatalogEntry))
	s.handle(Route{Method: "POST", Path: "/api/v1/catalog/:id/deploy", Tag: tag, Perm: auth.ServersWrite,
		Summary: "Create a server from an entry. It starts quarantined, like any new server, until approved. 422 names each required env variable left out",
		Body:    catalog.DeployRequest{}, Response: CatalogDeployed{}, Status: http.StatusCreated}, with(s.deployCatalogEntry))
}

func (s *Server) listCatalog(c *fiber.Ctx, cat *catalog.Catalog) error {
	var tags []string
	for _, t := range strings.Split(c.Query("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	entries := cat.Search(c.Query("q"), tags)
	if entries == nil {
		entries = []catalog.Entry{}
	}
	return c.JSON(CatalogList{Entries: entries, Total: len(entries)})
}

func (s *Server) syncCatalog(c *fiber.Ctx, cat *catalog.Catalog) error {
	var req CatalogSyncRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	res, err := cat.Sync(ctxOf(requestOf(c)), http.DefaultClient, cmp.Or(req.URL, catalog.DefaultRegistry))
	if errors.Is(err, catalog.ErrRegistry) {
		return apiErr(http.StatusBadGateway, "RegistryUnreadable", "%v; the catalog keeps the last sync's entries", err)
	}
	if err != nil {
		return errCatalog(err)
	}
	s.log.Info("catalog synced", "registry", res.Registry, "entries", res.Total, "added", res.Added, "removed", res.Removed, "skipped", res.Skipped)
	return c.JSON(res)
}

func (s *Server) catalogSyncStatus(c *fiber.Ctx, cat *catalog.Catalog) error {
	reg, at, n := cat.RegistryStatus()
	out := CatalogSyncStatus{Registry: reg, Entries: n}
	if !at.IsZero() {
		out.SyncedAt = &at
	}
	return c.JSON(out)
}

func errCatalog(err error) error {
	var fe *catalog.FieldError
	switch {
	case errors.As(err, &fe):
		return &Error{Code: "InvalidField", Message: fe.Error(), StatusCode: http.StatusUnprocessableEntity, Problems: fe.Problems}
	case errors.Is(err, catalog.ErrNotFound):
		return errNotFound("CatalogEntryNotFound", "%v; GET /api/v1/catalog lists the entries", err)
	case errors.Is(err, catalog.ErrExists):
		return errConflict("CatalogEntryExists", "%v; choose another id", err)
	case errors.Is(err, catalog.ErrBuiltin):
		return errConflict("CatalogEntryBuiltIn", "%v; only your own entries can be deleted", err)
	}
	return apiErr(http.StatusInternalServerError, "CatalogSaveFailed", "%v", err)
}

func (s *Server) getCatalogEntry(c *fiber.Ctx, cat *catalog.Catalog) error {
	e, err := cat.Get(c.Params("id"))
	if err != nil {
		return errCatalog(err)
	}
	return c.JSON(e)
}

func (s *Server) addCatalogEntry(c *fiber.Ctx, cat *catalog.Catalog) error {
	var e catalog.Entry
	if err := bind(c, &e); err != nil {
		return err
	}
	added, err := cat.Add(e)
	if err != nil {
		return errCatalog(err)
	}
	return c.Status(http.StatusCreated).JSON(added)
}

func (s *Server) deleteCatalogEntry(c *fiber.Ctx, cat *catalog.Catalog) error {
	id := c.Params("id")
	if err := cat.Delete(id); err != nil {
		return errCatalog(err)
	}
	return c.JSON(CatalogDeleted{ID: id, Deleted: true})
}

func (s *Server) deployCatalogEntry(c *fiber.Ctx, cat *catalog.Catalog) error {
	e, err := cat.Get(c.Params("id"))
	if err != nil {
		return errCatalog(err)
	}
	var req catalog.DeployRequest
	if len(strings.TrimSpace(string(c.Body()))) > 0 {
		if err := decodeJSON(c.Body(), &req); err != nil {
			return err
		}
	}
	name := req.ServerName(e)
	if clientconfig.SanitizeName(name) != name || len(name) > 48 {
		return errInvalid("name", "must be 1-48 letters, digits, '_' or '-' without \"__\", got %q", name)
	}
	sc, err := e.Server(req)
	if err != nil {
		return errCatalog(err)
	}
	_, err = s.opts.Config.Update(func(cfg *config.Config) error {
		if cfg.Servers[name] != nil {
			return errConflict("ServerExists", "a server named %q already exists; deploy under another name (\"name\" in the body)", name)
		}
		if cfg.Servers == nil {
			cfg.Servers = map[string]*config.Server{}
		}
		cfg.Servers[name] = sc
		return nil
	})
	if err != nil {
		return errConfig(err)
	}
	info := s.serverInfo(name, sc, true)
	msg := fmt.Sprintf("server %q created from the catalog entry %q", name, e.ID)
	if info.Quarantined {
		msg += "; it is quarantined until approved (POST /api/v1/servers/" + name + "/approve)"
	}
	if e.ArgsHint != "" && len(req.Args) == 0 {
		msg += "; this server usually needs arguments: " + e.ArgsHint
	}
	return c.Status(http.StatusCreated).JSON(CatalogDeployed{Entry: e.ID, Server: info, Message: msg})
}
