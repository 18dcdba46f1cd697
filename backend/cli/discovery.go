package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
	"switchboard/backend/config"
	"switchboard/backend/discovery"
)

func (e *env) discoveryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "discovery",
		Short: "Find servers you already have (a folder, your AI clients' configs, Docker, Kubernetes) and approve them",
		Long: `Discovery sources look for MCP servers in a folder of config files, in the
config files of installed AI clients (Claude Desktop, Cursor, VS Code,
Windsurf, Claude Code), in Docker containers labelled mcp.enable=true, or in
Kubernetes services and pods annotated mcp.switchboard.io/enabled=true.
What they find waits in a pending list; an approved server is added
quarantined, a rejected one is not offered again.`,
	}
	sources := &cobra.Command{
		Use:   "sources",
		Short: "List the sources (subcommands add, set and rm change them)",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			res, err := c.DiscoverySources(ctx)
			if err != nil {
				return err
			}
			return e.printSources(cmd.OutOrStdout(), res.Sources)
		}),
	}
	var w struct {
		kind, mode, interval string
		disabled             bool
	}
	add := &cobra.Command{
		Use:   "add ID --kind folder|clients|docker|kubernetes",
		Short: "Add a source",
		Example: `  switchboard discovery sources add clients --kind clients
  switchboard discovery sources add team --kind folder --path /srv/mcp-configs --mode authoritative
  switchboard discovery sources add containers --kind docker --interval 30s --mode authoritative
  switchboard discovery sources add cluster --kind kubernetes --context kind-dev --namespace tools`,
		Args: cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			req := api.DiscoverySourceWrite{ID: &args[0], Kind: &w.kind}
			enabled := !w.disabled
			req.Enabled = &enabled
			if w.mode != "" {
				req.Mode = &w.mode
			}
			if w.interval != "" {
				req.Interval = &w.interval
			}
			settingFlags(cmd, &req)
			st, err := c.AddDiscoverySource(ctx, req)
			if err != nil {
				return err
			}
			return e.printSources(cmd.OutOrStdout(), []discovery.Status{*st})
		}),
	}
	add.Flags().StringVar(&w.kind, "kind", "", "folder or clients")
	add.Flags().StringVar(&w.mode, "mode", "", "additive (default) or authoritative")
	add.Flags().StringVar(&w.interval, "interval", "", "how often to scan (30s, 5m, 1h; default 5m)")
	add.Flags().BoolVar(&w.disabled, "disabled", false, "add it turned off")
	addSettingFlags(add)
	set := &cobra.Command{
		Use:     "set ID",
		Short:   "Change a source: --enabled, --mode, --interval, and its kind's settings",
		Example: `  switchboard discovery sources set clients --enabled=false`,
		Args:    cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			var req api.DiscoverySourceWrite
			flags := cmd.Flags()
			for name, dst := range map[string]**string{"mode": &req.Mode, "interval": &req.Interval} {
				if flags.Changed(name) {
					v, _ := flags.GetString(name)
					*dst = &v
				}
			}
			settingFlags(cmd, &req)
			if flags.Changed("enabled") {
				v, _ := flags.GetBool("enabled")
				req.Enabled = &v
			}
			if req == (api.DiscoverySourceWrite{}) {
				return fmt.Errorf("nothing to change: give --enabled, --mode, --interval or a setting of the source's kind (--path, --socket, --kubeconfig, --context, --namespace, --label-selector)")
			}
			st, err := c.UpdateDiscoverySource(ctx, args[0], req)
			if err != nil {
				return err
			}
			return e.printSources(cmd.OutOrStdout(), []discovery.Status{*st})
		}),
	}
	set.Flags().Bool("enabled", true, "turn the source on or off")
	set.Flags().String("mode", "", "additive or authoritative")
	set.Flags().String("interval", "", "how often to scan")
	addSettingFlags(set)
	rm := &cobra.Command{
		Use:     "rm ID",
		Aliases: []string{"delete"},
		Short:   "Delete a source (servers approved from it stay)",
		Args:    cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			if err := c.DeleteDiscoverySource(ctx, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "Deleted source %s.\n", args[0])
			return err
		}),
	}
	sources.AddCommand(add, set, rm)
	scan := &cobra.Command{
		Use:   "scan [SOURCE]",
		Short: "Scan one source, or every enabled one, now",
		Args:  cobra.MaximumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			res, err := c.ScanDiscovery(ctx, id)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			if err := e.printSources(cmd.OutOrStdout(), res.Sources); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout())
			return e.printPending(cmd.OutOrStdout(), res.Pending)
		}),
	}
	pending := &cobra.Command{
		Use:   "pending",
		Short: "List the servers found and waiting for approve or reject",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			res, err := c.DiscoveryPending(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			return e.printPending(cmd.OutOrStdout(), res.Pending)
		}),
	}
	decide := func(verb string, fn func(*client.Client, context.Context, string, string) (*api.DiscoveryDecision, error)) *cobra.Command {
		return &cobra.Command{
			Use:   verb + " SOURCE/NAME",
			Short: strings.ToUpper(verb[:1]) + verb[1:] + " a pending server (its id as discovery pending shows it)",
			Args:  cobra.ExactArgs(1),
			RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
				source, name, ok := strings.Cut(args[0], "/")
				if !ok || source == "" || name == "" {
					return fmt.Errorf("%q: want SOURCE/NAME, the id discovery pending shows", args[0])
				}
				res, err := fn(c, ctx, source, name)
				if err != nil {
					return err
				}
				if e.json() {
					return writeJSON(cmd.OutOrStdout(), res)
				}
				msg := fmt.Sprintf("Rejected %s: %s will not offer it again.", res.Entry.Name, res.Entry.Source)
				switch {
				case res.Decision == "approved" && res.Entry.Action == discovery.ActionAdd:
					msg = fmt.Sprintf("Added %s, quarantined: review and approve its tools with switchboard quarantine.", res.Entry.Name)
				case res.Decision == "approved" && res.Entry.Action == discovery.ActionUpdate:
					msg = fmt.Sprintf("Updated how %s is reached; it is quarantined until you approve it again with switchboard quarantine.", res.Entry.Name)
				case res.Decision == "approved":
					msg = fmt.Sprintf("Removed %s from the config.", res.Entry.Name)
				case res.Entry.Action == discovery.ActionUpdate:
					msg = fmt.Sprintf("Kept %s as it is; %s will not offer that change again.", res.Entry.Name, res.Entry.Source)
				case res.Entry.Action == discovery.ActionRemove:
					msg = fmt.Sprintf("Kept %s; %s no longer proposes removing it.", res.Entry.Name, res.Entry.Source)
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), msg)
				return err
			}),
		}
	}
	approve := decide("approve", (*client.Client).ApproveDiscovered)
	reject := decide("reject", (*client.Client).RejectDiscovered)
	cmd.AddCommand(sources, scan, pending, approve, reject)
	return cmd
}

