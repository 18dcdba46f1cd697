package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/fsutil"
	"switchboard/backend/hostcheck"
)

// The official MCP Registry (registry.modelcontextprotocol.io), or any
// registry that serves its API (a company's own), can fill the catalog
// beside the built-in list: Sync reads every server's latest version and
// keeps the ones Switchboard can run in a file of their own, so the
// catalog still works offline between syncs.

// SourceRegistry marks entries read from a registry.
const SourceRegistry = "registry"

// DefaultRegistry is the official MCP Registry.
const DefaultRegistry = "https://registry.modelcontextprotocol.io"

// registryFile holds the entries of the last sync, beside catalog.json.
const registryFile = "catalog-registry.json"

// Limits that keep a sync bounded whatever the registry answers.
const (
	registryPageSize = 100
	registryMaxPages = 200      // 20,000 servers
	registryMaxBytes = 16 << 20 // of one page
	registryTimeout  = 30 * time.Second
)

// SyncResult says what a sync did.
type SyncResult struct {
	Registry string    `json:"registry"`
	SyncedAt time.Time `json:"synced_at"`
	// Total is how many entries the registry gave that can be run now.
	Total   int `json:"total"`
	Added   int `json:"added"`
	Removed int `json:"removed"`
	// Skipped counts servers Switchboard cannot run (a package type it
	// has no runner for, a remote URL with unfilled variables); Why names
	// the first of them and the reason.
	Skipped int      `json:"skipped"`
	Why     []string `json:"why,omitempty"`
}

// registryState is the registry file.
type registryState struct {
	Registry string    `json:"registry"`
	SyncedAt time.Time `json:"synced_at"`
	Entries  []Entry   `json:"entries"`
}

// RegistryStatus is the last sync: the registry and when (zero: never).
func (c *Catalog) RegistryStatus() (registry string, syncedAt time.Time, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reg.Registry, c.reg.SyncedAt, len(c.reg.Entries)
}

// Sync replaces the registry's entries with what base serves now. An error
// (unreachable, refused, not a registry) leaves the last sync's entries.
func (c *Catalog) Sync(ctx context.Context, hc *http.Client, base string) (SyncResult, error) {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	if err := checkRegistryURL(base); err != nil {
		return SyncResult{}, err
	}
	if c.path == "" {
		return SyncResult{}, errors.New("this catalog has no folder to keep a registry's entries in")
	}
	entries, skipped, err := fetchRegistry(ctx, hc, base)
	if err != nil {
		return SyncResult{}, err
	}
	res := SyncResult{Registry: base, SyncedAt: time.Now().UTC(), Total: len(entries), Skipped: len(skipped)}
	res.Why = skipped[:min(len(skipped), 20)]
	st := registryState{Registry: base, SyncedAt: res.SyncedAt, Entries: entries}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return SyncResult{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := fsutil.WriteFileAtomic(c.registryPath(), append(data, '\n'), 0o600); err != nil {
		return SyncResult{}, err
	}
	before := map[string]bool{}
	for _, e := range c.reg.Entries {
		before[e.ID] = true
	}
	for _, e := range entries {
		if !before[e.ID] {
			res.Added++
		}
		delete(before, e.ID)
	}
	res.Removed = len(before)
	c.reg = st
	return res, nil
}

func (c *Catalog) registryPath() string { return filepath.Join(filepath.Dir(c.path), registryFile) }

// loadRegistry reads the last sync's entries; none before the first.
func (c *Catalog) loadRegistry() error {
	data, err := os.ReadFile(c.registryPath())
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("reading %s: %w", c.registryPath(), err)
	}
	if err := json.Unmarshal(data, &c.reg); err != nil {
		return fmt.Errorf("%s is not a registry sync file (%v); sync again or remove it", c.registryPath(), err)
	}
	for i := range c.reg.Entries {
		c.reg.Entries[i].Source = SourceRegistry
	}
	return nil
}

// checkRegistryURL allows https, and http on this machine only (a
// registry run locally): the entries become commands this machine runs.
func checkRegistryURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return &FieldError{Problems: []config.Problem{{Path: "url", Message: fmt.Sprintf("%q is not a URL", base)}}}
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && hostcheck.LoopbackHost(u.Host)) {
		return &FieldError{Problems: []config.Problem{{Path: "url", Message: fmt.Sprintf("%q must be https:// (http:// only for a registry on this machine)", base)}}}
	}
	return nil
}

// ErrRegistry is a registry that could not be read; the message says how.
var ErrRegistry = errors.New("registry")

