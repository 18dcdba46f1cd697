package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"switchboard/backend/api"
	"switchboard/backend/client"
)

func (e *env) secretsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the secrets that ${keyring:NAME} in the config refers to",
		Long: "Secrets live in the OS keychain, or where there is none (a headless Linux box) in an\n" +
			"encrypted file in the home folder. A server's env, headers, args, cwd or url refer to one\n" +
			"as ${keyring:NAME}. Values are never shown: not here, not by the API, not in the logs.",
	}
	cmd.AddCommand(e.secretsListCmd(), e.secretsSetCmd(), e.secretsDeleteCmd(), e.secretsMigrateCmd())
	return cmd
}

func (e *env) secretsListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the secrets by name, with the servers that use them",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			l, err := c.Secrets(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), l)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Backend: %s\n", l.Backend)
			if len(l.Secrets) == 0 {
				fmt.Fprintln(w, "No secrets.")
			} else {
				t := newTable(w, "NAME", "UPDATED", "USED BY")
				for _, s := range l.Secrets {
					t.row(s.Name, s.Updated.Local().Format(time.DateTime), orDash(strings.Join(s.UsedBy, ", ")))
				}
				if err := t.flush(); err != nil {
					return err
				}
			}
			for _, m := range l.Missing {
				fmt.Fprintf(w, "Missing: %s (used by %s); set it with `switchboard secrets set %s`\n", m.Name, strings.Join(m.UsedBy, ", "), m.Name)
			}
			return nil
		}),
	}
}

func (e *env) secretsSetCmd() *cobra.Command {
	var fromEnv string
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Set a secret; the value is read from stdin (typed unseen at a terminal) or --from-env",
		Long: "Set a secret's value. It is never taken from the command line, where shell history and\n" +
			"the process list would keep it: type it at the prompt (not shown), pipe it in\n" +
			"(printf %s \"$TOKEN\" | switchboard secrets set NAME; one trailing newline is dropped),\n" +
			"or name an environment variable with --from-env. Servers that use it are restarted.",
		Args: cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			name := args[0]
			value, err := readSecretValue(cmd, name, fromEnv)
			if err != nil {
				return err
			}
			res, err := c.SetSecret(ctx, name, value)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			verb := "Updated"
			if res.Created {
				verb = "Created"
			}
			fmt.Fprintf(w, "%s secret %s.\n", verb, name)
			if len(res.Restarted) > 0 {
				fmt.Fprintf(w, "Restarted %s to use it.\n", strings.Join(res.Restarted, ", "))
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&fromEnv, "from-env", "", "take the value from this environment variable")
	return cmd
}

// readSecretValue gets the value from an environment variable, a prompt
// with echo off at a terminal, or all of stdin.
func readSecretValue(cmd *cobra.Command, name, fromEnv string) (string, error) {
	if fromEnv != "" {
		v, ok := os.LookupEnv(fromEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("--from-env %s: the variable is not set or empty", fromEnv)
		}
		return v, nil
	}
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(cmd.ErrOrStderr(), "Value for %s (not shown): ", name)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		if len(b) == 0 {
			return "", errors.New("no value typed")
		}
		return string(b), nil
	}
	b, err := io.ReadAll(bufio.NewReader(io.LimitReader(in, 1<<20)))
	if err != nil {
		return "", err
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if v == "" {
		return "", errors.New("no value on stdin; pipe it in, or use --from-env")
	}
	return v, nil
}

func (e *env) secretsDeleteCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a secret (refused while a server uses it, unless --force)",
		Args:  cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			if err := c.DeleteSecret(ctx, args[0], force); err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), map[string]string{"deleted": args[0]})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted secret %s.\n", args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVar(&force, "force", false, "delete even while servers use it (they will not start)")
	return cmd
}

func (e *env) secretsMigrateCmd() *cobra.Command {
	var req api.SecretMigrateRequest
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Move literal secrets of the config into the secret store",
		Long: "Find literal values in the servers' env and headers whose key looks secret (*TOKEN*,\n" +
			"*KEY*, *SECRET*, *PASSWORD*, Authorization...), or every literal value with --all, move\n" +
			"each into the secret store as SERVER_KEY, and rewrite the config to ${keyring:SERVER_KEY}.\n" +
			"\"Bearer xyz\" headers keep their scheme. The config file is saved atomically, with a .bak.",
		Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			res, err := c.MigrateSecrets(ctx, req)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), res)
			}
			w := cmd.OutOrStdout()
			if len(res.Moved) == 0 {
				fmt.Fprintln(w, "No literal secrets in the config.")
				return nil
			}
			if res.DryRun {
				fmt.Fprintf(w, "Would move %d value(s) into the %s store:\n", len(res.Moved), res.Backend)
			} else {
				fmt.Fprintf(w, "Moved %d value(s) into the %s store:\n", len(res.Moved), res.Backend)
			}
			t := newTable(w, "SERVER", "FIELD", "KEY", "SECRET")
			for _, m := range res.Moved {
				t.row(m.Server, m.Field, m.Key, "${keyring:"+m.Name+"}")
			}
			if err := t.flush(); err != nil {
				return err
			}
			for _, f := range res.Scrubbed {
				fmt.Fprintf(w, "Replaced the values in the old copy %s too.\n", f)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&req.All, "all", false, "move every literal env and header value, not only secret-looking ones")
	cmd.Flags().BoolVar(&req.DryRun, "dry-run", false, "say what would move, change nothing")
	return cmd
}
