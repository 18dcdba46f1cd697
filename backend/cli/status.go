package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
	"switchboard/backend/upstream"
)

func (e *env) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show whether Switchboard runs, its servers by state, tools, calls and where it listens",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			st, err := c.Status(ctx)
			if err != nil {
				return err
			}
			info, err := c.SystemInfo(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), struct {
					*api.StatusInfo
					System *api.SystemInfo `json:"system"`
				}{st, info})
			}
			return printStatus(cmd.OutOrStdout(), st, info)
		}),
	}
}

func printStatus(w io.Writer, st *api.StatusInfo, info *api.SystemInfo) error {
	t := newTable(w)
	t.row("Switchboard", fmt.Sprintf("running (version %s, pid %d, up %s)", st.Version, info.PID, duration(st.UptimeS)))
	t.row("Servers", serverCounts(st.Servers))
	t.row("Tools", fmt.Sprintf("%d exposed on /mcp", st.ToolsTotal))
	if st.CallsTotal != nil {
		calls := fmt.Sprintf("%d since start", *st.CallsTotal)
		if st.ErrorsTotal != nil && *st.ErrorsTotal > 0 {
			calls += fmt.Sprintf(", %d failed", *st.ErrorsTotal)
		}
		t.row("Calls", calls)
	}
	t.row("Sessions", fmt.Sprintf("%d open", st.SessionsOpen))
	t.row("MCP endpoint", info.MCPURL)
	t.row("Control panel", info.UIURL)
	t.row("Socket", info.Socket)
	t.row("Config", info.ConfigPath)
	if info.Update.Available {
		t.row("Update", fmt.Sprintf("%s is available: %s", info.Update.Latest, info.Update.URL))
	}
	return t.flush()
}

// serverCounts reads "3 configured, 2 enabled: 1 ready, 1 starting".
func serverCounts(sc api.ServerCounts) string {
	s := fmt.Sprintf("%d configured, %d enabled", sc.Total, sc.Enabled)
	var parts []string
	// In the order of a server's life, then any state this CLI does not know.
	states := upstream.States()
	for _, k := range slices.Sorted(maps.Keys(sc.ByState)) {
		if !slices.Contains(states, upstream.State(k)) {
			states = append(states, upstream.State(k))
		}
	}
	for _, st := range states {
		state := string(st)
		if n := sc.ByState[state]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, state))
		}
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}

// duration shows seconds the way people read them: 45s, 12m3s, 5h2m, 3d4h.
func duration(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second))
	switch {
	case d <= 0:
		return "-"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

func (e *env) doctorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the config, server commands and starts, listeners, disk and file modes, with a fix for each problem",
		Long: "Check the config, server commands and starts, listeners, disk and file modes.\n" +
			"Each problem comes with what to do about it. Exits with 1 when a check fails.",
		Args: cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			rep, err := c.Doctor(ctx)
			if err != nil {
				return err
			}
			if e.json() {
				if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else if err := printDoctor(cmd.OutOrStdout(), rep); err != nil {
				return err
			}
			if rep.Summary.Fail > 0 {
				return fmt.Errorf("doctor: %d of %d checks failed", rep.Summary.Fail, len(rep.Checks))
			}
			return nil
		}),
	}
}

func printDoctor(w io.Writer, rep *api.DoctorReport) error {
	t := newTable(w, "STATUS", "CHECK", "DETAIL")
	for _, ch := range rep.Checks {
		name := ch.Name
		if ch.Server != "" && !strings.Contains(name, ch.Server) {
			name += " (" + ch.Server + ")"
		}
		t.row(ch.Status, name, ch.Detail)
		if ch.Fix != "" && ch.Status != "ok" {
			t.row("", "", "fix: "+ch.Fix)
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d ok, %d warnings, %d failed\n", rep.Summary.OK, rep.Summary.Warn, rep.Summary.Fail)
	return err
}