// The registry's API (the generic registry API of the MCP Registry
// project): GET {base}/v0.1/servers?version=latest&limit=&cursor= answers
// {"servers": [{"server": {server.json}}], "metadata": {"nextCursor"}}.
// Registries of the earlier v0 API serve /v0/servers and may name the
// cursor next_cursor.
type registryPage struct {
	Servers []struct {
		Server registryServer `json:"server"`
	} `json:"servers"`
	Metadata struct {
		NextCursor    string `json:"nextCursor"`
		NextCursorOld string `json:"next_cursor"`
	} `json:"metadata"`
}

type registryServer struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Version     string `json:"version"`
	WebsiteURL  string `json:"websiteUrl"`
	Repository  struct {
		URL string `json:"url"`
	} `json:"repository"`
	Packages []registryPackage `json:"packages"`
	Remotes  []registryRemote  `json:"remotes"`
}

type registryPackage struct {
	RegistryType     string                `json:"registryType"`
	Identifier       string                `json:"identifier"`
	Version          string                `json:"version"`
	Transport        struct{ Type string } `json:"transport"`
	RuntimeArguments []registryArgument    `json:"runtimeArguments"`
	PackageArguments []registryArgument    `json:"packageArguments"`
	Env              []registryVariable    `json:"environmentVariables"`
}

type registryArgument struct {
	Type       string `json:"type"` // positional or named
	Name       string `json:"name"`
	Value      string `json:"value"`
	Default    string `json:"default"`
	IsRequired bool   `json:"isRequired"`
	ValueHint  string `json:"valueHint"`
}

type registryVariable struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Value       string `json:"value"`
	IsRequired  bool   `json:"isRequired"`
	IsSecret    bool   `json:"isSecret"`
}

type registryRemote struct {
	Type      string             `json:"type"`
	URL       string             `json:"url"`
	Headers   []registryVariable `json:"headers"`
	Variables map[string]struct {
		Default string `json:"default"`
	} `json:"variables"`
}

func fetchRegistry(ctx context.Context, hc *http.Client, base string) (entries []Entry, skipped []string, err error) {
	path := "/v0.1/servers"
	cursor := ""
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page == registryMaxPages {
			skipped = append(skipped, fmt.Sprintf("the registry has more than %d servers; the rest were not read", registryMaxPages*registryPageSize))
			return entries, skipped, nil
		}
		q := url.Values{"version": {"latest"}, "limit": {fmt.Sprint(registryPageSize)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		p, status, err := getRegistryPage(ctx, hc, base+path+"?"+q.Encode())
		if status == http.StatusNotFound && page == 0 && path == "/v0.1/servers" {
			path = "/v0/servers" // an older registry
			page--
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for _, s := range p.Servers {
			e, why := registryEntry(s.Server)
			if why == "" {
				if err := e.Validate(); err != nil {
					why = err.Error()
				}
			}
			switch {
			case why != "":
				skipped = append(skipped, fmt.Sprintf("%s: %s", s.Server.Name, why))
			case seen[e.ID]:
				// A registry lists one latest version per server; an id
				// met twice is two names that read alike, and the first
				// stays.
				skipped = append(skipped, fmt.Sprintf("%s: its id %q is taken by another server of this registry", s.Server.Name, e.ID))
			default:
				seen[e.ID] = true
				entries = append(entries, e)
			}
		}
		cursor = p.Metadata.NextCursor
		if cursor == "" {
			cursor = p.Metadata.NextCursorOld
		}
		if cursor == "" || len(p.Servers) == 0 {
			return entries, skipped, nil
		}
	}
}

func getRegistryPage(ctx context.Context, hc *http.Client, u string) (registryPage, int, error) {
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return registryPage{}, 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "switchboard-catalog")
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL
		}
		return registryPage{}, 0, fmt.Errorf("%w: GET %s: %v", ErrRegistry, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return registryPage{}, resp.StatusCode, fmt.Errorf("%w: GET %s answered %s: %s", ErrRegistry, u, resp.Status, strings.TrimSpace(string(snippet)))
	}
	var p registryPage
	body := io.LimitReader(resp.Body, registryMaxBytes)
	if err := json.NewDecoder(body).Decode(&p); err != nil {
		return registryPage{}, resp.StatusCode, fmt.Errorf("%w: GET %s did not answer a registry's server list: %v", ErrRegistry, u, err)
	}
	return p, resp.StatusCode, nil
}

var notIDChars = regexp.MustCompile(`[^a-z0-9._-]+`)

// registryID makes a catalog id of a registry name (io.github.user/weather
// becomes io.github.user-weather), cut to the 64 characters ids may have.
func registryID(name string) string {
	id := strings.Trim(notIDChars.ReplaceAllString(strings.ToLower(name), "-"), "-._")
	if len(id) > 64 {
		id = strings.TrimRight(id[:64], "-._")
	}
	return id
}

