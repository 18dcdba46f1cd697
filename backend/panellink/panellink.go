// Package panellink makes the control panel's signed-in address and hands
// it to a browser. The CLI (`switchboard open`), the window and the tray
// all open the panel this way.
//
// The API key travels in the URL's fragment (#key=...), which a browser
// never sends to a server, so it appears in no request and no log; the
// panel keeps it and takes it out of the address bar at once. A browser is
// never given that URL on its command line, where any local user could
// read it (/proc/PID/cmdline): it is given a small page in the home folder
// (mode 0600, beside config.json, which holds the same key) that forwards
// to the panel.
package panellink

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"switchboard/backend/fsutil"
)

// APIKey reads the api_key of a config file without validating the rest:
// whoever may read that file (mode 0600) is its owner and may use the key.
func APIKey(configPath string) (string, error) {
	data, err := os.ReadFile(configPath)
	if err != nil {
		return "", fmt.Errorf("reading the API key: %w", err)
	}
	var f struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(data, &f); err != nil || f.APIKey == "" {
		return "", errors.New("no api_key in " + configPath)
	}
	return f.APIKey, nil
}

// Address is the panel at uiURL (the core's /ui/ address), at a route such
// as "quarantine?server=x", signed in with key.
func Address(uiURL, key, route string) string {
	frag := "key=" + url.QueryEscape(key)
	if route = strings.Trim(route, "/#"); route != "" {
		frag = "/" + route + "&" + frag
	}
	return uiURL + "#" + frag
}

// JSString quotes s for a script: quotes, backslashes and '<' escaped, so
// no string can end the script it is written into.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), "<", `\u003c`)
}

// WriteForwardPage writes, at path with mode 0600, a page that sends the
// browser on to target.
func WriteForwardPage(path, target string) error {
	page := `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		`<title>Opening Switchboard</title><script>location.replace(` + JSString(target) + `)</script>` +
		`<p><a href="` + html.EscapeString(target) + `">Open the Switchboard control panel</a></p>`
	return fsutil.WriteFileAtomic(path, []byte(page), 0o600)
}

// OpenInBrowser opens target, a signed-in address, in the default browser
// through a forwarding page in the home folder.
func OpenInBrowser(home, target string) error {
	page := filepath.Join(home, "open.html")
	if err := WriteForwardPage(page, target); err != nil {
		return err
	}
	return OpenWithDesktop(page)
}

// OpenWithDesktop hands a folder, file or URL to the desktop's default
// program (the file manager, the browser), without waiting for it.
func OpenWithDesktop(target string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", target)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", target)
	default:
		cmd = exec.Command("xdg-open", target)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }() // reap it
	return nil
}
