package discovery

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/backend/config"
)

func enabled(extra map[string]string) map[string]string {
	l := map[string]string{LabelEnable: "true", "com.docker.compose.project": "tools"}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// engineWith is a fake engine holding the containers the tests below share:
// the servers a user would label, and containers that must not be offered.
func engineWith(t *testing.T) *fakeEngine {
	e := newFakeEngine(t)
	e.set(
		// Published on every address, IPv4 and IPv6, as docker run -p does.
		container("aaaaaaaaaaaa1111", "weather", "running", enabled(map[string]string{LabelPort: "8080", LabelTags: "weather, api,api", LabelDescription: "Forecasts"}),
			[]map[string]any{port("0.0.0.0", 8080, 18080), port("::", 8080, 18080)}, map[string]string{"bridge": "172.17.0.2"}),
		// Not published: reached at its address on the network named.
		container("bbbbbbbbbbbb2222", "notes", "running", enabled(map[string]string{LabelName: "team-notes", LabelTransport: "sse", LabelNetwork: "tools_default"}),
			[]map[string]any{port("", 3000, 0)}, map[string]string{"bridge": "172.17.0.3", "tools_default": "172.20.0.5"}),
		// Behind a proxy: the URL label wins.
		container("cccccccccccc3333", "search", "running", enabled(map[string]string{LabelURL: "https://search.internal/mcp"}), nil, nil),
		// Stopped: found, not offered.
		container("dddddddddddd4444", "sleepy", "exited", enabled(map[string]string{LabelPort: "9000"}), nil, map[string]string{"bridge": ""}),
		// Two ports and no mcp.port: a problem naming the label.
		container("eeeeeeeeeeee5555", "ambiguous", "running", enabled(nil),
			[]map[string]any{port("127.0.0.1", 8000, 8000), port("127.0.0.1", 9000, 9000)}, nil),
		// Not labelled, or labelled off: the engine's filter leaves them out.
		container("ffffffffffff6666", "postgres", "running", map[string]string{"mcp.port": "5432"}, []map[string]any{port("0.0.0.0", 5432, 5432)}, nil),
		container("999999999999aaaa", "off", "running", map[string]string{LabelEnable: "false", LabelPort: "1"}, []map[string]any{port("0.0.0.0", 1, 1)}, nil),
	)
	return e
}

func dockerSource(socket string, env map[string]string) *DockerSource {
	return &DockerSource{cfg: SourceConfig{ID: "dock", Kind: KindDocker, Socket: socket, Enabled: true},
		Getenv: func(k string) string { return env[k] }}
}

func TestDockerSourceReadsLabelledContainers(t *testing.T) {
	e := engineWith(t)
	found, problems, err := dockerSource(e.socket, nil).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Found{}
	for _, f := range found {
		got[f.Name] = f
	}
	if len(found) != 4 {
		t.Fatalf("found %+v, want weather, team-notes, search and sleepy", found)
	}
	w := got["weather"]
	if w.Server == nil || w.Server.URL != "http://127.0.0.1:18080/mcp" || w.Server.Type != "http" ||
		w.Server.Description != "Forecasts" || !slices.Equal(w.Server.Tags, []string{"weather", "api"}) ||
		w.Where != "docker:weather (aaaaaaaaaaaa)" || w.Unavailable != "" {
		t.Fatalf("weather = %+v server %+v", w, w.Server)
	}
	if n := got["team-notes"]; n.Server == nil || n.Server.URL != "http://172.20.0.5:3000/sse" || n.Server.Type != "sse" {
		t.Fatalf("team-notes = %+v", n)
	}
	if s := got["search"]; s.Server == nil || s.Server.URL != "https://search.internal/mcp" {
		t.Fatalf("search = %+v", s)
	}
	if s := got["sleepy"]; s.Server != nil || !strings.Contains(s.Unavailable, "exited") {
		t.Fatalf("sleepy = %+v, want found but unavailable because it exited", s)
	}
	if len(problems) != 1 || problems[0].Where != "docker:ambiguous (eeeeeeeeeeee)" || !strings.Contains(problems[0].Message, LabelPort) {
		t.Fatalf("problems = %+v, want ambiguous asking for %s", problems, LabelPort)
	}

	// The engine was asked, at the version it speaks, for every container
	// (running or not) that carries the label.
	if len(e.queries) != 1 {
		t.Fatalf("list calls = %v", e.queries)
	}
	q, _ := url.ParseQuery(e.queries[0])
	if q.Get("all") != "1" || q.Get("filters") != `{"label":["mcp.enable=true"]}` {
		t.Fatalf("query = %v", q)
	}
	if !slices.Equal(e.paths, []string{"/_ping", "/version", "/v" + fakeAPIVersion + "/containers/json"}) {
		t.Fatalf("paths = %v", e.paths)
	}
}

func TestDockerContainerURLs(t *testing.T) {
	cases := []struct {
		name   string
		labels map[string]string
		ports  []dockerPort
		nets   map[string]string
		want   string
		err    string
	}{
		{name: "only exposed port, published on loopback", ports: []dockerPort{{IP: "127.0.0.1", PrivatePort: 7000, PublicPort: 17000, Type: "tcp"}}, want: "http://127.0.0.1:17000/mcp"},
		{name: "published on one address", labels: map[string]string{LabelPort: "7000", LabelPath: "/api/mcp"}, ports: []dockerPort{{IP: "192.168.1.20", PrivatePort: 7000, PublicPort: 7001, Type: "tcp"}}, want: "http://192.168.1.20:7001/api/mcp"},
		{name: "published on IPv6 only", labels: map[string]string{LabelPort: "7000"}, ports: []dockerPort{{IP: "::", PrivatePort: 7000, PublicPort: 7001, Type: "tcp"}}, want: "http://[::1]:7001/mcp"},
		{name: "udp port does not count", labels: map[string]string{LabelPort: "7000"}, ports: []dockerPort{{IP: "0.0.0.0", PrivatePort: 7000, PublicPort: 7001, Type: "udp"}}, nets: map[string]string{"b": "10.0.0.9", "a": "10.0.0.8"}, want: "http://10.0.0.8:7000/mcp"},
		{name: "no address at all", labels: map[string]string{LabelPort: "7000"}, err: "not published"},
		{name: "bad port", labels: map[string]string{LabelPort: "http"}, err: "mcp.port"},
		{name: "bad transport", labels: map[string]string{LabelPort: "1", LabelTransport: "stdio"}, err: "mcp.transport"},
		{name: "bad path", labels: map[string]string{LabelPort: "1", LabelPath: "mcp"}, nets: map[string]string{"b": "10.0.0.9"}, err: "mcp.path"},
		{name: "bad url", labels: map[string]string{LabelURL: "ftp://x"}, err: "mcp.url"},
		{name: "missing network", labels: map[string]string{LabelPort: "1", LabelNetwork: "other"}, nets: map[string]string{"b": "10.0.0.9"}, err: "other"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dockerContainer{ID: "0123456789abcdef", Names: []string{"/srv"}, State: "running", Labels: enabled(tc.labels), Ports: tc.ports}
			c.NetworkSettings.Networks = map[string]struct {
				IPAddress string `json:"IPAddress"`
			}{}
			for n, ip := range tc.nets {
				c.NetworkSettings.Networks[n] = struct {
					IPAddress string `json:"IPAddress"`
				}{ip}
			}
			f, err := containerServer(c)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil || f.Server.URL != tc.want || f.Name != "srv" {
				t.Fatalf("= %+v, %v; want %s", f, err, tc.want)
			}
		})
	}
}

