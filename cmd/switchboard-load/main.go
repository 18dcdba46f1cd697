// Command switchboard-load measures what Switchboard costs per MCP tool
// call and how far it scales. It opens N concurrent MCP client sessions and
// has each call one tool in a loop, in several modes side by side:
//
//	gateway-http   streamable HTTP to Switchboard's /mcp
//	gateway-stdio  through `switchboard stdio` bridges (one process per
//	               session), which relay to Switchboard over its socket
//	direct         the same upstream with no gateway: over stdio, one
//	               process shared by all sessions, as behind the gateway;
//	               or over HTTP
//	direct-each    over stdio, one upstream process per session, as
//	               separate AI clients without a gateway each start their own
//
// for every concurrency level given, and reports throughput, latency
// percentiles, errors, and the CPU and memory of Switchboard, the upstream,
// the bridges and the load tool itself, as a table, as JSON (--json) and
// as a plot of latency against concurrency (--plot).
//
// By default it starts its own Switchboard in a temporary home with the
// upstream configured as server "load"; --url targets a running one.
//
//	switchboard-load --sessions 1,8,32 --duration 5s --json out.json --plot out.png
//	switchboard-load --upstream everything-http --modes gateway-http,direct
//	switchboard-load --url http://127.0.0.1:7410/mcp --home ~/.switchboard --server myserver --tool search --args '{"q":"x"}' --modes gateway-http
//
// Scale: --rate makes each session call at a fixed rate (open loop), so
// that latency at 1,000 sessions means something; --upstreams runs many
// copies of the upstream behind the gateway, the sessions spread over them:
//
//	switchboard-load --modes gateway-http --sessions 1000 --rate 1 --upstreams 100 --duration 60s
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/loadtest"
)

// Modes, in the order they run at each level.
const (
	modeHTTP  = "gateway-http"
	modeStdio = "gateway-stdio"
)

var allModes = []string{modeHTTP, modeStdio, loadtest.ModeDirect, loadtest.ModeDirectEach}

// serverName is the upstream's name in a Switchboard the tool starts.
const serverName = "load"

type options struct {
	upstream, upstreamCommand, upstreamURL string
	modes, sessions                        string
	duration                               time.Duration
	calls, warmup                          int
	rate                                   float64
	upstreams                              int
	tool, args                             string
	timeout                                time.Duration
	url, home, server                      string
	pid                                    int
	switchboard, testserver, testdeps      string
	serverCPUs                             string
	jsonPath, plotPath                     string
}

