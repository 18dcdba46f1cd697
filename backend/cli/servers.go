package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
	"switchboard/backend/config"
)

func (e *env) serversCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "servers",
		Aliases: []string{"server"},
		Short:   "List, add, remove and control the MCP servers",
	}
	cmd.AddCommand(e.serversListCmd(), e.serversGetCmd(), e.serversAddCmd(), e.serversRemoveCmd(),
		e.serverActionCmd(client.ActionEnable, "Enable servers (saved in the config)"),
		e.serverActionCmd(client.ActionDisable, "Disable servers: stop them and hide their tools (saved in the config)"),
		e.serverActionCmd(client.ActionRestart, "Restart servers"),
		e.serverActionCmd(client.ActionStart, "Start servers that are stopped or cold"),
		e.serverActionCmd(client.ActionStop, "Stop servers until started again (not saved in the config)"),
		e.serversLogsCmd(), e.serversDescribeCmd())
	return cmd
}

func (e *env) serversListCmd() *cobra.Command {
	var f client.ServerFilter
	var enabled, quarantined bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the servers with their state",
		Args:    cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("enabled") {
				f.Enabled = &enabled
			}
			if cmd.Flags().Changed("quarantined") {
				f.Quarantined = &quarantined
			}
			list, err := c.ListServers(ctx, f)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			return printServers(cmd.OutOrStdout(), list.Servers)
		}),
	}
	cmd.Flags().StringVar(&f.State, "state", "", "only servers in this state (cold, starting, ready, degraded, dead, disabled, stopped)")
	cmd.Flags().StringVar(&f.Tag, "tag", "", "only servers with this tag")
	cmd.Flags().BoolVar(&enabled, "enabled", false, "only enabled servers (--enabled=false: only disabled ones)")
	cmd.Flags().BoolVar(&quarantined, "quarantined", false, "only quarantined servers (--quarantined=false: only approved ones)")
	return cmd
}

func printServers(w io.Writer, servers []api.ServerInfo) error {
	if len(servers) == 0 {
		_, err := fmt.Fprintln(w, "No servers. Add one with: switchboard servers add NAME -- COMMAND [ARGS...]")
		return err
	}
	t := newTable(w, "NAME", "TYPE", "STATE", "TOOLS", "RESTARTS", "UPTIME", "LAST ERROR")
	for _, s := range servers {
		state := s.State
		if s.Quarantined {
			state += " (quarantined)"
		}
		t.row(s.Name, s.Type, state, strconv.Itoa(s.ToolCount), strconv.Itoa(s.Restarts), duration(s.UptimeS), orDash(clip(s.LastError, 60)))
	}
	return t.flush()
}

func (e *env) serversGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get NAME",
		Short: "Show a server's state and its config (secrets redacted)",
		Args:  cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			s, err := c.GetServer(ctx, args[0])
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), s)
			}
			return printServer(cmd.OutOrStdout(), s)
		}),
	}
}

