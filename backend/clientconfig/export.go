package clientconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"switchboard/backend/config"
	"switchboard/backend/sensitive"
)

// Exported is a file in a client's format.
type Exported struct {
	Format Format `json:"format"`
	// Data is the file's content.
	Data []byte `json:"-"`
	// Servers are the names written.
	Servers []string `json:"servers"`
	// Warnings say what the client cannot do as Switchboard does, and which
	// literal secrets were replaced by references.
	Warnings []string `json:"warnings,omitempty"`
}

// ServerEntry is one server in a client's file; the field order is the
// order people write them in.
type ServerEntry struct {
	Type      string            `json:"type,omitempty"`
	Command   string            `json:"command,omitempty"`
	Args      []string          `json:"args,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	Cwd       string            `json:"cwd,omitempty"`
	URL       string            `json:"url,omitempty"`
	ServerURL string            `json:"serverUrl,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Disabled  bool              `json:"disabled,omitempty"`
}

// vscodeInput is an entry of VS Code's "inputs": a value it asks for once
// and keeps in its own secret storage.
type vscodeInput struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Description string `json:"description"`
	Password    bool   `json:"password"`
}

var (
	refOnlyRe  = regexp.MustCompile(`^(?:[A-Za-z-]+ )?(?:\$\{(?:env|keyring):[^}]*\})+$`)
	envRefRe   = regexp.MustCompile(`\$\{env:([^}]+)\}`)
	keyringRe  = regexp.MustCompile(`\$\{keyring:([^}]+)\}`)
	envNameBad = regexp.MustCompile(`[^A-Z0-9_]+`)
)

// Export writes servers (all of them when names is empty) in format f.
// Secrets are never resolved: ${env:...} and ${keyring:...} references are
// written as references (in the client's own syntax where it has one), a
// literal value in env or headers is replaced by a ${env:NAME} reference,
// and so is anything in the arguments or URL that looks like a token, each
// with a warning, so an exported file carries no secret.
func Export(servers map[string]*config.Server, names []string, f Format) (*Exported, error) {
	if _, ok := infos[f]; !ok {
		return nil, fmt.Errorf("unknown format %q; use one of %s", f, formatList(Formats))
	}
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(servers))
	}
	out := &Exported{Format: f}
	var missing []string
	for _, n := range names {
		if servers[n] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no server named %s is configured", strings.Join(quoteAll(missing), ", "))
	}
	block := map[string]any{}
	inputs := map[string]vscodeInput{}
	for _, n := range names {
		sc := safeCopy(n, servers[n], &out.Warnings)
		out.Servers = append(out.Servers, n)
		if f == Generic {
			block[n] = sc
			continue
		}
		block[n] = toClient(f, n, sc, inputs, &out.Warnings)
	}
	doc := map[string]any{infos[f].ServersKey: block}
	if f == VSCode && len(inputs) > 0 {
		list := make([]vscodeInput, 0, len(inputs))
		for _, id := range slices.Sorted(maps.Keys(inputs)) {
			list = append(list, inputs[id])
		}
		doc["inputs"] = list
	}
	data, err := marshalIndent(doc)
	if err != nil {
		return nil, err
	}
	out.Data = data
	return out, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

