package config

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidateDockerMessages(t *testing.T) {
	server := func(body string) string { return `{"mcpServers": {"box": {` + body + `}}}` }
	cases := []struct {
		name, content, path, says string
	}{
		{"unknown isolation", server(`"command": "npx", "isolation": "vm"`), "mcpServers.box.isolation", `got "vm"`},
		{"docker for a url", server(`"url": "https://x/mcp", "isolation": "docker"`), "mcpServers.box.isolation", "remove isolation or use a command"},
		{"no image known", server(`"command": "/opt/srv/run", "isolation": "docker"`), "mcpServers.box.docker.image", `no image is known for the command "/opt/srv/run"`},
		{"bad image", server(`"command": "npx", "isolation": "docker", "docker": {"image": "node 22"}`), "mcpServers.box.docker.image", `got "node 22"`},
		{"bad network", server(`"command": "npx", "isolation": "docker", "docker": {"network": "my net"}`), "mcpServers.box.docker.network", `"bridge"`},
		{"negative cpus", server(`"command": "npx", "isolation": "docker", "docker": {"cpus": -1}`), "mcpServers.box.docker.cpus", "got -1"},
		{"bad memory", server(`"command": "npx", "isolation": "docker", "docker": {"memory": "lots"}`), "mcpServers.box.docker.memory", "512m"},
		{"bad pull", server(`"command": "npx", "isolation": "docker", "docker": {"pull": "sometimes"}`), "mcpServers.box.docker.pull", `got "sometimes"`},
		{"volume without container path", server(`"command": "npx", "isolation": "docker", "docker": {"volumes": ["/data"]}`), "mcpServers.box.docker.volumes[0]", "host:container"},
		{"relative container path", server(`"command": "npx", "isolation": "docker", "docker": {"volumes": ["/a:/b", "/data:data"]}`), "mcpServers.box.docker.volumes[1]", "must be absolute"},
		{"volume mode", server(`"command": "npx", "isolation": "docker", "docker": {"volumes": ["/a:/b:rx"]}`), "mcpServers.box.docker.volumes[0]", "ro or rw"},
		{"detach", server(`"command": "npx", "isolation": "docker", "docker": {"args": ["--detach"]}`), "mcpServers.box.docker.args[0]", "stdin and stdout"},
		{"typo", server(`"command": "npx", "isolation": "docker", "docker": {"imgae": "node:22"}`), "mcpServers.box.docker.imgae", "unknown key; expected one of args, cpus, image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := problems(t, tc.content)
			for _, p := range ps {
				if p.Path == tc.path && strings.Contains(p.Message, tc.says) {
					return
				}
			}
			t.Fatalf("got %v, want %s: ...%s...", ps, tc.path, tc.says)
		})
	}
}

func TestValidateDockerAccepts(t *testing.T) {
	for _, content := range []string{
		`{"mcpServers": {"m": {"command": "npx", "args": ["-y", "x"], "isolation": "docker"}}}`,
		`{"mcpServers": {"m": {"command": "uvx", "args": ["x"], "isolation": "docker", "docker": {"network": "bridge", "cpus": 0.5, "memory": "1g", "read_only": false, "pull": "never"}}}}`,
		`{"mcpServers": {"m": {"command": "/srv/x", "isolation": "docker", "docker": {"image": "ghcr.io/acme/x@sha256:abc", "network": "mcp_net.1", "volumes": ["~/a:/a:ro", "vol:/v", "C:\\data:/d:rw"]}}}}`,
		`{"mcpServers": {"m": {"command": "docker", "args": ["run", "-i", "--rm", "mcp/fetch"], "isolation": "docker"}}}`,
		`{"mcpServers": {"m": {"command": "/srv/x", "isolation": "none"}}}`,
		// Settings may stay while isolation is switched off.
		`{"mcpServers": {"m": {"command": "/srv/x", "docker": {"image": "x"}}}}`,
	} {
		if ps := problems(t, content); len(ps) > 0 {
			t.Errorf("%s: %v", content, ps)
		}
	}
}

func TestDockerTypeErrorNamesTheField(t *testing.T) {
	_, err := loadString(t, `{"mcpServers": {"box": {"command": "npx", "isolation": "docker", "docker": {"cpus": "two"}}}}`)
	if err == nil || !strings.Contains(err.Error(), "docker.cpus: expected a number") {
		t.Fatalf("err = %v", err)
	}
}

func TestDockerRoundTripKeepsEverything(t *testing.T) {
	in := `{"command":"npx","isolation":"docker","docker":{"image":"node:22-slim","network":"bridge","cpus":1.5,"memory":"512m","read_only":false,"volumes":["/a:/b:ro"],"args":["--user","1000"],"pull":"always","later":true}}`
	var s Server
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(s.Clone())
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("round trip\n got: %s\nwant: %s", out, in)
	}
	c := s.Clone()
	c.Docker.Volumes[0], c.Docker.Args[0], *c.Docker.ReadOnly = "x", "y", true
	if s.Docker.Volumes[0] != "/a:/b:ro" || s.Docker.Args[0] != "--user" || *s.Docker.ReadOnly {
		t.Error("Clone shares the docker settings with the original")
	}
}

func TestDockerDefaults(t *testing.T) {
	s := &Server{Command: "/usr/bin/npx.exe"}
	if s.DockerImage() != NodeImage || !s.Docker.IsReadOnly() || s.Docker.NetworkMode() != NetworkNone {
		t.Errorf("image %q read-only %v network %q", s.DockerImage(), s.Docker.IsReadOnly(), s.Docker.NetworkMode())
	}
	for cmd, image := range map[string]string{"uvx": UVImage, "python3": PythonImage, "node": NodeImage, "./server": ""} {
		if got := (&Server{Command: cmd}).DockerImage(); got != image {
			t.Errorf("image for %q = %q, want %q", cmd, got, image)
		}
	}
	if !(&Server{Command: "docker", Args: []string{"run", "x"}}).IsDockerCommand() {
		t.Error("docker run is not recognised as a command that runs its own container")
	}
}
