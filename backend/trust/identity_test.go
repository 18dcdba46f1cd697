package trust

import (
	"testing"

	"switchboard/backend/config"
)

// The Docker settings of an isolated server are part of what its approval
// covers: a new volume, network, image or limit needs approval again. A
// server without isolation keeps the hash it had before isolation existed.
func TestIdentityCoversDockerSettings(t *testing.T) {
	base := func() *config.Server {
		return &config.Server{Command: "npx", Args: []string{"-y", "server-x"}, Isolation: config.IsolationDocker,
			Docker: &config.Docker{Image: "node:22", Volumes: []string{"/home/me/notes:/data:ro"}}}
	}
	id := Identity(base())
	changes := map[string]func(*config.Server){
		"image":     func(s *config.Server) { s.Docker.Image = "node:23" },
		"volumes":   func(s *config.Server) { s.Docker.Volumes = []string{"/home/me:/data:rw"} },
		"network":   func(s *config.Server) { s.Docker.Network = "host" },
		"cpus":      func(s *config.Server) { s.Docker.CPUs = 4 },
		"memory":    func(s *config.Server) { s.Docker.Memory = "8g" },
		"read_only": func(s *config.Server) { f := false; s.Docker.ReadOnly = &f },
		"args":      func(s *config.Server) { s.Docker.Args = []string{"--privileged"} },
		"pull":      func(s *config.Server) { s.Docker.Pull = "always" },
		"isolation": func(s *config.Server) { s.Isolation = config.IsolationNone },
		"no docker": func(s *config.Server) { s.Docker = nil },
	}
	for name, change := range changes {
		s := base()
		change(s)
		if Identity(s) == id {
			t.Errorf("changing %s leaves the approval in force", name)
		}
	}
	// Tags, description and env are not part of what the server is.
	s := base()
	s.Tags, s.Description, s.Env = []string{"x"}, "notes", map[string]string{"A": "b"}
	if Identity(s) != id {
		t.Error("tags, description or env changed the identity")
	}
	// Without isolation the hash is the one approvals were made with before.
	plain := &config.Server{Command: "npx", Args: []string{"-y", "server-x"}}
	if Identity(plain) != hashOf([]byte(`{"type":"stdio","command":"npx","args":["-y","server-x"],"url":""}`)) {
		t.Errorf("a server without isolation hashes differently than before: approvals made then would be lost")
	}
	plain.Docker = &config.Docker{Image: "x"}
	if Identity(plain) != hashOf([]byte(`{"type":"stdio","command":"npx","args":["-y","server-x"],"url":""}`)) {
		t.Error("docker settings with isolation off changed the identity")
	}
}
