package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
)

func (e *env) groupsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups",
		Short: "Groups of interchangeable servers served as one, with failover",
		Long: `A group is a pool of interchangeable servers served as one virtual server, at
/mcp/groups/{id} and on /mcp as {id}__{tool}. Each call goes to one member
by the group's strategy; a call that fails on a member goes on to another
when the tool is safe to retry. Groups are configured under "groups" in
the config file (or through /api/v1/groups).`,
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the groups with their state and members",
		Args:  cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			res, err := c.Groups(ctx)
			if err != nil {
				return err
			}
			return e.printGroups(cmd.OutOrStdout(), res.Groups)
		}),
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a group: its settings and each member's state, breaker and counters",
		Args:  cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			g, err := c.Group(ctx, args[0])
			if err != nil {
				return err
			}
			return e.printGroup(cmd.OutOrStdout(), g)
		}),
	}
	rebalance := &cobra.Command{
		Use:   "rebalance ID",
		Short: "Restart the group's rotation and half-open its open breakers, so members that are back take calls at once",
		Args:  cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			g, err := c.RebalanceGroup(ctx, args[0])
			if err != nil {
				return err
			}
			return e.printGroup(cmd.OutOrStdout(), g)
		}),
	}
	tools := &cobra.Command{
		Use:   "tools ID",
		Short: "List a group's tools: each one's name on /mcp, the members that offer it, and whether a failed call is retried",
		Args:  cobra.ExactArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			res, err := c.GroupTools(ctx, args[0])
			if err != nil {
				return err
			}
			return e.printGroupTools(cmd.OutOrStdout(), res.Tools)
		}),
	}
	cmd.AddCommand(list, show, tools, rebalance)
	return cmd
}

func (e *env) printGroups(w io.Writer, gs []api.GroupInfo) error {
	if e.json() {
		return writeJSON(w, gs)
	}
	if len(gs) == 0 {
		_, err := fmt.Fprintln(w, "No groups.")
		return err
	}
	t := newTable(w, "ID", "STATE", "HEALTHY", "STRATEGY", "MEMBERS", "TOOLS", "ENDPOINT")
	for _, g := range gs {
		names := make([]string, len(g.Members))
		for i, m := range g.Members {
			names[i] = m.Server
		}
		t.row(g.ID, g.State, fmt.Sprintf("%d/%d", g.HealthyMembers, len(g.Members)), g.Strategy,
			strings.Join(names, ","), strconv.Itoa(g.ToolCount), g.Endpoint)
	}
	return t.flush()
}

func (e *env) printGroup(w io.Writer, g *api.GroupInfo) error {
	if e.json() {
		return writeJSON(w, g)
	}
	fmt.Fprintf(w, "Group:       %s\n", g.ID)
	if g.Description != "" {
		fmt.Fprintf(w, "Description: %s\n", g.Description)
	}
	fmt.Fprintf(w, "State:       %s (%d of %d members in service, min_healthy %d)\n", g.State, g.HealthyMembers, len(g.Members), g.MinHealthy)
	fmt.Fprintf(w, "Strategy:    %s\n", g.Strategy)
	fmt.Fprintf(w, "Breaker:     opens after %d failures in a row, half-opens after %ds\n", g.Breaker.FailureThreshold, g.Breaker.CooldownS)
	fmt.Fprintf(w, "Retry tools: %s\n", orDash(strings.Join(g.RetryTools, ", ")))
	fmt.Fprintf(w, "Endpoint:    %s\n\n", g.MCPURL)
	t := newTable(w, "MEMBER", "WEIGHT", "PRIORITY", "SERVER", "ELIGIBLE", "BREAKER", "ACTIVE", "CALLS", "FAILURES")
	for _, m := range g.Members {
		eligible := "yes"
		if !m.Eligible {
			eligible = "no: " + m.NotEligibleReason
		}
		breaker := m.Breaker.State
		if m.Breaker.RetryAt != nil && m.Breaker.State == "open" {
			breaker += " until " + m.Breaker.RetryAt.Local().Format(time.TimeOnly)
		}
		t.row(m.Server, strconv.Itoa(m.Weight), strconv.Itoa(m.Priority), m.ServerState, eligible, breaker,
			strconv.FormatInt(m.ActiveCalls, 10), strconv.FormatInt(m.CallsTotal, 10), strconv.FormatInt(m.FailuresTotal, 10))
	}
	return t.flush()
}

func (e *env) printGroupTools(w io.Writer, tools []api.GroupTool) error {
	if e.json() {
		return writeJSON(w, tools)
	}
	if len(tools) == 0 {
		_, err := fmt.Fprintln(w, "No tools: no member in service offers one.")
		return err
	}
	t := newTable(w, "TOOL", "ON /mcp", "MEMBERS", "RETRIED")
	for _, tl := range tools {
		retried := "no"
		if tl.Retryable {
			retried = "yes"
		}
		t.row(tl.Name, tl.MCPName, strings.Join(tl.Members, ","), retried)
	}
	return t.flush()
}
