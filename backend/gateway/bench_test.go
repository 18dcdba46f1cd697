package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
	"switchboard/backend/gateway"
	"switchboard/backend/testdeps"
)

// The benchmarks compare one MCP client calling the echo tool of our Go test
// server directly over stdio with the same client calling it through the
// gateway (HTTP to /mcp, then stdio to the server). Latency percentiles are
// reported as custom metrics; docs/benchmarks.md holds the figures.

func echoRequest(name string) mcp.CallToolRequest {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = map[string]any{"text": "ping"}
	return req
}

func directClient(b *testing.B) *client.Client {
	c := client.NewClient(transport.NewStdio(testdeps.TestServerBinary(b), nil), client.WithLegacyProtocolOnly())
	testdeps.Initialize(b, c, "bench")
	return c
}

func gatewayURL(b *testing.B) string {
	gw := gateway.New(gateway.Options{Logger: testLogger(b)})
	srv := httptest.NewServer(gw.Handler())
	b.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); gw.Close() })
	gw.Apply(&config.Config{Servers: map[string]*config.Server{
		"alpha": {Command: testdeps.TestServerBinary(b)},
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw.WaitReady(ctx)
	return srv.URL + "/mcp"
}

func httpClient(b *testing.B, url string) *client.Client {
	// One connection per session, kept alive, as a real client has.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPBasicClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	c := client.NewClient(tr, client.WithLegacyProtocolOnly())
	testdeps.Initialize(b, c, "bench")
	return c
}

// runCalls makes b.N calls spread over the clients and reports throughput
// and latency percentiles.
func runCalls(b *testing.B, clients []*client.Client, tool string) {
	req := echoRequest(tool)
	lat := make([][]time.Duration, len(clients))
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i, c := range clients {
		n := b.N / len(clients)
		if i < b.N%len(clients) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				t0 := time.Now()
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					b.Errorf("call: %v %v", err, res)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.90), "p90-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "calls/s")
}

func BenchmarkEchoDirect(b *testing.B) {
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			// A stdio server has one client: here n callers in one process
			// share that connection, the cheapest way to call the server
			// n at a time, though no n separate clients can do it.
			c := directClient(b)
			clients := make([]*client.Client, n)
			for i := range clients {
				clients[i] = c
			}
			runCalls(b, clients, "echo")
		})
	}
	// n separate clients without a gateway, as n AI clients configured with
	// the server each start their own copy of it.
	b.Run("sessions=32/own-server-each", func(b *testing.B) {
		clients := make([]*client.Client, 32)
		for i := range clients {
			clients[i] = directClient(b)
		}
		runCalls(b, clients, "echo")
	})
}

func BenchmarkEchoThroughGateway(b *testing.B) {
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			url := gatewayURL(b)
			clients := make([]*client.Client, n)
			for i := range clients {
				clients[i] = httpClient(b, url)
			}
			runCalls(b, clients, "alpha__echo")
		})
	}
}

// BenchmarkStartServers starts 1 and then 20 stdio servers that each take
// 300 ms to come up, in parallel; the 20-server all-ready-ms minus the
// 1-server one is what starting them together costs over the slowest alone.
// The without-gateway case starts the same 20 with 20 plain mcp-go clients
// at once, each asking for what the gateway asks a new server for (its
// tools, prompts, resources and templates, at once): what 20 servers
// starting together on this machine take by themselves, whatever starts
// them. all-ready-ms is the mean over the iterations.
func BenchmarkStartServers(b *testing.B) {
	bin := testdeps.TestServerBinary(b)
	b.Run("servers=20/without-gateway", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			start := time.Now()
			var wg sync.WaitGroup
			clients := make([]*client.Client, 20)
			for i := range clients {
				wg.Go(func() {
					c := client.NewClient(transport.NewStdio(bin, []string{"SB_TEST_START_DELAY_MS=300"}))
					testdeps.Initialize(b, c, "bench")
					listEverything(b, c)
					clients[i] = c
				})
			}
			wg.Wait()
			total += time.Since(start)
			for _, c := range clients {
				if c != nil {
					c.Close()
				}
			}
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "all-ready-ms")
	})
	for _, n := range []int{1, 20} {
		b.Run(fmt.Sprintf("servers=%d", n), func(b *testing.B) {
			var total time.Duration
			for range b.N {
				servers := map[string]*config.Server{}
				for i := range n {
					servers[fmt.Sprintf("s%02d", i)] = &config.Server{Command: bin,
						Env: map[string]string{"SB_TEST_START_DELAY_MS": "300"}}
				}
				gw := gateway.New(gateway.Options{Logger: testLogger(b)})
				start := time.Now()
				gw.Apply(&config.Config{Servers: servers})
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				gw.WaitReady(ctx)
				cancel()
				total += time.Since(start)
				for _, u := range gw.Upstreams() {
					if u.State() != "ready" {
						b.Fatalf("%s not ready: %+v", u.Name(), u.Status())
					}
				}
				gw.Close()
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "all-ready-ms")
		})
	}
}

// listEverything asks a server for its tools, prompts, resources and
// resource templates, all at once.
func listEverything(b *testing.B, c *client.Client) {
	ctx := context.Background()
	var wg sync.WaitGroup
	check := func(_ any, err error) {
		if err != nil {
			b.Error(err)
		}
	}
	wg.Go(func() { check(c.ListTools(ctx, mcp.ListToolsRequest{})) })
	wg.Go(func() { check(c.ListPrompts(ctx, mcp.ListPromptsRequest{})) })
	wg.Go(func() { check(c.ListResources(ctx, mcp.ListResourcesRequest{})) })
	wg.Go(func() { check(c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})) })
	wg.Wait()
}

// BenchmarkEchoHTTPDirect calls the test server served over streamable HTTP
// directly with the same client: the cost of mcp-go's HTTP hop alone,
// without the gateway.
func BenchmarkEchoHTTPDirect(b *testing.B) {
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			url := testdeps.TestServerURL(b, "http")
			clients := make([]*client.Client, n)
			for i := range clients {
				clients[i] = httpClient(b, url)
			}
			runCalls(b, clients, "echo")
		})
	}
}