func (e *env) printSources(w io.Writer, ss []discovery.Status) error {
	if e.json() {
		return writeJSON(w, ss)
	}
	t := newTable(w, "ID", "KIND", "MODE", "ENABLED", "INTERVAL", "LOOKS AT", "LAST SCAN", "FOUND", "PROBLEMS")
	for _, s := range ss {
		last := "-"
		if s.LastScan != nil {
			last = s.LastScan.Local().Format(time.DateTime)
		}
		if s.LastError != "" {
			last = "error: " + s.LastError
		}
		t.row(s.ID, s.Kind, s.Mode, strconv.FormatBool(s.Enabled), orDash(s.Interval), orDash(looksAt(s.SourceConfig)), last,
			strconv.Itoa(s.Found), strconv.Itoa(len(s.Problems)))
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, s := range ss {
		for _, p := range s.Problems {
			fmt.Fprintf(w, "%s: %s: %s\n", s.ID, p.Where, p.Message)
		}
	}
	return nil
}

func (e *env) printPending(w io.Writer, ps []discovery.Pending) error {
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "Nothing pending.")
		return err
	}
	t := newTable(w, "ID", "ACTION", "SERVER", "FOUND IN")
	for _, p := range ps {
		what := reachedBy(p.Server)
		if p.Action == discovery.ActionUpdate {
			what += " (was " + reachedBy(p.Previous) + ")"
		}
		t.row(p.ID, p.Action, orDash(what), orDash(p.Where))
	}
	return t.flush()
}

// reachedBy is how a server is reached: its URL, or its command line.
func reachedBy(sc *config.Server) string {
	if sc == nil {
		return ""
	}
	if sc.URL != "" {
		return sc.URL
	}
	return strings.TrimSpace(sc.Command + " " + strings.Join(sc.Args, " "))
}

// sourceSettings are the flags of each kind's own settings, with the field
// of the request each one sets.
var sourceSettings = []struct{ flag, usage string }{
	{"path", "the folder of a folder source (absolute)"},
	{"socket", "a docker source's engine socket (default: DOCKER_HOST, then /var/run/docker.sock)"},
	{"kubeconfig", "a kubernetes source's kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)"},
	{"context", "a kubernetes source's context (default: the kubeconfig's current one)"},
	{"namespace", "a kubernetes source's namespace (default: every namespace)"},
	{"label-selector", "a kubernetes source's label selector (app=mcp,tier!=test)"},
}

func addSettingFlags(cmd *cobra.Command) {
	for _, f := range sourceSettings {
		cmd.Flags().String(f.flag, "", f.usage)
	}
}

// settingFlags copies the setting flags given on the command line into req.
func settingFlags(cmd *cobra.Command, req *api.DiscoverySourceWrite) {
	dst := map[string]**string{"path": &req.Path, "socket": &req.Socket, "kubeconfig": &req.Kubeconfig,
		"context": &req.Context, "namespace": &req.Namespace, "label-selector": &req.LabelSelector}
	for _, f := range sourceSettings {
		if cmd.Flags().Changed(f.flag) {
			v, _ := cmd.Flags().GetString(f.flag)
			*dst[f.flag] = &v
		}
	}
}

// looksAt says briefly where a source looks, by its kind's settings.
func looksAt(c discovery.SourceConfig) string {
	switch c.Kind {
	case discovery.KindFolder:
		return c.Path
	case discovery.KindDocker:
		return cmp.Or(c.Socket, "default socket")
	case discovery.KindKubernetes:
		parts := []string{"context " + cmp.Or(c.Context, "current"), "namespace " + cmp.Or(c.Namespace, "all")}
		if c.LabelSelector != "" {
			parts = append(parts, "selector "+c.LabelSelector)
		}
		return strings.Join(parts, ", ")
	}
	return ""
}
