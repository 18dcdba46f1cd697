package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"switchboard/backend/loadtest"
)

// TestShortRun makes a small real run of every mode against our test
// server over stdio: 2 sessions, 200 measured calls each, through a
// Switchboard the tool starts, through its stdio bridge, and directly with
// the upstream shared and with one per session.
func TestShortRun(t *testing.T) {
	dir := t.TempDir()
	o := options{
		upstream: "testserver-stdio", modes: "gateway-http,gateway-stdio,direct,direct-each", sessions: "2",
		calls: 200, warmup: 10, tool: "echo", timeout: 30 * time.Second, server: serverName,
		jsonPath: filepath.Join(dir, "load.json"), plotPath: filepath.Join(dir, "latency.png"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bad, err := run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if bad {
		t.Fatal("the run had errors")
	}

	raw, err := os.ReadFile(o.jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep loadtest.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 4 {
		t.Fatalf("want a result per mode, got %+v", rep.Results)
	}
	for _, r := range rep.Results {
		if r.Calls != 200 || r.Errors != 0 || r.Sessions != 2 {
			t.Errorf("%s: %d calls, %d errors (%s), %d sessions", r.Mode, r.Calls, r.Errors, r.FirstError, r.Sessions)
		}
		if r.Throughput <= 0 || r.P50Ms <= 0 || r.P50Ms > r.P90Ms || r.P90Ms > r.P99Ms || r.P99Ms > r.MaxMs {
			t.Errorf("%s: figures out of order: %+v", r.Mode, r)
		}
		if r.UpstreamCPUPct == nil {
			t.Errorf("%s: no upstream CPU", r.Mode)
		}
		gateway := !loadtest.IsDirect(r.Mode)
		if (r.GatewayCPUPct != nil) != gateway || (r.GatewayRSSPeakMB != nil) != gateway {
			t.Errorf("%s: gateway CPU %v, RSS %v", r.Mode, r.GatewayCPUPct, r.GatewayRSSPeakMB)
		}
		if gateway && *r.GatewayRSSPeakMB <= 0 {
			t.Errorf("%s: gateway RSS %v MB", r.Mode, *r.GatewayRSSPeakMB)
		}
		if (r.BridgesCPUPct != nil) != (r.Mode == modeStdio) {
			t.Errorf("%s: bridges CPU %v", r.Mode, r.BridgesCPUPct)
		}
	}
	if len(rep.Comparisons) != 4 {
		t.Errorf("want both gateway modes compared with both direct modes, got %+v", rep.Comparisons)
	}
	if st, err := os.Stat(o.plotPath); err != nil || st.Size() == 0 {
		t.Errorf("no plot: %v", err)
	}
	// Switchboard, its upstream, the bridges and the direct upstream are
	// all gone.
	if left := loadtest.Descendants(os.Getpid()); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
}

func TestFlagLists(t *testing.T) {
	levels, err := parseLevels("32, 1,8,8")
	if err != nil || len(levels) != 3 || levels[0] != 1 || levels[2] != 32 {
		t.Errorf("levels %v %v", levels, err)
	}
	if _, err := parseLevels("1,0"); err == nil {
		t.Error("0 sessions accepted")
	}
	modes, err := parseModes("direct,gateway-http")
	if err != nil || len(modes) != 2 || modes[0] != modeHTTP {
		t.Errorf("modes %v %v", modes, err)
	}
	if _, err := parseModes("gateway"); err == nil {
		t.Error("unknown mode accepted")
	}
}

// TestOpenLoopOverSeveralUpstreams runs at a fixed rate per session over
// three copies of the upstream: every call due in the window is made (a
// count fixed by the schedule: 3 sessions x 20 calls/s x 1 s), none fails,
// and the gateway's goroutines are read before, during and after.
func TestOpenLoopOverSeveralUpstreams(t *testing.T) {
	dir := t.TempDir()
	o := options{
		upstream: "testserver-stdio", modes: "gateway-http", sessions: "3", rate: 20, upstreams: 3,
		duration: time.Second, warmup: 3, tool: "echo", timeout: 30 * time.Second, server: serverName,
		jsonPath: filepath.Join(dir, "load.json"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bad, err := run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if bad {
		t.Fatal("the run had errors")
	}
	raw, err := os.ReadFile(o.jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep loadtest.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Upstreams != 3 || rep.Rate != 20 {
		t.Fatalf("report: %+v", rep)
	}
	r := rep.Results[0]
	if r.Calls != 60 || r.Errors != 0 || r.Rate != 20 {
		t.Errorf("%d calls, %d errors (%s), rate %g: want 60 calls, none failed", r.Calls, r.Errors, r.FirstError, r.Rate)
	}
	if r.GoroutinesBefore == nil || r.GoroutinesPeak == nil || r.GoroutinesAfter == nil || r.GatewayRSSAfterMB == nil {
		t.Fatalf("gateway figures missing: %+v", r)
	}
	if *r.GoroutinesPeak < *r.GoroutinesBefore {
		t.Errorf("goroutines: %d before, peak %d", *r.GoroutinesBefore, *r.GoroutinesPeak)
	}
}