func main() {
	var o options
	flag.StringVar(&o.upstream, "upstream", "testserver-stdio", "the upstream: testserver-stdio, testserver-http, everything-stdio or everything-http")
	flag.StringVar(&o.upstreamCommand, "upstream-command", "", "another stdio upstream: its command line (split at spaces)")
	flag.StringVar(&o.upstreamURL, "upstream-url", "", "another upstream, already running: its streamable HTTP URL")
	flag.StringVar(&o.modes, "modes", strings.Join(allModes, ","), "modes to run, comma-separated: "+strings.Join(allModes, ", "))
	flag.StringVar(&o.sessions, "sessions", "1,8,32", "concurrency levels: numbers of concurrent sessions, comma-separated")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per mode and level")
	flag.IntVar(&o.calls, "calls", 0, "measured calls per mode and level, over all sessions (instead of --duration)")
	flag.Float64Var(&o.rate, "rate", 0, "calls per second per session, started on schedule whether or not the last call has returned (open loop; latency counts from when a call was due); 0: each session calls again as soon as its last call returns")
	flag.IntVar(&o.upstreams, "upstreams", 1, "run this many copies of the upstream behind the Switchboard the tool starts (servers load, load-2, ...), session i calling copy i mod N; direct mode calls one copy")
	flag.IntVar(&o.warmup, "warmup", 200, "warm-up calls per mode and level before measuring (at least one per session), left out of the figures")
	flag.StringVar(&o.tool, "tool", "echo", "the upstream's tool to call (through Switchboard it is SERVER__TOOL)")
	flag.StringVar(&o.args, "args", "", `the tool's arguments as JSON (default {"text":"ping"} for the test server, {"message":"ping"} for server-everything)`)
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "timeout of each call")
	flag.StringVar(&o.url, "url", "", "target a running Switchboard at this /mcp URL instead of starting one")
	flag.StringVar(&o.home, "home", "", "with --url: that Switchboard's home folder (for gateway-stdio, and to find its pid)")
	flag.StringVar(&o.server, "server", serverName, "with --url: the upstream's server name in that Switchboard")
	flag.IntVar(&o.pid, "pid", 0, "with --url: that Switchboard's process id, for its CPU and memory (default: from HOME/switchboard.lock)")
	flag.StringVar(&o.switchboard, "switchboard", "", "the switchboard binary (default: built from this repository)")
	flag.StringVar(&o.testserver, "testserver", "", "the switchboard-testserver binary (default: built from this repository)")
	flag.StringVar(&o.testdeps, "testdeps", "", "where the npm test programs are installed (default $SWITCHBOARD_TESTDEPS or REPO/.testdeps)")
	flag.StringVar(&o.serverCPUs, "server-cpus", "", "run every process this tool starts (Switchboard, bridges, upstreams) under taskset -c LIST; run the tool itself under taskset -c on other CPUs to keep the client off theirs")
	flag.StringVar(&o.jsonPath, "json", "", "write the report as JSON to this file")
	flag.StringVar(&o.plotPath, "plot", "", "write the latency plot as PNG to this file")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments: %v", flag.Args()))
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	bad, err := run(ctx, o)
	if err != nil {
		stop()
		fail(err)
	}
	if bad {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "switchboard-load:", err)
	os.Exit(2)
}

