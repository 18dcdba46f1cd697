package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveBacksUpAndLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	first := &Config{Servers: map[string]*Server{"a": {Command: "one"}}}
	if err := Save(path, first); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".bak"); !os.IsNotExist(err) {
		t.Error("no backup expected when there was no file")
	}
	before, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(before), "}\n") || !strings.Contains(string(before), "\n  \"mcpServers\": {\n    \"a\": {") {
		t.Fatalf("want 2-space indent and a trailing newline:\n%s", before)
	}

	second := first.Clone()
	second.Servers["a"].Command = "two"
	if err := Save(path, second); err != nil {
		t.Fatal(err)
	}
	bak, _ := os.ReadFile(path + ".bak")
	if string(bak) != string(before) {
		t.Fatalf("backup holds %q, want the previous file", bak)
	}
	cfg, err := Load(path)
	if err != nil || cfg.Servers["a"].Command != "two" {
		t.Fatalf("saved config not loaded back: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "config.json" && e.Name() != "config.json.bak" {
			t.Errorf("left behind: %s", e.Name())
		}
		if st, _ := os.Stat(filepath.Join(dir, e.Name())); st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), st.Mode().Perm())
		}
	}
}

func TestSaveTightensLooseMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, `{"mcpServers": {}}`)
	os.Chmod(path, 0o644)
	if err := Save(path, &Config{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
}

func TestSaveRefusesInvalidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, `{"mcpServers": {}}`)
	bad := &Config{Servers: map[string]*Server{"x": {Type: "stdio"}}}
	err := Save(path, bad)
	if err == nil || !strings.Contains(err.Error(), "mcpServers.x.command") {
		t.Fatalf("got %v, want the validation problem", err)
	}
	if data, _ := os.ReadFile(path); string(data) != `{"mcpServers": {}}` {
		t.Error("the file must stay as it was")
	}
}

func TestSaveWritesThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "switchboard.json")
	os.MkdirAll(filepath.Dir(real), 0o700)
	writeFile(t, real, `{"mcpServers": {}}`)
	link := filepath.Join(dir, "config.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := Save(link, &Config{Listen: "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if data, _ := os.ReadFile(real); !strings.Contains(string(data), "9999") {
		t.Fatal("the target was not updated")
	}
}
