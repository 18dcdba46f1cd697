// Command toolsearch-bleve measures bleve on the tool search labelled set
// (backend/toolsearch/testdata), for the comparison in docs/benchmarks.md:
// recall@1, recall@5 and MRR with bleve's English analyzer and per-field
// boosts like the project's index, with and without names split at _ and
// camelCase and with and without fuzziness 1, then the build time and
// search latency at about 10,000 tools. It is its own module so that bleve
// is not a dependency of Switchboard.
//
//	cd scripts/toolsearch-bleve && go run . ../../backend/toolsearch/testdata
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"
)

type tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"inputSchema"`
}
type srv struct {
	Server string   `json:"server"`
	Tags   []string `json:"tags"`
	Tools  []tool   `json:"tools"`
}
type q struct {
	Set   string   `json:"set"`
	Query string   `json:"query"`
	Want  []string `json:"want"`
}

type doc struct {
	Name, Description, Params, Server, Tags string
}

var camel = regexp.MustCompile(`([a-z0-9])([A-Z])`)

func splitName(s string) string {
	s = camel.ReplaceAllString(s, "$1 $2")
	return strings.Map(func(r rune) rune {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return ' '
		}
		return r
	}, s)
}

func main() {
	dir := os.Args[1]
	var servers []srv
	var queries []q
	b, _ := os.ReadFile(dir + "/tools.json")
	json.Unmarshal(b, &servers)
	b, _ = os.ReadFile(dir + "/queries.json")
	json.Unmarshal(b, &queries)
	for _, model := range []string{"tf-idf", "bm25"} {
		for _, split := range []bool{false, true} {
			for _, fuzzy := range []int{0, 1} {
				run(servers, queries, model, split, fuzzy, 1)
			}
		}
	}
	// speed at 10,000 tools
	runSpeed(servers, queries)
}

func build(servers []srv, model string, split bool, copies int) (bleve.Index, int) {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	if model == "bm25" {
		m.ScoringModel = "bm25"
	}
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		panic(err)
	}
	batch := idx.NewBatch()
	n := 0
	for c := 0; c < copies; c++ {
		for _, s := range servers {
			for _, t := range s.Tools {
				var sch struct {
					Properties map[string]struct {
						Description string `json:"description"`
					} `json:"properties"`
				}
				json.Unmarshal(t.InputSchema, &sch)
				var params []string
				for k, v := range sch.Properties {
					params = append(params, k+" "+v.Description)
				}
				name := t.Name
				if split {
					name = splitName(name)
				}
				server := fmt.Sprintf("%s-%d", s.Server, c)
				id := s.Server + "/" + t.Name
				if copies > 1 {
					id = server + "/" + t.Name
				}
				batch.Index(id, doc{Name: name, Description: t.Description, Params: strings.Join(params, " "), Server: s.Server, Tags: strings.Join(s.Tags, " ")})
				n++
				if batch.Size() > 1000 {
					idx.Batch(batch)
					batch = idx.NewBatch()
				}
			}
		}
	}
	idx.Batch(batch)
	return idx, n
}

func mkQuery(text string, fuzzy int) query.Query {
	var qs []query.Query
	for f, boost := range map[string]float64{"Name": 3, "Description": 1, "Params": 1, "Server": 1.5, "Tags": 1.5} {
		mq := bleve.NewMatchQuery(text)
		mq.SetField(f)
		mq.SetBoost(boost)
		mq.SetFuzziness(fuzzy)
		qs = append(qs, mq)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func run(servers []srv, queries []q, model string, split bool, fuzzy int, copies int) {
	idx, n := build(servers, model, split, copies)
	defer idx.Close()
	for _, set := range []string{"", "tune", "heldout"} {
		var r1, r5, mrr float64
		cnt := 0
		for _, qq := range queries {
			if set != "" && qq.Set != set {
				continue
			}
			cnt++
			req := bleve.NewSearchRequestOptions(mkQuery(qq.Query, fuzzy), 10, 0, false)
			res, err := idx.Search(req)
			if err != nil {
				panic(err)
			}
			rank := 0
			for i, h := range res.Hits {
				if slices.Contains(qq.Want, h.ID) {
					rank = i + 1
					break
				}
			}
			if rank == 1 {
				r1++
			}
			if rank >= 1 && rank <= 5 {
				r5++
			}
			if rank > 0 {
				mrr += 1 / float64(rank)
			}
		}
		name := set
		if name == "" {
			name = "all"
		}
		fmt.Printf("bleve %-6s split=%-5v fuzzy=%d tools=%d %-7s n=%d recall@1=%.3f recall@5=%.3f MRR=%.3f\n", model, split, fuzzy, n, name, cnt, r1/float64(cnt), r5/float64(cnt), mrr/float64(cnt))
	}
}

func runSpeed(servers []srv, queries []q) {
	start := time.Now()
	idx, n := build(servers, "bm25", true, 30)
	buildT := time.Since(start)
	var times []time.Duration
	for i := 0; i < 2000; i++ {
		qq := queries[i%len(queries)]
		s := time.Now()
		req := bleve.NewSearchRequestOptions(mkQuery(qq.Query, 0), 10, 0, false)
		if _, err := idx.Search(req); err != nil {
			panic(err)
		}
		times = append(times, time.Since(s))
	}
	slices.Sort(times)
	fmt.Printf("bleve speed: %d tools, build %v, search p50 %v p99 %v\n", n, buildT, times[len(times)/2], times[len(times)*99/100])
}
