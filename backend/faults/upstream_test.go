package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// A server that worked, then crashes and fails every restart at start:
//   - a call to it fails at once (well under a second) with an error that
//     names the server;
//   - restarts back off: the k-th attempt comes 0.5 s × 2^k (±20 % jitter)
//     after the one before, never sooner;
//   - calls to another server all succeed meanwhile, none held up behind it;
//   - the gateway's goroutines do not grow with the failed restarts;
//   - none of the failed processes is left running;
//   - once it can start again, it comes back by itself.
func TestCrashLoopBacksOffAndOthersAreUnaffected(t *testing.T) {
	dir := t.TempDir()
	startLog := filepath.Join(dir, "starts")
	broken := filepath.Join(dir, "broken")
	g := startGateway(t, "", map[string]*config.Server{
		"loop": testServer(t, map[string]string{"SB_TEST_START_LOG": startLog, "SB_TEST_EXIT_IF_EXISTS": broken}),
		"good": testServer(t, nil),
	})
	c := g.sessions(1)[0]
	if _, err := call(c, "loop__echo", map[string]any{"text": "up"}, 10*time.Second); err != nil {
		t.Fatalf("loop before the fault: %v", err)
	}
	// Restarts from here on fail at start.
	if err := os.WriteFile(broken, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _ = call(c, "loop__crash", map[string]any{"code": 3}, 10*time.Second)
	crashed := time.Now()

	// How many failed restarts to watch: 0.5 + 1 + 2 (+ 4 + 8) seconds.
	restarts := 3
	if soak() {
		restarts = 5
	}
	var g0 int
	healthy := 0
	for {
		starts, _ := readStartLog(t, startLog)
		failed := len(starts) - 1
		if failed >= 1 && g0 == 0 {
			g0 = g.goroutines()
		}
		if failed >= restarts {
			break
		}
		if time.Since(crashed) > 30*time.Second {
			t.Fatalf("only %d restarts in %s", failed, time.Since(crashed))
		}
		t0 := time.Now()
		text, err := call(c, "loop__echo", map[string]any{"text": "x"}, 10*time.Second)
		if err == nil {
			t.Fatalf("a call to the crash-looping server succeeded: %q", text)
		}
		if d := time.Since(t0); d > time.Second {
			t.Fatalf("a call to the crash-looping server took %s to fail", d)
		}
		if !strings.Contains(err.Error(), "loop") {
			t.Fatalf("the error does not name the server: %v", err)
		}
		for range 10 {
			t0 := time.Now()
			if _, err := call(c, "good__echo", map[string]any{"text": "fine"}, 10*time.Second); err != nil {
				t.Fatalf("a healthy server's call failed during the crash loop: %v", err)
			}
			if d := time.Since(t0); d > time.Second {
				t.Fatalf("a healthy server's call took %s during the crash loop", d)
			}
			healthy++
		}
		time.Sleep(50 * time.Millisecond)
	}

	starts, _ := readStartLog(t, startLog)
	prev := crashed
	for k, s := range starts[1:] {
		gap := s.at.Sub(prev)
		nominal := 500 * time.Millisecond << k
		// The process start adds to each gap (up to a second or so on a
		// loaded machine), so only the lower bound is tight.
		lo, hi := nominal*8/10-50*time.Millisecond, nominal*12/10+2*time.Second
		t.Logf("restart %d: %s after the previous attempt (nominal %s)", k+1, gap.Round(time.Millisecond), nominal)
		if gap < lo || gap > hi {
			t.Errorf("restart %d came %s after the previous attempt; the backoff says %s ±20%%", k+1, gap, nominal)
		}
		prev = s.at
	}
	if g1 := g.goroutines(); g1 > g0+10 {
		t.Errorf("goroutines grew from %d to %d over %d failed restarts", g0, g1, restarts-1)
	}
	var pids []int
	for _, s := range starts {
		pids = append(pids, s.pid)
	}
	if left := alive(pids); len(left) > 0 {
		killAll(left)
		t.Errorf("processes of failed starts still run: %v", left)
	}
	t.Logf("%d calls to the healthy server succeeded during the crash loop", healthy)

	// Fixed: the next scheduled attempt brings it back.
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	testdeps.Eventually(t, 40*time.Second, "the server came back after its fault was fixed", func() bool {
		_, err := call(c, "loop__echo", map[string]any{"text": "back"}, 10*time.Second)
		return err == nil
	})
}

// A server that starts a child process of its own (as npx starts node) and
// then goes away must not leave that child behind, whatever ended it: a
// crash mid-call, a restart or stop through the API, or Switchboard itself
// stopping.
func TestNoOrphanProcesses(t *testing.T) {
	cases := []struct {
		name string
		end  func(t *testing.T, g *gateway)
	}{
		{"crash mid-call", func(t *testing.T, g *gateway) {
			c := g.sessions(1)[0]
			t0 := time.Now()
			_, err := call(c, "kid__crash", map[string]any{"code": 3}, 10*time.Second)
			if err == nil {
				t.Fatal("a crash mid-call gave no error")
			}
			if d := time.Since(t0); d > 3*time.Second {
				t.Errorf("the crash took %s to reach the caller", d)
			}
		}},
		{"restart through the API", func(t *testing.T, g *gateway) {
			if code, body, err := g.api("POST", "/api/v1/servers/kid/restart", nil); err != nil || code != 200 {
				t.Fatalf("restart: %d %s %v", code, body, err)
			}
		}},
		{"stop through the API", func(t *testing.T, g *gateway) {
			if code, body, err := g.api("POST", "/api/v1/servers/kid/stop", map[string]any{"reason": "test"}); err != nil || code != 200 {
				t.Fatalf("stop: %d %s %v", code, body, err)
			}
		}},
		{"switchboard stopped", func(t *testing.T, g *gateway) { g.sb.Stop() }},
		{"switchboard killed", func(t *testing.T, g *gateway) {
			_ = syscall.Kill(g.pid(), syscall.SIGKILL)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			startLog := filepath.Join(t.TempDir(), "starts")
			g := startGateway(t, "", map[string]*config.Server{
				"kid": testServer(t, map[string]string{"SB_TEST_START_LOG": startLog, "SB_TEST_CHILD": "1"}),
			})
			var children []int
			testdeps.Eventually(t, 10*time.Second, "the server started its child", func() bool {
				_, children = readStartLog(t, startLog)
				return len(children) > 0
			})
			first := children[:1]
			t.Cleanup(func() { killAll(first) })
			tc.end(t, g)
			deadline := time.Now().Add(5 * time.Second)
			for len(alive(first)) > 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if left := alive(first); len(left) > 0 {
				t.Errorf("the server's child %v outlived it (%s): an orphan", left, tc.name)
				if tc.name == "switchboard killed" {
					t.Log("after a SIGKILL only the reaper (upstream/reaper.go) ends what the servers started: did it run?")
				}
			}
			_, all := readStartLog(t, startLog)
			t.Cleanup(func() { killAll(all) })
		})
	}
}

// A server that floods its stderr: the gateway keeps only a bounded ring
// of it, so its memory stays flat; calls to that server and to others go on
// succeeding.
func TestStderrFloodKeepsMemoryBounded(t *testing.T) {
	g := startGateway(t, "", map[string]*config.Server{
		"noisy": testServer(t, map[string]string{"SB_TEST_STDERR_FLOOD": "1"}),
		"good":  testServer(t, nil),
	})
	c := g.sessions(1)[0]
	for _, tool := range []string{"noisy__echo", "good__echo"} {
		if _, err := call(c, tool, map[string]any{"text": "warm"}, 10*time.Second); err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
	}
	flood := 3 * time.Second
	if soak() {
		flood = 30 * time.Second
	}
	rss0, g0 := g.rss(), g.goroutines()
	var peak int64
	calls := 0
	for start := time.Now(); time.Since(start) < flood; {
		for _, tool := range []string{"noisy__echo", "good__echo"} {
			if _, err := call(c, tool, map[string]any{"text": "x"}, 10*time.Second); err != nil {
				t.Fatalf("%s during the stderr flood: %v", tool, err)
			}
			calls++
		}
		peak = max(peak, g.rss())
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("gateway RSS %d MB before, peak %d MB over %s of stderr flood; %d calls", rss0>>20, peak>>20, flood, calls)
	if peak > rss0+64<<20 {
		t.Errorf("the gateway grew from %d MB to %d MB while a server flooded stderr", rss0>>20, peak>>20)
	}
	// The ring still shows the server's latest lines.
	code, body, err := g.api("GET", "/api/v1/servers/noisy/logs?lines=5", nil)
	if err != nil || code != 200 || !strings.Contains(string(body), "flooding stderr") {
		t.Errorf("the server's recent stderr: %d %.300s %v", code, body, err)
	}
	g.settleGoroutines(g0+10, 5*time.Second, "after the stderr flood")
}

// Slow servers and servers that write garbage between their messages hold
// up nobody else: with 20 calls of several seconds in flight to one server
// and another writing non-JSON lines to stdout over and over, every call to
// a third server succeeds without waiting behind them, the slow calls all
// finish (slow is not an error), and the goroutines they used are gone
// afterwards.
func TestSlowAndGarbageServersHoldUpNobody(t *testing.T) {
	// The slow server runs every call at once (mcp-go's stdio server
	// would run 5 and queue the rest), so its calls all end together.
	g := startGateway(t, "", map[string]*config.Server{
		"slow":  testServer(t, map[string]string{"SB_TEST_STDIO_WORKERS": "100"}),
		"messy": testServer(t, nil),
		"good":  testServer(t, nil),
	})
	cs := g.sessions(4)
	for _, tool := range []string{"slow__echo", "messy__echo", "good__echo"} {
		if _, err := call(cs[0], tool, map[string]any{"text": "warm"}, 10*time.Second); err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
	}
	g0 := g.goroutines()

	const slowCalls = 20
	slowMS := 3000
	if soak() {
		slowMS = 20000
	}
	var wg sync.WaitGroup
	slowErrs := make(chan error, slowCalls)
	for i := range slowCalls {
		wg.Go(func() {
			text, err := call(cs[i%2], "slow__sleep", map[string]any{"ms": slowMS}, time.Duration(slowMS)*time.Millisecond+30*time.Second)
			if err == nil && text != fmt.Sprintf("slept %d ms", slowMS) {
				err = fmt.Errorf("slow call answered %q", text)
			}
			if err != nil {
				slowErrs <- err
			}
		})
	}
	stop := make(chan struct{})
	garbage := 0
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := call(cs[2], "messy__garbage", nil, 10*time.Second); err != nil {
				slowErrs <- fmt.Errorf("garbage call: %w", err)
				return
			}
			garbage++
		}
	})
	time.Sleep(200 * time.Millisecond) // the slow calls are in flight
	var worst time.Duration
	good := 0
	for start := time.Now(); time.Since(start) < time.Duration(slowMS)*time.Millisecond*2/3; good++ {
		t0 := time.Now()
		if _, err := call(cs[3], "good__echo", map[string]any{"text": strconv.Itoa(good)}, 10*time.Second); err != nil {
			t.Fatalf("a healthy server's call failed while others were slow: %v", err)
		}
		worst = max(worst, time.Since(t0))
	}
	close(stop)
	wg.Wait()
	close(slowErrs)
	for err := range slowErrs {
		t.Error(err)
	}
	t.Logf("%d healthy calls, the slowest %s, while %d calls of %d ms were in flight and %d garbage lines were written",
		good, worst.Round(time.Microsecond), slowCalls, slowMS, garbage)
	// A healthy call queued behind the slow ones would take seconds.
	if worst > time.Second {
		t.Errorf("a healthy server's call took %s while another server was slow", worst)
	}
	if _, err := call(cs[2], "messy__echo", map[string]any{"text": "after"}, 10*time.Second); err != nil {
		t.Errorf("the server that wrote garbage no longer answers: %v", err)
	}
	g.settleGoroutines(g0+10, 10*time.Second, "after the slow calls finished")
}
