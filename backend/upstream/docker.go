package upstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/backend/config"
)

// DockerLabel marks every container Switchboard starts with the name of
// its server, so `docker ps --filter label=switchboard.server` finds them.
const DockerLabel = "switchboard.server"

// dockerKillTimeout bounds the `docker kill` sent when a server stops.
const dockerKillTimeout = 10 * time.Second

// ContainerName returns a fresh container name for a server:
// switchboard-<server>-<6 hex digits>. The random part lets a restart start
// a new container while the old one is still being removed.
func ContainerName(server string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return "switchboard-" + server + "-" + hex.EncodeToString(b)
}

// DockerRunArgs returns the arguments after the docker program that run
// the stdio server cfg (references already expanded) in a container called
// container. Env values are not in them: each variable is passed by name
// (-e NAME) and Docker takes its value from its own environment, so a
// process list never shows a secret.
func DockerRunArgs(server string, cfg *config.Server, container string) ([]string, error) {
	image := cfg.DockerImage()
	if image == "" {
		return nil, fmt.Errorf("isolation %q: no image is known for the command %q; set docker.image", config.IsolationDocker, cfg.Command)
	}
	d := cfg.Docker
	if d == nil {
		d = &config.Docker{}
	}
	args := []string{"run", "--rm", "-i", "--init",
		"--name", container,
		"--label", DockerLabel + "=" + server,
		"--network", d.NetworkMode(),
		// Nothing an MCP server does needs extra privileges; args can add
		// back a capability (--cap-add) when one does.
		"--cap-drop", "ALL",
		"--security-opt", "no-new-privileges",
	}
	if d.Pull != "" {
		args = append(args, "--pull", d.Pull)
	}
	if d.CPUs > 0 {
		args = append(args, "--cpus", strconv.FormatFloat(d.CPUs, 'f', -1, 64))
	}
	if d.Memory != "" {
		args = append(args, "--memory", d.Memory)
	}
	if d.IsReadOnly() {
		// npx and uvx unpack packages and run programs from their cache,
		// so the writable /tmp must allow exec, and HOME points there.
		args = append(args, "--read-only", "--tmpfs", "/tmp:rw,exec,nosuid,nodev")
	}
	for _, vol := range d.Volumes {
		args = append(args, "--volume", hostVolume(vol, cfg.Cwd))
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Env)) {
		args = append(args, "-e", name)
	}
	if _, set := cfg.Env["HOME"]; d.IsReadOnly() && !set {
		args = append(args, "-e", "HOME=/tmp")
	}
	args = append(args, d.Args...)
	args = append(args, image)
	command := cfg.Command
	if d.Image == "" {
		// The image was chosen for this program: run it by name from the
		// image's PATH, not from wherever it lives on this machine.
		command = strings.TrimSuffix(filepath.Base(command), ".exe")
	}
	args = append(args, command)
	return append(args, cfg.Args...), nil
}

// hostVolume makes the host side of a volume absolute: ~ is the home
// folder, and a path starting with . is taken from the server's cwd, since
// Docker would read it as the name of a volume. Named volumes stay as they are.
func hostVolume(vol, cwd string) string {
	host, container, mode, ok := config.SplitVolume(vol)
	if !ok {
		return vol
	}
	switch {
	case host == "~" || strings.HasPrefix(host, "~/"):
		if home, err := os.UserHomeDir(); err == nil {
			host = filepath.Join(home, host[1:])
		}
	case host == "." || strings.HasPrefix(host, "./") || strings.HasPrefix(host, "../"):
		base := cwd
		if base == "" {
			base, _ = os.Getwd()
		}
		host = filepath.Join(base, host)
	}
	out := host + ":" + container
	if mode != "" {
		out += ":" + mode
	}
	return out
}

// containerNameIn finds --name in a `docker run` command written by hand.
func containerNameIn(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--name="); ok {
			return v
		}
		if a == "--name" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// DockerEnvVar names the docker program to use instead of "docker" (a
// path, or a name looked up like docker): podman, or a docker kept outside PATH.
const DockerEnvVar = "SWITCHBOARD_DOCKER"

// FindDocker returns the path of the docker program: first in the current
// PATH, then in the login shell's (Docker Desktop puts it in folders a
// desktop session may not have).
func FindDocker() (string, error) {
	program := os.Getenv(DockerEnvVar)
	if program == "" {
		program = "docker"
	}
	path := mergePath(filepath.SplitList(os.Getenv("PATH")), filepath.SplitList(LoginShellPath()))
	found, err := resolveIn(program, "", filepath.SplitList(path))
	if err != nil {
		return "", fmt.Errorf("isolation %q needs Docker: %w; install Docker or remove isolation", config.IsolationDocker, err)
	}
	return found, nil
}

