package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/catalog"
	"switchboard/backend/client"
	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
)

// fleetCmds are the commands that move servers between Switchboard and AI
// clients, and install servers from the catalog.
func (e *env) fleetCmds() []*cobra.Command {
	return []*cobra.Command{e.importCmd(), e.exportCmd(), e.connectCmd(), e.catalogCmd()}
}

func (e *env) importCmd() *cobra.Command {
	var (
		apply, replace bool
		format         string
		only           []string
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Bring in the servers of a client's config file (preview; --apply to import)",
		Long: `Reads the MCP config of Claude Desktop, Cursor, VS Code, Windsurf, Claude Code
or a generic {"mcpServers": ...} file (comments allowed; the format is
detected) and shows what would be added, updated, left alone or skipped.
With --apply the servers are added; new servers are quarantined until
approved (switchboard quarantine list). "switchboard connect --help" shows
where each client keeps its file.`,
		Example: `  switchboard import ~/.config/Claude/claude_desktop_config.json
  switchboard import ~/.cursor/mcp.json --apply --only github,memory`,
		Args: cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("reading %s: %w", args[0], err)
			}
			abs, _ := filepath.Abs(args[0])
			req := api.ImportRequest{Content: string(data), Filename: abs, Format: format, Names: only, Replace: replace}
			var res *api.ImportResult
			if apply {
				res, err = c.Import(ctx, req)
			} else {
				res, err = c.PreviewImport(ctx, req)
			}
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			return printImport(cmd.OutOrStdout(), res, apply)
		}),
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "import (without it, only show what would change)")
	cmd.Flags().BoolVar(&replace, "replace", false, "update servers that exist with other settings")
	cmd.Flags().StringVar(&format, "format", "", "the file's format when detection guesses wrong: "+formatNames(clientconfig.Formats))
	cmd.Flags().StringSliceVar(&only, "only", nil, "import only these servers (comma-separated)")
	return cmd
}

func formatNames(fs []clientconfig.Format) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

func printImport(w io.Writer, res *api.ImportResult, applied bool) error {
	p := res.Plan
	fmt.Fprintf(w, "Format: %s (%s)\n\n", p.Format, p.Detected)
	t := newTable(w, "SERVER", "ACTION", "DETAIL")
	for _, ch := range p.Changes {
		name := ch.Name
		if ch.SourceName != "" {
			name += " (from " + ch.SourceName + ")"
		}
		detail := ch.Reason
		if detail == "" && len(ch.Fields) > 0 {
			detail = "changes " + strings.Join(ch.Fields, ", ")
		}
		if detail == "" && ch.Server != nil {
			detail = reachedBy(ch.Server)
		}
		t.row(name, ch.Action, orDash(clip(detail, 100)))
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, ch := range p.Changes {
		for _, warn := range ch.Warnings {
			fmt.Fprintf(w, "note: %s: %s\n", ch.Name, warn)
		}
	}
	fmt.Fprintln(w)
	switch {
	case applied:
		fmt.Fprintln(w, res.Message)
	case p.Summary.Add+p.Summary.Update == 0:
		fmt.Fprintln(w, "Nothing to import.")
	default:
		fmt.Fprintf(w, "Preview only: run again with --apply to import %d server(s).\n", p.Summary.Add+p.Summary.Update)
	}
	return nil
}

func (e *env) exportCmd() *cobra.Command {
	var (
		format, out string
		names       []string
		force       bool
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write Switchboard's servers in a client's config format",
		Long: `Prints the servers (all, or --names) as the config file of a client:
` + formatNames(clientconfig.Formats) + `. Secrets stay references (${env:...},
${keyring:...}); a literal secret is written as an ${env:NAME} reference, and
each such change is noted on stderr.`,
		Example: `  switchboard export --format cursor > ~/.cursor/mcp.json
  switchboard export --format vscode --names github,memory --out .vscode/mcp.json`,
		Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			res, err := c.Export(ctx, format, names)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "note:", w)
			}
			if out == "" {
				_, err := io.WriteString(cmd.OutOrStdout(), res.Content)
				return err
			}
			if _, err := os.Stat(out); err == nil && !force {
				return fmt.Errorf("%s exists; pass --force to overwrite it, or use connect to add Switchboard to a client's file without losing anything", out)
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(out, []byte(res.Content), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote %d server(s) to %s\n", len(res.Servers), out)
			return nil
		}),
	}
	cmd.Flags().StringVar(&format, "format", "generic", "claude-desktop, cursor, vscode, windsurf, claude-code or generic")
	cmd.Flags().StringSliceVar(&names, "names", nil, "only these servers (comma-separated)")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of stdout")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the --out file")
	return cmd
}

