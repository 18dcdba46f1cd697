// Package catalog is the list of MCP servers a user can install with one
// step: a built-in list of well-known public servers, embedded so it works
// offline, plus the user's own entries, kept in a file in the home folder.
// Deploying an entry makes a server config; the caller adds it through
// config.Manager, so it starts quarantined like any new server.
package catalog

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"switchboard/backend/config"
)

//go:embed builtin.json
var builtinJSON []byte

// Sources of an entry.
const (
	SourceBuiltin = "builtin"
	SourceUser    = "user"
)

// EnvVar is an environment variable a server reads.
type EnvVar struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Required variables must be given at deploy.
	Required bool `json:"required,omitempty"`
	// Secret variables are tokens and keys; pass them as ${keyring:NAME}
	// or ${env:NAME} references so the config file holds no secret.
	Secret bool `json:"secret,omitempty"`
}

// Entry is an installable server.
type Entry struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Transport is stdio, http or sse.
	Transport string   `json:"transport"`
	Command   string   `json:"command,omitempty"`
	Args      []string `json:"args,omitempty"`
	// Image is a container image run with docker as a stdio server.
	Image string `json:"image,omitempty"`
	URL   string `json:"url,omitempty"`
	// Headers of a remote server; {{NAME}} is replaced by the value given
	// for env variable NAME at deploy.
	Headers map[string]string `json:"headers,omitempty"`
	Env     []EnvVar          `json:"env,omitempty"`
	// ArgsHint says which arguments to add at deploy (folders, a database).
	ArgsHint string   `json:"args_hint,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Homepage string   `json:"homepage,omitempty"`
	Source   string   `json:"source"`
}

// FieldError is a bad value in an entry or a deploy request.
type FieldError struct {
	Problems []config.Problem
}

func (e *FieldError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

// Errors the API maps to statuses.
var (
	ErrNotFound = errors.New("no such catalog entry")
	ErrExists   = errors.New("a catalog entry with this id exists")
	ErrBuiltin  = errors.New("built-in entries cannot be deleted")
)

// Catalog holds the built-in entries and the user's.
type Catalog struct {
	path    string
	builtin []Entry

	mu   sync.Mutex
	user []Entry
	reg  registryState // the last registry sync (registry.go)
}

// New opens the catalog whose user entries live in path (created on the
// first add). A damaged file is an error naming it, so it is never
// overwritten with an empty list.
func New(path string) (*Catalog, error) {
	c := &Catalog{path: path}
	if err := json.Unmarshal(builtinJSON, &c.builtin); err != nil {
		return nil, fmt.Errorf("built-in catalog: %w", err)
	}
	for i := range c.builtin {
		c.builtin[i].Source = SourceBuiltin
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", path, err)
	default:
		var file struct {
			Entries []Entry `json:"entries"`
		}
		if err := json.Unmarshal(data, &file); err != nil {
			return nil, fmt.Errorf("%s is not a catalog file (%v); fix or remove it", path, err)
		}
		for i := range file.Entries {
			file.Entries[i].Source = SourceUser
		}
		c.user = file.Entries
	}
	if path != "" {
		if err := c.loadRegistry(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Builtin is the embedded list alone.
func Builtin() []Entry {
	c, err := New("")
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return c.builtin
}

// All lists every entry, sorted by id. A registry's entry whose id a
// built-in or user entry has is left out: those were chosen by hand.
func (c *Catalog) All() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append(slices.Clone(c.builtin), c.user...)
	taken := map[string]bool{}
	for _, e := range out {
		taken[e.ID] = true
	}
	for _, e := range c.reg.Entries {
		if !taken[e.ID] {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Get finds an entry by id.
func (c *Catalog) Get(id string) (Entry, error) {
	for _, e := range c.All() {
		if e.ID == id {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("%w: %q", ErrNotFound, id)
}

// Search returns the entries that carry every tag and match every word of
// q (in id, name, description, tags or the package), best first: a match
// in the id or name ranks before one in the description.
func (c *Catalog) Search(q string, tags []string) []Entry {
	words := strings.Fields(strings.ToLower(q))
	type hit struct {
		e     Entry
		score int
	}
	var hits []hit
	for _, e := range c.All() {
		if !hasTags(e, tags) {
			continue
		}
		score, ok := 0, true
		for _, w := range words {
			s := matchScore(e, w)
			if s == 0 {
				ok = false
				break
			}
			score += s
		}
		if ok {
			hits = append(hits, hit{e, score})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]Entry, len(hits))
	for i, h := range hits {
		out[i] = h.e
	}
	return out
}

func hasTags(e Entry, tags []string) bool {
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !slices.ContainsFunc(e.Tags, func(et string) bool { return strings.ToLower(et) == t }) {
			return false
		}
	}
	return true
}

func matchScore(e Entry, w string) int {
	switch {
	case strings.ToLower(e.ID) == w || strings.ToLower(e.Name) == w:
		return 10
	case strings.Contains(strings.ToLower(e.ID), w) || strings.Contains(strings.ToLower(e.Name), w):
		return 6
	case slices.ContainsFunc(e.Tags, func(t string) bool { return strings.ToLower(t) == w }):
		return 4
	case strings.Contains(strings.ToLower(e.Description), w):
		return 2
	case strings.Contains(strings.ToLower(strings.Join(e.Args, " ")+" "+e.Image+" "+e.URL), w):
		return 1
	}
	return 0
}

var (
	idRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate lists what is wrong with an entry, field by field.
func (e *Entry) Validate() error {
	var ps []config.Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, config.Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if !idRe.MatchString(e.ID) {
		add("id", "must be 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, got %q", e.ID)
	}
	if strings.TrimSpace(e.Name) == "" {
		add("name", "is required")
	}
	switch e.Transport {
	case config.TypeStdio:
		if (e.Command == "") == (e.Image == "") {
			add("command", "a stdio entry needs a command or an image (one of them)")
		}
		if e.URL != "" {
			add("url", "is for http and sse entries; this one is stdio")
		}
	case config.TypeHTTP, config.TypeSSE:
		if !strings.HasPrefix(e.URL, "http://") && !strings.HasPrefix(e.URL, "https://") {
			add("url", "must be an http:// or https:// URL, got %q", e.URL)
		}
		if e.Command != "" || e.Image != "" {
			add("command", "is for stdio entries; this one is %s", e.Transport)
		}
	default:
		add("transport", "must be %q, %q or %q, got %q", config.TypeStdio, config.TypeHTTP, config.TypeSSE, e.Transport)
	}
	seen := map[string]bool{}
	for i, v := range e.Env {
		if !envNameRe.MatchString(v.Name) {
			add(fmt.Sprintf("env[%d].name", i), "must be a variable name (letters, digits and _), got %q", v.Name)
		} else if seen[v.Name] {
			add(fmt.Sprintf("env[%d].name", i), "%s is listed twice", v.Name)
		}
		seen[v.Name] = true
	}
	if len(ps) > 0 {
		return &FieldError{Problems: ps}
	}
	return nil
}

// Add keeps a user entry.
func (c *Catalog) Add(e Entry) (Entry, error) {
	e.Source = SourceUser
	if e.Transport == "" {
		switch {
		case e.URL != "":
			e.Transport = config.TypeHTTP
		default:
			e.Transport = config.TypeStdio
		}
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range append(slices.Clone(c.builtin), c.user...) {
		if x.ID == e.ID {
			return Entry{}, fmt.Errorf("%w: %q (%s)", ErrExists, e.ID, x.Source)
		}
	}
	next := append(slices.Clone(c.user), e)
	if err := c.saveLocked(next); err != nil {
		return Entry{}, err
	}
	c.user = next
	return e, nil
}

// Delete removes a user entry.
func (c *Catalog) Delete(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.user, func(e Entry) bool { return e.ID == id })
	if i < 0 {
		if slices.ContainsFunc(c.builtin, func(e Entry) bool { return e.ID == id }) {
			return fmt.Errorf("%w: %q is built in", ErrBuiltin, id)
		}
		if slices.ContainsFunc(c.reg.Entries, func(e Entry) bool { return e.ID == id }) {
			return fmt.Errorf("%w: %q comes from the registry %s, and the next sync replaces its entries", ErrBuiltin, id, c.reg.Registry)
		}
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	next := slices.Delete(slices.Clone(c.user), i, i+1)
	if err := c.saveLocked(next); err != nil {
		return err
	}
	c.user = next
	return nil
}

func (c *Catalog) saveLocked(entries []Entry) error {
	if c.path == "" {
		return errors.New("this catalog has no file for user entries")
	}
	if entries == nil {
		entries = []Entry{}
	}
	data, err := json.MarshalIndent(map[string]any{"entries": entries}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

// DeployRequest is what deploy needs besides the entry.
type DeployRequest struct {
	// Name of the new server (default: the entry's id).
	Name string `json:"name,omitempty"`
	// Env gives the entry's variables; secrets are best given as
	// ${keyring:NAME} or ${env:NAME} references.
	Env map[string]string `json:"env,omitempty"`
	// Args are added after the entry's own (folders, a database...).
	Args []string `json:"args,omitempty"`
	// Tags are added to the entry's.
	Tags []string `json:"tags,omitempty"`
}

// ServerName is the name a deploy gives the server.
func (r DeployRequest) ServerName(e Entry) string {
	if r.Name != "" {
		return r.Name
	}
	return strings.NewReplacer(".", "-").Replace(e.ID)
}

// Server makes the server config of a deploy. A required variable left
// out, or a variable the entry does not know, is a FieldError naming it.
func (e Entry) Server(r DeployRequest) (*config.Server, error) {
	var ps []config.Problem
	known := map[string]EnvVar{}
	for _, v := range e.Env {
		known[v.Name] = v
		if v.Required && strings.TrimSpace(r.Env[v.Name]) == "" {
			msg := "is required"
			if v.Description != "" {
				msg += ": " + v.Description
			}
			if v.Secret {
				msg += fmt.Sprintf(" (a secret: give it as ${keyring:%s} after `switchboard secrets set %s`, or as ${env:%s})", v.Name, v.Name, v.Name)
			}
			ps = append(ps, config.Problem{Path: "env." + v.Name, Message: msg})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Env)) {
		if _, ok := known[k]; !ok && !envNameRe.MatchString(k) {
			ps = append(ps, config.Problem{Path: "env." + k, Message: "is not a variable name (letters, digits and _)"})
		}
	}
	if len(ps) > 0 {
		return nil, &FieldError{Problems: ps}
	}
	env := map[string]string{}
	for k, v := range r.Env {
		if v != "" {
			env[k] = v
		}
	}
	fill := func(s string) string {
		for k, v := range env {
			s = strings.ReplaceAll(s, "{{"+k+"}}", v)
		}
		return s
	}
	sc := &config.Server{Description: e.Description, Tags: append(slices.Clone(e.Tags), r.Tags...)}
	switch {
	case e.Image != "":
		// A "docker run" command is run as written; -e NAME passes each
		// variable by name, so values never show in a process list.
		sc.Command = "docker"
		sc.Args = []string{"run", "-i", "--rm"}
		for _, k := range slices.Sorted(maps.Keys(env)) {
			sc.Args = append(sc.Args, "-e", k)
		}
		sc.Args = append(sc.Args, e.Image)
		sc.Args = append(sc.Args, r.Args...)
		sc.Env = env
	case e.Transport == config.TypeStdio:
		sc.Command = e.Command
		sc.Args = append(slices.Clone(e.Args), r.Args...)
		sc.Env = env
	default:
		sc.URL = fill(e.URL)
		if e.Transport == config.TypeSSE {
			sc.Type = config.TypeSSE
		}
		if len(e.Headers) > 0 {
			sc.Headers = map[string]string{}
			for k, v := range e.Headers {
				sc.Headers[k] = fill(v)
			}
		}
	}
	if len(sc.Env) == 0 {
		sc.Env = nil
	}
	return sc, nil
}
