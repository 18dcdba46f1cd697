// Package metrics serves Switchboard's Prometheus metrics: tool calls
// (counted and timed per server and tool, as the gateway records them),
// upstream states and restarts, open sessions and exposed tools (read from
// the gateway at scrape time), and the Go runtime and process.
//
// It uses its own registry rather than the global one, so two cores in one
// process (tests) do not collide and nothing a library registers leaks in.
package metrics

import (
	"net/http"
	"runtime"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"switchboard/backend/store"
	"switchboard/backend/upstream"
)

// durationBuckets span a quick local tool (a few ms) to a slow remote one
// (the default call timeout is two minutes).
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// Recorder receives one record per tool call; gateway.Recorder has the same
// method, so the store and Metrics.Tee fit there.
type Recorder interface {
	Record(store.ActivityRecord)
}

// Source is what the gateway tells at scrape time; *gateway.Gateway is one.
type Source interface {
	Upstreams() []*upstream.Upstream
	Sessions() int64
	ExposedTools() int
}

// Metrics holds the registry and the call metrics.
type Metrics struct {
	reg      *prometheus.Registry
	handler  http.Handler
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// total and failed count every call since start, for /api/v1/status.
	total  atomic.Uint64
	failed atomic.Uint64
}

// New creates the metrics of one core; version labels switchboard_build_info.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_tool_calls_total",
			Help: "Tool calls by server, tool and outcome (ok, error, timeout, unavailable, cancelled).",
		}, []string{"server", "tool", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_tool_call_duration_seconds",
			Help:    "How long tool calls took, from the client's request to the answer.",
			Buckets: durationBuckets,
		}, []string{"server", "tool"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "switchboard_build_info",
		Help:        "Always 1; the labels say which build runs.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.reg.MustRegister(m.calls, m.duration, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// Track adds the gateway's state to every scrape.
func (m *Metrics) Track(src Source) { m.reg.MustRegister(&gatewayCollector{src: src}) }

// Registry is where the metrics are registered, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ServeHTTP serves the metrics in the Prometheus text format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Record counts and times one tool call.
func (m *Metrics) Record(r store.ActivityRecord) {
	m.total.Add(1)
	if r.Outcome != "ok" {
		m.failed.Add(1)
	}
	m.calls.WithLabelValues(r.Server, r.Tool, r.Outcome).Inc()
	m.duration.WithLabelValues(r.Server, r.Tool).Observe(r.DurationMS / 1000)
}

// Totals are the tool calls since start and those whose outcome was not ok.
func (m *Metrics) Totals() (calls, errors uint64) { return m.total.Load(), m.failed.Load() }

// Tee returns a recorder that counts each call here and then passes it to
// next (the store), so one gateway hook feeds both.
func (m *Metrics) Tee(next Recorder) Recorder { return tee{m: m, next: next} }

type tee struct {
	m    *Metrics
	next Recorder
}

func (t tee) Record(r store.ActivityRecord) {
	t.m.Record(r)
	if t.next != nil {
		t.next.Record(r)
	}
}

// gatewayCollector reads the upstreams and sessions when scraped, so the
// numbers are never stale and nothing is kept in step by hand.
type gatewayCollector struct{ src Source }

var (
	stateDesc = prometheus.NewDesc("switchboard_upstream_state",
		"1 for the state each upstream server is in now, 0 for the others.", []string{"server", "state"}, nil)
	restartsDesc = prometheus.NewDesc("switchboard_upstream_restarts_total",
		"Restarts of each upstream server after a crash or failed start, by its current supervisor.", []string{"server"}, nil)
	toolsDesc = prometheus.NewDesc("switchboard_upstream_tools",
		"Tools each upstream server lists.", []string{"server"}, nil)
	sessionsDesc = prometheus.NewDesc("switchboard_sessions_open",
		"MCP client sessions open on all endpoints.", nil, nil)
	exposedDesc = prometheus.NewDesc("switchboard_tools_exposed",
		"Tools a client of /mcp sees.", nil, nil)
)

func (c *gatewayCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- stateDesc
	ch <- restartsDesc
	ch <- toolsDesc
	ch <- sessionsDesc
	ch <- exposedDesc
	describeGroups(ch) // groups.go
}

func (c *gatewayCollector) Collect(ch chan<- prometheus.Metric) {
	for _, u := range c.src.Upstreams() {
		st := u.Status()
		oneOf(ch, stateDesc, st.State, upstream.States(), st.Name)
		ch <- prometheus.MustNewConstMetric(restartsDesc, prometheus.CounterValue, float64(st.Restarts), st.Name)
		ch <- prometheus.MustNewConstMetric(toolsDesc, prometheus.GaugeValue, float64(st.ToolCount), st.Name)
	}
	ch <- prometheus.MustNewConstMetric(sessionsDesc, prometheus.GaugeValue, float64(c.src.Sessions()))
	ch <- prometheus.MustNewConstMetric(exposedDesc, prometheus.GaugeValue, float64(c.src.ExposedTools()))
	collectGroups(c.src, ch) // groups.go
}

// oneOf sends a gauge per possible state: 1 for the one now, 0 for the
// others, each with labels and then the state as its last label.
func oneOf[S ~string](ch chan<- prometheus.Metric, desc *prometheus.Desc, now S, all []S, labels ...string) {
	for _, s := range all {
		v := 0.0
		if s == now {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, append(labels, string(s))...)
	}
}
