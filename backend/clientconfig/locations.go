package clientconfig

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Location is where a client keeps its MCP config.
type Location struct {
	Format Format `json:"format"`
	Path   string `json:"path"`
	// Scope is "user" (the client's own file) or "project" (a file in a
	// project folder, relative to it).
	Scope string `json:"scope"`
	// Primary marks the file connect writes by default; the others are read
	// too (an Insiders build, a legacy place).
	Primary bool `json:"primary"`
	// Exists is filled in by Installed.
	Exists bool `json:"exists"`
}

// Env is what Locations needs of the machine, so every platform's paths can
// be computed (and tested) anywhere.
type Env struct {
	GOOS   string
	Home   string
	Getenv func(string) string
}

// HostEnv is this machine's.
func HostEnv() Env {
	home, _ := os.UserHomeDir()
	return Env{GOOS: runtime.GOOS, Home: home, Getenv: os.Getenv}
}

func (e Env) env(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// join builds a path with the separator of the target platform, so Windows
// paths computed on Linux (in tests) come out as Windows shows them.
func (e Env) join(parts ...string) string {
	if e.GOOS == "windows" {
		for i := range parts {
			parts[i] = strings.ReplaceAll(parts[i], "/", `\`)
		}
		return strings.Join(parts, `\`)
	}
	return filepath.ToSlash(filepath.Join(parts...))
}

// appData is the folder of per-user application settings: Application
// Support on macOS, %APPDATA% on Windows, $XDG_CONFIG_HOME (~/.config) on
// Linux and other Unixes.
func (e Env) appData() string {
	switch e.GOOS {
	case "darwin":
		return e.join(e.Home, "Library", "Application Support")
	case "windows":
		if v := e.env("APPDATA"); v != "" {
			return v
		}
		return e.join(e.Home, "AppData", "Roaming")
	}
	if v := e.env("XDG_CONFIG_HOME"); v != "" {
		return v
	}
	return e.join(e.Home, ".config")
}

// Locations lists each client's config files on the platform of e, user
// files first, then the project files (relative paths).
func Locations(e Env) []Location {
	user := func(f Format, primary bool, parts ...string) Location {
		return Location{Format: f, Path: e.join(parts...), Scope: "user", Primary: primary}
	}
	out := []Location{
		user(ClaudeDesktop, true, e.appData(), "Claude", "claude_desktop_config.json"),
		user(Cursor, true, e.Home, ".cursor", "mcp.json"),
		user(VSCode, true, e.appData(), "Code", "User", "mcp.json"),
		user(VSCode, false, e.appData(), "Code - Insiders", "User", "mcp.json"),
		user(Windsurf, true, e.Home, ".codeium", "windsurf", "mcp_config.json"),
		user(ClaudeCode, true, e.Home, ".claude.json"),
	}
	project := func(f Format, parts ...string) Location {
		return Location{Format: f, Path: e.join(parts...), Scope: "project"}
	}
	return append(out,
		project(Cursor, ".cursor", "mcp.json"),
		project(VSCode, ".vscode", "mcp.json"),
		project(ClaudeCode, ".mcp.json"),
	)
}

// DefaultPath is the user file connect writes for client f on this machine.
func DefaultPath(f Format) (string, bool) {
	return defaultPath(HostEnv(), f)
}

func defaultPath(e Env, f Format) (string, bool) {
	for _, l := range Locations(e) {
		if l.Format == f && l.Primary {
			return l.Path, true
		}
	}
	return "", false
}

// Installed lists the user files of this machine with Exists set, for a
// look at which clients are set up (and for discovery).
func Installed() []Location {
	var out []Location
	for _, l := range Locations(HostEnv()) {
		if l.Scope != "user" {
			continue
		}
		if st, err := os.Stat(l.Path); err == nil && st.Mode().IsRegular() {
			l.Exists = true
		}
		out = append(out, l)
	}
	return out
}
