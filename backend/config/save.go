package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"switchboard/backend/fsutil"
)

// Save writes c to path atomically: a temp file in the same folder, synced,
// then renamed over the old file, which is first copied to path+".bak".
// A reader never sees half a file, and a crash leaves the old or the new
// one. The file is mode 0600 (it holds the API key). A config that does
// not validate is refused, so the next start cannot fail on it.
func Save(path string, c *Config) error {
	if c == nil {
		return errors.New("saving config: nothing to save")
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("not saving %s: %w", path, err)
	}
	data, err := Encode(c)
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	// Write through a symlink (a dotfiles manager's link) instead of
	// replacing the link with a plain file.
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating config folder: %w", err)
	}
	old, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := fsutil.WriteFileAtomic(path+".bak", old, 0o600); err != nil {
			return fmt.Errorf("backing up %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("reading %s before saving: %w", path, err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	return nil
}

// Encode is the file's text: 2-space indented JSON with a trailing newline,
// known keys first, & < > left as they are.
func Encode(c *Config) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
