package clientconfig

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"switchboard/backend/fsutil"
)

// EntryName is the name Switchboard's own entry has in a client's file.
const EntryName = "switchboard"

// ErrNotConnected means there is no record of a connect to undo.
var ErrNotConnected = errors.New("not connected by Switchboard")

// Connector writes Switchboard into clients' files and takes it out again.
// For each file it connects it keeps, in Dir, a backup of the file as it
// was and a record of what it wrote, so Undo can put the original back byte
// for byte.
type Connector struct {
	// Dir holds the backups and records (the home's clients/ folder).
	Dir string
}

// ConnectOptions say which client and how to reach Switchboard.
type ConnectOptions struct {
	Client Format
	// Path is the client's file; empty means its usual place on this
	// machine (DefaultPath).
	Path string
	// Command is the switchboard program, for clients that launch the stdio
	// bridge (Claude Desktop).
	Command string
	// URL is the MCP endpoint, for clients that speak HTTP.
	URL string
}

// ConnectResult says what connect did.
type ConnectResult struct {
	Client Format `json:"client"`
	Path   string `json:"path"`
	// Changed is false when the file already held this very entry.
	Changed bool `json:"changed"`
	// Created is true when the file did not exist before.
	Created bool `json:"created"`
	// Backup is the copy of the file as it was (empty when it did not exist).
	Backup string `json:"backup,omitempty"`
	// Entry is what was written under "switchboard".
	Entry   ServerEntry `json:"entry"`
	Message string      `json:"message"`
}

// UndoResult says what undo did.
type UndoResult struct {
	Client Format `json:"client"`
	Path   string `json:"path"`
	// Restored is true when the file is back exactly as it was; false when
	// it was edited since and only Switchboard's entry was taken out.
	Restored bool   `json:"restored"`
	Removed  bool   `json:"removed"`
	Backup   string `json:"backup,omitempty"`
	Message  string `json:"message"`
}

// record is what Dir keeps about one connect.
type record struct {
	Client      Format    `json:"client"`
	Path        string    `json:"path"`
	Existed     bool      `json:"existed"`
	Backup      string    `json:"backup,omitempty"`
	WrittenHash string    `json:"written_sha256"`
	ConnectedAt time.Time `json:"connected_at"`
}

// Entry is the server entry that points client f at Switchboard.
func Entry(f Format, command, url string) (ServerEntry, error) {
	switch f {
	case ClaudeDesktop:
		if command == "" {
			return ServerEntry{}, fmt.Errorf("command: the path of the switchboard program is needed for %s", infos[f].Name)
		}
		return ServerEntry{Command: command, Args: []string{"stdio"}}, nil
	case Cursor:
		return ServerEntry{URL: url}, nil
	case VSCode, ClaudeCode:
		return ServerEntry{Type: "http", URL: url}, nil
	case Windsurf:
		return ServerEntry{ServerURL: url}, nil
	}
	return ServerEntry{}, fmt.Errorf("unknown client %q; Switchboard can connect %s", f, formatList(ConnectFormats))
}

// resolvePath is the file to edit: the default when empty; it must be
// absolute, since a relative path would depend on where Switchboard runs.
func resolvePath(f Format, path string) (string, error) {
	if path == "" {
		p, ok := DefaultPath(f)
		if !ok || p == "" {
			return "", fmt.Errorf("path: %s has no known config file on this system; give its path", infos[f].Name)
		}
		return p, nil
	}
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("path: must be absolute, got %q", path)
	}
	if !IsConfigFileName(path) {
		// Every client's file is JSON; refusing other names keeps a typo
		// (or a caller with write access) from editing some other file.
		return "", fmt.Errorf("path: must be a .json or .jsonc file, got %q", path)
	}
	return filepath.Clean(path), nil
}

// IsConfigFileName says whether path names a JSON file, as every client's
// MCP config is.
func IsConfigFileName(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".json" || ext == ".jsonc"
}

// Connect writes Switchboard's entry into the client's file, keeping
// everything else in it as it was. The file as it was is kept first.
func (c *Connector) Connect(o ConnectOptions) (*ConnectResult, error) {
	info, ok := infos[o.Client]
	if !ok || o.Client == Generic {
		return nil, fmt.Errorf("client: unknown client %q; Switchboard can connect %s", o.Client, formatList(ConnectFormats))
	}
	if o.Client != ClaudeDesktop && o.URL == "" {
		return nil, fmt.Errorf("url: the MCP endpoint is needed for %s", info.Name)
	}
	path, err := resolvePath(o.Client, o.Path)
	if err != nil {
		return nil, err
	}
	if o.Client == VSCode && strings.EqualFold(filepath.Base(path), "settings.json") {
		return nil, fmt.Errorf("path: VS Code reads MCP servers from mcp.json (the user's, or .vscode/mcp.json in a workspace), not from settings.json; give that file")
	}
	entry, err := Entry(o.Client, o.Command, o.URL)
	if err != nil {
		return nil, err
	}
	target := realPath(path)
	old, err := os.ReadFile(target)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("path: reading %s: %v", path, err)
	}
	if existed {
		if st, err := os.Stat(target); err == nil && !st.Mode().IsRegular() {
			return nil, fmt.Errorf("path: %s is not a regular file", path)
		}
	}
	next, err := setEntry(old, info.ServersKey, EntryName, entry)
	if err != nil {
		return nil, fmt.Errorf("path: %s: %v; fix the file first, nothing was changed", path, err)
	}
	res := &ConnectResult{Client: o.Client, Path: path, Created: !existed, Entry: entry}
	if existed && bytes.Equal(next, old) {
		res.Message = fmt.Sprintf("%s was already connected to Switchboard; nothing was changed", info.Name)
		if rec, err := c.load(o.Client, path); err == nil {
			res.Backup = rec.Backup
		}
		return res, nil
	}
	rec, recErr := c.load(o.Client, path)
	if recErr == nil && rec.WrittenHash == hash(old) {
		// Connected before and not edited since: the backup of the file
		// before that first connect is the one to keep.
	} else {
		rec = &record{Client: o.Client, Path: path, Existed: existed}
		if existed {
			rec.Backup = filepath.Join(c.Dir, c.key(o.Client, path)+".backup")
			if err := fsutil.WriteFileAtomic(rec.Backup, old, 0o600); err != nil {
				return nil, fmt.Errorf("keeping a backup of %s: %v; nothing was changed", path, err)
			}
		}
	}
	mode := fs.FileMode(0o600)
	if st, err := os.Stat(target); err == nil {
		mode = st.Mode().Perm()
	} else if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, fmt.Errorf("path: creating %s: %v", filepath.Dir(target), err)
	}
	rec.WrittenHash = hash(next)
	rec.ConnectedAt = time.Now().UTC()
	if err := c.save(rec); err != nil {
		return nil, fmt.Errorf("recording the connect: %v; nothing was changed", err)
	}
	if err := fsutil.WriteFileAtomic(target, next, mode); err != nil {
		return nil, fmt.Errorf("path: writing %s: %v", path, err)
	}
	res.Changed, res.Backup = true, rec.Backup
	res.Message = fmt.Sprintf("%s now reaches Switchboard through %q in %s; restart %s to pick it up", info.Name, EntryName, path, info.Name)
	return res, nil
}