func TestDockerSocketChoice(t *testing.T) {
	e := engineWith(t)
	ctx := context.Background()
	// DOCKER_HOST is used when the source names no socket.
	if found, _, err := dockerSource("", map[string]string{"DOCKER_HOST": "unix://" + e.socket}).Scan(ctx); err != nil || len(found) != 4 {
		t.Fatalf("through DOCKER_HOST: %d found, %v", len(found), err)
	}
	// The source's socket wins over DOCKER_HOST.
	if _, _, err := dockerSource("unix://"+e.socket, map[string]string{"DOCKER_HOST": "unix:///nowhere.sock"}).Scan(ctx); err != nil {
		t.Fatalf("the source's socket was not used: %v", err)
	}
	// A rootless engine's socket is found without being named, unless
	// this machine has a system engine, which comes first.
	if _, err := os.Stat("/var/run/docker.sock"); errors.Is(err, os.ErrNotExist) {
		if found, _, err := dockerSource("", map[string]string{"XDG_RUNTIME_DIR": filepath.Dir(e.socket)}).Scan(ctx); err != nil || len(found) != 4 {
			t.Fatalf("rootless socket: %d found, %v", len(found), err)
		}
		_, _, err := dockerSource("", map[string]string{}).Scan(ctx)
		if err == nil || !strings.Contains(err.Error(), "no Docker socket at /var/run/docker.sock") {
			t.Fatalf("no socket anywhere = %v, want the system socket named", err)
		}
	}
	_, _, err := dockerSource("", map[string]string{"DOCKER_HOST": "tcp://10.0.0.1:2376"}).Scan(ctx)
	if err == nil || !strings.Contains(err.Error(), "DOCKER_HOST") || !strings.Contains(err.Error(), "not a unix socket") {
		t.Fatalf("tcp DOCKER_HOST = %v, want it refused by name", err)
	}
}