func (e *env) connectCmd() *cobra.Command {
	var (
		undo bool
		path string
	)
	cmd := &cobra.Command{
		Use:   "connect CLIENT",
		Short: "Add Switchboard to an AI client's config (--undo takes it out again)",
		Long: `Writes a "switchboard" entry into the client's own MCP config file: the stdio
bridge for Claude Desktop, the http://127.0.0.1:7410/mcp endpoint for Cursor,
VS Code, Windsurf and Claude Code. The file is edited in place: its other
servers, comments and formatting stay as they are, and a backup is kept in
the home folder's clients/. --undo puts the file back byte for byte (or, if
it was edited since, takes out only the "switchboard" entry).

Clients: ` + formatNames(clientconfig.ConnectFormats) + `. Their files on this machine:
` + locationsHelp(),
		Example: `  switchboard connect claude-desktop
  switchboard connect vscode --path ./.vscode/mcp.json
  switchboard connect cursor --undo`,
		Args: cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			if _, err := clientconfig.ParseConnectClient(args[0]); err != nil {
				return err
			}
			req := api.ConnectRequest{}
			if path != "" {
				abs, err := filepath.Abs(path)
				if err != nil {
					return err
				}
				req.Path = abs
			}
			if undo {
				res, err := c.Disconnect(ctx, args[0], req)
				if errors.Is(err, client.ErrNotRunning) {
					res, err = e.localConnector().Undo(mustClient(args[0]), req.Path)
				}
				if err != nil {
					return err
				}
				if e.json() {
					return writeJSON(cmd.OutOrStdout(), res)
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), capitalize(res.Message))
				return err
			}
			// Claude Desktop launches this very program as the bridge.
			if exe, err := os.Executable(); err == nil {
				if real, err := filepath.EvalSymlinks(exe); err == nil {
					exe = real
				}
				req.Command = exe
			}
			res, err := c.Connect(ctx, args[0], req)
			if errors.Is(err, client.ErrNotRunning) {
				// Editing a client's file needs no running Switchboard: the
				// address comes from the config file instead.
				res, err = e.connectLocally(mustClient(args[0]), req)
			}
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Message)
			if res.Backup != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "The file as it was is kept in %s; `switchboard connect %s --undo` puts it back.\n", res.Backup, args[0])
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&undo, "undo", false, "take Switchboard out of the client's file again")
	cmd.Flags().StringVar(&path, "path", "", "the client's config file (default: its usual place on this machine)")
	return cmd
}

// mustClient is a client name already checked by ParseConnectClient.
func mustClient(name string) clientconfig.Format {
	f, _ := clientconfig.ParseConnectClient(name)
	return f
}

// localConnector keeps its backups where the running instance would.
func (e *env) localConnector() *clientconfig.Connector {
	return &clientconfig.Connector{Dir: filepath.Join(e.globals().home(), "clients")}
}