// run measures every mode at every level and writes the report. bad says
// some call failed or some run could not be made.
func run(ctx context.Context, o options) (bad bool, err error) {
	levels, err := parseLevels(o.sessions)
	if err != nil {
		return false, err
	}
	modes, err := parseModes(o.modes)
	if err != nil {
		return false, err
	}
	if o.calls <= 0 && o.duration <= 0 {
		return false, errors.New("--duration or --calls must be positive")
	}
	if o.rate < 0 {
		return false, errors.New("--rate must not be negative")
	}
	if o.upstreams == 0 {
		o.upstreams = 1
	}
	if o.upstreams < 1 || (o.upstreams > 1 && o.url != "") {
		return false, errors.New("--upstreams must be at least 1, and more than 1 only for a Switchboard the tool starts")
	}
	var wrap []string
	if o.serverCPUs != "" {
		wrap = []string{"taskset", "-c", o.serverCPUs}
	}

	tmp, err := os.MkdirTemp("", "switchboard-load-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	bins := &binaries{dir: tmp, switchboard: o.switchboard, testserver: o.testserver}

	// A running Switchboard has its own upstream; ours is needed only to
	// be called directly.
	attached := o.url != ""
	up := &loadtest.Upstream{Name: o.server + " at " + o.url}
	if !attached || slices.ContainsFunc(modes, loadtest.IsDirect) {
		if up, err = startUpstream(ctx, o, bins, tmp, wrap); err != nil {
			return false, err
		}
		defer up.Stop()
	}
	if up.URL != "" && slices.Contains(modes, loadtest.ModeDirectEach) {
		// Over HTTP every session of direct has its own MCP session
		// already; there is no process per client to start.
		if o.modes != strings.Join(allModes, ",") {
			return false, fmt.Errorf("--modes: %s is for a stdio upstream; %s is an HTTP one, where %s already gives each session its own", loadtest.ModeDirectEach, up.Name, loadtest.ModeDirect)
		}
		modes = slices.DeleteFunc(modes, func(m string) bool { return m == loadtest.ModeDirectEach })
	}
	args := defaultArgs(o)
	if o.args != "" {
		args = nil
		if err := json.Unmarshal([]byte(o.args), &args); err != nil {
			return false, fmt.Errorf("--args: %w", err)
		}
	}

	var sb *loadtest.Switchboard
	gatewayTool := o.server + "__" + o.tool
	gatewayTools := []string{gatewayTool}
	for i := 2; i <= o.upstreams; i++ {
		gatewayTools = append(gatewayTools, upstreamName(i)+"__"+o.tool)
	}
	if slices.Contains(modes, modeHTTP) || slices.Contains(modes, modeStdio) {
		sb, err = startSwitchboard(ctx, o, slices.Contains(modes, modeStdio), bins, up, wrap)
		if err != nil {
			return false, err
		}
		defer sb.Stop()
		if err := sb.WaitTool(ctx, gatewayTools...); err != nil {
			return false, err
		}
	}

	rep := &loadtest.Report{
		Date: time.Now().UTC().Truncate(time.Second), Command: commandLine(), Machine: loadtest.ThisMachine(),
		Upstream: up.Name, Tool: o.tool, Arguments: args, Calls: o.calls, Warmup: o.warmup,
		Upstreams: o.upstreams, Rate: o.rate,
	}
	if o.calls == 0 {
		rep.Duration = o.duration.String()
	}
	rep.Machine.Pinning = pinning(o.serverCPUs)

levels:
	for _, n := range levels {
		for _, mode := range modes {
			spec := loadtest.Spec{Mode: mode, Sessions: n, Tool: o.tool, Args: args,
				Duration: o.duration, Calls: o.calls, Warmup: o.warmup, Timeout: o.timeout, Rate: o.rate}
			switch mode {
			case modeHTTP, modeStdio:
				spec.Tool = gatewayTool
				spec.Tools = gatewayTools
				spec.GatewayPID = sb.PID()
				spec.MetricsURL = loadtest.MetricsURL(sb.URL)
				spec.Target = loadtest.HTTPTarget{URL: sb.URL}
				if mode == modeStdio {
					if spec.Target, err = sb.Bridge(); err != nil {
						return false, err
					}
					spec.Bridges = true
				}
				spec.Upstream = func(*loadtest.Pool) []int {
					if pids := up.PIDs(); pids != nil && !attached {
						return pids
					}
					// A stdio upstream is Switchboard's child. With --url,
					// every upstream of that Switchboard is counted.
					if sb.PID() == 0 {
						return nil
					}
					return loadtest.Descendants(sb.PID())
				}
			case loadtest.ModeDirect, loadtest.ModeDirectEach:
				spec.Target = up.Direct(mode == loadtest.ModeDirectEach, wrap)
				spec.Upstream = func(p *loadtest.Pool) []int {
					if pids := up.PIDs(); pids != nil {
						return pids
					}
					pids := slices.Clone(p.PIDs)
					for _, pid := range p.PIDs {
						pids = append(pids, loadtest.Descendants(pid)...)
					}
					return pids
				}
			}
			fmt.Fprintf(os.Stderr, "%s, %d sessions ...", mode, n)
			res, err := loadtest.Run(ctx, spec)
			if ctx.Err() != nil {
				fmt.Fprintln(os.Stderr, " interrupted")
				bad = true
				break levels
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, " failed:", err)
				bad = true
				continue
			}
			fmt.Fprintf(os.Stderr, " %d calls in %.1f s, %d errors\n", res.Calls, res.Seconds, res.Errors)
			bad = bad || res.Errors > 0
			rep.Results = append(rep.Results, res)
		}
	}
	if sb != nil && sb.PID() > 0 {
		if v, err := loadtest.ProcessMemory(sb.PID(), "VmHWM"); err == nil {
			mb := math.Round(float64(v)/(1<<20)*10) / 10
			rep.GatewayHWMMB = &mb
		}
	}
	rep.Compare()
	fmt.Println()
	if err := rep.WriteTable(os.Stdout); err != nil {
		return bad, err
	}
	return bad, writeOutputs(rep, o)
}

