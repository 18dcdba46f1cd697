package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
)

func (e *env) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check, compare and reload the config file",
	}
	cmd.AddCommand(e.configValidateCmd(), e.configDiffCmd(), e.configReloadCmd())
	return cmd
}

func (e *env) configValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a config file without applying it (default: the running instance's file; - for stdin)",
		Long: "Check a config file without applying it, and say what applying it would change.\n" +
			"With no FILE, the file the running instance reads. Exits with 1 and every problem,\n" +
			"each with its place in the file, when it would be refused.",
		Args: cobra.MaximumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			} else {
				info, err := c.SystemInfo(ctx)
				if err != nil {
					return err
				}
				path = info.ConfigPath
			}
			var data []byte
			var err error
			if path == "-" {
				data, err = io.ReadAll(cmd.InOrStdin())
				path = "stdin"
			} else {
				data, err = os.ReadFile(path)
			}
			if err != nil {
				return err
			}
			v, err := c.ValidateConfig(ctx, data)
			if err != nil {
				return fmt.Errorf("%s is not valid: %w", path, err)
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s is valid.\n", path)
			return printChanges(w, v.Changes, "Applying it would change nothing.", "Applying it would:")
		}),
	}
}

func (e *env) configDiffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff",
		Short: "Compare the config file on disk with the config in force",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			d, err := c.ConfigDiff(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			return printChanges(cmd.OutOrStdout(), d.Changes,
				"The file on disk and the config in force are the same.",
				"The file on disk differs from the config in force; `switchboard config reload` would:")
		}),
	}
}

func (e *env) configReloadCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reload",
		Short: "Load the config file from disk and apply it (a file that does not load changes nothing)",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			r, err := c.ReloadConfig(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return printChanges(cmd.OutOrStdout(), r.Changes, "Reloaded: nothing changed.", "Reloaded:")
		}),
	}
}

// printChanges lists what a config change does, or says none.
func printChanges(w io.Writer, ch api.ConfigChanges, none, head string) error {
	if len(ch.Added)+len(ch.Removed)+len(ch.Changed)+len(ch.Settings) == 0 {
		_, err := fmt.Fprintln(w, none)
		return err
	}
	fmt.Fprintln(w, head)
	t := newTable(w)
	for _, r := range []struct {
		what  string
		names []string
	}{
		{"  add servers", ch.Added},
		{"  remove servers", ch.Removed},
		{"  change servers", ch.Changed},
		{"  change settings", ch.Settings},
	} {
		if len(r.names) > 0 {
			t.row(r.what, strings.Join(r.names, ", "))
		}
	}
	return t.flush()
}
