package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/backend/api"
	"switchboard/backend/client"
)

func (e *env) toolsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tools",
		Aliases: []string{"tool"},
		Short:   "List, search and call the servers' tools",
	}
	cmd.AddCommand(e.toolsListCmd(), e.toolsSearchCmd(), e.toolsCallCmd())
	return cmd
}

func (e *env) toolsListCmd() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List every server's tools, disabled ones too",
		Args:    cobra.NoArgs,
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			list, err := c.ListTools(ctx, client.ToolQuery{Server: server})
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			return printTools(cmd.OutOrStdout(), list, false)
		}),
	}
	cmd.Flags().StringVar(&server, "server", "", "only this server's tools")
	return cmd
}

func (e *env) toolsSearchCmd() *cobra.Command {
	var limit int
	var server string
	cmd := &cobra.Command{
		Use:   "search WORDS...",
		Short: "Find tools by what they do, best match first",
		Example: `  switchboard tools search read a file
  switchboard tools search --limit 3 create issue`,
		Args: cobra.MinimumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			list, err := c.ListTools(ctx, client.ToolQuery{Q: strings.Join(args, " "), Limit: limit, Server: server})
			if err != nil {
				return err
			}
			if e.json() {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			return printTools(cmd.OutOrStdout(), list, true)
		}),
	}
	cmd.Flags().IntVarP(&limit, "limit", "n", 10, "at most this many tools")
	cmd.Flags().StringVar(&server, "server", "", "only this server's tools")
	return cmd
}

func printTools(w io.Writer, list *api.ToolList, ranked bool) error {
	if len(list.Tools) == 0 {
		msg := "No tools."
		if ranked {
			msg = fmt.Sprintf("No tool matches %q.", list.Query)
		}
		_, err := fmt.Fprintln(w, msg)
		return err
	}
	header := []string{"NAME", "SERVER", "STATUS", "DESCRIPTION"}
	if ranked {
		header = append([]string{"SCORE"}, header...)
	}
	t := newTable(w, header...)
	for _, tl := range list.Tools {
		status := "exposed"
		switch {
		case !tl.Enabled:
			status = "disabled"
		case !tl.Exposed:
			status = "hidden"
			if tl.HiddenReason != "" {
				status += ": " + clip(tl.HiddenReason, 30)
			}
		}
		row := []string{tl.Name, tl.Server, status, clip(tl.Description, 70)}
		if ranked {
			row = append([]string{strconv.FormatFloat(tl.Score, 'f', 2, 64)}, row...)
		}
		t.row(row...)
	}
	return t.flush()
}

func (e *env) toolsCallCmd() *cobra.Command {
	var argsJSON string
	var kvs []string
	cmd := &cobra.Command{
		Use:   "call SERVER TOOL",
		Short: "Call a tool through the gateway, as a client would (the call is recorded)",
		Long: "Call a tool through the gateway, as a client would; the call is recorded in the activity log.\n" +
			"Arguments come as one JSON object (--args) or one by one (--arg KEY=VALUE): a value is\n" +
			"taken as the type the tool's schema gives its parameter, so --arg count=3 sends a number\n" +
			"where the tool wants one and the text \"3\" where it wants a string. Exits with 1 when the\n" +
			"tool reports an error.",
		Example: `  switchboard tools call everything echo --arg message=hello
  switchboard tools call github search_repositories --args '{"query": "mcp", "perPage": 5}'`,
		Args: cobra.ExactArgs(2),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			server, tool := args[0], args[1]
			callArgs, err := toolArguments(ctx, c, server, tool, argsJSON, kvs)
			if err != nil {
				return err
			}
			res, err := c.CallTool(ctx, server, tool, callArgs)
			if err != nil {
				return err
			}
			if e.json() {
				if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else {
				w := cmd.OutOrStdout()
				if res.IsError {
					w = cmd.ErrOrStderr()
				}
				if err := printContent(w, res); err != nil {
					return err
				}
			}
			if res.IsError {
				return fmt.Errorf("%s of %s reported an error", tool, server)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&argsJSON, "args", "", "the arguments as a JSON object")
	cmd.Flags().StringArrayVar(&kvs, "arg", nil, "one argument as KEY=VALUE (repeatable); VALUE is read as the schema says: text, number, true/false, or JSON")
	return cmd
}

// toolArguments joins --args and --arg into the arguments object.
func toolArguments(ctx context.Context, c *client.Client, server, tool, argsJSON string, kvs []string) (json.RawMessage, error) {
	args := map[string]json.RawMessage{}
	if argsJSON != "" {
		if err := json.Unmarshal([]byte(argsJSON), &args); err != nil || args == nil {
			return nil, fmt.Errorf("--args must be a JSON object such as '{\"text\": \"hi\"}': %v", errOrNull(err))
		}
	}
	if len(kvs) > 0 {
		// The schema says which values are text and which are JSON.
		info, err := c.GetTool(ctx, server, tool)
		if err != nil {
			return nil, err
		}
		types := paramTypes(info.InputSchema)
		for _, kv := range kvs {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("--arg %q: want KEY=VALUE", kv)
			}
			args[k] = argValue(v, types[k])
		}
	}
	if len(args) == 0 {
		return nil, nil
	}
	return json.Marshal(args)
}

func errOrNull(err error) error {
	if err == nil {
		return errors.New("got null")
	}
	return err
}

// paramTypes maps each property of an input schema to its JSON type(s).
func paramTypes(schema json.RawMessage) map[string][]string {
	var s struct {
		Properties map[string]struct {
			Type json.RawMessage `json:"type"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(schema, &s)
	out := map[string][]string{}
	for name, p := range s.Properties {
		var one string
		var many []string
		if json.Unmarshal(p.Type, &one) == nil && one != "" {
			out[name] = []string{one}
		} else if json.Unmarshal(p.Type, &many) == nil {
			out[name] = many
		}
	}
	return out
}

// argValue reads a --arg value: text where the schema wants a string (or
// says nothing and the value is not JSON), JSON otherwise.
func argValue(v string, types []string) json.RawMessage {
	text, _ := json.Marshal(v)
	if len(types) == 1 && types[0] == "string" {
		return text
	}
	if json.Valid([]byte(v)) {
		return json.RawMessage(v)
	}
	return text
}

// printContent writes a call's result for a person: text as it is, other
// content as a short note, structured content as JSON when there is no
// text.
func printContent(w io.Writer, res *api.ToolCallResult) error {
	wrote := false
	for _, item := range res.Content {
		switch item["type"] {
		case "text":
			text, _ := item["text"].(string)
			fmt.Fprintln(w, text)
		case "image", "audio":
			data, _ := item["data"].(string)
			fmt.Fprintf(w, "[%s %v, %d bytes base64]\n", item["type"], item["mimeType"], len(data))
		case "resource_link":
			fmt.Fprintf(w, "[link %v]\n", item["uri"])
		case "resource":
			res, _ := item["resource"].(map[string]any)
			if text, ok := res["text"].(string); ok {
				fmt.Fprintln(w, text)
			} else {
				fmt.Fprintf(w, "[resource %v]\n", res["uri"])
			}
		default:
			data, _ := json.Marshal(item)
			fmt.Fprintln(w, string(data))
		}
		wrote = true
	}
	if !wrote && res.StructuredContent != nil {
		return writeJSON(w, res.StructuredContent)
	}
	return nil
}