func TestDockerSourceErrors(t *testing.T) {
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "docker.sock")
	_, _, err := dockerSource(missing, nil).Scan(ctx)
	if err == nil || !strings.Contains(err.Error(), "no Docker socket at "+missing) || !strings.Contains(err.Error(), "is Docker running") {
		t.Fatalf("missing socket = %v", err)
	}

	// A file that is not a socket, as a wrong setting would name.
	notSock := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(notSock, nil, 0o644)
	if _, _, err := dockerSource(notSock, nil).Scan(ctx); err == nil || !strings.Contains(err.Error(), notSock) {
		t.Fatalf("not a socket = %v", err)
	}

	e := engineWith(t)
	e.failList = http.StatusInternalServerError
	_, _, err = dockerSource(e.socket, nil).Scan(ctx)
	var ee *engineError
	if !errors.As(err, &ee) || ee.Status != 500 || !strings.Contains(err.Error(), "Cannot connect to the containerd service") ||
		!strings.Contains(err.Error(), "unix://"+e.socket) {
		t.Fatalf("engine error = %v, want the engine's status and message with the socket", err)
	}
}

func TestDockerSettingsAreValidated(t *testing.T) {
	checkFieldErrors(t, "d", []fieldCase{
		{SourceConfig{ID: "d", Kind: KindDocker, Socket: "tcp://localhost:2375"}, "socket"},
		{SourceConfig{ID: "d", Kind: KindDocker, Socket: "docker.sock"}, "socket"},
		{SourceConfig{ID: "d", Kind: KindDocker, Path: "/srv"}, "path"},
		{SourceConfig{ID: "d", Kind: KindDocker, Namespace: "default"}, "namespace"},
		{SourceConfig{ID: "d", Kind: KindFolder, Path: "/srv", Socket: "/var/run/docker.sock"}, "socket"},
	})
	for _, s := range []string{"", "/var/run/docker.sock", "unix:///run/user/1000/docker.sock"} {
		c := SourceConfig{ID: "d", Kind: KindDocker, Socket: s}
		if err := c.Validate(); err != nil {
			t.Errorf("socket %q refused: %v", s, err)
		}
	}
}

