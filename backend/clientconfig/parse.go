package clientconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/tailscale/hujson"

	"switchboard/backend/config"
)

// Parsed is what a client's file holds, as Switchboard servers.
type Parsed struct {
	Format Format `json:"format"`
	// Detected says why the format was chosen ("given" when the caller
	// named it).
	Detected string     `json:"detected"`
	Servers  []Imported `json:"servers"`
}

// Imported is one server of a client's file.
type Imported struct {
	// Name is the name it gets in Switchboard; SourceName is the one in
	// the file when that was not a valid server name.
	Name       string         `json:"name"`
	SourceName string         `json:"source_name,omitempty"`
	Server     *config.Server `json:"server,omitempty"`
	// Skip is why the server is not imported (it is Switchboard itself).
	Skip string `json:"skip,omitempty"`
	// Error is why the entry could not be read at all.
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// standardize turns JSON with comments and trailing commas into JSON; the
// error names the line and column.
func standardize(data []byte) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	// Standardize blanks comments out in the very bytes Parse was given,
	// so it gets a copy: the caller's data stays as it was.
	v, err := hujson.Parse(bytes.Clone(bytes.TrimPrefix(data, bom)))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", strings.TrimPrefix(err.Error(), "hujson: "))
	}
	v.Standardize()
	return v.Pack(), nil
}

// topLevel reads the top-level object of a (JSONC) file.
func topLevel(data []byte) (map[string]json.RawMessage, error) {
	std, err := standardize(data)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(std, &top); err != nil || top == nil {
		return nil, fmt.Errorf("not a JSON object at the top level")
	}
	return top, nil
}

// switchboardOnlyKeys are server keys no client writes: a file using them
// is Switchboard's own.
var switchboardOnlyKeys = []string{"enabled", "quarantined", "prefix", "idle_ttl_s", "health_check_interval_s",
	"connect_timeout_s", "call_timeout_s", "isolation", "disabled_tools", "auto_approve_changes", "docker"}

// Detect tells which client's format a file is in, from its content and,
// where the content allows several, its path. reason says what decided.
func Detect(data []byte, path string) (f Format, reason string, err error) {
	top, err := topLevel(data)
	if err != nil {
		return "", "", err
	}
	return detect(top, path)
}

