package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"switchboard/backend/api"
	"switchboard/backend/client"
)

func (e *env) activityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "activity",
		Short: "Read and export the log of tool calls",
	}
	cmd.AddCommand(e.activityListCmd(), e.activityExportCmd())
	return cmd
}

// activityFlags are the filters shared by list and export.
type activityFlags struct {
	f            client.ActivityFilter
	since, until string
}

func (a *activityFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&a.f.Server, "server", "", "only this server's calls")
	fl.StringVar(&a.f.Tool, "tool", "", "only calls of this tool (its name on the server)")
	fl.StringVar(&a.f.Session, "session", "", "only calls of this MCP session")
	fl.StringVar(&a.f.Client, "client", "", "only calls from this client (such as cursor)")
	fl.StringVar(&a.f.Status, "status", "", "ok, error, timeout, unavailable or cancelled")
	fl.StringVar(&a.since, "since", "", "calls at or after this time: RFC 3339 (2026-01-02T15:04:05Z) or an age (30m, 2h, 7d)")
	fl.StringVar(&a.until, "until", "", "calls before this time: RFC 3339 or an age")
}

func (a *activityFlags) filter(now time.Time) (client.ActivityFilter, error) {
	f := a.f
	var err error
	if f.Since, err = when("--since", a.since, now); err != nil {
		return f, err
	}
	if f.Until, err = when("--until", a.until, now); err != nil {
		return f, err
	}
	return f, nil
}

// when reads a time: RFC 3339, or an age before now such as 90s, 2h or 7d.
func when(flag, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z, or an age such as 30m, 2h or 7d", flag, v)
}

func (e *env) activityListCmd() *cobra.Command {
	var a activityFlags
	var limit int
	var cursor string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List tool calls, newest first",
		Args:    cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			f, err := a.filter(time.Now())
			if err != nil {
				return err
			}
			page, err := c.ListActivity(ctx, f, limit, cursor)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), page)
			}
			if err := printActivity(cmd.OutOrStdout(), page.Items); err != nil {
				return err
			}
			if page.NextCursor != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "\nMore: add --cursor %s\n", page.NextCursor)
			}
			return nil
		}),
	}
	a.add(cmd.Flags())
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "how many calls (at most 1000)")
	cmd.Flags().StringVar(&cursor, "cursor", "", "continue after the previous page")
	return cmd
}

func printActivity(w io.Writer, items []api.Activity) error {
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, "No calls recorded.")
		return err
	}
	t := newTable(w, "TIME", "SERVER", "TOOL", "STATUS", "DURATION", "CLIENT", "ERROR")
	for _, a := range items {
		t.row(a.Time.Local().Format("2006-01-02 15:04:05"), a.Server, a.Tool, a.Status,
			strconv.FormatFloat(a.DurationMS, 'f', 1, 64)+" ms", orDash(a.Client), orDash(clip(a.Error, 60)))
	}
	return t.flush()
}

func (e *env) activityExportCmd() *cobra.Command {
	var a activityFlags
	var format, file string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the whole log (or the calls the filters keep) as JSON Lines or CSV",
		Example: `  switchboard activity export > calls.jsonl
  switchboard activity export --format csv --since 7d --file last-week.csv`,
		Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			f, err := a.filter(time.Now())
			if err != nil {
				return err
			}
			if file == "" {
				return c.ActivityExport(ctx, format, f, cmd.OutOrStdout())
			}
			out, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			if err := c.ActivityExport(ctx, format, f, out); err != nil {
				_ = out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Exported to %s\n", file)
			return nil
		}),
	}
	a.add(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", client.FormatJSONL, "jsonl or csv")
	cmd.Flags().StringVarP(&file, "file", "f", "", "write to this file instead of stdout (readable by you only: calls may hold private data)")
	return cmd
}
