package config

import (
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Isolation values of a server.
const (
	IsolationNone   = "none"
	IsolationDocker = "docker"
)

// Network modes of a container besides a named network.
const (
	NetworkNone   = "none"
	NetworkBridge = "bridge"
	NetworkHost   = "host"
)

// Docker holds how a server with "isolation": "docker" runs in its
// container. Every field is optional; the defaults are the safe ones: no
// network, a read-only root with a writable /tmp, no limits beyond
// Docker's. Unknown keys are kept in Extra and reported by Validate: a
// typo here would otherwise silently weaken the container.
type Docker struct {
	// Image to run; when empty it is chosen from the command (DockerImage).
	Image string `json:"image,omitempty"`
	// Network is "none" (default), "bridge", "host" or a named network.
	Network string `json:"network,omitempty"`
	// CPUs limits CPU time (1.5 = one and a half cores); 0 is no limit.
	CPUs float64 `json:"cpus,omitempty"`
	// Memory limits memory as Docker writes it: 512m, 2g; empty is no limit.
	Memory string `json:"memory,omitempty"`
	// ReadOnly mounts the root file system read-only (default true).
	ReadOnly *bool `json:"read_only,omitempty"`
	// Volumes are bind mounts or named volumes: host:container[:ro|rw].
	Volumes []string `json:"volumes,omitempty"`
	// Args are extra `docker run` options, placed before the image.
	Args []string `json:"args,omitempty"`
	// Pull is Docker's pull policy: missing (Docker's default), always, never.
	Pull string `json:"pull,omitempty"`

	Extra map[string]any `json:"-"`
}

type plainDocker Docker

// MarshalJSON writes the known keys in field order, then Extra's keys.
func (d Docker) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(plainDocker(d), d.Extra, dockerKeys)
}

// UnmarshalJSON reads the known keys and keeps every other key in Extra,
// where Validate finds it.
func (d *Docker) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	known, extra, err := splitKeys(data, dockerKeys, "docker")
	if err != nil {
		return err
	}
	var p plainDocker
	if err := unmarshalKnown(known, &p, "docker"); err != nil {
		return err
	}
	p.Extra = extra
	*d = Docker(p)
	return nil
}

// IsReadOnly is true unless the file says "read_only": false.
func (d *Docker) IsReadOnly() bool {
	return d == nil || d.ReadOnly == nil || *d.ReadOnly
}

// NetworkMode is the network to attach, "none" when unset.
func (d *Docker) NetworkMode() string {
	if d == nil || d.Network == "" {
		return NetworkNone
	}
	return d.Network
}

// Clone returns a deep copy; nil stays nil.
func (d *Docker) Clone() *Docker {
	if d == nil {
		return nil
	}
	c := *d
	c.Volumes = slices.Clone(d.Volumes)
	c.Args = slices.Clone(d.Args)
	if d.ReadOnly != nil {
		v := *d.ReadOnly
		c.ReadOnly = &v
	}
	c.Extra = cloneExtra(d.Extra)
	return &c
}

// InDocker says whether the server runs in a container.
func (s *Server) InDocker() bool { return s.Isolation == IsolationDocker }

// IsDockerCommand says whether the command is already `docker run ...`:
// such a server is run as written, since it chose its own container.
func (s *Server) IsDockerCommand() bool {
	base := strings.TrimSuffix(strings.ToLower(filepath.Base(s.Command)), ".exe")
	return (base == "docker" || base == "podman") && len(s.Args) > 0 && s.Args[0] == "run"
}

// Images chosen from the command when docker.image is not set. Slim
// Debian images rather than Alpine: native npm and pip packages built for
// glibc work in them.
const (
	NodeImage   = "node:22-slim"
	PythonImage = "python:3.12-slim"
	UVImage     = "ghcr.io/astral-sh/uv:python3.12-bookworm-slim"
)

var imageByCommand = map[string]string{
	"npx": NodeImage, "node": NodeImage, "npm": NodeImage, "pnpm": NodeImage, "yarn": NodeImage,
	"uvx": UVImage, "uv": UVImage,
	"python": PythonImage, "python3": PythonImage, "pip": PythonImage, "pip3": PythonImage,
}

// DockerImage is the image the server runs in: docker.image when set,
// else one chosen from the command's program name; "" when neither says.
func (s *Server) DockerImage() string {
	if s.Docker != nil && s.Docker.Image != "" {
		return s.Docker.Image
	}
	base := strings.TrimSuffix(strings.ToLower(filepath.Base(s.Command)), ".exe")
	return imageByCommand[base]
}

