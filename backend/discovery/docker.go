package discovery

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"switchboard/backend/clientconfig"
	"switchboard/backend/config"
)

// The labels a container carries to be found by a docker source.
const (
	// LabelEnable must be "true" for the container to be considered; the
	// engine filters on it, so other containers are never even listed.
	LabelEnable = "mcp.enable"
	// LabelName is the server's name (default: the container's name).
	LabelName = "mcp.name"
	// LabelTransport is "http" (streamable HTTP, the default) or "sse".
	LabelTransport = "mcp.transport"
	// LabelPort is the port inside the container the server listens on
	// (default: the only TCP port the container exposes).
	LabelPort = "mcp.port"
	// LabelPath is the endpoint's path (default /mcp, or /sse for sse).
	LabelPath = "mcp.path"
	// LabelURL is the whole URL, for a server reached some other way (a
	// proxy in front of it); port, path and network are then not read.
	LabelURL = "mcp.url"
	// LabelNetwork names the network whose address to use when the port
	// is not published (default: the first network, by name, with one).
	LabelNetwork = "mcp.network"
	// LabelTags is a comma-separated list of the server's tags.
	LabelTags = "mcp.tags"
	// LabelDescription is the server's description.
	LabelDescription = "mcp.description"
)

// DockerSource finds servers in containers labelled mcp.enable=true, through
// the Docker Engine API on its unix socket.
type DockerSource struct {
	cfg SourceConfig
	// Getenv reads DOCKER_HOST and the places a socket may be; tests
	// point it elsewhere.
	Getenv func(string) string
}

func validateDocker(c *SourceConfig) error {
	if c.Socket == "" {
		return nil
	}
	if _, err := socketPath(c.Socket); err != nil {
		return fieldErr("socket", "%v", err)
	}
	return nil
}

// socket is the engine's socket: the source's setting, else DOCKER_HOST,
// else the usual places.
func (s *DockerSource) socket() (string, error) {
	if s.cfg.Socket != "" {
		return socketPath(s.cfg.Socket)
	}
	if h := s.Getenv("DOCKER_HOST"); h != "" {
		p, err := socketPath(h)
		if err != nil {
			return "", fmt.Errorf("DOCKER_HOST: %v; set the source's socket instead", err)
		}
		return p, nil
	}
	return defaultSocket(s.Getenv), nil
}

func (s *DockerSource) Scan(ctx context.Context) ([]Found, []Problem, error) {
	sock, err := s.socket()
	if err != nil {
		return nil, nil, err
	}
	e := newDockerEngine(sock)
	defer e.close()
	if _, err := e.connect(ctx); err != nil {
		return nil, nil, fmt.Errorf("docker engine at unix://%s: %w", sock, err)
	}
	cs, err := e.labelledContainers(ctx, LabelEnable, "true")
	if err != nil {
		return nil, nil, fmt.Errorf("docker engine at unix://%s: %w", sock, err)
	}
	var found []Found
	var problems []Problem
	for _, c := range cs {
		f, err := containerServer(c)
		if err != nil {
			problems = append(problems, Problem{Where: containerWhere(c), Message: err.Error()})
			continue
		}
		found = append(found, f)
	}
	// Of two containers claiming one name, the running one is offered.
	slices.SortStableFunc(found, func(a, b Found) int {
		if c := boolCmp(a.Unavailable != "", b.Unavailable != ""); c != 0 {
			return c
		}
		return strings.Compare(a.Where, b.Where)
	})
	found, problems = dedupe(found, problems)
	return found, problems, nil
}

// Watch calls changed when a labelled container is created, started,
// stopped or removed, so a container shows up at once rather than at the
// next scheduled scan. It returns an error when the engine cannot be
// reached or its stream ends; the schedule still scans, and the watch is
// tried again after that scan.
func (s *DockerSource) Watch(ctx context.Context, changed func()) error {
	sock, err := s.socket()
	if err != nil {
		return err
	}
	e := newDockerStream(sock)
	defer e.close()
	if _, err := e.connect(ctx); err != nil {
		return fmt.Errorf("docker engine at unix://%s: %w", sock, err)
	}
	// A container starting comes as several events (create, start); one
	// scan after the burst is enough.
	kick, stop := debouncer(changed)
	defer stop()
	err = e.events(ctx, LabelEnable, "true", func(string) { kick() })
	if err != nil {
		return fmt.Errorf("docker engine at unix://%s: %w", sock, err)
	}
	return nil
}

