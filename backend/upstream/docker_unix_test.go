//go:build unix

package upstream

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// callText calls a tool of u and returns its text.
func callText(t *testing.T, u *Upstream, tool string, args map[string]any) string {
	t.Helper()
	var text string
	err := u.Do(context.Background(), func(ctx context.Context, c *client.Client) error {
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = tool, args
		res, err := c.CallTool(ctx, req)
		if err != nil {
			return err
		}
		for _, part := range res.Content {
			if tc, ok := part.(mcp.TextContent); ok {
				text += tc.Text
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	return text
}

// TestDockerIsolatedServerRunsAndStops runs our test server with isolation
// docker through the stand-in docker: the server answers, its secret goes
// by environment and never on the command line, only the variables named
// reach it, and stopping the server kills its container.
func TestDockerIsolatedServerRunsAndStops(t *testing.T) {
	fd := testdeps.InstallFakeDocker(t)
	const secret = "hunter2-docker-secret-7f3a"
	t.Setenv("SB_DOCKER_TEST_SECRET", secret)
	t.Setenv("SB_HOST_ONLY", "should-not-reach-the-container")
	cfg := &config.Server{
		Command:   testdeps.TestServerBinary(t),
		Args:      []string{"--transport", "stdio"},
		Env:       map[string]string{"API_TOKEN": "${env:SB_DOCKER_TEST_SECRET}"},
		Isolation: "docker",
		Docker:    &config.Docker{Image: "switchboard/testserver:dev", Memory: "256m"},
	}
	u := New("boxed", cfg, Hooks{}, nil)
	defer u.Stop()
	u.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := u.WaitReady(ctx); err != nil {
		t.Fatalf("server did not start: %v; docker calls: %q", err, fd.Calls(t))
	}

	if !slices.ContainsFunc(u.Catalog().Tools, func(tool mcp.Tool) bool { return tool.Name == "echo" }) {
		t.Fatalf("tools of the container: %d, no echo", len(u.Catalog().Tools))
	}
	if got := callText(t, u, "echo", map[string]any{"text": "from the box"}); got != "from the box" {
		t.Errorf("echo = %q", got)
	}
	if got := callText(t, u, "env", map[string]any{"name": "API_TOKEN"}); got != secret {
		t.Errorf("API_TOKEN in the container = %q, want the secret", got)
	}
	if got := callText(t, u, "env", map[string]any{"name": "SB_HOST_ONLY"}); got != "" {
		t.Errorf("a host variable not named in env reached the container: %q", got)
	}

	container := u.Container()
	if !regexp.MustCompile(`^switchboard-boxed-[0-9a-f]{6}$`).MatchString(container) {
		t.Fatalf("Container() = %q", container)
	}
	runs := fd.CallsOf(t, "run")
	if len(runs) != 1 {
		t.Fatalf("docker run calls: %q", runs)
	}
	want := []string{"run", "--rm", "-i", "--init", "--name", container, "--label", "switchboard.server=boxed",
		"--network", "none", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--memory", "256m",
		"--read-only", "--tmpfs", "/tmp:rw,exec,nosuid,nodev", "-e", "API_TOKEN", "-e", "HOME=/tmp",
		"switchboard/testserver:dev", cfg.Command, "--transport", "stdio"}
	if !slices.Equal(runs[0], want) {
		t.Errorf("docker run argv\n got: %q\nwant: %q", runs[0], want)
	}
	for _, call := range fd.Calls(t) {
		if strings.Contains(strings.Join(call, " "), secret) {
			t.Errorf("the secret is on a docker command line: %q", call)
		}
	}
	pid := u.Status().PID

	u.Stop()
	if kills := fd.CallsOf(t, "kill"); !slices.ContainsFunc(kills, func(c []string) bool { return slices.Equal(c, []string{"kill", container}) }) {
		t.Errorf("stopping the server did not run docker kill %s; calls: %q", container, fd.Calls(t))
	}
	if !gone(pid) {
		t.Errorf("the container's process %d outlived Stop", pid)
	}
	if u.Container() != "" {
		t.Errorf("Container() = %q after Stop", u.Container())
	}
}

// TestDockerIsolationWithoutDocker: with no docker program the server does
// not start, and its error says what to do.
func TestDockerIsolationWithoutDocker(t *testing.T) {
	t.Setenv(DockerEnvVar, filepath.Join(t.TempDir(), "docker"))
	cfg := &config.Server{Command: "npx", Args: []string{"-y", "x"}, Isolation: "docker"}
	u := New("nodocker", cfg, Hooks{}, nil)
	defer u.Stop()
	u.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := u.WaitReady(ctx)
	if err == nil || !strings.Contains(u.Status().LastError, "install Docker or remove isolation") {
		t.Fatalf("WaitReady = %v, last error %q", err, u.Status().LastError)
	}
}

func TestFindDocker(t *testing.T) {
	fd := testdeps.InstallFakeDocker(t)
	if p, err := FindDocker(); err != nil || p != filepath.Join(fd.Dir, "docker") {
		t.Fatalf("FindDocker = %q, %v; want the docker first on PATH", p, err)
	}
	missing := filepath.Join(t.TempDir(), "docker")
	t.Setenv(DockerEnvVar, missing)
	_, err := FindDocker()
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "install Docker or remove isolation") {
		t.Errorf("error %v does not say what is missing and what to do", err)
	}
}
