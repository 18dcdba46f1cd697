package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
	"switchboard/backend/policy"
)

func (e *env) policiesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "policies",
		Aliases: []string{"policy"},
		Short:   "Tool access policies: allow or deny principals the tools of servers; withdraw a tool from everyone",
		Long: `A rule allows or denies a principal (a key's principal, "role:NAME" for every
caller with that role, "anonymous" for a client without a key, "local-user" for
the owner of the control socket) the tools of servers. Principal, server and
tool may be glob patterns (*, ?, [a-z]). Rules are tried highest priority
first, then the most specific; the first that matches decides. With none, a
tool is allowed. A denied tool is hidden from tools/list and refused on
tools/call on every MCP endpoint.`,
	}
	cmd.AddCommand(e.policiesListCmd(), e.policiesAddCmd(), e.policiesDeleteCmd(), e.policiesCheckCmd(),
		e.policiesSettingsCmd(), e.policiesWithdrawCmd(true), e.policiesWithdrawCmd(false))
	return cmd
}

func (e *env) policiesListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the rules in the order they are tried, the settings and the withdrawn tools",
		Args:    cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			l, err := c.Policies(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), l)
			}
			return printPolicies(cmd.OutOrStdout(), l)
		}),
	}
}

func printPolicies(w io.Writer, l *api.PolicyList) error {
	if len(l.Policies) == 0 {
		fmt.Fprintln(w, "No rules: every tool is allowed to every caller.")
	} else {
		t := newTable(w, "ID", "PRIORITY", "PRINCIPAL", "SERVER", "TOOL", "EFFECT", "SENSITIVE", "DESCRIPTION")
		for _, r := range l.Policies {
			t.row(r.ID, strconv.Itoa(r.Priority), r.Principal, r.Server, r.Tool, r.Effect, dash(r.Sensitive), dash(r.Description))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nSensitive data in arguments: %s (from severity %s)\n", l.Settings.SensitiveAction, l.Settings.SensitiveMinSeverity)
	if len(l.Withdrawn) > 0 {
		fmt.Fprintln(w, "\nWithdrawn tools:")
		t := newTable(w, "SERVER", "TOOL", "BY", "AT", "REASON")
		for _, wd := range l.Withdrawn {
			t.row(wd.Server, wd.Tool, wd.By, wd.At.Local().Format(time.DateTime), dash(wd.Reason))
		}
		return t.flush()
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (e *env) policiesAddCmd() *cobra.Command {
	var r policy.Rule
	cmd := &cobra.Command{
		Use:   "add allow|deny",
		Short: "Add a rule",
		Example: `  switchboard policies add deny --principal role:agent --server github --tool 'delete_*'
  switchboard policies add deny --principal anonymous --server filesystem --tool 'write_*'
  switchboard policies add allow --server notes --sensitive block`,
		Args: cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			r.Effect = args[0]
			out, err := c.CreatePolicy(ctx, r)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), out)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Added %s: %s %s/%s for %s\n", out.ID, out.Effect, out.Server, out.Tool, out.Principal)
			return err
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&r.Principal, "principal", "*", `a principal, "role:NAME", "anonymous", "local-user"; a glob pattern`)
	fl.StringVar(&r.Server, "server", "*", "a server name or glob pattern")
	fl.StringVar(&r.Tool, "tool", "*", "a tool's own name on its server, or a glob pattern")
	fl.StringVar(&r.Sensitive, "sensitive", "", "flag or block: what to do with matching calls whose arguments carry sensitive data")
	fl.IntVar(&r.Priority, "priority", 0, "higher is tried first (-1000 to 1000)")
	fl.StringVar(&r.Description, "description", "", "why the rule exists; shown to a refused client")
	return cmd
}

func (e *env) policiesDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "delete ID",
		Aliases: []string{"rm"},
		Short:   "Delete a rule",
		Args:    cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			if err := c.DeletePolicy(ctx, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "Deleted %s\n", args[0])
			return err
		}),
	}
}

func (e *env) policiesCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check PRINCIPAL SERVER TOOL",
		Short: "What the policies decide for a principal, a server and a tool",
		Args:  cobra.ExactArgs(3),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			d, err := c.CheckPolicy(ctx, args[0], args[1], args[2])
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			verdict := "allowed"
			if !d.Allowed {
				verdict = "denied"
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\nsensitive data: %s\n", verdict, d.Reason, d.Sensitive)
			return err
		}),
	}
}

