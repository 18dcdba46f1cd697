package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The modes whose results the others are compared with: the upstream
// called with no gateway. ModeDirect shares one upstream between all the
// sessions (over stdio, one process multiplexing every call on one pipe);
// ModeDirectEach gives each session an upstream process of its own over
// stdio, as separate AI clients each configured with the server do.
const (
	ModeDirect     = "direct"
	ModeDirectEach = "direct-each"
)

// IsDirect reports whether mode calls the upstream with no gateway.
func IsDirect(mode string) bool { return mode == ModeDirect || mode == ModeDirectEach }

// Report is a whole load run: what was run, where, and its results.
type Report struct {
	Date      time.Time      `json:"date"`
	Command   string         `json:"command"`
	Machine   Machine        `json:"machine"`
	Upstream  string         `json:"upstream"`
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
	// Per mode and concurrency level: the measured window's length, or its
	// number of calls; and the warm-up calls before it.
	Duration string `json:"duration,omitempty"`
	Calls    int    `json:"calls,omitempty"`
	Warmup   int    `json:"warmup"`
	// Upstreams is how many copies of the upstream ran behind the gateway;
	// Rate the calls per second per session (0: closed loop).
	Upstreams int     `json:"upstreams,omitempty"`
	Rate      float64 `json:"rate_per_session,omitempty"`
	// GatewayHWMMB is the Switchboard process's peak resident size over
	// its whole life (VmHWM), read at the end.
	GatewayHWMMB *float64   `json:"gateway_vmhwm_mb,omitempty"`
	Results      []Result   `json:"results"`
	Comparisons  []Compared `json:"vs_direct,omitempty"`
}

// Compared sets a gateway mode against a direct mode (Baseline) at the same
// concurrency.
type Compared struct {
	Mode          string  `json:"mode"`
	Baseline      string  `json:"baseline"`
	Sessions      int     `json:"sessions"`
	ThroughputPct float64 `json:"throughput_pct_of_direct"`
	AddedP50Ms    float64 `json:"added_p50_ms"`
	AddedP99Ms    float64 `json:"added_p99_ms"`
}

// Compare fills Comparisons from Results: each gateway mode against each
// direct mode run at the same level.
func (r *Report) Compare() {
	r.Comparisons = nil
	for _, base := range []string{ModeDirect, ModeDirectEach} {
		direct := map[int]Result{}
		for _, res := range r.Results {
			if res.Mode == base {
				direct[res.Sessions] = res
			}
		}
		for _, res := range r.Results {
			d, ok := direct[res.Sessions]
			if IsDirect(res.Mode) || !ok || d.Throughput == 0 || res.Throughput == 0 {
				continue
			}
			r.Comparisons = append(r.Comparisons, Compared{
				Mode: res.Mode, Baseline: base, Sessions: res.Sessions,
				ThroughputPct: round(100*res.Throughput/d.Throughput, 1),
				AddedP50Ms:    round(res.P50Ms-d.P50Ms, 3),
				AddedP99Ms:    round(res.P99Ms-d.P99Ms, 3),
			})
		}
	}
}

// Machine describes where the run took place.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model,omitempty"`
	MemoryMB int64  `json:"memory_mb,omitempty"`
	OS       string `json:"os,omitempty"`
	Kernel   string `json:"kernel,omitempty"`
	Go       string `json:"go"`
	Pinning  string `json:"cpu_pinning,omitempty"`
}

// ThisMachine reads the machine's description from /proc and /etc.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	m.CPUModel = fieldOf("/proc/cpuinfo", "model name", ":")
	if kb := fieldOf("/proc/meminfo", "MemTotal", ":"); kb != "" {
		if n, err := strconv.ParseInt(strings.Fields(kb)[0], 10, 64); err == nil {
			m.MemoryMB = n / 1024
		}
	}
	m.OS = strings.Trim(fieldOf("/etc/os-release", "PRETTY_NAME", "="), `"`)
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// fieldOf is the value of the first "key<sep>value" line of a file.
func fieldOf(path, key, sep string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// WriteJSON writes the report, indented, to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteTable writes the results as an aligned table, then the comparisons
// with direct and the first error of each row that had errors.
func (r *Report) WriteTable(w io.Writer) error {
	// Numbers align right; the mode names are padded to one width so that
	// they read as aligned left.
	width := len("compared")
	for _, res := range r.Results {
		width = max(width, len(res.Mode))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t", width, "mode")
	fmt.Fprintln(tw, "sessions\tcalls\tcalls/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tgw CPU%\tgw RSS MB\tupstream CPU%\tbridges CPU%\tclient CPU%\t")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%-*s\t%d\t%d\t%.0f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%s\t%s\t%s\t%s\t%.0f\t\n",
			width, res.Mode, res.Sessions, res.Calls, res.Throughput, res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs,
			res.Errors, opt(res.GatewayCPUPct, "%.0f"), opt(res.GatewayRSSPeakMB, "%.1f"),
			opt(res.UpstreamCPUPct, "%.0f"), opt(res.BridgesCPUPct, "%.0f"), res.ClientCPUPct)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Comparisons) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%-*s\t", width, "compared")
		fmt.Fprintf(tw, "%-*s\t", len(ModeDirectEach), "with")
		fmt.Fprintln(tw, "sessions\tcalls/s % of it\tadded p50 ms\tadded p99 ms\t")
		for _, c := range r.Comparisons {
			fmt.Fprintf(tw, "%-*s\t%-*s\t%d\t%.0f%%\t%+.3f\t%+.3f\t\n", width, c.Mode, len(ModeDirectEach), c.Baseline,
				c.Sessions, c.ThroughputPct, c.AddedP50Ms, c.AddedP99Ms)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, res := range r.Results {
		if line := res.gatewayLine(); line != "" {
			fmt.Fprintf(w, "%s, %d sessions: %s\n", res.Mode, res.Sessions, line)
		}
	}
	for _, res := range r.Results {
		if res.Errors > 0 {
			fmt.Fprintf(w, "%s, %d sessions: %d errors, the first: %s\n", res.Mode, res.Sessions, res.Errors, res.FirstError)
		}
		if res.WarmupErrors > 0 {
			fmt.Fprintf(w, "%s, %d sessions: %d errors during warm-up\n", res.Mode, res.Sessions, res.WarmupErrors)
		}
	}
	return nil
}

// gatewayLine tells the open-loop rate and what the gateway held before,
// during and after the run, where those were measured.
func (res Result) gatewayLine() string {
	var parts []string
	if res.Rate > 0 {
		parts = append(parts, fmt.Sprintf("%g calls/s per session (open loop)", res.Rate))
	}
	if res.GoroutinesBefore != nil || res.GoroutinesPeak != nil || res.GoroutinesAfter != nil {
		parts = append(parts, fmt.Sprintf("gateway goroutines %s before, %s peak, %s after",
			optInt(res.GoroutinesBefore), optInt(res.GoroutinesPeak), optInt(res.GoroutinesAfter)))
	}
	if res.GatewayRSSAfterMB != nil {
		parts = append(parts, fmt.Sprintf("gateway RSS %s MB before, %s MB peak, %.1f MB after",
			opt(res.GatewayRSSBeforeMB, "%.1f"), opt(res.GatewayRSSPeakMB, "%.1f"), *res.GatewayRSSAfterMB))
	}
	return strings.Join(parts, "; ")
}

func optInt(v *int) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(*v)
}

func opt(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}
