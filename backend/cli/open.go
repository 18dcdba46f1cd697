package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/backend/client"
	"switchboard/backend/panellink"
)

// openCmd opens the control panel in the default browser, signed in: the API
// key travels in the URL's fragment (#key=...), which the browser never sends
// to the server and the panel removes from the address bar at once.
//
// The browser is not given that URL on its command line, where any local
// user could read it (/proc/<pid>/cmdline) and then use the API on
// 127.0.0.1. It is given a small page in the home folder (mode 0600, beside
// config.json, which holds the same key) that forwards to the panel.
func (e *env) openCmd() *cobra.Command {
	var printOnly bool
	cmd := &cobra.Command{
		Use:   "open [page]",
		Short: "Open the control panel in the browser, signed in (page: servers, quarantine, activity, ...)",
		Args:  cobra.MaximumNArgs(1),
		RunE: e.run(func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			page := ""
			if len(args) == 1 {
				page = args[0]
			}
			target, err := e.panelURL(ctx, c, page)
			if err != nil {
				return err
			}
			if printOnly {
				fmt.Fprintln(cmd.OutOrStdout(), target)
				return nil
			}
			if err := panellink.OpenInBrowser(e.globals().home(), target); err != nil {
				return fmt.Errorf("could not start a browser (%v); run `switchboard open --print` and open the address it prints", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Opening the control panel at", strings.SplitN(target, "#", 2)[0])
			return nil
		}),
	}
	cmd.Flags().BoolVar(&printOnly, "print", false, "print the signed-in address instead of opening a browser (it holds the API key)")
	return cmd
}

// panelURL is the running instance's /ui/ address with the key in the fragment.
func (e *env) panelURL(ctx context.Context, c *client.Client, page string) (string, error) {
	info, err := c.SystemInfo(ctx)
	if err != nil {
		return "", err
	}
	key, err := e.apiKey()
	if err != nil {
		return "", err
	}
	return panellink.Address(info.UIURL, key, page), nil
}
