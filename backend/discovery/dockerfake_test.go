package discovery

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeEngine answers the Docker Engine API on a unix socket the way a real
// engine does for the calls the docker source makes: GET /_ping, /version
// and /containers/json with its all and filters parameters, unversioned or
// under /v{version}/, with errors as {"message": ...}.
type fakeEngine struct {
	socket string

	mu         sync.Mutex
	containers []map[string]any
	// failList makes /containers/json answer this status with an error.
	failList int
	// queries holds the raw query of each /containers/json call.
	queries []string
	paths   []string

	// events are sent to every /events stream open; eventQueries holds
	// each stream's raw query.
	events       chan map[string]any
	eventQueries chan string
	stop         chan struct{}
}

const fakeAPIVersion = "1.47"

func newFakeEngine(t *testing.T) *fakeEngine {
	t.Helper()
	// A short folder: a unix socket's path is limited to about 100 bytes,
	// which t.TempDir() under a long test name can pass.
	dir, err := os.MkdirTemp("", "dk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	e := &fakeEngine{socket: filepath.Join(dir, "docker.sock"), events: make(chan map[string]any, 16),
		eventQueries: make(chan string, 16), stop: make(chan struct{})}
	l, err := net.Listen("unix", e.socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	// Runs before srv.Close (cleanups run last first), ending open streams.
	t.Cleanup(func() { close(e.stop) })
	return e
}

func (e *fakeEngine) set(cs ...map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.containers = cs
}

func engineErr(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// event is a container event as the engine streams it.
func event(action, id, name string) map[string]any {
	return map[string]any{"status": action, "id": id, "from": "ghcr.io/example/" + name, "Type": "container", "Action": action,
		"Actor": map[string]any{"ID": id, "Attributes": map[string]string{"name": name, LabelEnable: "true"}},
		"scope": "local", "time": 1727000000, "timeNano": 1727000000000000000}
}

// streamEvents answers GET /events: one JSON object per event, flushed as
// it happens, until the client goes.
func (e *fakeEngine) streamEvents(w http.ResponseWriter, r *http.Request) {
	e.eventQueries <- r.URL.RawQuery
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-e.stop:
			return
		case ev := <-e.events:
			enc.Encode(ev)
			w.(http.Flusher).Flush()
		}
	}
}

func (e *fakeEngine) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/events") {
		e.streamEvents(w, r)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paths = append(e.paths, r.URL.Path)
	path := r.URL.Path
	if v, rest, ok := strings.Cut(strings.TrimPrefix(path, "/v"), "/"); ok && strings.HasPrefix(path, "/v1.") {
		if v > fakeAPIVersion {
			engineErr(w, http.StatusBadRequest, "client version "+v+" is too new. Maximum supported API version is "+fakeAPIVersion)
			return
		}
		path = "/" + rest
	}
	w.Header().Set("Api-Version", fakeAPIVersion)
	switch {
	case r.Method == http.MethodGet && path == "/_ping":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("OK"))
	case r.Method == http.MethodGet && path == "/version":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"Platform": map[string]string{"Name": "Docker Engine - Community"}, "Version": "27.3.1",
			"ApiVersion": fakeAPIVersion, "MinAPIVersion": "1.24", "GitCommit": "41ca978",
			"GoVersion": "go1.22.7", "Os": "linux", "Arch": "amd64", "KernelVersion": "6.8.0-45-generic",
			"BuildTime": "2024-09-20T11:41:00.000000000+00:00",
		})
	case r.Method == http.MethodGet && path == "/containers/json":
		e.queries = append(e.queries, r.URL.RawQuery)
		if e.failList != 0 {
			engineErr(w, e.failList, "Cannot connect to the containerd service: context deadline exceeded")
			return
		}
		out, err := e.list(r)
		if err != nil {
			engineErr(w, http.StatusBadRequest, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	default:
		engineErr(w, http.StatusNotFound, "page not found")
	}
}

// list applies all and the label filter as the engine does: label=k
// matches any value, label=k=v that value; every label filter must match.
func (e *fakeEngine) list(r *http.Request) ([]map[string]any, error) {
	var filters map[string][]string
	if f := r.URL.Query().Get("filters"); f != "" {
		if err := json.Unmarshal([]byte(f), &filters); err != nil {
			return nil, err
		}
	}
	all := r.URL.Query().Get("all") == "1" || r.URL.Query().Get("all") == "true"
	out := []map[string]any{}
	for _, c := range e.containers {
		if !all && c["State"] != "running" {
			continue
		}
		labels, _ := c["Labels"].(map[string]string)
		ok := true
		for _, want := range filters["label"] {
			k, v, hasV := strings.Cut(want, "=")
			got, has := labels[k]
			if !has || (hasV && got != v) {
				ok = false
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// container is an entry of GET /containers/json as an engine writes it,
// with the fields the source does not read too.
func container(id, name, state string, labels map[string]string, ports []map[string]any, networks map[string]string) map[string]any {
	nets := map[string]any{}
	for n, ip := range networks {
		nets[n] = map[string]any{"IPAMConfig": nil, "Links": nil, "Aliases": nil, "MacAddress": "02:42:ac:11:00:02",
			"NetworkID": "a1b2c3", "EndpointID": "d4e5f6", "Gateway": "172.17.0.1", "IPAddress": ip,
			"IPPrefixLen": 16, "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DriverOpts": nil}
	}
	if ports == nil {
		ports = []map[string]any{}
	}
	status := "Up 2 hours"
	if state != "running" {
		status = "Exited (0) 5 minutes ago"
	}
	return map[string]any{
		"Id": id, "Names": []string{"/" + name}, "Image": "ghcr.io/example/" + name + ":latest",
		"ImageID": "sha256:0123", "Command": "node server.js", "Created": 1727000000,
		"Ports": ports, "Labels": labels, "State": state, "Status": status,
		"HostConfig":      map[string]any{"NetworkMode": "bridge"},
		"NetworkSettings": map[string]any{"Networks": nets},
		"Mounts":          []any{},
	}
}

func port(ip string, private, public int) map[string]any {
	p := map[string]any{"PrivatePort": private, "Type": "tcp"}
	if public != 0 {
		p["IP"], p["PublicPort"] = ip, public
	}
	return p
}
