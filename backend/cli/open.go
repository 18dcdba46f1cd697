package cli

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/backend/client"
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
			g := e.globals()
			forward := filepath.Join(g.home(), "open.html")
			if err := writeForwardPage(forward, target); err != nil {
				return err
			}
			if err := openInBrowser(forward); err != nil {
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
	key := os.Getenv("SWITCHBOARD_API_KEY")
	if key == "" {
		g := e.globals()
		path := g.Config
		if path == "" {
			path = filepath.Join(g.home(), "config.json")
		}
		if key, err = apiKeyOf(path); err != nil {
			return "", err
		}
	}
	frag := "key=" + url.QueryEscape(key)
	if page = strings.Trim(page, "/#"); page != "" {
		frag = "/" + page + "&" + frag
	}
	return info.UIURL + "#" + frag, nil
}

func writeForwardPage(path, target string) error {
	page := `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<title>Opening Switchboard</title><script>location.replace(` + jsString(target) + `)</script>` +
		`<p><a href="` + html.EscapeString(target) + `">Open the Switchboard control panel</a></p>`
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(page), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// jsString quotes s for a script: only URL characters reach it, but quotes,
// backslashes and '<' are escaped anyway.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `<`, `\u003c`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func openInBrowser(target string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", target)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", target)
	default:
		cmd = exec.Command("xdg-open", target)
	}
	return cmd.Start()
}