// runners says how each package type runs as a stdio server: the command
// and how the package and its version become arguments.
var runners = map[string]func(p registryPackage) (command string, args []string){
	"npm": func(p registryPackage) (string, []string) {
		return "npx", []string{"-y", withVersion(p.Identifier, "@", p.Version)}
	},
	"pypi": func(p registryPackage) (string, []string) {
		return "uvx", []string{withVersion(p.Identifier, "==", p.Version)}
	},
}

func withVersion(id, sep, v string) string {
	if v == "" || v == "latest" {
		return id
	}
	return id + sep + v
}

// registryEntry turns one server.json into a catalog entry, or says why
// it cannot be run: the first package Switchboard has a runner for (npm
// with npx, PyPI with uvx, an OCI image with docker) over stdio, else the
// first remote over streamable HTTP or SSE.
func registryEntry(s registryServer) (Entry, string) {
	e := Entry{ID: registryID(s.Name), Name: cmp.Or(s.Title, s.Name), Description: s.Description,
		Homepage: cmp.Or(s.WebsiteURL, s.Repository.URL), Tags: []string{SourceRegistry}, Source: SourceRegistry}
	if e.ID == "" {
		return Entry{}, "no name"
	}
	var why []string
	for _, p := range s.Packages {
		if p.Transport.Type != "" && p.Transport.Type != "stdio" {
			why = append(why, fmt.Sprintf("%s package over %s", p.RegistryType, p.Transport.Type))
			continue
		}
		e.Transport = config.TypeStdio
		switch run := runners[p.RegistryType]; {
		case run != nil:
			e.Command, e.Args = run(p)
		case p.RegistryType == "oci":
			e.Image = withVersion(p.Identifier, ":", p.Version)
		default:
			why = append(why, fmt.Sprintf("a %s package (no runner for it)", cmp.Or(p.RegistryType, "typeless")))
			continue
		}
		// Arguments with a fixed value are the server's own; those the user
		// must choose (a folder, a database) are named in the hint.
		var hints []string
		for _, a := range append(slices.Clone(p.RuntimeArguments), p.PackageArguments...) {
			v := cmp.Or(a.Value, a.Default)
			switch {
			case v == "" && a.IsRequired:
				hints = append(hints, cmp.Or(a.ValueHint, a.Name))
			case v == "":
			case a.Type == "named" && a.Name != "":
				e.Args = append(e.Args, a.Name, v)
			default:
				e.Args = append(e.Args, v)
			}
		}
		if len(hints) > 0 {
			e.ArgsHint = "add: " + strings.Join(hints, ", ")
		}
		e.Env = registryEnv(p.Env)
		return e, ""
	}
	for _, r := range s.Remotes {
		switch r.Type {
		case "streamable-http", "http":
			e.Transport = config.TypeHTTP
		case "sse":
			e.Transport = config.TypeSSE
		default:
			why = append(why, fmt.Sprintf("a remote over %q", r.Type))
			continue
		}
		u := r.URL
		for name, v := range r.Variables {
			u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
		}
		if strings.ContainsAny(u, "{}") {
			why = append(why, fmt.Sprintf("remote %s has variables without defaults", r.URL))
			continue
		}
		e.URL = u
		// A header's value comes from a variable of the same name given at
		// deploy, as a reference when it is a secret.
		if len(r.Headers) > 0 {
			e.Headers = map[string]string{}
		}
		for _, h := range r.Headers {
			if h.Value != "" && !strings.Contains(h.Value, "{") {
				e.Headers[h.Name] = h.Value
				continue
			}
			v := headerVariable(h.Name)
			e.Headers[h.Name] = "{{" + v + "}}"
			e.Env = append(e.Env, EnvVar{Name: v, Description: cmp.Or(h.Description, "the "+h.Name+" header"), Required: h.IsRequired, Secret: h.IsSecret})
		}
		return e, ""
	}
	if len(why) == 0 {
		return Entry{}, "no package and no remote"
	}
	return Entry{}, strings.Join(why, "; ")
}

func registryEnv(vs []registryVariable) []EnvVar {
	var out []EnvVar
	for _, v := range vs {
		if !envNameRe.MatchString(v.Name) || slices.ContainsFunc(out, func(x EnvVar) bool { return x.Name == v.Name }) {
			continue
		}
		out = append(out, EnvVar{Name: v.Name, Description: v.Description, Required: v.IsRequired, Secret: v.IsSecret})
	}
	return out
}

// headerVariable names the variable that carries a header's value:
// Authorization becomes AUTHORIZATION, X-Api-Key X_API_KEY.
func headerVariable(header string) string {
	return strings.ToUpper(strings.Trim(notVarChars.ReplaceAllString(header, "_"), "_"))
}

var notVarChars = regexp.MustCompile(`[^A-Za-z0-9]+`)
