//go:build !windows

package upstream

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	shellPathTimeout = 3 * time.Second
	shellPathMarker  = "__SB_PATH__"
)

func loginShellPath() string {
	home, _ := os.UserHomeDir()
	shellPath, _ := queryShellPath(userShell(), shellPathTimeout)
	return buildPath(os.Getenv("PATH"), shellPath, home)
}

// buildPath merges the current PATH, the login shell's PATH and the
// well-known tool folders that exist, in that order.
func buildPath(current, shell, home string) string {
	return mergePath(
		filepath.SplitList(current),
		filepath.SplitList(shell),
		wellKnownDirs(home),
	)
}

// queryShellPath runs the login shell interactively (rc files such as
// .zshrc or .bashrc are where nvm and friends set PATH) and reads its PATH
// between markers, since interactive shells may print banners and warnings.
func queryShellPath(shell string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	script := `printf "` + shellPathMarker + `%s` + shellPathMarker + `" "$PATH"`
	cmd := exec.CommandContext(ctx, shell, "-l", "-i", "-c", script)
	cmd.Stdin = nil // /dev/null
	var out bytes.Buffer
	cmd.Stdout = &out
	// The mark lets the reaper end the shell and what its rc files start,
	// should Switchboard exit while it runs (reaper.go).
	cmd.Env = mergeEnv(os.Environ(), []string{ResolvingEnvVar + "=1", gatewayMark})
	// A new session without a controlling terminal: an interactive shell
	// would otherwise take over the terminal Switchboard was started from
	// (and get stopped by SIGTTOU/SIGTTIN). The shell leads its own group,
	// so a timeout kills whatever its rc files started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// An rc file may start a background agent that keeps stdout open;
	// do not wait for it once the shell itself is done.
	cmd.WaitDelay = 300 * time.Millisecond

	runErr := cmd.Run()
	// Read the markers even after an error: the PATH may have been printed
	// before a noisy rc file made the shell exit non-zero.
	s := out.String()
	if start := strings.Index(s, shellPathMarker); start >= 0 {
		rest := s[start+len(shellPathMarker):]
		if end := strings.Index(rest, shellPathMarker); end >= 0 {
			return strings.TrimSpace(rest[:end]), nil
		}
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("login shell %s did not print its PATH within %s", shell, timeout)
	}
	if runErr != nil {
		return "", fmt.Errorf("login shell %s failed: %w", shell, runErr)
	}
	return "", fmt.Errorf("login shell %s printed no PATH", shell)
}

// userShell is $SHELL, else the login shell of the user's account, else /bin/sh.
func userShell() string {
	if s := os.Getenv("SHELL"); filepath.IsAbs(s) && isFileExecutable(s) {
		return s
	}
	if s := passwdShell(os.Getuid()); s != "" && isFileExecutable(s) {
		return s
	}
	return "/bin/sh"
}

// passwdShell reads the user's shell from /etc/passwd, or on macOS (where
// accounts live in Directory Services) from dscl.
func passwdShell(uid int) string {
	if runtime.GOOS == "darwin" {
		if u := os.Getenv("USER"); u != "" {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, "/usr/bin/dscl", ".", "-read", "/Users/"+u, "UserShell").Output()
			if err == nil {
				if _, v, ok := strings.Cut(strings.TrimSpace(string(out)), "UserShell:"); ok {
					return strings.TrimSpace(v)
				}
			}
		}
	}
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return ""
	}
	defer f.Close()
	want := strconv.Itoa(uid)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) >= 7 && fields[2] == want {
			return fields[6]
		}
	}
	return ""
}

// wellKnownDirs lists folders where version managers and package managers
// put their programs, keeping only those that exist.
func wellKnownDirs(home string) []string {
	var dirs []string
	if home != "" {
		nvmDir := os.Getenv("NVM_DIR")
		if nvmDir == "" {
			nvmDir = filepath.Join(home, ".nvm")
		}
		if d := newestNodeBin(filepath.Join(nvmDir, "versions", "node")); d != "" {
			dirs = append(dirs, d)
		}
		dirs = append(dirs,
			filepath.Join(home, ".local", "bin"),
			filepath.Join(home, ".volta", "bin"),
			filepath.Join(home, ".local", "share", "fnm", "aliases", "default", "bin"),
			filepath.Join(home, "Library", "Application Support", "fnm", "aliases", "default", "bin"),
			filepath.Join(home, ".asdf", "shims"),
			filepath.Join(home, ".local", "share", "mise", "shims"),
			filepath.Join(home, ".cargo", "bin"),
			filepath.Join(home, ".bun", "bin"),
			filepath.Join(home, ".deno", "bin"),
		)
	}
	dirs = append(dirs,
		"/opt/homebrew/bin",
		"/home/linuxbrew/.linuxbrew/bin",
		"/usr/local/bin",
	)
	existing := dirs[:0]
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			existing = append(existing, d)
		}
	}
	return existing
}

// newestNodeBin returns the bin folder of the highest vX.Y.Z under root.
func newestNodeBin(root string) string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return ""
	}
	var best []int
	bestName := ""
	for _, e := range entries {
		v := parseVersion(e.Name())
		if v == nil || !e.IsDir() {
			continue
		}
		if best == nil || versionLess(best, v) {
			best, bestName = v, e.Name()
		}
	}
	if bestName == "" {
		return ""
	}
	return filepath.Join(root, bestName, "bin")
}

// parseVersion reads "v18.19.0" as [18 19 0]; nil when it is not a version.
func parseVersion(name string) []int {
	parts := strings.Split(strings.TrimPrefix(name, "v"), ".")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func lookPathIn(name string, path []string) (string, bool) {
	for _, dir := range path {
		if dir == "" {
			continue
		}
		candidate := filepath.Join(dir, name)
		if isFileExecutable(candidate) {
			return candidate, true
		}
	}
	return "", false
}

func isFileExecutable(file string) bool {
	fi, err := os.Stat(file)
	return err == nil && !fi.IsDir() && isExecutable(file, fi)
}

func isExecutable(_ string, fi fs.FileInfo) bool {
	return fi.Mode()&0o111 != 0
}
