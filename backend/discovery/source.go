// Package discovery finds MCP servers the user already has (in a folder of
// config files, in the configs of installed clients, in labelled Docker
// containers, in annotated Kubernetes services and pods) and offers them for
// approval. Nothing found is ever added or removed on its own: every finding
// goes to a pending list, and an approved server enters the config
// quarantined, like any new server.
package discovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
)

// Kinds of source.
const (
	KindFolder     = "folder"
	KindClients    = "clients"
	KindDocker     = "docker"
	KindKubernetes = "kubernetes"
)

// kinds is every kind, in the order error messages list them.
var kinds = []string{KindFolder, KindClients, KindDocker, KindKubernetes}

// Modes of a source. Additive only ever proposes additions; authoritative
// also proposes removing a server it added earlier and no longer finds.
const (
	ModeAdditive      = "additive"
	ModeAuthoritative = "authoritative"
)

// DefaultInterval is how often a source is scanned when its interval is not
// set; a folder source also rescans as soon as its folder changes.
const DefaultInterval = 5 * time.Minute

// MinInterval keeps a mistyped interval from turning into a busy loop.
const MinInterval = 10 * time.Second

// Found is one server a source found.
type Found struct {
	Name   string         `json:"name"`
	Server *config.Server `json:"server"`
	// Where is the file it was found in.
	Where  string `json:"where"`
	Format string `json:"format,omitempty"`
	// Unavailable says why a server the source still holds cannot be
	// offered now (a stopped container, a pod that is not running). It
	// is not offered, but it is not gone either: an authoritative source
	// does not propose removing it.
	Unavailable string `json:"unavailable,omitempty"`
}

// Problem is a file a source could not read, so the user sees why a server
// they expected is missing.
type Problem struct {
	Where   string `json:"where"`
	Message string `json:"message"`
}

// Source is one place servers are discovered.
type Source interface {
	// Scan returns what the source holds now; problems are files that
	// could not be read (the others are still returned).
	Scan(ctx context.Context) ([]Found, []Problem, error)
}

// watcher is a source that can tell when it changed, so a scan follows an
// edit at once instead of at the next interval.
type watcher interface {
	Watch(ctx context.Context, changed func()) error
}

// SourceConfig is a source as it is kept and as the API shows it.
type SourceConfig struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Mode    string `json:"mode"`
	Enabled bool   `json:"enabled"`
	// Interval is a Go duration ("5m"); empty means DefaultInterval.
	Interval string `json:"interval,omitempty"`
	// Path is the folder of a folder source.
	Path string `json:"path,omitempty"`
	// Socket is the Docker Engine socket of a docker source: a path or
	// unix:///path; empty means DOCKER_HOST, then the usual places.
	Socket string `json:"socket,omitempty"`
	// Kubeconfig, Context, Namespace and LabelSelector say where a
	// kubernetes source looks: empty Kubeconfig means $KUBECONFIG, then
	// ~/.kube/config, then the cluster the process runs in; empty Context
	// the file's current one; empty Namespace every namespace.
	Kubeconfig    string `json:"kubeconfig,omitempty"`
	Context       string `json:"context,omitempty"`
	Namespace     string `json:"namespace,omitempty"`
	LabelSelector string `json:"label_selector,omitempty"`
}

// FieldError names the source and the field of it that is wrong.
type FieldError struct {
	Source  string
	Field   string
	Message string
}

func (e *FieldError) Error() string {
	if e.Source == "" {
		return e.Field + ": " + e.Message
	}
	return fmt.Sprintf("source %q: %s: %s", e.Source, e.Field, e.Message)
}

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, a...)}
}

// Validate checks a source's fields, naming the source and the one that is
// wrong.
func (c *SourceConfig) Validate() error {
	err := c.validate()
	var fe *FieldError
	if errors.As(err, &fe) && c.ID != "" {
		fe.Source = c.ID
	}
	return err
}