// command returns the program and arguments that run a stdio server: its
// own command, or `docker run` for isolation docker. For a container it
// notes on c how to kill it when the server stops.
func (u *Upstream) command(cfg *config.Server, c *conn) (string, []string, error) {
	if !cfg.InDocker() {
		path, err := ResolveCommandIn(cfg.Command, cfg.Cwd)
		return path, cfg.Args, err
	}
	if cfg.IsDockerCommand() {
		// Already `docker run ...`: run as written, and kill the container
		// it names (if it names one) when the server stops.
		path, err := ResolveCommandIn(cfg.Command, cfg.Cwd)
		if cfg.Command == "docker" {
			path, err = FindDocker()
		}
		if err != nil {
			return "", nil, err
		}
		c.docker, c.container = path, containerNameIn(cfg.Args[1:])
		return path, cfg.Args, nil
	}
	docker, err := FindDocker()
	if err != nil {
		return "", nil, err
	}
	name := ContainerName(u.name)
	args, err := DockerRunArgs(u.name, cfg, name)
	if err != nil {
		return "", nil, err
	}
	c.docker, c.container = docker, name
	return docker, args, nil
}

// killContainer is the safety net once the docker client has been stopped:
// a client killed by SIGKILL leaves its container running, and -i with
// --rm only ends the container when the client closes its stdin cleanly.
func (c *conn) killContainer(log *slog.Logger) {
	if c.container == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), dockerKillTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.docker, "kill", c.container)
	cmd.Env = ChildEnv(nil)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil && !containerGone(string(out)) {
		log.Warn("docker kill", "container", c.container, "err", err, "output", strings.TrimSpace(string(out)))
	}
}

// containerGone recognises Docker's answers for a container that already
// ended, which is the usual case.
func containerGone(out string) bool {
	out = strings.ToLower(out)
	return strings.Contains(out, "no such container") || strings.Contains(out, "is not running")
}

// Container is the name of the container the server runs in now, or ""
// when it runs in none (or is not running).
func (u *Upstream) Container() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn == nil {
		return ""
	}
	return u.conn.container
}

// DockerStatus is what the docker program says about itself and its engine.
type DockerStatus struct {
	Binary        string
	ClientVersion string
	ServerVersion string
	// EngineRunning: `docker info` answered.
	EngineRunning bool
	// Error says why the binary or the engine is not usable.
	Error string
}

// dockerProbeTimeout bounds each docker command of ProbeDocker.
const dockerProbeTimeout = 5 * time.Second

// ProbeDocker finds the docker program and asks it for its version and
// whether the engine answers.
func ProbeDocker(ctx context.Context) DockerStatus {
	var st DockerStatus
	bin, err := FindDocker()
	if err != nil {
		st.Error = err.Error()
		return st
	}
	st.Binary = bin
	out, _, _ := runDocker(ctx, bin, "version", "--format", "json")
	var v struct {
		Client *struct{ Version string }
		Server *struct{ Version string }
	}
	if json.Unmarshal(out, &v) == nil && v.Client != nil {
		st.ClientVersion = v.Client.Version
		if v.Server != nil {
			st.ServerVersion = v.Server.Version
		}
	} else if out, _, err := runDocker(ctx, bin, "--version"); err == nil {
		// Not Docker's JSON (an older client or a stand-in such as podman):
		// "Docker version 27.3.1, build ce12230".
		st.ClientVersion = plainVersion(string(out))
	}
	_, errOut, err := runDocker(ctx, bin, "info", "--format", "{{.ServerVersion}}")
	if err != nil {
		st.Error = "the Docker engine does not answer: " + firstLine(errOut, err)
		return st
	}
	st.EngineRunning = true
	return st
}

func runDocker(ctx context.Context, bin string, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, dockerProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = ChildEnv(nil)
	cmd.WaitDelay = time.Second
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// plainVersion takes the version out of "Docker version 27.3.1, build x".
func plainVersion(out string) string {
	out = strings.TrimSpace(out)
	if _, rest, ok := strings.Cut(out, " version "); ok {
		v, _, _ := strings.Cut(rest, ",")
		return strings.TrimSpace(v)
	}
	return out
}

func firstLine(out []byte, err error) string {
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return err.Error()
}