// waitScanned waits for the first scan of a source Run started.
func waitScanned(t *testing.T, m *Manager, id string) Status {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := m.Source(id)
		if err == nil && s.LastScan != nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scan of %s within 5s", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDockerSourceEndToEnd(t *testing.T) {
	e := newFakeEngine(t)
	weather := container("aaaaaaaaaaaa1111", "weather", "running", enabled(map[string]string{LabelPort: "8080"}),
		[]map[string]any{port("0.0.0.0", 8080, 18080)}, nil)
	sleepy := container("dddddddddddd4444", "sleepy", "exited", enabled(map[string]string{LabelPort: "9000"}), nil, nil)
	e.set(weather, sleepy)

	r := newRig(t)
	st, err := r.m.AddSource(SourceConfig{ID: "dock", Kind: KindDocker, Socket: "unix://" + e.socket, Mode: ModeAuthoritative, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != KindDocker || st.Socket != "unix://"+e.socket {
		t.Fatalf("added = %+v", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// Found by the first scan; the stopped container is counted and
	// explained, not offered.
	p := waitPending(t, r.m, "weather", func(p []Pending) bool { return len(p) == 1 })
	if w := byID(p, "dock/weather"); w == nil || w.Action != ActionAdd || w.Server.URL != "http://127.0.0.1:18080/mcp" || w.Where != "docker:weather (aaaaaaaaaaaa)" || w.Format != KindDocker {
		t.Fatalf("pending = %+v", p)
	}
	s := waitScanned(t, r.m, "dock")
	if s.Found != 2 || len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Message, "sleepy is exited") {
		t.Fatalf("status = %+v, want 2 found and sleepy explained", s)
	}

	if _, err := r.m.Approve("dock/weather"); err != nil {
		t.Fatal(err)
	}
	got := r.onDisk(t).Servers["weather"]
	if got == nil || got.URL != "http://127.0.0.1:18080/mcp" || got.Type != "http" {
		t.Fatalf("config.json weather = %+v", got)
	}
	r.heldByTrust(t, "weather", got)

	// Stopping the container is not removing it: nothing is proposed.
	weather["State"] = "exited"
	e.set(weather, sleepy)
	if _, err := r.m.Scan(ctx, "dock"); err != nil {
		t.Fatal(err)
	}
	if p := r.m.PendingList(); len(p) != 0 {
		t.Fatalf("a stopped container brought %+v", p)
	}
	// Starting the other one offers it.
	sleepy["State"] = "running"
	sleepy["Ports"] = []map[string]any{port("127.0.0.1", 9000, 19000)}
	e.set(weather, sleepy)
	r.m.Scan(ctx, "dock")
	if p := r.m.PendingList(); len(p) != 1 || p[0].ID != "dock/sleepy" || p[0].Server.URL != "http://127.0.0.1:19000/mcp" {
		t.Fatalf("after sleepy started, pending = %+v", p)
	}

	// An engine that answers an error leaves the pending list as it was
	// and proposes no removal, though the list came back empty-handed.
	e.mu.Lock()
	e.failList = http.StatusInternalServerError
	e.mu.Unlock()
	s, _ = r.m.Scan(ctx, "dock")
	if !strings.Contains(s.LastError, "containerd") || len(r.m.PendingList()) != 1 {
		t.Fatalf("status = %+v pending = %+v", s, r.m.PendingList())
	}
	e.mu.Lock()
	e.failList = 0
	e.mu.Unlock()

	// The container is removed: its server is proposed for removal, and
	// leaves the config only when that is approved.
	e.set(sleepy)
	r.m.Scan(ctx, "dock")
	rm := byID(r.m.PendingList(), "dock/weather")
	if rm == nil || rm.Action != ActionRemove {
		t.Fatalf("pending = %+v, want weather's removal", r.m.PendingList())
	}
	if r.onDisk(t).Servers["weather"] == nil {
		t.Fatal("weather left config.json without approval")
	}
	if _, err := r.m.Approve("dock/weather"); err != nil {
		t.Fatal(err)
	}
	if r.onDisk(t).Servers["weather"] != nil {
		t.Fatal("approved removal left weather in config.json")
	}

	// Disabled, the source offers nothing, though a scan asked for by
	// name still counts what it holds.
	if _, err := r.m.UpdateSource("dock", func(c *SourceConfig) { c.Enabled = false }); err != nil {
		t.Fatal(err)
	}
	s, _ = r.m.Scan(ctx, "dock")
	if len(r.m.PendingList()) != 0 || s.Found != 1 {
		t.Fatalf("disabled: status %+v pending %+v", s, r.m.PendingList())
	}
}

// A container restarted on another port (docker run -P) is followed: the
// server added from it is proposed for an update to the new address, which
// keeps what the user set on the server and holds it in quarantine again.
// A server of the same name added by hand is not the source's to move.
func TestDockerSourceFollowsAContainerToANewPort(t *testing.T) {
	e := newFakeEngine(t)
	weather := container("aaaaaaaaaaaa1111", "weather", "running", enabled(map[string]string{LabelPort: "8080"}),
		[]map[string]any{port("127.0.0.1", 8080, 18080)}, nil)
	byHand := container("bbbbbbbbbbbb2222", "notes", "running", enabled(map[string]string{LabelPort: "3000"}),
		[]map[string]any{port("127.0.0.1", 3000, 13000)}, nil)
	e.set(weather, byHand)
	r := newRig(t)
	if _, err := r.m.config.Update(func(cfg *config.Config) error {
		cfg.Servers["notes"] = &config.Server{Type: "http", URL: "http://127.0.0.1:9999/mcp"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r.approveWeather(t, e)
	if _, err := r.m.config.Update(func(cfg *config.Config) error {
		cfg.Servers["weather"].Tags = []string{"mine"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	moveTo := func(public int) {
		weather["Ports"] = []map[string]any{port("127.0.0.1", 8080, public)}
		byHand["Ports"] = []map[string]any{port("127.0.0.1", 3000, public+1)}
		e.set(weather, byHand)
		if _, err := r.m.Scan(ctx, "dock"); err != nil {
			t.Fatal(err)
		}
	}
	moveTo(28080)
	p := r.m.PendingList()
	if len(p) != 1 || p[0].ID != "dock/weather" || p[0].Action != ActionUpdate ||
		p[0].Server.URL != "http://127.0.0.1:28080/mcp" || p[0].Previous.URL != "http://127.0.0.1:18080/mcp" {
		t.Fatalf("after the move, pending = %+v", p)
	}
	if got := r.onDisk(t).Servers["weather"]; got.URL != "http://127.0.0.1:18080/mcp" {
		t.Fatalf("weather moved without approval: %+v", got)
	}
	// Turned down, the same move is not offered again; another one is.
	if _, err := r.m.Reject("dock/weather"); err != nil {
		t.Fatal(err)
	}
	moveTo(28080)
	if p := r.m.PendingList(); len(p) != 0 {
		t.Fatalf("a rejected move came back: %+v", p)
	}
	moveTo(38080)
	if p := r.m.PendingList(); len(p) != 1 || p[0].Action != ActionUpdate || p[0].Server.URL != "http://127.0.0.1:38080/mcp" {
		t.Fatalf("after a second move, pending = %+v", p)
	}
	if _, err := r.m.Approve("dock/weather"); err != nil {
		t.Fatal(err)
	}
	got := r.onDisk(t).Servers["weather"]
	if got.URL != "http://127.0.0.1:38080/mcp" || !slices.Equal(got.Tags, []string{"mine"}) {
		t.Fatalf("config.json weather = %+v, want the new address and the user's tag", got)
	}
	r.heldByTrust(t, "weather", got)
	if got := r.onDisk(t).Servers["notes"]; got.URL != "http://127.0.0.1:9999/mcp" {
		t.Fatalf("the server added by hand was changed: %+v", got)
	}
	moveTo(38080)
	if p := r.m.PendingList(); len(p) != 0 {
		t.Fatalf("nothing moved, yet pending = %+v", p)
	}
}

func TestDockerAdditiveKeepsServersOfRemovedContainers(t *testing.T) {
	e := newFakeEngine(t)
	e.set(container("aaaaaaaaaaaa1111", "weather", "running", enabled(map[string]string{LabelPort: "8080"}),
		[]map[string]any{port("0.0.0.0", 8080, 18080)}, nil))
	r := newRig(t)
	ctx := context.Background()
	r.approveWeather(t, e)
	e.set()
	s, err := r.m.Scan(ctx, "dock")
	if err != nil || s.LastError != "" || s.Found != 0 {
		t.Fatalf("scan = %+v, %v", s, err)
	}
	if p := r.m.PendingList(); len(p) != 0 || r.onDisk(t).Servers["weather"] == nil {
		t.Fatalf("additive source proposed %+v", p)
	}
}

func TestDockerSourceWithoutEngineReportsIt(t *testing.T) {
	r := newRig(t)
	missing := filepath.Join(t.TempDir(), "docker.sock")
	// Adding does not need the engine up: Docker may start later.
	if _, err := r.m.AddSource(SourceConfig{ID: "dock", Kind: KindDocker, Socket: missing, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	s, err := r.m.Scan(context.Background(), "dock")
	if err != nil || !strings.Contains(s.LastError, "no Docker socket at "+missing) {
		t.Fatalf("scan = %+v, %v", s, err)
	}
	var fe *FieldError
	if _, err := r.m.AddSource(SourceConfig{ID: "tcp", Kind: KindDocker, Socket: "tcp://127.0.0.1:2375"}); !errors.As(err, &fe) || fe.Field != "socket" || fe.Source != "tcp" {
		t.Fatalf("tcp socket = %v", err)
	}
}

// The engine's events start a scan: a container started after the first
// scan is offered at once, long before the source's interval.
func TestDockerSourceFollowsEngineEvents(t *testing.T) {
	e := newFakeEngine(t)
	r := newRig(t)
	if _, err := r.m.AddSource(SourceConfig{ID: "dock", Kind: KindDocker, Socket: e.socket, Enabled: true, Interval: "1h"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitScanned(t, r.m, "dock")

	var q string
	select {
	case q = <-e.eventQueries:
	case <-time.After(5 * time.Second):
		t.Fatal("the source did not open the engine's event stream within 5s")
	}
	f, _ := url.ParseQuery(q)
	if got := f.Get("filters"); !strings.Contains(got, `"label":["mcp.enable=true"]`) || !strings.Contains(got, `"type":["container"]`) || strings.Contains(got, "health_status") {
		t.Fatalf("events filters = %s", got)
	}
	e.set(container("aaaaaaaaaaaa1111", "weather", "running", enabled(map[string]string{LabelPort: "8080"}),
		[]map[string]any{port("0.0.0.0", 8080, 18080)}, nil))
	e.events <- event("create", "aaaaaaaaaaaa1111", "weather")
	e.events <- event("start", "aaaaaaaaaaaa1111", "weather")
	waitPending(t, r.m, "weather, found on its start event", func(p []Pending) bool { return byID(p, "dock/weather") != nil })
}

// fieldCase is a source Validate must refuse, naming field.
type fieldCase struct {
	c     SourceConfig
	field string
}

// checkFieldErrors checks that Validate refuses each case with an error
// naming the source id and the case's field.
func checkFieldErrors(t *testing.T, id string, cases []fieldCase) {
	t.Helper()
	for _, tc := range cases {
		err := tc.c.Validate()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || fe.Source != id || !strings.HasPrefix(err.Error(), `source "`+id+`": `+tc.field+": ") {
			t.Errorf("Validate(%+v) = %v, want an error naming source %s and %s", tc.c, err, id, tc.field)
		}
	}
}

// approveWeather adds an additive docker source on e, scans it and approves
// the weather container's server.
func (r *rig) approveWeather(t *testing.T, e *fakeEngine) {
	t.Helper()
	if _, err := r.m.AddSource(SourceConfig{ID: "dock", Kind: KindDocker, Socket: e.socket, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Scan(context.Background(), "dock"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Approve("dock/weather"); err != nil {
		t.Fatal(err)
	}
}