func (c *SourceConfig) validate() error {
	if c.ID == "" {
		return fieldErr("id", "is required (letters, digits, _ and -)")
	}
	if clientconfig.SanitizeName(c.ID) != c.ID {
		return fieldErr("id", "%q may hold only letters, digits, _ and - (at most 48)", c.ID)
	}
	if !slices.Contains(kinds, c.Kind) {
		if c.Kind == "" {
			return fieldErr("kind", "is required: one of %s", strings.Join(kinds, ", "))
		}
		return fieldErr("kind", "%q is not a kind of source; use one of %s", c.Kind, strings.Join(kinds, ", "))
	}
	// A setting of another kind is refused rather than ignored: a socket
	// given to a folder source is a mistake the user should hear about.
	for _, f := range c.kindFields() {
		if f.value != "" && f.kind != c.Kind {
			return fieldErr(f.name, "is not used by a %s source (it is a setting of a %s source)", c.Kind, f.kind)
		}
	}
	switch c.Kind {
	case KindFolder:
		if c.Path == "" {
			return fieldErr("path", "is required for a folder source: the folder of config files to watch")
		}
		if !filepath.IsAbs(c.Path) {
			return fieldErr("path", "%q must be an absolute path", c.Path)
		}
	case KindDocker:
		if err := validateDocker(c); err != nil {
			return err
		}
	case KindKubernetes:
		if err := validateKubernetes(c); err != nil {
			return err
		}
	}
	switch c.Mode {
	case ModeAdditive, ModeAuthoritative:
	case "":
		c.Mode = ModeAdditive
	default:
		return fieldErr("mode", "%q is not a mode; use %q or %q", c.Mode, ModeAdditive, ModeAuthoritative)
	}
	if c.Interval != "" {
		d, err := time.ParseDuration(c.Interval)
		if err != nil {
			return fieldErr("interval", "%q is not a duration (write it like 30s, 5m or 1h)", c.Interval)
		}
		if d < MinInterval {
			return fieldErr("interval", "%s is shorter than the minimum of %s", c.Interval, MinInterval)
		}
	}
	return nil
}

type kindField struct{ name, value, kind string }

// kindFields are the settings only one kind of source reads.
func (c *SourceConfig) kindFields() []kindField {
	return []kindField{
		{"path", c.Path, KindFolder},
		{"socket", c.Socket, KindDocker},
		{"kubeconfig", c.Kubeconfig, KindKubernetes},
		{"context", c.Context, KindKubernetes},
		{"namespace", c.Namespace, KindKubernetes},
		{"label_selector", c.LabelSelector, KindKubernetes},
	}
}

// interval is the scan period of the source. Validate keeps intervals
// below MinInterval out of what users send; a shorter one here comes only
// from a test of the schedule.
func (c *SourceConfig) interval() time.Duration {
	if d, err := time.ParseDuration(c.Interval); err == nil && d > 0 {
		return d
	}
	return DefaultInterval
}

// build makes the Source a config describes.
func build(c SourceConfig) (Source, error) {
	switch c.Kind {
	case KindFolder:
		return &FolderSource{cfg: c}, nil
	case KindClients:
		return &ClientsSource{cfg: c, Env: clientconfig.HostEnv}, nil
	case KindDocker:
		return &DockerSource{cfg: c, Getenv: os.Getenv}, nil
	case KindKubernetes:
		return &KubernetesSource{cfg: c}, nil
	}
	return nil, fieldErr("kind", "%q is not a kind of source", c.Kind)
}

// parseFile reads one client config file into what it holds, leaving out
// Switchboard's own entry (clientconfig marks it skipped).
func parseFile(path string, format clientconfig.Format) ([]Found, []Problem) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []Problem{{Where: path, Message: err.Error()}}
	}
	p, err := clientconfig.Parse(data, path, format)
	if err != nil {
		return nil, []Problem{{Where: path, Message: err.Error()}}
	}
	var found []Found
	var problems []Problem
	for _, imp := range p.Servers {
		switch {
		case imp.Error != "":
			problems = append(problems, Problem{Where: path, Message: imp.Error})
		case imp.Skip != "" || imp.Server == nil:
		default:
			found = append(found, Found{Name: imp.Name, Server: imp.Server, Where: path, Format: string(p.Format)})
		}
	}
	return found, problems
}

