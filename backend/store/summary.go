package store

import (
	"cmp"
	"math"
	"slices"
)

// ActivitySummary is the activity log in figures: totals, then per server
// and per tool. A call counts as an error when it failed (error, timeout,
// unavailable); one the client cancelled is not the tool's failure and
// only shows in ByStatus.
type ActivitySummary struct {
	Count     int          `json:"count"`
	Errors    int          `json:"errors"`
	ErrorRate float64      `json:"error_rate"`
	P50MS     float64      `json:"p50_ms"`
	P99MS     float64      `json:"p99_ms"`
	ByStatus  StatusCounts `json:"by_status"`
	// Servers and Tools are sorted by count, largest first.
	Servers []ServerActivity `json:"servers"`
	Tools   []ToolActivity   `json:"tools"`
}

// StatusCounts counts calls by outcome.
type StatusCounts struct {
	OK          int `json:"ok"`
	Error       int `json:"error"`
	Timeout     int `json:"timeout"`
	Unavailable int `json:"unavailable"`
	Cancelled   int `json:"cancelled"`
}

// ServerActivity is one server's share of the summary.
type ServerActivity struct {
	Server    string  `json:"server"`
	Count     int     `json:"count"`
	Errors    int     `json:"errors"`
	ErrorRate float64 `json:"error_rate"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
}

// ToolActivity is one tool's share of the summary.
type ToolActivity struct {
	Server    string  `json:"server"`
	Tool      string  `json:"tool"`
	Count     int     `json:"count"`
	Errors    int     `json:"errors"`
	ErrorRate float64 `json:"error_rate"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
}

type toolKey struct{ server, tool string }

// toolSamples gathers one tool's calls: the durations are kept to find
// exact percentiles (8 bytes a call).
type toolSamples struct {
	errors    int
	durations []float64
}

// SummarizeActivity adds up the records matching f (Limit and Cursor are
// ignored). It reads the log page by page and keeps only each call's
// duration, not the records.
func (s *Store) SummarizeActivity(f ActivityFilter) (*ActivitySummary, error) {
	f.Cursor = ""
	out := &ActivitySummary{Servers: []ServerActivity{}, Tools: []ToolActivity{}}
	tools := map[toolKey]*toolSamples{}
	err := s.EachActivity(f, func(r *ActivityRecord) error {
		k := toolKey{r.Server, r.Tool}
		t := tools[k]
		if t == nil {
			t = &toolSamples{}
			tools[k] = t
		}
		t.durations = append(t.durations, r.DurationMS)
		if failed(r.Outcome) {
			t.errors++
		}
		out.ByStatus.add(r.Outcome)
		return nil
	})
	if err != nil {
		return nil, err
	}

	keys := make([]toolKey, 0, len(tools))
	for k := range tools {
		keys = append(keys, k)
	}
	// By server, so each server's samples are gathered in one pass.
	slices.SortFunc(keys, func(a, b toolKey) int {
		return cmp.Or(cmp.Compare(a.server, b.server), cmp.Compare(a.tool, b.tool))
	})
	var all, server []float64
	serverErrors := 0
	for i, k := range keys {
		t := tools[k]
		slices.Sort(t.durations)
		p50, p99 := percentile(t.durations, 0.50), percentile(t.durations, 0.99)
		out.Tools = append(out.Tools, ToolActivity{Server: k.server, Tool: k.tool, Count: len(t.durations),
			Errors: t.errors, ErrorRate: rate(t.errors, len(t.durations)), P50MS: p50, P99MS: p99})
		server = append(server, t.durations...)
		all = append(all, t.durations...)
		out.Count += len(t.durations)
		out.Errors += t.errors
		serverErrors += t.errors

		if i+1 == len(keys) || keys[i+1].server != k.server {
			slices.Sort(server)
			out.Servers = append(out.Servers, ServerActivity{Server: k.server, Count: len(server), Errors: serverErrors,
				ErrorRate: rate(serverErrors, len(server)), P50MS: percentile(server, 0.50), P99MS: percentile(server, 0.99)})
			server, serverErrors = server[:0], 0
		}
		t.durations = nil // done with it
	}
	slices.Sort(all)
	out.ErrorRate = rate(out.Errors, out.Count)
	out.P50MS, out.P99MS = percentile(all, 0.50), percentile(all, 0.99)

	slices.SortStableFunc(out.Servers, func(a, b ServerActivity) int { return cmp.Compare(b.Count, a.Count) })
	slices.SortStableFunc(out.Tools, func(a, b ToolActivity) int { return cmp.Compare(b.Count, a.Count) })
	return out, nil
}

// failed says whether an outcome is the tool's or the server's failure.
func failed(outcome string) bool {
	switch outcome {
	case OutcomeError, OutcomeTimeout, OutcomeUnavailable:
		return true
	}
	return false
}

func (c *StatusCounts) add(outcome string) {
	switch outcome {
	case OutcomeOK:
		c.OK++
	case OutcomeError:
		c.Error++
	case OutcomeTimeout:
		c.Timeout++
	case OutcomeUnavailable:
		c.Unavailable++
	case OutcomeCancelled:
		c.Cancelled++
	}
}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// percentile is the nearest-rank percentile of sorted samples: the
// smallest sample that at least p of all samples do not exceed.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
