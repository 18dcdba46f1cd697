package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/upstream"
)

// DockerStatus says whether servers with "isolation": "docker" can run:
// is a docker program installed, which version, does its engine answer,
// and which servers use it.
type DockerStatus struct {
	// Installed: a docker program was found (PATH, then the login shell's PATH).
	Installed     bool   `json:"installed"`
	Binary        string `json:"binary,omitempty"`
	ClientVersion string `json:"client_version,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
	// EngineRunning: `docker info` answered.
	EngineRunning bool `json:"engine_running"`
	// Error says why Docker cannot be used, with what to do.
	Error   string                 `json:"error,omitempty"`
	Servers []DockerIsolatedServer `json:"servers"`
}

// DockerIsolatedServer is one server that runs in a container.
type DockerIsolatedServer struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	// Image is the image it runs in; empty when the command is its own
	// `docker run` (the image is then in its args).
	Image string `json:"image,omitempty"`
	// Network is none, bridge, host or a named network.
	Network string `json:"network,omitempty"`
	// Container is the name of the running container, if one runs.
	Container string `json:"container,omitempty"`
	// State is the server's state (ready, dead, stopped, ...).
	State string `json:"state"`
	// LastError is why it is not running, when it failed.
	LastError string `json:"last_error,omitempty"`
}

func (s *Server) registerDocker() {
	s.handle(Route{Method: "GET", Path: "/api/v1/docker/status", Tag: "docker", Perm: auth.SystemRead,
		Summary:  "Docker: installed, version, engine running, and the servers that run in containers with their container names and states",
		Response: DockerStatus{}}, s.dockerStatus)
}

func (s *Server) dockerStatus(c *fiber.Ctx) error {
	probe := upstream.ProbeDocker(ctxOf(requestOf(c)))
	out := DockerStatus{Installed: probe.Binary != "", Binary: probe.Binary, ClientVersion: probe.ClientVersion,
		ServerVersion: probe.ServerVersion, EngineRunning: probe.EngineRunning, Error: probe.Error,
		Servers: []DockerIsolatedServer{}}
	for _, u := range s.opts.Gateway.Upstreams() {
		cfg := u.Config()
		if !cfg.InDocker() {
			continue
		}
		st := u.Status()
		ds := DockerIsolatedServer{Name: u.Name(), Enabled: cfg.IsEnabled(), Container: u.Container(),
			State: string(st.State), LastError: st.LastError}
		if !cfg.IsDockerCommand() {
			ds.Image, ds.Network = cfg.DockerImage(), cfg.Docker.NetworkMode()
		}
		out.Servers = append(out.Servers, ds)
	}
	slices.SortFunc(out.Servers, func(a, b DockerIsolatedServer) int { return strings.Compare(a.Name, b.Name) })
	return c.JSON(out)
}

// checkDockerCommand: a server in a container needs docker on this
// machine, not its own command, which is in the image.
func checkDockerCommand(ch DoctorCheck, sc *config.Server) DoctorCheck {
	path, err := upstream.FindDocker()
	if err != nil {
		ch.Status, ch.Detail = checkFail, err.Error()
		ch.Fix = commandFix("docker")
		return ch
	}
	ch.Detail = fmt.Sprintf("%q runs in the image %s, started by %s", sc.Command, sc.DockerImage(), path)
	return ch
}
