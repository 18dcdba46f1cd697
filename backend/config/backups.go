package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// BackupFile is one copy of the config made by Backup.
type BackupFile struct {
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	SizeBytes int64     `json:"size_bytes"`
	Created   time.Time `json:"created"`
}

// BackupDir is the folder Backup writes to, beside the config file.
func (m *Manager) BackupDir() string { return filepath.Join(filepath.Dir(m.path), "backups") }

// Backups lists the copies Backup made, newest first; none yet is an empty
// list.
func (m *Manager) Backups() ([]BackupFile, error) {
	dir := m.BackupDir()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []BackupFile{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []BackupFile{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, "config-") || !strings.HasSuffix(name, ".json") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed while we looked
		}
		b := BackupFile{Name: name, Path: filepath.Join(dir, name), SizeBytes: info.Size(), Created: info.ModTime().UTC()}
		// The name holds the time Backup stamped, which survives a copy of
		// the folder; the file's time does not.
		if t, err := time.Parse("20060102T150405.000000000Z", strings.TrimSuffix(strings.TrimPrefix(name, "config-"), ".json")); err == nil {
			b.Created = t
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name > out[j].Name })
	return out, nil
}
