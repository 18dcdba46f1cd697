// Package app is the desktop shell of Switchboard: the tray menu, the Wails
// window, notifications, single-instance handling and start at login. It
// talks to the core only through the REST client, so on macOS the tray can
// run as a process of its own. The GUI code is built with the `desktop` tag;
// without it (and on a machine with no display) `switchboard` serves
// headless.
package app
