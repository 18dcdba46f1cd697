package upstream

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ErrCommandNotFound is wrapped by the error ResolveCommand returns when a
// command does not exist, so callers can tell a missing program (a config
// problem the user must fix) from a program that starts and then fails.
var ErrCommandNotFound = errors.New("command not found")

// CommandNotFoundError says which command was missing and where it was looked for.
type CommandNotFoundError struct {
	Command  string
	Searched []string // PATH entries, or the single file that was checked
	Reason   string   // set when a path was given but is unusable ("is a directory", ...)
}

func (e *CommandNotFoundError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("command %q %s", e.Command, e.Reason)
	}
	return fmt.Sprintf("command %q not found in PATH (searched: %s)", e.Command, shortList(e.Searched, 6))
}

func (e *CommandNotFoundError) Unwrap() error { return ErrCommandNotFound }

// ResolvingEnvVar is set while the login shell is asked for its PATH, so a
// user's rc file can skip slow or interactive set-up
// (`[ -n "$SWITCHBOARD_RESOLVING_ENVIRONMENT" ] && return`).
const ResolvingEnvVar = "SWITCHBOARD_RESOLVING_ENVIRONMENT"

var (
	loginPathOnce sync.Once
	loginPath     string
)

// LoginShellPath returns the PATH a stdio upstream should see: the current
// PATH, then the PATH of the user's login shell, then well-known tool
// folders that exist. A desktop app inherits a bare PATH from the session,
// so npx, uvx or node installed through nvm, fnm, volta, asdf or Homebrew
// would otherwise not be found. The shell is asked once per process; if it
// fails, the merge is made without it.
func LoginShellPath() string {
	loginPathOnce.Do(func() { loginPath = loginShellPath() })
	return loginPath
}

// ResolveCommand turns a configured command into the path of an executable.
// A command with a path separator is checked and returned as it is; a bare
// name is looked up in LoginShellPath().
func ResolveCommand(command string) (string, error) {
	return resolveIn(command, "", filepath.SplitList(LoginShellPath()))
}

// ResolveCommandIn is ResolveCommand for a child that runs in dir: a
// relative command such as "./server.sh" is checked there, where exec.Cmd
// will look for it.
func ResolveCommandIn(command, dir string) (string, error) {
	return resolveIn(command, dir, filepath.SplitList(LoginShellPath()))
}

// resolveIn resolves command against the given PATH entries. A relative
// command with a separator is checked relative to dir (the child's working
// directory, as exec.Cmd evaluates it) but returned unchanged.
func resolveIn(command, dir string, path []string) (string, error) {
	if strings.TrimSpace(command) == "" {
		return "", fmt.Errorf("empty command: set \"command\" to the program to run")
	}
	if strings.ContainsRune(command, '/') || strings.ContainsRune(command, filepath.Separator) || filepath.IsAbs(command) {
		check := command
		if !filepath.IsAbs(check) && dir != "" {
			check = filepath.Join(dir, check)
		}
		if reason := unusableReason(check); reason != "" {
			return "", &CommandNotFoundError{Command: command, Searched: []string{check}, Reason: reason}
		}
		return command, nil
	}
	if found, ok := lookPathIn(command, path); ok {
		return found, nil
	}
	return "", &CommandNotFoundError{Command: command, Searched: path}
}

// unusableReason says why file cannot be run, or "" when it can.
func unusableReason(file string) string {
	fi, err := os.Stat(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("not found: %s does not exist", file)
	case err != nil:
		return fmt.Sprintf("cannot be used: %v", err)
	case fi.IsDir():
		return fmt.Sprintf("cannot be run: %s is a directory", file)
	case !isExecutable(file, fi):
		return fmt.Sprintf("cannot be run: %s is not executable", file)
	}
	return ""
}

// ChildEnv is the environment for a child process: this process's
// environment with PATH replaced by LoginShellPath(), then extra applied.
// Entries of extra win, PATH included.
func ChildEnv(extra map[string]string) []string {
	env := mergeEnv(os.Environ(), []string{"PATH=" + LoginShellPath()})
	if len(extra) == 0 {
		return env
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable order for new keys
	over := make([]string, 0, len(keys))
	for _, k := range keys {
		over = append(over, k+"="+extra[k])
	}
	return mergeEnv(env, over)
}

// mergeEnv returns base with the KEY=VALUE entries of over applied: a key
// already present is replaced in place, a new key is appended. Duplicate
// keys in base collapse to one (the last wins, as for exec.Cmd).
func mergeEnv(base, over []string) []string {
	out := make([]string, 0, len(base)+len(over))
	index := make(map[string]int, len(base)+len(over))
	add := func(kv string) {
		k, _, _ := strings.Cut(kv, "=")
		nk := envKey(k)
		if i, ok := index[nk]; ok {
			out[i] = kv
			return
		}
		index[nk] = len(out)
		out = append(out, kv)
	}
	for _, kv := range base {
		add(kv)
	}
	for _, kv := range over {
		add(kv)
	}
	return out
}

// envValue returns the value of key in env, the last entry winning.
func envValue(env []string, key string) (string, bool) {
	nk := envKey(key)
	val, found := "", false
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if envKey(k) == nk {
			val, found = v, true
		}
	}
	return val, found
}

// envKey normalises a variable name: Windows treats Path and PATH as one.
func envKey(k string) string {
	if runtime.GOOS == "windows" {
		return strings.ToUpper(k)
	}
	return k
}

// mergePath joins PATH lists in order of preference, dropping empty and
// relative entries (they would make the lookup depend on the working
// directory) and duplicates.
func mergePath(lists ...[]string) string {
	seen := map[string]bool{}
	var out []string
	for _, list := range lists {
		for _, p := range list {
			p = strings.TrimSpace(p)
			if p == "" || !filepath.IsAbs(p) {
				continue
			}
			p = filepath.Clean(p)
			key := p
			if runtime.GOOS == "windows" {
				key = strings.ToLower(p)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, p)
		}
	}
	return strings.Join(out, string(os.PathListSeparator))
}

// shortList renders at most max entries, with the home folder as ~, and
// says how many were left out, so an error stays readable.
func shortList(list []string, max int) string {
	if len(list) == 0 {
		return "PATH is empty"
	}
	home, _ := os.UserHomeDir()
	shown := make([]string, 0, max)
	for i, p := range list {
		if i == max {
			break
		}
		if home != "" && home != "/" && (p == home || strings.HasPrefix(p, home+string(filepath.Separator))) {
			p = "~" + p[len(home):]
		}
		shown = append(shown, p)
	}
	s := strings.Join(shown, ", ")
	if len(list) > max {
		s += fmt.Sprintf(" and %d more", len(list)-max)
	}
	return s
}