// connectLocally connects a client while Switchboard is not running,
// pointing it at the listen address of the config file.
func (e *env) connectLocally(f clientconfig.Format, req api.ConnectRequest) (*clientconfig.ConnectResult, error) {
	g := e.globals()
	path := g.Config
	if path == "" {
		path = filepath.Join(g.home(), "config.json")
	}
	listen := config.DefaultListen
	if cfg, err := config.Load(path); err == nil {
		listen = cfg.ListenAddr()
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("Switchboard is not running and its config does not load (%v); fix it or start Switchboard", err)
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("listen %q in %s: %v", listen, path, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return e.localConnector().Connect(clientconfig.ConnectOptions{Client: f, Path: req.Path, Command: req.Command,
		URL: "http://" + net.JoinHostPort(host, port) + "/mcp"})
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func locationsHelp() string {
	var b strings.Builder
	for _, l := range clientconfig.Locations(clientconfig.HostEnv()) {
		info, _ := clientconfig.InfoOf(l.Format)
		fmt.Fprintf(&b, "  %-15s %-8s %s\n", info.Name, l.Scope, l.Path)
	}
	return b.String()
}

func (e *env) catalogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Find and install well-known MCP servers",
		Long: `The catalog lists well-known public MCP servers (built in, works offline),
your own entries, and an MCP registry's once synced (catalog sync).
Deploying an entry adds a server, quarantined until you approve it.`,
	}
	var tags []string
	list := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the catalog",
		Args:    cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			res, err := c.Catalog(ctx, "", tags)
			if err != nil {
				return err
			}
			return e.printCatalog(cmd.OutOrStdout(), res)
		}),
	}
	list.Flags().StringSliceVar(&tags, "tag", nil, "only entries with these tags")
	var searchTags []string
	search := &cobra.Command{
		Use:   "search WORDS...",
		Short: "Search the catalog by words and tags",
		Args:  cobra.MinimumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			res, err := c.Catalog(ctx, strings.Join(args, " "), searchTags)
			if err != nil {
				return err
			}
			return e.printCatalog(cmd.OutOrStdout(), res)
		}),
	}
	search.Flags().StringSliceVar(&searchTags, "tag", nil, "only entries with these tags")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one entry",
		Args:  cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			en, err := c.CatalogEntry(ctx, args[0])
			if err != nil {
				return err
			}
			return writeJSON(cmd.OutOrStdout(), en)
		}),
	}
	var (
		name   string
		envs   []string
		dtags  []string
		asJSON string
	)
	deploy := &cobra.Command{
		Use:   "deploy ID [-- ARGS...]",
		Short: "Add a server from an entry (quarantined until approved)",
		Long: `Adds a server from a catalog entry. Give each required variable with --env;
for secrets, store the value first (switchboard secrets set NAME) and pass a
reference: --env GITHUB_PERSONAL_ACCESS_TOKEN='${keyring:GITHUB_TOKEN}'.
Arguments after -- are added to the entry's (folders, a database path).`,
		Example: `  switchboard catalog deploy filesystem -- /home/me/notes
  switchboard catalog deploy github --env GITHUB_PERSONAL_ACCESS_TOKEN='${keyring:GITHUB_TOKEN}'`,
		Args: cobra.MinimumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			req := catalog.DeployRequest{Name: name, Args: args[1:], Tags: dtags, Env: map[string]string{}}
			for _, kv := range envs {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("--env %q: want NAME=VALUE", kv)
				}
				req.Env[k] = v
			}
			res, err := c.DeployCatalogEntry(ctx, args[0], req)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), capitalize(res.Message))
			return err
		}),
	}
	deploy.Flags().StringVar(&name, "name", "", "the server's name (default: the entry's id)")
	deploy.Flags().StringArrayVar(&envs, "env", nil, "NAME=VALUE for a variable of the entry (repeat it)")
	deploy.Flags().StringSliceVar(&dtags, "tag", nil, "tags to add to the server")
	add := &cobra.Command{
		Use:   "add --json FILE",
		Short: "Add an entry of your own from a JSON file",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			if asJSON == "" {
				return errors.New("--json FILE is required: an entry such as {\"id\": \"team-tools\", \"name\": \"Team tools\", \"url\": \"https://...\"}")
			}
			data, err := os.ReadFile(asJSON)
			if err != nil {
				return err
			}
			var en catalog.Entry
			if err := decodeStrict(data, &en); err != nil {
				return fmt.Errorf("%s: %w", asJSON, err)
			}
			res, err := c.AddCatalogEntry(ctx, en)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Added %s to the catalog.\n", res.ID)
			return err
		}),
	}
	add.Flags().StringVar(&asJSON, "json", "", "the entry as a JSON file")
	del := &cobra.Command{
		Use:     "delete ID",
		Aliases: []string{"rm"},
		Short:   "Delete an entry of your own",
		Args:    cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			if _, err := c.DeleteCatalogEntry(ctx, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s from the catalog.\n", args[0])
			return err
		}),
	}
	var registry string
	sync := &cobra.Command{
		Use:   "sync",
		Short: "Fill the catalog from an MCP registry (default: the official one)",
		Long: `Reads every server's latest version from an MCP registry (the official
registry.modelcontextprotocol.io, or --url for another that serves its API)
and keeps those that can run here (npm with npx, PyPI with uvx, OCI images
with docker, remote servers over HTTP) as catalog entries tagged "registry",
until the next sync. If the registry cannot be read, the last sync stays.`,
		Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			res, err := c.SyncCatalog(ctx, registry)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Synced %d entries from %s (%d new, %d gone); %d servers cannot run here.\n",
				res.Total, res.Registry, res.Added, res.Removed, res.Skipped)
			for _, why := range res.Why {
				fmt.Fprintf(w, "  skipped %s\n", why)
			}
			return nil
		}),
	}
	sync.Flags().StringVar(&registry, "url", "", "the registry's address (default "+catalog.DefaultRegistry+")")
	cmd.AddCommand(list, search, show, deploy, add, del, sync)
	return cmd
}

func (e *env) printCatalog(w io.Writer, res *api.CatalogList) error {
	if e.json() {
		return writeJSON(w, res)
	}
	if res.Total == 0 {
		_, err := fmt.Fprintln(w, "No entries match.")
		return err
	}
	t := newTable(w, "ID", "TRANSPORT", "NEEDS", "TAGS", "DESCRIPTION")
	for _, en := range res.Entries {
		var needs []string
		for _, v := range en.Env {
			if v.Required {
				needs = append(needs, v.Name)
			}
		}
		t.row(en.ID, en.Transport, orDash(strings.Join(needs, ",")), orDash(strings.Join(en.Tags, ",")), clip(en.Description, 70))
	}
	return t.flush()
}

// decodeStrict reads JSON and refuses keys the type does not know, so a
// misspelt field is reported instead of ignored.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
