package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
)

func (e *env) quarantineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "Review, approve and reject new servers and changed tools",
		Long: `A server that was never approved starts quarantined: it runs, but none of its
tools, prompts or resources reach any client. A tool that changes after its
server was approved (or appears later) is held on its own until approved.`,
	}
	cmd.AddCommand(e.quarantineListCmd(), e.quarantineShowCmd(), e.quarantineDecideCmd(true), e.quarantineDecideCmd(false),
		e.auditCmd())
	return cmd
}

func (e *env) quarantineListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List quarantined servers and held tools",
		Args:    cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			q, err := c.Quarantine(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), q)
			}
			return printQuarantine(cmd.OutOrStdout(), q)
		}),
	}
}

func printQuarantine(w io.Writer, q *api.QuarantineList) error {
	if len(q.Servers)+len(q.Tools) == 0 {
		_, err := fmt.Fprintln(w, "Nothing awaits approval.")
		return err
	}
	t := newTable(w, "SERVER", "TOOL", "STATUS", "FINDINGS", "COMMAND OR URL")
	for _, s := range q.Servers {
		target := strings.TrimSpace(s.Command + " " + strings.Join(s.Args, " "))
		if s.URL != "" {
			target = s.URL
		}
		t.row(s.Name, fmt.Sprintf("(%d tools)", len(s.Tools)), s.Status, findings(s.Tools...), target)
	}
	for _, tl := range q.Tools {
		t.row(tl.Server, tl.Name, tl.Status, findings(tl.ToolVerdict), "-")
	}
	return t.flush()
}

// findings counts the findings of tools, saying when one blocks approval.
func findings(tools ...api.ToolVerdict) string {
	n, blocking := 0, false
	for _, t := range tools {
		n += len(t.Findings)
		blocking = blocking || t.Blocking
	}
	switch {
	case blocking:
		return fmt.Sprintf("%d (high: needs --override)", n)
	case n == 0:
		return "-"
	}
	return fmt.Sprint(n)
}

func (e *env) quarantineShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show SERVER [TOOL]",
		Short: "Show a server's tools, or what changed in one tool",
		Args:  cobra.RangeArgs(1, 2),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if len(args) == 1 {
				s, err := c.QuarantinedServer(ctx, args[0])
				if err != nil {
					return err
				}
				if e.json() {
					return writeJSON(w, s)
				}
				fmt.Fprintf(w, "%s: %s\n", s.Name, s.Status)
				if s.Decision != nil {
					fmt.Fprintf(w, "last decision: %s by %s at %s %s\n", s.Decision.Decision, s.Decision.By,
						s.Decision.At.Local().Format(time.DateTime), s.Decision.Note)
				}
				t := newTable(w, "TOOL", "STATUS", "FINDINGS")
				for _, tl := range s.Tools {
					t.row(tl.Name, tl.Status, findings(tl))
				}
				return t.flush()
			}
			r, err := c.ReviewTool(ctx, args[0], args[1])
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(w, r)
			}
			fmt.Fprintf(w, "%s of %s: %s\n", r.Name, r.Server, r.Status)
			for _, ch := range r.Changes {
				fmt.Fprintf(w, "changed %s\n", ch.Field)
			}
			if r.DescriptionDiff != "" {
				fmt.Fprintf(w, "description:\n%s", r.DescriptionDiff)
			}
			for _, f := range r.Findings {
				fmt.Fprintf(w, "finding [%s] %s: %s %q\n", f.Severity, f.Rule, f.Message, f.Text)
			}
			return nil
		}),
	}
}

func (e *env) quarantineDecideCmd(approve bool) *cobra.Command {
	var note string
	var override bool
	use, short := "reject SERVER [TOOL]", "Reject a server (it stays quarantined) or one tool (it stays hidden)"
	if approve {
		use, short = "approve SERVER [TOOL]", "Approve a server as it is now (pinning its tools), or one tool's current definition"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.RangeArgs(1, 2),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			var out any
			var err error
			switch {
			case len(args) == 1 && approve:
				out, err = c.ApproveServer(ctx, args[0], note, override)
			case len(args) == 1:
				out, err = c.RejectServer(ctx, args[0], note)
			case approve:
				out, err = c.ApproveTool(ctx, args[0], args[1], note, override)
			default:
				out, err = c.RejectTool(ctx, args[0], args[1], note)
			}
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), out)
			}
			what := args[0]
			if len(args) == 2 {
				what = args[1] + " of " + args[0]
			}
			verb := "rejected"
			if approve {
				verb = "approved"
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", verb, what)
			return err
		}),
	}
	if approve {
		cmd.Flags().StringVar(&note, "note", "", "a note for the audit log")
		cmd.Flags().BoolVar(&override, "override", false, "approve despite high-severity poisoning findings (recorded)")
	} else {
		cmd.Flags().StringVar(&note, "reason", "", "why, for the audit log")
	}
	return cmd
}

func (e *env) auditCmd() *cobra.Command {
	var f client.AuditFilter
	var limit int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Who decided what and when, newest first",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			page, err := c.ListAudit(ctx, f, limit, "")
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), page)
			}
			t := newTable(cmd.OutOrStdout(), "TIME", "WHO", "WHAT", "SERVER", "TOOL", "NOTE")
			for _, r := range page.Items {
				t.row(r.Time.Local().Format(time.DateTime), r.Principal, r.Type, orDash(r.Server), orDash(r.Tool), orDash(r.Note))
			}
			return t.flush()
		}),
	}
	cmd.Flags().StringVar(&f.Type, "type", "", "a record type, or a prefix ending in a dot (quarantine.)")
	cmd.Flags().StringVar(&f.Server, "server", "", "only records about this server")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many records")
	return cmd
}