func printServer(w io.Writer, s *api.ServerInfo) error {
	t := newTable(w)
	t.row("Name", s.Name)
	t.row("Type", s.Type)
	t.row("State", s.State)
	t.row("Enabled", strconv.FormatBool(s.Enabled))
	if s.Quarantined {
		t.row("Quarantined", "yes: its tools are hidden until it is approved")
	}
	if s.Description != "" {
		t.row("Description", s.Description)
	}
	if len(s.Tags) > 0 {
		t.row("Tags", strings.Join(s.Tags, ", "))
	}
	t.row("Tools", strconv.Itoa(s.ToolCount))
	if s.PID != 0 {
		t.row("PID", strconv.Itoa(s.PID))
	}
	if s.StartedAt != nil {
		t.row("Up", fmt.Sprintf("%s (since %s)", duration(s.UptimeS), s.StartedAt.Local().Format(time.DateTime)))
	}
	t.row("Restarts", strconv.Itoa(s.Restarts))
	t.row("Calls in flight", strconv.FormatInt(s.InFlight, 10))
	if s.NextRestart != nil {
		t.row("Next restart", s.NextRestart.Local().Format(time.DateTime))
	}
	if s.LastError != "" {
		t.row("Last error", s.LastError)
	}
	if hc := s.LastCheck; hc != nil {
		v := fmt.Sprintf("ok in %.1f ms", hc.LatencyMS)
		if !hc.OK {
			v = "failed: " + hc.Error
		}
		t.row("Last health check", v+" at "+hc.Time.Local().Format(time.DateTime))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if s.Config == nil {
		return nil
	}
	data, err := json.MarshalIndent(s.Config, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "\nConfig:\n%s\n", data)
	return err
}

// addFlags are the flags of `servers add`.
type addFlags struct {
	url, typ, cwd, description, prefix, jsonFile string
	env, headers, tags                           []string
	disabled                                     bool
}

func (e *env) serversAddCmd() *cobra.Command {
	var f addFlags
	cmd := &cobra.Command{
		Use:   "add NAME [--url URL | -- COMMAND [ARGS...]]",
		Short: "Add a server: a command to run, a URL, or a pasted mcpServers block (saved in the config)",
		Example: `  switchboard servers add github --env GITHUB_PERSONAL_ACCESS_TOKEN='${env:GITHUB_TOKEN}' -- npx -y @modelcontextprotocol/server-github
  switchboard servers add remote --url https://example.com/mcp --header 'Authorization=Bearer ${env:REMOTE_TOKEN}'
  switchboard servers add --json ~/.config/Claude/claude_desktop_config.json    # every server in it
  switchboard servers add github --json claude_desktop_config.json              # only github
  pbpaste | switchboard servers add --json -`,
		Args: cobra.ArbitraryArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			var created *api.ServersCreated
			var err error
			if f.jsonFile != "" {
				body, berr := pastedBody(cmd.InOrStdin(), f, args)
				if berr != nil {
					return berr
				}
				created, err = c.CreateServersJSON(ctx, body)
			} else {
				name, sc, serr := serverFromFlags(f, args, cmd.ArgsLenAtDash())
				if serr != nil {
					return serr
				}
				created, err = c.CreateServer(ctx, name, sc)
			}
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), created)
			}
			w := cmd.OutOrStdout()
			for _, s := range created.Created {
				fmt.Fprintf(w, "Added %s (%s, %s).\n", s.Name, s.Type, s.State)
			}
			if len(created.Created) == 1 {
				fmt.Fprintf(w, "See it with: switchboard servers get %s\n", created.Created[0].Name)
			}
			return nil
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "the server's URL (streamable HTTP, or SSE with --type sse)")
	fl.StringVar(&f.typ, "type", "", "stdio, http or sse (default: stdio for a command, http for a URL)")
	fl.StringArrayVar(&f.env, "env", nil, "an environment variable K=V for the command; write secrets as ${env:NAME} or ${keyring:NAME} (repeatable)")
	fl.StringArrayVar(&f.headers, "header", nil, "an HTTP header K=V sent to the URL (repeatable)")
	fl.StringArrayVar(&f.tags, "tag", nil, "a tag (repeatable)")
	fl.StringVar(&f.cwd, "cwd", "", "the folder the command runs in")
	fl.StringVar(&f.description, "description", "", "what the server is for")
	fl.StringVar(&f.prefix, "prefix", "", "the prefix of its tools on /mcp (default: the server's name)")
	fl.BoolVar(&f.disabled, "disabled", false, "add it disabled")
	fl.StringVar(&f.jsonFile, "json", "", "read the server(s) from a JSON file (- for stdin): an mcpServers block as Claude Desktop or Cursor keep it, or one server's entry")
	return cmd
}