func containerName(c dockerContainer) string {
	if len(c.Names) > 0 {
		return strings.TrimPrefix(c.Names[0], "/")
	}
	return shortID(c.ID)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// containerWhere names the container in pending entries and problems.
func containerWhere(c dockerContainer) string {
	return fmt.Sprintf("docker:%s (%s)", containerName(c), shortID(c.ID))
}

// containerServer reads one labelled container into the server it offers.
// A container that is not running is still found (so an authoritative
// source does not propose removing it) but marked unavailable: it has no
// address to reach until it runs again.
func containerServer(c dockerContainer) (Found, error) {
	l := c.Labels
	// The engine filtered on the label already; a stand-in or an old
	// engine that ignores the filter must not widen what is offered.
	if !strings.EqualFold(strings.TrimSpace(l[LabelEnable]), "true") {
		return Found{}, fmt.Errorf("label %s is %q, not true", LabelEnable, l[LabelEnable])
	}
	name := clientconfig.SanitizeName(cmpOr(l[LabelName], containerName(c)))
	f := Found{Name: name, Where: containerWhere(c), Format: KindDocker}
	if c.State != "running" {
		f.Unavailable = fmt.Sprintf("container %s is %s; offered once it runs", containerName(c), cmpOr(c.State, "not running"))
		return f, nil
	}
	transport, path, err := transportAndPath(LabelTransport, l[LabelTransport], LabelPath, l[LabelPath])
	if err != nil {
		return Found{}, fmt.Errorf("label %w", err)
	}
	u := strings.TrimSpace(l[LabelURL])
	if u != "" {
		if err := checkServerURL(u); err != nil {
			return Found{}, fmt.Errorf("label %s: %v", LabelURL, err)
		}
	} else {
		port, err := containerPort(c)
		if err != nil {
			return Found{}, err
		}
		host, err := containerHost(c, port)
		if err != nil {
			return Found{}, err
		}
		u = "http://" + host + path
	}
	f.Server = &config.Server{Type: transport, URL: u, Description: strings.TrimSpace(l[LabelDescription]), Tags: splitTags(l[LabelTags])}
	return f, nil
}

// containerPort is the port the server listens on inside the container.
func containerPort(c dockerContainer) (int, error) {
	if v := strings.TrimSpace(c.Labels[LabelPort]); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return 0, fmt.Errorf("label %s: %q is not a port number", LabelPort, v)
		}
		return p, nil
	}
	var ports []int
	for _, p := range c.Ports {
		if p.Type == "tcp" && !slices.Contains(ports, p.PrivatePort) {
			ports = append(ports, p.PrivatePort)
		}
	}
	if len(ports) != 1 {
		return 0, fmt.Errorf("label %s is not set and the container exposes %d TCP ports; set %s to the server's port", LabelPort, len(ports), LabelPort)
	}
	return ports[0], nil
}

// containerHost is host:port to reach the container's port from this
// machine: the port published on the host first (bound to every address,
// that is 127.0.0.1 from here), else the container's own address on its
// network, which only a Linux host (not Docker Desktop) can reach.
func containerHost(c dockerContainer, port int) (string, error) {
	var v6 string
	for _, p := range c.Ports {
		if p.Type != "tcp" || p.PrivatePort != port || p.PublicPort == 0 {
			continue
		}
		pub := strconv.Itoa(p.PublicPort)
		switch ip := net.ParseIP(p.IP); {
		case p.IP == "" || ip.Equal(net.IPv4zero):
			return net.JoinHostPort("127.0.0.1", pub), nil
		case ip.Equal(net.IPv6unspecified):
			v6 = cmpOr(v6, net.JoinHostPort("::1", pub))
		case ip.To4() != nil:
			return net.JoinHostPort(p.IP, pub), nil
		default:
			v6 = cmpOr(v6, net.JoinHostPort(p.IP, pub))
		}
	}
	if v6 != "" {
		return v6, nil
	}
	nets := c.NetworkSettings.Networks
	if want := strings.TrimSpace(c.Labels[LabelNetwork]); want != "" {
		n, ok := nets[want]
		if !ok || n.IPAddress == "" {
			return "", fmt.Errorf("label %s: the container has no address on network %q", LabelNetwork, want)
		}
		return net.JoinHostPort(n.IPAddress, strconv.Itoa(port)), nil
	}
	names := make([]string, 0, len(nets))
	for n := range nets {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if ip := nets[n].IPAddress; ip != "" {
			return net.JoinHostPort(ip, strconv.Itoa(port)), nil
		}
	}
	return "", fmt.Errorf("port %d is not published and the container has no network address; publish it (-p 127.0.0.1:%d:%d) or set %s", port, port, port, LabelURL)
}

// transportAndPath reads a transport and a path as the labels and
// annotations give them (tKey and pKey are their names, which an error
// starts with).
func transportAndPath(tKey, transport, pKey, path string) (string, string, error) {
	transport = strings.ToLower(strings.TrimSpace(transport))
	switch transport {
	case "", "http", "streamable-http", "streamable_http":
		transport = "http"
	case "sse":
	default:
		return "", "", fmt.Errorf("%s: %q is not a transport a remote server can use; use http or sse", tKey, transport)
	}
	path = strings.TrimSpace(path)
	switch {
	case path == "" && transport == "sse":
		path = "/sse"
	case path == "":
		path = "/mcp"
	case !strings.HasPrefix(path, "/"):
		return "", "", fmt.Errorf("%s: %q must start with /", pKey, path)
	}
	return transport, path, nil
}

func checkServerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", s)
	}
	return nil
}

func splitTags(s string) []string {
	var tags []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// cmpOr is cmp.Or for strings that may hold only spaces.
func cmpOr(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return strings.TrimSpace(a)
	}
	return b
}