// dedupe keeps the first server of each name; a later one of the same name
// is reported, since two files disagreeing is worth knowing.
func dedupe(found []Found, problems []Problem) ([]Found, []Problem) {
	seen := map[string]string{}
	out := found[:0]
	for _, f := range found {
		if first, ok := seen[f.Name]; ok {
			problems = append(problems, Problem{Where: f.Where, Message: fmt.Sprintf("server %q is also in %s; the first one found is offered", f.Name, first)})
			continue
		}
		seen[f.Name] = f.Where
		out = append(out, f)
	}
	return out, problems
}

// FolderSource reads every JSON config file in one folder (not its
// subfolders), in any format clientconfig detects.
type FolderSource struct{ cfg SourceConfig }

func (s *FolderSource) Scan(ctx context.Context) ([]Found, []Problem, error) {
	entries, err := os.ReadDir(s.cfg.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("folder %s: %w", s.cfg.Path, err)
	}
	var found []Found
	var problems []Problem
	for _, e := range entries {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		name := e.Name()
		// Editors leave hidden swap and backup files next to the real one.
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !clientconfig.IsConfigFileName(name) {
			continue
		}
		f, p := parseFile(filepath.Join(s.cfg.Path, name), "")
		found, problems = append(found, f...), append(problems, p...)
	}
	found, problems = dedupe(found, problems)
	return found, problems, nil
}

// ClientsSource reads the user config file of every installed client
// (Claude Desktop, Cursor, VS Code, Windsurf, Claude Code) at its real place
// on this platform.
type ClientsSource struct {
	cfg SourceConfig
	// Env gives the platform and home folder; tests point it elsewhere.
	Env func() clientconfig.Env
}

func (s *ClientsSource) Scan(ctx context.Context) ([]Found, []Problem, error) {
	var found []Found
	var problems []Problem
	for _, l := range clientconfig.Locations(s.Env()) {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		// Project files are relative to a project folder, which a scan of
		// the machine has no way to know.
		if l.Scope != "user" {
			continue
		}
		st, err := os.Stat(l.Path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil || !st.Mode().IsRegular() {
			if err == nil {
				err = errors.New("not a regular file")
			}
			problems = append(problems, Problem{Where: l.Path, Message: err.Error()})
			continue
		}
		f, p := parseFile(l.Path, l.Format)
		// Claude Code's file may hold no servers at all (it keeps other
		// settings there); that is not a problem worth showing.
		if len(f) == 0 && len(p) == 1 && strings.HasPrefix(p[0].Message, "no ") {
			continue
		}
		found, problems = append(found, f...), append(problems, p...)
	}
	found, problems = dedupe(found, problems)
	slices.SortStableFunc(found, func(a, b Found) int { return strings.Compare(a.Name, b.Name) })
	return found, problems, nil
}

// Watch calls changed when a file in the folder is written, created,
// renamed or removed. The folder is watched, not the files: editors save by
// writing a new file and renaming it over the old one, which a watch on the
// file itself would lose.
func (s *FolderSource) Watch(ctx context.Context, changed func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(s.cfg.Path); err != nil {
		return fmt.Errorf("watch folder %s: %w", s.cfg.Path, err)
	}
	// Saves come as bursts of events; one scan after the burst is enough.
	kick, stop := debouncer(changed)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !clientconfig.IsConfigFileName(ev.Name) || ev.Op == fsnotify.Chmod {
				continue
			}
			kick()
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			return fmt.Errorf("watch folder %s: %w", s.cfg.Path, err)
		}
	}
}

// debounce is how long a watched source must be quiet before a rescan.
const debounce = 200 * time.Millisecond

// debouncer turns a burst of kicks into one call of changed, debounce after
// the last kick; stop cancels a call still waiting. Kicks come from one
// goroutine, the watch's.
func debouncer(changed func()) (kick, stop func()) {
	var timer *time.Timer
	kick = func() {
		if timer == nil {
			timer = time.AfterFunc(debounce, changed)
		} else {
			timer.Reset(debounce)
		}
	}
	stop = func() {
		if timer != nil {
			timer.Stop()
		}
	}
	return kick, stop
}
