package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"switchboard/backend/bridge"
)

// The Docker Engine API is plain HTTP on a unix socket; the three calls the
// docker source needs do not justify the Docker SDK and its dependencies.

// dockerTimeout bounds one call to the engine, so a hung daemon turns into a
// scan error instead of a scan that never ends.
const dockerTimeout = 15 * time.Second

// dockerContainer is the part of an entry of GET /containers/json the source
// reads.
type dockerContainer struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Image  string            `json:"Image"`
	State  string            `json:"State"`
	Status string            `json:"Status"`
	Labels map[string]string `json:"Labels"`
	Ports  []dockerPort      `json:"Ports"`
	// NetworkSettings.Networks maps a network's name to the container's
	// address on it.
	NetworkSettings struct {
		Networks map[string]struct {
			IPAddress string `json:"IPAddress"`
		} `json:"Networks"`
	} `json:"NetworkSettings"`
}

// dockerPort is one exposed port; PublicPort is 0 when it is not published.
type dockerPort struct {
	IP          string `json:"IP,omitempty"`
	PrivatePort int    `json:"PrivatePort"`
	PublicPort  int    `json:"PublicPort,omitempty"`
	Type        string `json:"Type"`
}

// dockerVersion is the part of GET /version the source reads.
type dockerVersion struct {
	Version    string `json:"Version"`
	APIVersion string `json:"ApiVersion"`
}

// dockerEngine is a client of one engine's socket.
type dockerEngine struct {
	socket string
	http   *http.Client
	// prefix is "/v1.47" once the engine's API version is known: pinning it
	// keeps the answers' shape the one this code was written against.
	prefix string
}

// newDockerEngine is a client whose calls give up after dockerTimeout;
// streaming (events) uses a client without that limit, ended by its context.
func newDockerEngine(socket string) *dockerEngine {
	e := newDockerStream(socket)
	e.http.Timeout = dockerTimeout
	return e
}

func newDockerStream(socket string) *dockerEngine {
	return &dockerEngine{socket: socket, http: bridge.UnixSocketClient(socket)}
}

func (e *dockerEngine) close() { e.http.CloseIdleConnections() }

// engineError is an answer of the engine other than 200, with the message
// it gave (the engine answers errors as {"message": "..."}).
type engineError struct {
	Path    string
	Status  int
	Message string
}

func (e *engineError) Error() string {
	return fmt.Sprintf("GET %s: the engine answered %d: %s", e.Path, e.Status, e.Message)
}

// open sends a GET and returns the answer when it is a 200; any other
// status is an *engineError with the engine's message.
func (e *dockerEngine) open(ctx context.Context, path string, query url.Values) (*http.Response, error) {
	u := "http://docker" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, e.dialError(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var msg struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &msg) != nil || msg.Message == "" {
			msg.Message = strings.TrimSpace(string(body))
		}
		return nil, &engineError{Path: path, Status: resp.StatusCode, Message: msg.Message}
	}
	return resp, nil
}

// get calls the engine and decodes its JSON answer into out (or, when out
// is a *string, keeps the body as text).
func (e *dockerEngine) get(ctx context.Context, path string, query url.Values, out any) error {
	resp, err := e.open(ctx, path, query)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if s, ok := out.(*string); ok {
		*s = string(body)
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: the engine's answer is not what the Docker API returns: %w", path, err)
	}
	return nil
}

// dialError says what a failed connection most likely means.
func (e *dockerEngine) dialError(err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("no Docker socket at %s: is Docker running? (set the source's socket, or DOCKER_HOST)", e.socket)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("no permission to use the Docker socket %s: add your user to the docker group, or use a rootless Docker's socket", e.socket)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing answers on the Docker socket %s: is Docker running?", e.socket)
	}
	return fmt.Errorf("docker socket %s: %w", e.socket, err)
}

// connect checks the engine answers (GET /_ping) and learns its API version
// (GET /version), so the later calls ask for a fixed shape.
func (e *dockerEngine) connect(ctx context.Context) (dockerVersion, error) {
	// Bounded even on the streaming client: a daemon that hangs here would
	// otherwise hold a watch forever without an error to log.
	ctx, cancel := context.WithTimeout(ctx, dockerTimeout)
	defer cancel()
	var pong string
	if err := e.get(ctx, "/_ping", nil, &pong); err != nil {
		return dockerVersion{}, err
	}
	if strings.TrimSpace(pong) != "OK" {
		return dockerVersion{}, fmt.Errorf("GET /_ping: answered %q, not OK: %s does not look like a Docker Engine", pong, e.socket)
	}
	var v dockerVersion
	if err := e.get(ctx, "/version", nil, &v); err != nil {
		return dockerVersion{}, err
	}
	if v.APIVersion != "" {
		e.prefix = "/v" + v.APIVersion
	}
	return v, nil
}

// labelledContainers lists the containers, running or not, that carry
// label=value. The engine filters; stopped ones are listed too so that an
// authoritative source can tell a stopped container from a removed one.
func (e *dockerEngine) labelledContainers(ctx context.Context, label, value string) ([]dockerContainer, error) {
	filters, err := json.Marshal(map[string][]string{"label": {label + "=" + value}})
	if err != nil {
		return nil, err
	}
	var out []dockerContainer
	q := url.Values{"all": {"1"}, "filters": {string(filters)}}
	if err := e.get(ctx, e.prefix+"/containers/json", q, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// containerEvents are the events that change what a docker source finds;
// health checks and execs, which come often, do not.
var containerEvents = []string{"create", "start", "die", "stop", "kill", "pause", "unpause", "rename", "destroy", "update"}

// events streams the engine's container events for containers carrying
// label=value, calling fn with each event's action, until ctx is done
// (nil) or the stream ends (an error: the engine went away).
func (e *dockerEngine) events(ctx context.Context, label, value string, fn func(action string)) error {
	filters, err := json.Marshal(map[string][]string{"type": {"container"}, "label": {label + "=" + value}, "event": containerEvents})
	if err != nil {
		return err
	}
	resp, err := e.open(ctx, e.prefix+"/events", url.Values{"filters": {string(filters)}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var ev struct {
			Type   string `json:"Type"`
			Action string `json:"Action"`
		}
		if err := dec.Decode(&ev); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("GET /events: the stream ended: %w", err)
		}
		fn(ev.Action)
	}
}

// socketPath reads a socket setting: an absolute path or unix:///path. Other
// schemes (tcp://, ssh://, npipe://) are refused with the reason.
func socketPath(s string) (string, error) {
	p := s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("%q is not a socket address: %v", s, err)
		}
		if u.Scheme != "unix" {
			return "", fmt.Errorf("%q is not a unix socket; only the engine's local socket is supported (unix:///var/run/docker.sock or a path)", s)
		}
		p = u.Path
	}
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%q must be an absolute path to the engine's socket", s)
	}
	return p, nil
}

// defaultSocket is where the engine listens when neither the source nor
// DOCKER_HOST says: the first of the usual places that exists (the system
// engine, a rootless engine, Docker Desktop), else the system one, which
// the error then names.
func defaultSocket(getenv func(string) string) string {
	places := []string{"/var/run/docker.sock"}
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		places = append(places, filepath.Join(d, "docker.sock"))
	}
	if h := getenv("HOME"); h != "" {
		places = append(places, filepath.Join(h, ".docker", "run", "docker.sock"), filepath.Join(h, ".docker", "desktop", "docker.sock"))
	}
	for _, p := range places {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return places[0]
}
