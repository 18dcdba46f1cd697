// Package clientconfig reads and writes the MCP config files of AI clients
// (Claude Desktop, Cursor, VS Code, Windsurf, Claude Code) and a generic
// JSON: it finds them on Linux, macOS and Windows, detects which format a
// file is in, turns their servers into Switchboard servers (Parse, Plan),
// writes Switchboard servers in their format (Export), and writes
// Switchboard itself into a client's file with a backup and an undo
// (Connector), editing the text in place so comments, formatting and every
// other entry stay as they were.
//
// Nothing here touches the running config: the caller applies a Plan
// through config.Manager, so imported servers are validated, saved and
// quarantined like any other new server. Discovery reuses Locations, Parse
// and Plan to find servers in the files of installed clients.
package clientconfig

import (
	"fmt"
	"slices"
	"strings"
)

// Format names a client's config format.
type Format string

// The formats Switchboard reads and writes.
const (
	ClaudeDesktop Format = "claude-desktop"
	Cursor        Format = "cursor"
	VSCode        Format = "vscode"
	Windsurf      Format = "windsurf"
	ClaudeCode    Format = "claude-code"
	// Generic is Switchboard's own format: {"mcpServers": {...}} with every
	// key Switchboard knows.
	Generic Format = "generic"
)

// Formats lists every format, in the order they are shown.
var Formats = []Format{ClaudeDesktop, Cursor, VSCode, Windsurf, ClaudeCode, Generic}

// ConnectFormats are the clients Switchboard can write itself into.
var ConnectFormats = []Format{ClaudeDesktop, Cursor, VSCode, Windsurf, ClaudeCode}

// Info describes a format.
type Info struct {
	Format Format `json:"format"`
	// Name is the client's name as people know it.
	Name string `json:"name"`
	// ServersKey is the top-level key holding the servers.
	ServersKey string `json:"servers_key"`
	// JSONC is true when the client's file may hold comments and trailing
	// commas (VS Code).
	JSONC bool `json:"jsonc"`
	// RemoteServers says whether the client runs URL servers itself; when
	// false a remote server is exported through the mcp-remote bridge.
	RemoteServers bool `json:"remote_servers"`
}

var infos = map[Format]Info{
	ClaudeDesktop: {ClaudeDesktop, "Claude Desktop", "mcpServers", false, false},
	Cursor:        {Cursor, "Cursor", "mcpServers", false, true},
	VSCode:        {VSCode, "VS Code", "servers", true, true},
	Windsurf:      {Windsurf, "Windsurf", "mcpServers", false, true},
	ClaudeCode:    {ClaudeCode, "Claude Code", "mcpServers", false, true},
	Generic:       {Generic, "Switchboard (generic JSON)", "mcpServers", false, true},
}

// InfoOf describes f; ok is false for an unknown format.
func InfoOf(f Format) (Info, bool) {
	i, ok := infos[f]
	return i, ok
}

// ParseFormat reads a format name, accepting common spellings ("claude",
// "claude_desktop", "code", "vs-code", "json"...). The error lists the
// names that work.
func ParseFormat(s string) (Format, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("_", "-", " ", "-").Replace(k)
	switch k {
	case "claude-desktop", "claude", "claudedesktop":
		return ClaudeDesktop, nil
	case "cursor":
		return Cursor, nil
	case "vscode", "vs-code", "code":
		return VSCode, nil
	case "windsurf", "codeium":
		return Windsurf, nil
	case "claude-code", "claudecode":
		return ClaudeCode, nil
	case "generic", "json", "switchboard":
		return Generic, nil
	}
	return "", fmt.Errorf("unknown format %q; use one of %s", s, formatList(Formats))
}

// ParseConnectClient reads the name of a client Switchboard can connect to.
func ParseConnectClient(s string) (Format, error) {
	f, err := ParseFormat(s)
	if err != nil || !slices.Contains(ConnectFormats, f) {
		return "", fmt.Errorf("unknown client %q; Switchboard can connect %s", s, formatList(ConnectFormats))
	}
	return f, nil
}

func formatList(fs []Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