// serverFromFlags builds one server from NAME, the command after it and
// the flags.
func serverFromFlags(f addFlags, args []string, dash int) (string, *config.Server, error) {
	if len(args) == 0 || dash == 0 {
		return "", nil, errors.New("name the server: switchboard servers add NAME -- COMMAND [ARGS...], or --url URL")
	}
	name, command := args[0], args[1:]
	sc := &config.Server{URL: f.url, Type: f.typ, Cwd: f.cwd, Description: f.description, Tags: f.tags}
	switch {
	case len(command) > 0 && f.url != "":
		return "", nil, errors.New("give either a command (after --) or --url, not both")
	case len(command) > 0:
		sc.Command, sc.Args = command[0], command[1:]
	case f.url == "":
		return "", nil, fmt.Errorf("what should %s run? give a command after --, such as: switchboard servers add %s -- npx -y @modelcontextprotocol/server-everything; or --url", name, name)
	}
	var err error
	if sc.Env, err = keyValues("--env", f.env); err != nil {
		return "", nil, err
	}
	if sc.Headers, err = keyValues("--header", f.headers); err != nil {
		return "", nil, err
	}
	if f.disabled {
		off := false
		sc.Enabled = &off
	}
	if f.prefix != "" {
		sc.Prefix = &f.prefix
	}
	return name, sc, nil
}

// keyValues reads repeated K=V flags.
func keyValues(flag string, kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s %q: want KEY=VALUE", flag, kv)
		}
		m[k] = v
	}
	return m, nil
}

// pastedBody turns a pasted file into the body of POST /servers. It takes
// a whole client config ({"mcpServers": {...}, ...other keys}), the block's
// inside ({"name": {...}}), or one server's entry ({"command": ...}), which
// then needs NAME. With NAME and a block, only that server is added.
func pastedBody(stdin io.Reader, f addFlags, args []string) ([]byte, error) {
	if len(args) > 1 {
		return nil, errors.New("with --json, give at most a NAME: the servers come from the file")
	}
	if f.url != "" || len(f.env) > 0 || len(f.headers) > 0 || f.typ != "" || f.cwd != "" {
		return nil, errors.New("with --json, the server's settings come from the file; leave out --url, --env, --header, --type and --cwd")
	}
	var data []byte
	var err error
	if f.jsonFile == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(f.jsonFile)
	}
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %v", f.jsonFile, err)
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	_, isServer := top["command"]
	if _, ok := top["url"]; ok {
		isServer = true
	}
	if isServer {
		if name == "" {
			return nil, errors.New("the file holds one server's entry; name it: switchboard servers add NAME --json FILE")
		}
		top["name"], _ = json.Marshal(name)
		return json.Marshal(top)
	}
	block := top
	if raw, ok := top["mcpServers"]; ok {
		block = nil
		if err := json.Unmarshal(raw, &block); err != nil || block == nil {
			return nil, fmt.Errorf("%s: mcpServers is not an object of servers by name", f.jsonFile)
		}
	}
	if name != "" {
		one, ok := block[name]
		if !ok {
			return nil, fmt.Errorf("%s has no server named %q", f.jsonFile, name)
		}
		block = map[string]json.RawMessage{name: one}
	}
	if len(block) == 0 {
		return nil, fmt.Errorf("%s has no servers", f.jsonFile)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err = enc.Encode(map[string]any{"mcpServers": block})
	return b.Bytes(), err
}

func (e *env) serversRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "remove NAME...",
		Aliases: []string{"rm", "delete"},
		Short:   "Stop servers and remove them from the config",
		Args:    cobra.MinimumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			var results []*api.ActionResult
			for _, name := range args {
				res, err := c.DeleteServer(ctx, name)
				if err != nil {
					return err
				}
				results = append(results, res)
				if !e.json() {
					fmt.Fprintf(cmd.OutOrStdout(), "Removed %s: stopped and removed from the config.\n", name)
				}
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), results)
			}
			return nil
		}),
	}
}

