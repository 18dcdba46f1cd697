package app

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"time"

	"switchboard/backend/client"
	"switchboard/backend/panellink"
)

// PanelAddress is where the window shows the control panel: the core's
// /ui/ over TCP, at a route, signed in with the API key in the fragment.
// A fragment is never sent to a server, so the key appears in no request
// and no log; the panel keeps it and takes it out of the address at once
// (the same hand-over `switchboard open` uses for a browser).
func PanelAddress(ctx context.Context, c *client.Client, route string) (string, error) {
	info, err := c.SystemInfo(ctx)
	if err != nil {
		return "", err
	}
	key, err := panellink.APIKey(info.ConfigPath)
	if err != nil {
		return "", err
	}
	return panellink.Address(info.UIURL, key, route), nil
}

// StartPage is what the window loads first, from inside the app (never
// over the network): a page that moves on to the panel, signed in. While
// the core does not answer yet it says so and tries again.
type StartPage struct {
	Client *client.Client
}

func (s StartPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.URL.Path != "/" && r.URL.Path != "/index.html" {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	target, err := PanelAddress(ctx, s.Client, r.URL.Query().Get("route"))
	head := `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Switchboard</title>` +
		`<style>body{font:15px system-ui,sans-serif;margin:3em;color:#263245}@media(prefers-color-scheme:dark){body{background:#1b2230;color:#e8eef6}}</style>`
	if err != nil {
		fmt.Fprintf(w, `%s<meta http-equiv="refresh" content="2"><h1>Starting Switchboard…</h1><p>Waiting for the gateway: %s</p>`,
			head, html.EscapeString(err.Error()))
		return
	}
	fmt.Fprintf(w, `%s<script>location.replace(%s)</script><p>Opening the control panel…</p>`, head, panellink.JSString(target))
}