func detect(top map[string]json.RawMessage, path string) (Format, string, error) {
	_, hasMCP := top["mcpServers"]
	_, hasServers := top["servers"]
	if !hasMCP {
		if hasServers {
			return VSCode, `a top-level "servers" object (VS Code's mcp.json)`, nil
		}
		if raw, ok := top["mcp"]; ok {
			var inner map[string]json.RawMessage
			if json.Unmarshal(raw, &inner) == nil && inner["servers"] != nil {
				return VSCode, `"mcp.servers" (VS Code's settings.json)`, nil
			}
		}
		return "", "", fmt.Errorf(`no "mcpServers" (Claude Desktop, Cursor, Windsurf, Claude Code, Switchboard) or "servers" (VS Code) object at the top level; is this an MCP config file?`)
	}
	base := strings.ToLower(filepath.Base(filepath.FromSlash(strings.ReplaceAll(path, `\`, "/"))))
	slashed := strings.ToLower(strings.ReplaceAll(path, `\`, "/"))
	switch {
	case base == "claude_desktop_config.json":
		return ClaudeDesktop, "the file name claude_desktop_config.json", nil
	case base == ".claude.json" || base == ".mcp.json":
		return ClaudeCode, "the file name " + base + " (Claude Code)", nil
	case strings.Contains(slashed, "/.cursor/"):
		return Cursor, "the file is in a .cursor folder", nil
	case base == "mcp_config.json" || strings.Contains(slashed, "/windsurf/"):
		return Windsurf, "the Windsurf file name mcp_config.json", nil
	case base == "config.json" && strings.Contains(slashed, ".switchboard"):
		return Generic, "Switchboard's own config file", nil
	}
	for _, k := range []string{"listen", "api_key", "update_check", "mcp_require_key"} {
		if _, ok := top[k]; ok {
			return Generic, fmt.Sprintf("the Switchboard key %q", k), nil
		}
	}
	for _, k := range []string{"projects", "numStartups", "userID", "oauthAccount"} {
		if _, ok := top[k]; ok {
			return ClaudeCode, fmt.Sprintf("the Claude Code key %q", k), nil
		}
	}
	var servers map[string]map[string]json.RawMessage
	_ = json.Unmarshal(top["mcpServers"], &servers)
	hasURL := false
	for _, name := range slices.Sorted(maps.Keys(servers)) {
		s := servers[name]
		if _, ok := s["serverUrl"]; ok {
			return Windsurf, fmt.Sprintf("server %q uses Windsurf's \"serverUrl\"", name), nil
		}
		for _, k := range switchboardOnlyKeys {
			if _, ok := s[k]; ok {
				return Generic, fmt.Sprintf("server %q uses the Switchboard key %q", name, k), nil
			}
		}
		if _, ok := s["url"]; ok {
			hasURL = true
		}
	}
	if hasURL {
		// Claude Desktop's file cannot hold URL servers; Cursor's can.
		return Cursor, `"mcpServers" with URL servers (Cursor)`, nil
	}
	return ClaudeDesktop, `"mcpServers" with command servers only (Claude Desktop's format, which Cursor shares)`, nil
}

// Parse reads a client's file (comments and trailing commas allowed). With
// format empty the format is detected; path helps detection and may be
// empty. An entry that cannot be read is returned with its Error, so one bad
// entry does not hide the others.
func Parse(data []byte, path string, format Format) (*Parsed, error) {
	top, err := topLevel(data)
	if err != nil {
		return nil, err
	}
	out := &Parsed{Format: format, Detected: "given"}
	if format == "" {
		if out.Format, out.Detected, err = detect(top, path); err != nil {
			return nil, err
		}
	} else if _, ok := infos[format]; !ok {
		return nil, fmt.Errorf("unknown format %q; use one of %s", format, formatList(Formats))
	}
	key := infos[out.Format].ServersKey
	block, ok := top[key]
	if !ok && out.Format == VSCode {
		// VS Code's settings.json keeps them under "mcp".
		var inner map[string]json.RawMessage
		if json.Unmarshal(top["mcp"], &inner) == nil {
			block, ok = inner["servers"]
		}
	}
	if !ok {
		return nil, fmt.Errorf("no %q object at the top level, where %s keeps its servers", key, infos[out.Format].Name)
	}
	var servers map[string]json.RawMessage
	if err := json.Unmarshal(block, &servers); err != nil {
		return nil, fmt.Errorf("%s: must be an object of servers by name", key)
	}
	taken := map[string]bool{}
	for _, src := range slices.Sorted(maps.Keys(servers)) {
		imp := Imported{Name: src}
		if n := SanitizeName(src); n != src {
			imp.Name, imp.SourceName = n, src
		}
		for taken[imp.Name] {
			imp.Name += "-2"
			imp.SourceName = src
		}
		taken[imp.Name] = true
		sc, warnings, err := convertServer(out.Format, servers[src])
		imp.Warnings = warnings
		if err != nil {
			// Decode errors read "field: what is wrong"; the path then
			// names the entry and the field.
			msg := err.Error()
			if field, detail, ok := strings.Cut(msg, ": "); ok && !strings.Contains(field, " ") {
				imp.Error = fmt.Sprintf("%s%s.%s: %s", key, jsonPathKey(src), field, detail)
			} else {
				imp.Error = fmt.Sprintf("%s%s: %s", key, jsonPathKey(src), msg)
			}
		} else {
			imp.Server = sc
			imp.Skip = selfEntry(sc)
		}
		out.Servers = append(out.Servers, imp)
	}
	return out, nil
}

var nameBadRe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// SanitizeName makes a client's server name a valid Switchboard one:
// characters other than letters, digits, _ and - become -, "__" (the
// separator of exposed names) becomes "_", and it is cut to 48.
func SanitizeName(s string) string {
	n := nameBadRe.ReplaceAllString(strings.TrimSpace(s), "-")
	for strings.Contains(n, "__") {
		n = strings.ReplaceAll(n, "__", "_")
	}
	n = strings.Trim(n, "-")
	if len(n) > 48 {
		n = n[:48]
	}
	if n == "" {
		n = "server"
	}
	return n
}

func jsonPathKey(k string) string {
	if k != "" && !strings.ContainsAny(k, ".[] \"") {
		return "." + k
	}
	return fmt.Sprintf("[%q]", k)
}

var (
	inputRefRe = regexp.MustCompile(`\$\{input:([^}]+)\}`)
	// Claude Code's ${VAR} and ${VAR:-default}; ${env:...} and other
	// prefixed forms have a colon right after the name and are left alone.
	bareRefRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)
	// VS Code's predefined variables, which Switchboard cannot resolve.
	vscodeVarRe = regexp.MustCompile(`\$\{(workspaceFolder|userHome|workspaceFolderBasename|pathSeparator)[^}]*\}`)
)

// convertServer turns one entry of a client's file into a Switchboard server.
func convertServer(f Format, raw json.RawMessage) (*config.Server, []string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, nil, fmt.Errorf("must be an object with a command or a url")
	}
	var warnings []string
	// Windsurf names the URL serverUrl; some clients write httpUrl.
	for _, k := range []string{"serverUrl", "httpUrl"} {
		if v, ok := obj[k]; ok {
			if _, has := obj["url"]; !has {
				obj["url"] = v
			}
			delete(obj, k)
		}
	}
	// Windsurf, Cline and others switch a server off with "disabled".
	if v, ok := obj["disabled"]; ok {
		var off bool
		if json.Unmarshal(v, &off) == nil {
			delete(obj, "disabled")
			if off {
				obj["enabled"] = json.RawMessage("false")
			}
		}
	}
	if v, ok := obj["type"]; ok {
		var t string
		if json.Unmarshal(v, &t) == nil {
			switch strings.ToLower(t) {
			case "streamable-http", "streamablehttp", "streamable_http", "http":
				obj["type"] = json.RawMessage(`"http"`)
			case "local":
				obj["type"] = json.RawMessage(`"stdio"`)
			}
		}
	}
	data, _ := json.Marshal(obj)
	sc := &config.Server{}
	if err := sc.UnmarshalJSON(data); err != nil {
		return nil, nil, err
	}
	if f == Generic {
		return sc, nil, nil
	}
	if sc.Type == "" && sc.Command == "" && sc.URL != "" {
		// Cursor and Windsurf tell SSE from streamable HTTP by trying; an
		// endpoint whose path ends in /sse is SSE by every convention.
		if u, err := url.Parse(sc.URL); err == nil && strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/sse") {
			sc.Type = config.TypeSSE
		}
	}
	// A client's server entry carries nothing of Switchboard's: a key such
	// as "enabled" from the source is kept only when it came from
	// "disabled" above.
	fix := func(where, v string) string {
		if f == VSCode {
			v = inputRefRe.ReplaceAllStringFunc(v, func(m string) string {
				id := inputRefRe.FindStringSubmatch(m)[1]
				warnings = append(warnings, fmt.Sprintf("%s: VS Code input %q became ${keyring:%s}; store its value with `switchboard secrets set %s`", where, id, id, id))
				return "${keyring:" + id + "}"
			})
			if vscodeVarRe.MatchString(v) {
				warnings = append(warnings, fmt.Sprintf("%s: VS Code variable %s is not resolved by Switchboard; replace it with a path", where, vscodeVarRe.FindString(v)))
			}
		}
		if f == ClaudeCode {
			v = bareRefRe.ReplaceAllStringFunc(v, func(m string) string {
				sub := bareRefRe.FindStringSubmatch(m)
				if sub[2] != "" {
					warnings = append(warnings, fmt.Sprintf("%s: the default of ${%s%s} was dropped; Switchboard reports a missing variable instead", where, sub[1], sub[2]))
				}
				return "${env:" + sub[1] + "}"
			})
		}
		return v
	}
	for i := range sc.Args {
		sc.Args[i] = fix(fmt.Sprintf("args[%d]", i), sc.Args[i])
	}
	for _, k := range slices.Sorted(maps.Keys(sc.Env)) {
		sc.Env[k] = fix("env."+k, sc.Env[k])
	}
	for _, k := range slices.Sorted(maps.Keys(sc.Headers)) {
		sc.Headers[k] = fix("headers."+k, sc.Headers[k])
	}
	sc.URL = fix("url", sc.URL)
	sc.Cwd = fix("cwd", sc.Cwd)
	if _, ok := sc.Extra["envFile"]; ok {
		warnings = append(warnings, "envFile: Switchboard does not read env files; copy the variables into env (as ${env:NAME} or ${keyring:NAME} references)")
	}
	return sc, warnings, nil
}

// selfEntry says why sc is Switchboard itself (the entry connect writes),
// or "" when it is not: importing it would make Switchboard serve itself.
func selfEntry(sc *config.Server) string {
	if sc.Command != "" {
		base := strings.ToLower(filepath.Base(strings.ReplaceAll(sc.Command, `\`, "/")))
		base = strings.TrimSuffix(base, ".exe")
		if base == "switchboard" && len(sc.Args) > 0 && sc.Args[0] == "stdio" {
			return "this entry is Switchboard's own stdio bridge"
		}
		return ""
	}
	u, err := url.Parse(sc.URL)
	if err != nil || u.Host == "" {
		return ""
	}
	host := u.Hostname()
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if loopback && (u.Path == "/mcp" || strings.HasPrefix(u.Path, "/mcp/")) && u.Port() == "7410" {
		return "this entry is Switchboard's own endpoint"
	}
	return ""
}
