// Package cli is Switchboard's command line for a running instance:
// status, servers, tools, activity, config and doctor. Every command is a
// client of the control API (backend/client), reached over the home's
// control socket, so it needs no key; it prints aligned tables, or the
// API's JSON with -o json.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"switchboard/backend/client"
	"switchboard/backend/config"
	"switchboard/backend/panellink"
)

// Globals are the root command's flags, read when a command runs.
type Globals struct {
	Home   string // --home (default $SWITCHBOARD_HOME or ~/.switchboard)
	Config string // --config, where to read the api_key when Listen is set
	// Listen, when set, reaches the instance over TCP at this address, with
	// the api_key of the config file (or $SWITCHBOARD_API_KEY), instead of
	// the socket.
	Listen  string
	Version string
}

// Output formats of -o.
const (
	outTable = "table"
	outJSON  = "json"
)

// env is what every command shares: how to connect and how to print.
type env struct {
	globals func() Globals
	output  string
}

// Commands are the CLI's commands, to add to the root command. globals is
// called when a command runs, after flags are parsed.
func Commands(globals func() Globals) []*cobra.Command {
	e := &env{globals: globals}
	cmds := []*cobra.Command{
		e.statusCmd(), e.serversCmd(), e.toolsCmd(), e.activityCmd(), e.configCmd(), e.doctorCmd(),
		e.secretsCmd(), e.quarantineCmd(), e.policiesCmd(), e.securityCmd(),
	}
	cmds = append(cmds, e.fleetCmds()...) // fleet.go
	cmds = append(cmds, e.openCmd())      // open.go
	cmds = append(cmds, e.discoveryCmd()) // discovery.go
	cmds = append(cmds, e.groupsCmd())    // groups.go
	for _, c := range cmds {
		c.PersistentFlags().StringVarP(&e.output, "output", "o", outTable, "output format: table or json")
		c.PersistentPreRunE = e.checkOutput
	}
	return cmds
}

func (e *env) checkOutput(cmd *cobra.Command, args []string) error {
	if e.output != outTable && e.output != outJSON {
		return fmt.Errorf("-o %s: want table or json", e.output)
	}
	return nil
}

func (e *env) json() bool { return e.output == outJSON }

// home is the home folder the CLI looks in.
func (g Globals) home() string {
	if g.Home != "" {
		return g.Home
	}
	return config.Home()
}

// client connects to the instance of the home, or over TCP with --listen.
func (e *env) client() (*client.Client, error) {
	g := e.globals()
	agent := "switchboard-cli/" + g.Version
	if g.Listen == "" {
		return client.New(client.Options{Home: g.home(), UserAgent: agent})
	}
	key, err := e.apiKey()
	if err != nil {
		return nil, err
	}
	base := g.Listen
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return client.New(client.Options{BaseURL: base, APIKey: key, UserAgent: agent})
}

// apiKey is the key for the TCP API: SWITCHBOARD_API_KEY, else the api_key
// of the config file (--config, else the home's), read without validating
// the rest, so a config with a mistake elsewhere still lets the CLI in.
func (e *env) apiKey() (string, error) {
	if key := os.Getenv("SWITCHBOARD_API_KEY"); key != "" {
		return key, nil
	}
	g := e.globals()
	path := g.Config
	if path == "" {
		path = filepath.Join(g.home(), "config.json")
	}
	key, err := panellink.APIKey(path)
	if err != nil {
		return "", fmt.Errorf("%w (set SWITCHBOARD_API_KEY, or pass --config)", err)
	}
	return key, nil
}

// run gives a command a client and a context that ends on Ctrl-C.
func (e *env) run(fn func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := e.client()
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return fn(ctx, c, cmd, args)
	}
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table prints aligned columns.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		// A tab or newline in a value would break the columns.
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", "").Replace(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// orDash shows an empty value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip shortens s to n characters with "…".
func clip(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