var (
	dockerKeys     = jsonKeys(reflect.TypeFor[plainDocker]())
	networkNameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
	memoryRe       = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[bkmgtBKMGT]?$`)
	imageRe        = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:@-]*$`)
	windowsDriveRe = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
)

// validateIsolation checks isolation and the docker object of one server.
func validateIsolation(v *validator, base string, s *Server) {
	switch s.Isolation {
	case "", IsolationNone, IsolationDocker:
	default:
		v.add(base+".isolation", fmt.Sprintf("must be %q (run the server in a container) or %q, got %q", IsolationDocker, IsolationNone, s.Isolation))
	}
	if s.InDocker() {
		if t := s.TransportType(); t != TypeStdio && t != "" {
			v.add(base+".isolation", fmt.Sprintf("%q runs a local command in a container; a %s server (url) runs elsewhere: remove isolation or use a command", IsolationDocker, t))
		} else if s.Command != "" && !s.IsDockerCommand() && s.DockerImage() == "" {
			v.add(base+".docker.image", fmt.Sprintf("is required: no image is known for the command %q (images are chosen only for npx, node, npm, uvx, uv, python and pip); set the image the command runs in, such as %q", s.Command, "debian:stable-slim"))
		}
	}
	d := s.Docker
	if d == nil {
		return
	}
	base += ".docker"
	for _, k := range slices.Sorted(maps.Keys(d.Extra)) {
		v.add(base+pathKey(k), fmt.Sprintf("unknown key; expected one of %s", strings.Join(slices.Sorted(maps.Keys(dockerKeys)), ", ")))
	}
	if d.Image != "" && !imageRe.MatchString(d.Image) {
		v.add(base+".image", fmt.Sprintf("must be an image reference such as %q, got %q", NodeImage, d.Image))
	}
	if d.Network != "" && !networkNameRe.MatchString(d.Network) {
		v.add(base+".network", fmt.Sprintf("must be %q (default), %q, %q or the name of a Docker network, got %q", NetworkNone, NetworkBridge, NetworkHost, d.Network))
	}
	if d.CPUs < 0 {
		v.add(base+".cpus", fmt.Sprintf("must be 0 (no limit) or a positive number of CPUs such as 1.5, got %g", d.CPUs))
	}
	if d.Memory != "" && !memoryRe.MatchString(d.Memory) {
		v.add(base+".memory", fmt.Sprintf("must be an amount such as 512m or 2g (b, k, m, g), got %q", d.Memory))
	}
	switch d.Pull {
	case "", "missing", "always", "never":
	default:
		v.add(base+".pull", fmt.Sprintf("must be \"missing\" (default), \"always\" or \"never\", got %q", d.Pull))
	}
	for i, vol := range d.Volumes {
		if msg := checkVolume(vol); msg != "" {
			v.add(fmt.Sprintf("%s.volumes[%d]", base, i), msg)
		}
	}
	for i, a := range d.Args {
		switch {
		case strings.TrimSpace(a) == "":
			v.add(fmt.Sprintf("%s.args[%d]", base, i), "is empty")
		case a == "-d" || a == "--detach" || strings.HasPrefix(a, "--detach="):
			v.add(fmt.Sprintf("%s.args[%d]", base, i), fmt.Sprintf("%q would cut the server off from Switchboard, which talks to it over stdin and stdout", a))
		}
	}
}

// SplitVolume splits host:container[:mode]; a Windows drive letter in the
// host part (C:\data) is not taken for a separator.
func SplitVolume(vol string) (host, container, mode string, ok bool) {
	drive := ""
	if windowsDriveRe.MatchString(vol) {
		drive, vol = vol[:2], vol[2:]
	}
	parts := strings.Split(vol, ":")
	switch len(parts) {
	case 2:
		return drive + parts[0], parts[1], "", true
	case 3:
		return drive + parts[0], parts[1], parts[2], true
	}
	return "", "", "", false
}

func checkVolume(vol string) string {
	host, container, mode, ok := SplitVolume(vol)
	switch {
	case !ok || host == "" || container == "":
		return fmt.Sprintf("must be host:container or host:container:ro, such as \"~/notes:/data:ro\", got %q", vol)
	case !strings.HasPrefix(container, "/"):
		return fmt.Sprintf("the container path must be absolute (start with /), got %q", container)
	case mode != "" && mode != "ro" && mode != "rw":
		return fmt.Sprintf("the mode must be ro or rw, got %q", mode)
	}
	return ""
}
