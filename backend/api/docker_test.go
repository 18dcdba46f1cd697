//go:build unix

package api_test

import (
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
	"switchboard/backend/upstream"
)

// boxedServer is our test server with isolation docker, a secret in its
// env and a given image (the stand-in docker runs the command directly).
func boxedServer(t *testing.T) *config.Server {
	s := stdioServer(t)
	s.Isolation = config.IsolationDocker
	s.Env = map[string]string{"API_TOKEN": "${env:SB_API_DOCKER_SECRET}"}
	s.Docker = &config.Docker{Image: "switchboard/testserver:dev", CPUs: 0.5}
	return s
}

const dockerSecret = "sk-docker-test-91c2e7d4"

func dockerStatus(t *testing.T, h *harness) api.DockerStatus {
	t.Helper()
	r := h.req("GET", "/api/v1/docker/status", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("docker status: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), dockerSecret) {
		t.Fatalf("docker status shows a secret: %s", r.Body)
	}
	var st api.DockerStatus
	r.JSON(t, &st)
	return st
}

// TestDockerIsolatedServerThroughTheGateway: a server with isolation docker
// runs through the stand-in docker, clients see and call its tools, the
// status names its container, no secret is on a command line, and stopping
// the server kills the container.
func TestDockerIsolatedServerThroughTheGateway(t *testing.T) {
	fd := testdeps.InstallFakeDocker(t)
	t.Setenv("SB_API_DOCKER_SECRET", dockerSecret)
	h := newHarness(t, map[string]*config.Server{"boxed": boxedServer(t), "plain": stdioServer(t)})

	c := h.mcpClient()
	if names := testdeps.ToolNames(t, c); !slices.Contains(names, "boxed__echo") {
		t.Fatalf("tools on /mcp: %v", names)
	}
	if got := text(h.callTool(c, "boxed__echo", map[string]any{"text": "out of the box"})); got != "out of the box" {
		t.Errorf("boxed__echo = %q", got)
	}
	if got := text(h.callTool(c, "boxed__env", map[string]any{"name": "API_TOKEN"})); got != dockerSecret {
		t.Errorf("the secret did not reach the container: %q", got)
	}

	st := dockerStatus(t, h)
	if !st.Installed || st.Binary != filepath.Join(fd.Dir, "docker") || st.ClientVersion != "27.3.1" ||
		st.ServerVersion != "27.3.1" || !st.EngineRunning || st.Error != "" {
		t.Errorf("docker status: %+v", st)
	}
	if len(st.Servers) != 1 {
		t.Fatalf("servers in containers: %+v (plain runs in none)", st.Servers)
	}
	box := st.Servers[0]
	if box.Name != "boxed" || !box.Enabled || box.Image != "switchboard/testserver:dev" || box.Network != "none" ||
		box.State != "ready" || !regexp.MustCompile(`^switchboard-boxed-[0-9a-f]{6}$`).MatchString(box.Container) {
		t.Errorf("boxed in the docker status: %+v", box)
	}

	runs := fd.CallsOf(t, "run")
	if len(runs) != 1 {
		t.Fatalf("docker run calls: %q", runs)
	}
	want := []string{"run", "--rm", "-i", "--init", "--name", box.Container, "--label", "switchboard.server=boxed",
		"--network", "none", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--cpus", "0.5",
		"--read-only", "--tmpfs", "/tmp:rw,exec,nosuid,nodev", "-e", "API_TOKEN", "-e", "HOME=/tmp",
		"switchboard/testserver:dev", testdeps.TestServerBinary(t), "--transport", "stdio"}
	if !slices.Equal(runs[0], want) {
		t.Errorf("docker run argv\n got: %q\nwant: %q", runs[0], want)
	}
	for _, call := range fd.Calls(t) {
		if strings.Contains(strings.Join(call, " "), dockerSecret) {
			t.Errorf("a secret is on a docker command line: %q", call)
		}
	}

	if r := h.req("POST", "/api/v1/servers/boxed/stop", nil); r.Status != http.StatusOK {
		t.Fatalf("stop: %d %s", r.Status, r.Body)
	}
	testdeps.Eventually(t, 10*time.Second, "docker kill of the stopped server's container", func() bool {
		return slices.ContainsFunc(fd.CallsOf(t, "kill"), func(c []string) bool {
			return slices.Equal(c, []string{"kill", box.Container})
		})
	})
	var doc api.DoctorReport
	h.req("GET", "/api/v1/system/doctor", nil).JSON(t, &doc)
	i := slices.IndexFunc(doc.Checks, func(c api.DoctorCheck) bool { return c.Name == "command of boxed" })
	if i < 0 || doc.Checks[i].Status != "ok" || !strings.Contains(doc.Checks[i].Detail, "switchboard/testserver:dev") {
		t.Errorf("doctor on the isolated server: %+v", doc.Checks)
	}

	after := dockerStatus(t, h).Servers[0]
	if after.State != "stopped" || after.Container != "" {
		t.Errorf("after stop: %+v", after)
	}
}

func TestDockerStatusEngineDown(t *testing.T) {
	testdeps.InstallFakeDocker(t)
	t.Setenv("FAKEDOCKER_ENGINE", "down")
	h := newHarness(t, nil)
	st := dockerStatus(t, h)
	if !st.Installed || st.ClientVersion != "27.3.1" || st.ServerVersion != "" || st.EngineRunning ||
		!strings.Contains(st.Error, "Cannot connect to the Docker daemon") || len(st.Servers) != 0 {
		t.Errorf("docker status with the engine down: %+v", st)
	}
}

// TestDockerStatusWithoutDocker: no docker program; a server that needs it
// is down and says why.
func TestDockerStatusWithoutDocker(t *testing.T) {
	t.Setenv(upstream.DockerEnvVar, filepath.Join(t.TempDir(), "docker"))
	t.Setenv("SB_API_DOCKER_SECRET", dockerSecret)
	h := newHarness(t, map[string]*config.Server{"boxed": boxedServer(t)})
	st := dockerStatus(t, h)
	if st.Installed || st.Binary != "" || st.EngineRunning || !strings.Contains(st.Error, "install Docker") {
		t.Errorf("docker status without docker: %+v", st)
	}
	if len(st.Servers) != 1 || st.Servers[0].State != "dead" || !strings.Contains(st.Servers[0].LastError, "install Docker") {
		t.Errorf("a server that needs docker: %+v", st.Servers)
	}

	// The doctor looks for docker, not for the command, which is in the image.
	var doc api.DoctorReport
	h.req("GET", "/api/v1/system/doctor", nil).JSON(t, &doc)
	i := slices.IndexFunc(doc.Checks, func(c api.DoctorCheck) bool { return c.Name == "command of boxed" })
	if i < 0 || doc.Checks[i].Status != "fail" || !strings.Contains(doc.Checks[i].Detail, "install Docker") ||
		!strings.Contains(doc.Checks[i].Fix, "install docker") {
		t.Errorf("doctor: %+v", doc.Checks)
	}
}