func (e *env) policiesSettingsCmd() *cobra.Command {
	var s policy.Settings
	cmd := &cobra.Command{
		Use:   "settings",
		Short: "Show, or with flags set, what happens to calls whose arguments carry sensitive data",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			var out *policy.Settings
			var err error
			if cmd.Flags().Changed("sensitive") || cmd.Flags().Changed("min-severity") {
				cur, err := c.PolicySettings(ctx)
				if err != nil {
					return err
				}
				if !cmd.Flags().Changed("sensitive") {
					s.SensitiveAction = cur.SensitiveAction
				}
				if !cmd.Flags().Changed("min-severity") {
					s.SensitiveMinSeverity = cur.SensitiveMinSeverity
				}
				out, err = c.SetPolicySettings(ctx, s)
				if err != nil {
					return err
				}
			} else if out, err = c.PolicySettings(ctx); err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), out)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "sensitive data in arguments: %s (from severity %s)\n", out.SensitiveAction, out.SensitiveMinSeverity)
			return err
		}),
	}
	cmd.Flags().StringVar(&s.SensitiveAction, "sensitive", "", "flag (let the call go, flag and redact the record) or block")
	cmd.Flags().StringVar(&s.SensitiveMinSeverity, "min-severity", "", "lowest severity that blocks: high, medium or low")
	return cmd
}

func (e *env) policiesWithdrawCmd(withdraw bool) *cobra.Command {
	var reason string
	use, short := "restore SERVER TOOL", "Give a withdrawn tool back to every client (admin only)"
	if withdraw {
		use, short = "withdraw SERVER TOOL", "Withdraw a tool from every client, on every endpoint (admin only)"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			var w *policy.Withdrawal
			var err error
			verb := "Restored"
			if withdraw {
				verb = "Withdrew"
				w, err = c.WithdrawTool(ctx, args[0], args[1], reason)
			} else {
				w, err = c.RestoreTool(ctx, args[0], args[1])
			}
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), w)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %s of %s\n", verb, w.Tool, w.Server)
			return err
		}),
	}
	if withdraw {
		cmd.Flags().StringVar(&reason, "reason", "", "why; a refused client is shown it")
	}
	return cmd
}

func (e *env) securityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "security",
		Short: "Security events: policy denials, sensitive data in traffic, poisoned and changed tools",
	}
	var f client.SecurityFilter
	var since, until string
	var limit int
	events := &cobra.Command{
		Use:   "events",
		Short: "List security events, newest first",
		Example: `  switchboard security events --level critical --since 24h
  switchboard security events --type policy.denied --principal bot`,
		Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var err error
			if f.Since, err = when("--since", since, now); err != nil {
				return err
			}
			if f.Until, err = when("--until", until, now); err != nil {
				return err
			}
			page, err := c.SecurityEvents(ctx, f, limit, "")
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), page)
			}
			w := cmd.OutOrStdout()
			if len(page.Items) == 0 {
				_, err := fmt.Fprintln(w, "No security events.")
				return err
			}
			t := newTable(w, "TIME", "LEVEL", "TYPE", "PRINCIPAL", "SERVER", "TOOL", "MESSAGE")
			for _, r := range page.Items {
				t.row(r.Time.Local().Format(time.DateTime), r.Level, r.Type, dash(r.Principal), dash(r.Server), dash(r.Tool), r.Message)
			}
			return t.flush()
		}),
	}
	fl := events.Flags()
	fl.StringVar(&f.Type, "type", "", "a type (policy.denied, sensitive.blocked, sensitive.found, poisoning.detected, tool.changed, server.quarantined, auth.failed, access.denied) or a prefix ending in a dot")
	fl.StringVar(&f.Level, "level", "", "the lowest level: info, warning or critical")
	fl.StringVar(&f.Server, "server", "", "only events about this server")
	fl.StringVar(&f.Principal, "principal", "", "only events about this principal's calls")
	fl.StringVar(&since, "since", "", "events at or after this time: RFC 3339 or an age (30m, 2h, 7d)")
	fl.StringVar(&until, "until", "", "events before this time: RFC 3339 or an age")
	fl.IntVar(&limit, "limit", 50, "at most this many (1 to 1000)")
	cmd.AddCommand(events)
	return cmd
}
