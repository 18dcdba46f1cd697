//go:build windows

package upstream

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// On Windows programs see the PATH from the registry whichever way they are
// started, so there is no login shell to ask.
func loginShellPath() string { return os.Getenv("PATH") }

// lookPathIn follows Windows' rules (PATHEXT) by asking exec.LookPath for
// each folder in turn.
func lookPathIn(name string, path []string) (string, bool) {
	for _, dir := range path {
		if dir == "" {
			continue
		}
		if p, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return p, true
		}
	}
	return "", false
}

func isExecutable(file string, _ fs.FileInfo) bool {
	_, err := exec.LookPath(file)
	return err == nil
}