func writeOutputs(rep *loadtest.Report, o options) error {
	if o.jsonPath != "" {
		if err := rep.WriteJSON(o.jsonPath); err != nil {
			return err
		}
	}
	if o.plotPath != "" && len(rep.Results) > 0 {
		if err := rep.WritePlot(o.plotPath); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	return nil
}

// defaultArgs are the arguments of the chosen upstream's echo tool.
func defaultArgs(o options) map[string]any {
	switch {
	case o.upstreamCommand != "" || o.upstreamURL != "":
		return nil
	case strings.HasPrefix(o.upstream, "everything-"):
		return map[string]any{"message": "ping"}
	}
	return map[string]any{"text": "ping"}
}

// startUpstream prepares the upstream, starting it when it is served over
// HTTP.
func startUpstream(ctx context.Context, o options, bins *binaries, tmp string, wrap []string) (*loadtest.Upstream, error) {
	switch {
	case o.upstreamCommand != "":
		argv := strings.Fields(o.upstreamCommand)
		return &loadtest.Upstream{Name: filepath.Base(argv[0]), Argv: argv}, nil
	case o.upstreamURL != "":
		return &loadtest.Upstream{Name: o.upstreamURL, URL: o.upstreamURL}, nil
	}
	switch o.upstream {
	case "testserver-stdio", "testserver-http":
		bin, err := bins.testServer()
		if err != nil {
			return nil, err
		}
		if o.upstream == "testserver-stdio" {
			return loadtest.TestServerStdio(bin), nil
		}
		return loadtest.StartTestServerHTTP(ctx, bin, wrap)
	case "everything-stdio", "everything-http":
		node, entry, err := everything(o.testdeps)
		if err != nil {
			return nil, err
		}
		if o.upstream == "everything-stdio" {
			return loadtest.EverythingStdio(node, entry), nil
		}
		return loadtest.StartEverythingHTTP(ctx, node, entry, tmp, wrap)
	}
	return nil, fmt.Errorf("--upstream %q: want testserver-stdio, testserver-http, everything-stdio or everything-http", o.upstream)
}

// startSwitchboard starts a Switchboard with the upstream as its only
// server, or, with --url, describes the running one. bridged says the
// binary is needed for `switchboard stdio` too.
func startSwitchboard(ctx context.Context, o options, bridged bool, bins *binaries, up *loadtest.Upstream, wrap []string) (*loadtest.Switchboard, error) {
	bin := o.switchboard
	if o.url == "" || bridged {
		var err error
		if bin, err = bins.switchboardBin(); err != nil {
			return nil, err
		}
	}
	if o.url != "" {
		return loadtest.AttachSwitchboard(o.url, o.home, bin, o.pid, wrap)
	}
	servers := map[string]*config.Server{serverName: up.Server()}
	for i := 2; i <= o.upstreams; i++ {
		servers[upstreamName(i)] = up.Server()
	}
	return loadtest.StartSwitchboard(ctx, loadtest.SwitchboardOptions{
		Binary: bin, Servers: servers, Wrap: wrap,
	})
}

// upstreamName is the server name of the i-th copy of the upstream (i >=
// 2; the first is "load").
func upstreamName(i int) string { return fmt.Sprintf("%s-%d", serverName, i) }

func parseLevels(s string) ([]int, error) {
	var levels []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--sessions %q: want positive numbers separated by commas", s)
		}
		if !slices.Contains(levels, n) {
			levels = append(levels, n)
		}
	}
	slices.Sort(levels)
	return levels, nil
}

func parseModes(s string) ([]string, error) {
	var modes []string
	for f := range strings.SplitSeq(s, ",") {
		m := strings.TrimSpace(f)
		if !slices.Contains(allModes, m) {
			return nil, fmt.Errorf("--modes: unknown mode %q (want %s)", m, strings.Join(allModes, ", "))
		}
		if !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	// Always in the same order, so reports line up.
	slices.SortFunc(modes, func(a, b string) int { return slices.Index(allModes, a) - slices.Index(allModes, b) })
	return modes, nil
}

// commandLine is how the tool was run, quoted for a shell.
func commandLine() string {
	parts := []string{"switchboard-load"}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t\"'{}$*?&|;<>()`\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