// Undo takes Switchboard out of the client's file. If the file is as
// Connect left it, the original comes back byte for byte (or the file is
// removed when Connect created it); if it was edited since, only the
// "switchboard" entry is removed so those edits are kept.
func (c *Connector) Undo(client Format, path string) (*UndoResult, error) {
	info, ok := infos[client]
	if !ok || client == Generic {
		return nil, fmt.Errorf("client: unknown client %q; Switchboard can connect %s", client, formatList(ConnectFormats))
	}
	path, err := resolvePath(client, path)
	if err != nil {
		return nil, err
	}
	rec, err := c.load(client, path)
	if err != nil {
		return nil, fmt.Errorf("%w: there is no record of connecting %s at %s; nothing was changed", ErrNotConnected, info.Name, path)
	}
	target := realPath(path)
	res := &UndoResult{Client: client, Path: path, Backup: rec.Backup}
	cur, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		res.Message = fmt.Sprintf("%s no longer exists; there was nothing to take out", path)
		_ = os.Remove(c.recordPath(client, path))
		return res, nil
	case err != nil:
		return nil, fmt.Errorf("path: reading %s: %v", path, err)
	}
	if hash(cur) == rec.WrittenHash {
		if !rec.Existed {
			if err := os.Remove(target); err != nil {
				return nil, fmt.Errorf("path: removing %s: %v", path, err)
			}
			res.Message = fmt.Sprintf("removed %s, which connect had created", path)
		} else {
			orig, err := os.ReadFile(rec.Backup)
			if err != nil {
				return nil, fmt.Errorf("reading the backup %s: %v; nothing was changed", rec.Backup, err)
			}
			if err := fsutil.WriteFileAtomic(target, orig, fileMode(target)); err != nil {
				return nil, fmt.Errorf("path: writing %s: %v", path, err)
			}
			res.Message = fmt.Sprintf("%s is back as it was before connect", path)
			_ = os.Remove(rec.Backup)
			res.Backup = ""
		}
		res.Restored, res.Removed = true, true
		_ = os.Remove(c.recordPath(client, path))
		return res, nil
	}
	next, found, err := removeEntry(cur, info.ServersKey, EntryName)
	if err != nil {
		return nil, fmt.Errorf("path: %s: %v; fix the file first, nothing was changed", path, err)
	}
	if found {
		if err := fsutil.WriteFileAtomic(target, next, fileMode(target)); err != nil {
			return nil, fmt.Errorf("path: writing %s: %v", path, err)
		}
		res.Removed = true
		res.Message = fmt.Sprintf("%s was edited since connect, so only the %q entry was taken out and the edits were kept; the file as it was before connect is in %s", path, EntryName, rec.Backup)
	} else {
		res.Message = fmt.Sprintf("%s no longer has a %q entry; nothing was changed", path, EntryName)
	}
	_ = os.Remove(c.recordPath(client, path))
	return res, nil
}

// Connected says whether there is a record of connecting client at path.
func (c *Connector) Connected(client Format, path string) bool {
	p, err := resolvePath(client, path)
	if err != nil {
		return false
	}
	_, err = c.load(client, p)
	return err == nil
}

func (c *Connector) key(client Format, path string) string {
	sum := sha256.Sum256([]byte(path))
	return string(client) + "-" + hex.EncodeToString(sum[:6])
}

func (c *Connector) recordPath(client Format, path string) string {
	return filepath.Join(c.Dir, c.key(client, path)+".json")
}

func (c *Connector) load(client Format, path string) (*record, error) {
	data, err := os.ReadFile(c.recordPath(client, path))
	if err != nil {
		return nil, err
	}
	var r record
	if err := json.Unmarshal(data, &r); err != nil || r.Path != path {
		return nil, fmt.Errorf("record of %s is damaged", path)
	}
	return &r, nil
}

func (c *Connector) save(r *record) error {
	if c.Dir == "" {
		return errors.New("no folder for connect records")
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(c.recordPath(r.Client, r.Path), append(data, '\n'), 0o600)
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// realPath follows a symlink, so a file kept in a dotfiles repository stays
// a link to it.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

func fileMode(p string) fs.FileMode {
	if st, err := os.Stat(p); err == nil {
		return st.Mode().Perm()
	}
	return 0o600
}