func (e *env) serverActionCmd(action, short string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   action + " NAME...",
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			// One server refusing does not keep the others from the action.
			results := []*api.ActionResult{}
			failed := 0
			for _, name := range args {
				var res *api.ActionResult
				var err error
				if action == client.ActionStop {
					res, err = c.StopServer(ctx, name, reason)
				} else {
					res, err = c.ServerAction(ctx, name, action)
				}
				if errors.Is(err, client.ErrNotRunning) || len(args) == 1 && err != nil {
					return err
				}
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", name, err)
					failed++
					continue
				}
				results = append(results, res)
			}
			if e.json() {
				if err := writeJSON(cmd.OutOrStdout(), results); err != nil {
					return err
				}
			} else if len(results) > 0 {
				t := newTable(cmd.OutOrStdout(), "NAME", "STATE", "MESSAGE")
				for _, r := range results {
					t.row(r.Name, orDash(r.State), orDash(r.Message))
				}
				if err := t.flush(); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("%s refused for %d of %d servers", action, failed, len(args))
			}
			return nil
		}),
	}
	if action == client.ActionStop {
		cmd.Flags().StringVar(&reason, "reason", "", "why it is stopped (shown as its last error)")
	}
	return cmd
}

func (e *env) serversLogsCmd() *cobra.Command {
	var lines int
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs NAME",
		Short: "Print the last lines a server wrote to stderr (-f: then follow them as they come)",
		Args:  cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			if follow {
				return e.followLogs(ctx, c, cmd.OutOrStdout(), args[0], lines)
			}
			logs, err := c.ServerLogs(ctx, args[0], lines)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), logs)
			}
			for _, l := range logs.Lines {
				fmt.Fprintln(cmd.OutOrStdout(), l)
			}
			return nil
		}),
	}
	cmd.Flags().IntVarP(&lines, "lines", "n", 100, "how many of the last lines (at most 500)")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines until Ctrl-C or the server is removed")
	return cmd
}

// followLogs prints a server's stderr as it is written; with -o json, each
// message as one line of JSON.
func (e *env) followLogs(ctx context.Context, c *client.Client, w io.Writer, name string, lines int) error {
	tail, err := c.TailServerLogs(ctx, name, lines)
	if err != nil {
		return err
	}
	defer tail.Close()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		m, err := tail.Next(ctx)
		switch {
		case errors.Is(err, io.EOF), ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		}
		if e.json() {
			if err := enc.Encode(m); err != nil {
				return err
			}
			continue
		}
		switch m.Type {
		case "line":
			fmt.Fprintln(w, m.Line)
		default:
			fmt.Fprintf(w, "-- %s\n", m.Message)
		}
	}
}

func (e *env) serversDescribeCmd() *cobra.Command {
	var req api.BulkDescribeRequest
	cmd := &cobra.Command{
		Use:   "describe [NAME...]",
		Short: "Describe servers (default: all) in their own words, or by their tools; --apply writes the descriptions",
		Long: `Makes a one-line description of each server from what it says of itself:
the description in its serverInfo, else the first paragraph of its
instructions, else its title and tools. No model is asked. A server
awaiting approval, or one that has not run yet, is skipped with the reason.
--apply writes each description into the config, keeping descriptions
servers have unless --overwrite.`,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			req.Names = args
			res, err := c.DescribeServers(ctx, req)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			t := newTable(cmd.OutOrStdout(), "NAME", "DESCRIPTION", "FROM", "")
			for _, d := range res.Results {
				note := ""
				switch {
				case d.Applied:
					note = "written"
				case d.Skipped != "":
					note = d.Skipped
				}
				t.row(d.Name, orDash(d.Description), orDash(d.Source), note)
			}
			return t.flush()
		}),
	}
	cmd.Flags().BoolVar(&req.Apply, "apply", false, "write the descriptions into the config")
	cmd.Flags().BoolVar(&req.Overwrite, "overwrite", false, "with --apply, replace descriptions servers have")
	return cmd
}