// marshalIndent writes JSON as people write config files: two spaces, no
// HTML escaping (so "&" and "<" in arguments stay readable), a final newline.
func marshalIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// safeCopy is sc with every literal secret in env and headers replaced by
// an ${env:NAME} reference and any password in the URL masked.
func safeCopy(name string, sc *config.Server, warnings *[]string) *config.Server {
	out := sc.Clone()
	for _, k := range slices.Sorted(maps.Keys(out.Env)) {
		if v := out.Env[k]; v != "" && !refOnlyRe.MatchString(v) {
			ref := "${env:" + envName(k) + "}"
			out.Env[k] = ref
			*warnings = append(*warnings, fmt.Sprintf("%s: env %s held a literal value, written as %s; keep the value in that variable or in the keyring (`switchboard secrets migrate`)", name, k, ref))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(out.Headers)) {
		if v := out.Headers[k]; v != "" && !refOnlyRe.MatchString(v) {
			ref := "${env:" + envName(name+"_"+k) + "}"
			out.Headers[k] = ref
			*warnings = append(*warnings, fmt.Sprintf("%s: header %s held a literal value, written as %s", name, k, ref))
		}
	}
	// Arguments and URLs are not secret by design, but people paste tokens
	// into them (--api-key=..., ?key=...): what looks like one is replaced.
	n := 0
	scrub := func(where, v string) string {
		fs := sensitive.ScanText(v)
		if len(fs) == 0 {
			return v
		}
		sort.Slice(fs, func(i, j int) bool { return fs[i].Start > fs[j].Start })
		for _, f := range fs {
			if f.Start < 0 || f.End > len(v) || f.Start >= f.End {
				continue
			}
			n++
			ref := "${env:" + envName(fmt.Sprintf("%s_SECRET_%d", name, n)) + "}"
			v = v[:f.Start] + ref + v[f.End:]
			*warnings = append(*warnings, fmt.Sprintf("%s: %s held what looks like a secret (%s), written as %s", name, where, f.Kind, ref))
		}
		return v
	}
	for i := range out.Args {
		out.Args[i] = scrub(fmt.Sprintf("args[%d]", i), out.Args[i])
	}
	out.URL = scrub("url", out.URL)
	if u, err := url.Parse(out.URL); err == nil && u.User != nil {
		if _, hasPass := u.User.Password(); hasPass {
			out.URL = u.Redacted()
			*warnings = append(*warnings, fmt.Sprintf("%s: the password in the url was masked", name))
		}
	}
	return out
}

func envName(s string) string {
	return strings.Trim(envNameBad.ReplaceAllString(strings.ToUpper(s), "_"), "_")
}

// toClient turns a Switchboard server into the entry of client f.
func toClient(f Format, name string, sc *config.Server, inputs map[string]vscodeInput, warnings *[]string) ServerEntry {
	refs := func(v string) string {
		switch f {
		case VSCode:
			// VS Code asks for a keyring secret once and keeps it itself.
			v = keyringRe.ReplaceAllStringFunc(v, func(m string) string {
				id := keyringRe.FindStringSubmatch(m)[1]
				inputs[id] = vscodeInput{Type: "promptString", ID: id, Description: id + " (kept in Switchboard's keyring as " + id + ")", Password: true}
				return "${input:" + id + "}"
			})
		case ClaudeCode:
			v = envRefRe.ReplaceAllString(v, "$${$1}")
		}
		return v
	}
	mapRefs := func(m map[string]string) map[string]string {
		if len(m) == 0 {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[k] = refs(v)
		}
		return out
	}
	args := make([]string, len(sc.Args))
	for i, a := range sc.Args {
		args[i] = refs(a)
	}
	if len(args) == 0 {
		args = nil
	}
	cs := ServerEntry{Command: sc.Command, Args: args, Env: mapRefs(sc.Env), Cwd: refs(sc.Cwd),
		URL: refs(sc.URL), Headers: mapRefs(sc.Headers), Disabled: !sc.IsEnabled() && (f == Windsurf)}
	t := sc.TransportType()
	if sc.Isolation == "docker" {
		*warnings = append(*warnings, fmt.Sprintf("%s: runs in a Docker container under Switchboard; %s will run the command directly", name, infos[f].Name))
	}
	if !sc.IsEnabled() && f != Windsurf {
		*warnings = append(*warnings, fmt.Sprintf("%s: is disabled in Switchboard; %s has no off switch in its file, so it is written enabled", name, infos[f].Name))
	}
	switch f {
	case VSCode, ClaudeCode:
		cs.Type = t
	case Windsurf:
		cs.ServerURL, cs.URL = cs.URL, ""
	case ClaudeDesktop:
		if t != config.TypeStdio {
			// Claude Desktop's file runs programs only: reach the URL
			// through the mcp-remote bridge.
			cs.Command = "npx"
			cs.Args = []string{"-y", "mcp-remote", cs.URL}
			for _, k := range slices.Sorted(maps.Keys(cs.Headers)) {
				cs.Args = append(cs.Args, "--header", k+":"+cs.Headers[k])
			}
			if t == config.TypeSSE {
				cs.Args = append(cs.Args, "--transport", "sse-only")
			}
			cs.URL, cs.Headers = "", nil
			*warnings = append(*warnings, fmt.Sprintf("%s: Claude Desktop runs remote servers through mcp-remote (npx); the entry calls it", name))
		}
	}
	if f == ClaudeDesktop || f == Cursor || f == Windsurf || f == ClaudeCode {
		vals := append([]string{sc.URL, sc.Cwd}, sc.Args...)
		for _, k := range slices.Sorted(maps.Keys(sc.Env)) {
			vals = append(vals, sc.Env[k])
		}
		for _, k := range slices.Sorted(maps.Keys(sc.Headers)) {
			vals = append(vals, sc.Headers[k])
		}
		for _, v := range vals {
			if keyringRe.MatchString(v) || (f == ClaudeDesktop && envRefRe.MatchString(v)) {
				*warnings = append(*warnings, fmt.Sprintf("%s: %s does not resolve %s; set the value there by hand, or connect the client to Switchboard instead", name, infos[f].Name, firstRef(v)))
				break
			}
		}
	}
	return cs
}

func firstRef(v string) string {
	if m := keyringRe.FindString(v); m != "" {
		return m
	}
	return envRefRe.FindString(v)
}
