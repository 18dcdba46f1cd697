package upstream

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"switchboard/backend/config"
)

func TestDockerRunArgs(t *testing.T) {
	t.Setenv("HOME", "/home/ann")
	no := false
	head := func(server string) []string {
		return []string{"run", "--rm", "-i", "--init", "--name", "C", "--label", "switchboard.server=" + server}
	}
	hardened := []string{"--cap-drop", "ALL", "--security-opt", "no-new-privileges"}
	readOnly := []string{"--read-only", "--tmpfs", "/tmp:rw,exec,nosuid,nodev"}
	join := func(parts ...[]string) []string { return slices.Concat(parts...) }

	cases := []struct {
		name string
		cfg  config.Server
		want []string
	}{{
		name: "npx gets the node image, no network, read-only root, HOME in /tmp",
		cfg:  config.Server{Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-memory"}, Isolation: "docker"},
		want: join(head("memory"), []string{"--network", "none"}, hardened, readOnly,
			[]string{"-e", "HOME=/tmp", "node:22-slim", "npx", "-y", "@modelcontextprotocol/server-memory"}),
	}, {
		name: "uvx found by path runs by name in the uv image",
		cfg:  config.Server{Command: "/opt/homebrew/bin/uvx", Args: []string{"mcp-server-fetch"}, Isolation: "docker"},
		want: join(head("fetch"), []string{"--network", "none"}, hardened, readOnly,
			[]string{"-e", "HOME=/tmp", "ghcr.io/astral-sh/uv:python3.12-bookworm-slim", "uvx", "mcp-server-fetch"}),
	}, {
		name: "python",
		cfg:  config.Server{Command: "python3", Args: []string{"-m", "server"}, Isolation: "docker"},
		want: join(head("py"), []string{"--network", "none"}, hardened, readOnly,
			[]string{"-e", "HOME=/tmp", "python:3.12-slim", "python3", "-m", "server"}),
	}, {
		name: "every option; env by name only, sorted; the command kept as written with a given image",
		cfg: config.Server{Command: "/srv/mcp/server", Args: []string{"--stdio"}, Isolation: "docker",
			Env: map[string]string{"TOKEN": "s3cret", "A_FLAG": "1"},
			Docker: &config.Docker{Image: "ghcr.io/acme/mcp:1.2", Network: "bridge", CPUs: 1.5, Memory: "512m",
				Volumes: []string{"~/notes:/data:ro", "/var/cache/x:/cache", "models:/models"},
				Args:    []string{"--user", "1000:1000"}, Pull: "always"}},
		want: join(head("all"), []string{"--network", "bridge"}, hardened,
			[]string{"--pull", "always", "--cpus", "1.5", "--memory", "512m"}, readOnly,
			[]string{"--volume", "/home/ann/notes:/data:ro", "--volume", "/var/cache/x:/cache", "--volume", "models:/models",
				"-e", "A_FLAG", "-e", "TOKEN", "-e", "HOME=/tmp",
				"--user", "1000:1000", "ghcr.io/acme/mcp:1.2", "/srv/mcp/server", "--stdio"}),
	}, {
		name: "writable root, a named network, relative volume from cwd, the server's own HOME",
		cfg: config.Server{Command: "node", Args: []string{"index.js"}, Isolation: "docker", Cwd: "/work/srv",
			Env:    map[string]string{"HOME": "/home/node"},
			Docker: &config.Docker{ReadOnly: &no, Network: "mcp-net", CPUs: 2, Volumes: []string{"./data:/data:rw"}}},
		want: join(head("rw"), []string{"--network", "mcp-net"}, hardened, []string{"--cpus", "2",
			"--volume", "/work/srv/data:/data:rw", "-e", "HOME", "node:22-slim", "node", "index.js"}),
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := strings.TrimPrefix(tc.want[7], "switchboard.server=")
			got, err := DockerRunArgs(server, &tc.cfg, "C")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("argv\n got: %q\nwant: %q", got, tc.want)
			}
			for _, v := range tc.cfg.Env {
				if v == "1" || v == "/home/node" {
					continue // not secret, and may appear by accident ("1" in --cpus)
				}
				for _, a := range got {
					if strings.Contains(a, v) {
						t.Errorf("env value %q is on the command line: %q", v, a)
					}
				}
			}
		})
	}
}

func TestDockerRunArgsNeedsAnImage(t *testing.T) {
	_, err := DockerRunArgs("x", &config.Server{Command: "/usr/local/bin/my-server", Isolation: "docker"}, "C")
	if err == nil || !strings.Contains(err.Error(), "docker.image") {
		t.Fatalf("err = %v, want one that names docker.image", err)
	}
}

func TestContainerName(t *testing.T) {
	re := regexp.MustCompile(`^switchboard-git_hub-[0-9a-f]{6}$`)
	a, b := ContainerName("git_hub"), ContainerName("git_hub")
	if !re.MatchString(a) || !re.MatchString(b) {
		t.Fatalf("names %q, %q do not match %s", a, b, re)
	}
	if a == b {
		t.Errorf("two containers of one server got the same name %q", a)
	}
}

func TestContainerNameInHandWrittenDockerRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rm", "-i", "--name", "mine", "img"}, "mine"},
		{[]string{"--rm", "-i", "--name=mine2", "img"}, "mine2"},
		{[]string{"--rm", "-i", "img", "--", "--name", "inner"}, ""},
		{[]string{"--rm", "-i", "img"}, ""},
	} {
		if got := containerNameIn(tc.args); got != tc.want {
			t.Errorf("containerNameIn(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
