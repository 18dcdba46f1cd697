// Package toolsearch is the tool index behind retrieve_tools and
// GET /api/v1/tools?q=: BM25F over a tool's name, server, tags, parameters
// and description, with stemming, split snake_case and camelCase names, a
// table of related terms for the words people use, and typo and prefix
// matches. See docs/benchmarks.md for how it measures on real tools.
package toolsearch

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Doc is one tool as the index sees it.
type Doc struct {
	ID          string // opaque, handed back in Hit
	Name        string // the tool's own name
	Description string
	Params      []string // input parameter names
	ParamDocs   []string // input parameter descriptions
	Server      string
	Tags        []string
}

// Hit is a tool that matched, with its score: higher is better.
type Hit struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// DocFromSchema fills Params and ParamDocs from a tool's JSON input schema
// (its top-level properties, sorted by name).
func DocFromSchema(schema json.RawMessage) Doc {
	var s struct {
		Properties map[string]struct {
			Description string `json:"description"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(schema, &s)
	var d Doc
	for name := range s.Properties {
		d.Params = append(d.Params, name)
	}
	slices.Sort(d.Params)
	for _, name := range d.Params {
		if desc := s.Properties[name].Description; desc != "" {
			d.ParamDocs = append(d.ParamDocs, desc)
		}
	}
	return d
}

// Fields of a tool and their weights in BM25F: a word of the name counts
// three times a word of the description, since names are chosen and
// descriptions are prose; parameter names, the server and tags sit between;
// parameter descriptions count least, being long and alike across tools.
// b is how much a longer field is discounted.
type field int

const (
	fName field = iota
	fServer
	fTags
	fParams
	fParamDocs
	fDesc
	numFields
)

var (
	fieldWeight = [numFields]float64{fName: 3, fServer: 1.5, fTags: 1.5, fParams: 1, fParamDocs: 0.4, fDesc: 1}
	fieldB      = [numFields]float64{fName: 0.3, fServer: 0.3, fTags: 0.3, fParams: 0.5, fParamDocs: 0.75, fDesc: 0.75}
)

const (
	k1 = 1.2
	// Weights of a query term found other than as written: through the
	// related-terms table, by a typo-tolerant match, or as the beginning of
	// a longer word.
	fuzzyWeight  = 0.7
	prefixWeight = 0.5
	minPrefix    = 3 // shorter words must match whole
	maxPrefixes  = 30
	// exactName is added when the query is the tool's name written any way
	// ("read file", "readFile", "filesystem__read_file"): more than any
	// sum of word matches a short query can make.
	exactName = 100
)

// coordination is the power of the share of the query's words a tool
// matches, by which its score is multiplied.
var coordination = 1.0

// off turns parts of the ranking off, for measuring what each one brings
// (the ablation in eval_test.go); all are on in use.
var off struct{ related, fuzzy, hints, stem bool }

// relatedWeight is the weight of a term found through the related-terms
// table.
var relatedWeight = 0.6

// analysed is one tool after analysis: its terms (by id in the index's
// dictionary) with their count per field.
type analysed struct {
	doc    Doc
	tfs    []fieldTF // sorted by term
	length [numFields]int
	name   string // the name's words joined by spaces, for the exact match
	full   string // server and name words joined by spaces
	sortBy string
}

type fieldTF struct {
	term  int32
	field field
	count int32
}

// analyse runs the analysis; intern gives a term its id. Called with the
// index's lock held.
func analyse(d Doc, intern func([]byte) int32) *analysed {
	a := &analysed{doc: d, sortBy: strings.ToLower(d.Name)}
	// Every (term, field) once per occurrence, then sorted and counted:
	// cheaper than a map per tool.
	var occ []fieldTF
	var buf []byte
	add := func(f field, text string) {
		buf = eachWord(text, buf, func(w []byte) {
			id := intern(w)
			if id < 0 {
				return // a stop word
			}
			occ = append(occ, fieldTF{term: id, field: f, count: 1})
			a.length[f]++
		})
	}
	add(fName, d.Name)
	add(fServer, d.Server)
	for _, t := range d.Tags {
		add(fTags, t)
	}
	for _, p := range d.Params {
		add(fParams, p)
	}
	for _, p := range d.ParamDocs {
		add(fParamDocs, p)
	}
	add(fDesc, d.Description)
	slices.SortFunc(occ, func(x, y fieldTF) int {
		if c := cmp.Compare(x.term, y.term); c != 0 {
			return c
		}
		return cmp.Compare(x.field, y.field)
	})
	for _, o := range occ {
		if n := len(a.tfs); n > 0 && a.tfs[n-1].term == o.term && a.tfs[n-1].field == o.field {
			a.tfs[n-1].count++
			continue
		}
		a.tfs = append(a.tfs, o)
	}
	a.name = strings.Join(terms(d.Name), " ")
	a.full = strings.Join(append(terms(d.Server), terms(d.Name)...), " ")
	return a
}

type posting struct {
	doc int32
	tf  float32 // BM25F pseudo term frequency: fields weighted and length-normalised
}

// snapshot is a built index, read by any number of searches at once.
type snapshot struct {
	docs     []*analysed
	ids      map[string]int32 // terms that occur, to their id
	postings [][]posting      // by term id
	vocab    []string         // sorted, for prefixes
	byLen    map[int][]string // for typo-tolerant matches
	names    map[string][]int32
}

func (s *snapshot) postingsOf(t string) []posting {
	if id, ok := s.ids[t]; ok {
		return s.postings[id]
	}
	return nil
}

// Index ranks tools for a query. Its tools are kept per source (a server,
// or any grouping the caller likes): Set replaces one source's tools and
// analyses only those, so a change to one server's list does not re-read
// the others'. The searchable form is rebuilt on the first search after a
// change; that rebuild only sums up analysed tools. It is safe for
// concurrent use.
type Index struct {
	mu      sync.Mutex
	sources map[string][]*analysed
	dict    map[string]int32 // every term ever seen, to its id
	seen    map[string]int32 // every word ever seen, to its term's id (-1: a stop word)
	words   []string         // id -> term
	snap    *snapshot        // nil after a change
	built   sync.Mutex
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{sources: map[string][]*analysed{}, dict: map[string]int32{}, seen: map[string]int32{}}
}

// intern gives a word (as split returns it) the id of its term, or -1 for
// a stop word. Words are remembered as they come, so each distinct word is
// stemmed once. Called with the lock held.
func (x *Index) intern(word []byte) int32 {
	if id, ok := x.seen[string(word)]; ok { // no allocation for the lookup
		return id
	}
	w := string(word)
	t := w
	if !off.stem {
		t = stem(w)
	}
	id := int32(-1)
	if !stopWords[t] {
		var ok bool
		if id, ok = x.dict[t]; !ok {
			id = int32(len(x.words))
			x.dict[t] = id
			x.words = append(x.words, t)
		}
	}
	x.seen[w] = id
	return id
}

// Set replaces the tools of one source; an empty list removes it. A list
// equal to the one the source has is a no-op.
func (x *Index) Set(source string, docs []Doc) {
	x.mu.Lock()
	defer x.mu.Unlock()
	old := x.sources[source]
	if len(old) == len(docs) {
		same := true
		for i := range docs {
			if !sameDoc(old[i].doc, docs[i]) {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	if len(docs) == 0 {
		delete(x.sources, source)
	} else {
		an := make([]*analysed, len(docs))
		for i, d := range docs {
			an[i] = analyse(d, x.intern)
		}
		x.sources[source] = an
	}
	x.snap = nil
}

// Replace sets the whole index at once from docs grouped by their Server,
// dropping sources not among them.
func (x *Index) Replace(docs []Doc) {
	by := map[string][]Doc{}
	for _, d := range docs {
		by[d.Server] = append(by[d.Server], d)
	}
	x.mu.Lock()
	var gone []string
	for s := range x.sources {
		if _, ok := by[s]; !ok {
			gone = append(gone, s)
		}
	}
	x.mu.Unlock()
	for _, s := range gone {
		x.Set(s, nil)
	}
	for s, d := range by {
		x.Set(s, d)
	}
}

// Len is the number of tools in the index.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for _, s := range x.sources {
		n += len(s)
	}
	return n
}

func sameDoc(a, b Doc) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description && a.Server == b.Server &&
		slices.Equal(a.Params, b.Params) && slices.Equal(a.ParamDocs, b.ParamDocs) && slices.Equal(a.Tags, b.Tags)
}

// current returns the built index, building it if a Set came since.
func (x *Index) current() *snapshot {
	x.mu.Lock()
	s := x.snap
	x.mu.Unlock()
	if s != nil {
		return s
	}
	// One build at a time; searches that arrive meanwhile wait for it
	// rather than each building their own.
	x.built.Lock()
	defer x.built.Unlock()
	x.mu.Lock()
	if x.snap != nil {
		s = x.snap
		x.mu.Unlock()
		return s
	}
	names := make([]string, 0, len(x.sources))
	for n := range x.sources {
		names = append(names, n)
	}
	sort.Strings(names)
	var docs []*analysed
	for _, n := range names {
		docs = append(docs, x.sources[n]...)
	}
	// words only grows, and the ids the docs use are below its length
	// now, so the build may read this slice without the lock.
	words := x.words
	x.mu.Unlock()
	s = build(docs, words)
	x.mu.Lock()
	// A Set during the build leaves snap nil, so the next search rebuilds.
	if sourcesUnchanged(x, docs) {
		x.snap = s
	}
	x.mu.Unlock()
	return s
}

// sourcesUnchanged reports whether the index still holds exactly docs
// (pointer for pointer): then the snapshot built from them is current.
func sourcesUnchanged(x *Index, docs []*analysed) bool {
	i := 0
	names := make([]string, 0, len(x.sources))
	for n := range x.sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, d := range x.sources[n] {
			if i >= len(docs) || docs[i] != d {
				return false
			}
			i++
		}
	}
	return i == len(docs)
}

func build(docs []*analysed, words []string) *snapshot {
	s := &snapshot{docs: docs, postings: make([][]posting, len(words)), names: map[string][]int32{}}
	var avg [numFields]float64
	df := make([]int32, len(words))
	for _, d := range docs {
		for f := range numFields {
			avg[f] += float64(d.length[f])
		}
		last := int32(-1)
		for _, t := range d.tfs {
			if t.term != last {
				df[t.term]++
				last = t.term
			}
		}
	}
	for f := range numFields {
		avg[f] = max(avg[f]/float64(max(len(docs), 1)), 1)
	}
	// One backing array for all postings, cut by document frequency.
	total := 0
	for _, n := range df {
		total += int(n)
	}
	backing := make([]posting, total)
	off := 0
	for id, n := range df {
		s.postings[id] = backing[off : off : off+int(n)]
		off += int(n)
	}
	for i, d := range docs {
		var norm [numFields]float64
		for f := range numFields {
			norm[f] = fieldWeight[f] / (1 - fieldB[f] + fieldB[f]*float64(d.length[f])/avg[f])
		}
		for j := 0; j < len(d.tfs); {
			term := d.tfs[j].term
			v := 0.0
			for ; j < len(d.tfs) && d.tfs[j].term == term; j++ {
				v += norm[d.tfs[j].field] * float64(d.tfs[j].count)
			}
			s.postings[term] = append(s.postings[term], posting{int32(i), float32(v)})
		}
		s.names[d.name] = append(s.names[d.name], int32(i))
		if d.full != d.name {
			s.names[d.full] = append(s.names[d.full], int32(i))
		}
	}
	s.ids = make(map[string]int32, len(words))
	s.byLen = map[int][]string{}
	for id, n := range df {
		if n == 0 {
			continue
		}
		t := words[id]
		s.ids[t] = int32(id)
		s.vocab = append(s.vocab, t)
		s.byLen[len(t)] = append(s.byLen[len(t)], t)
	}
	slices.Sort(s.vocab)
	return s
}

// Search returns the tools that match q, best first (ties by name, then
// id), at most limit of them when limit > 0.
func (x *Index) Search(q string, limit int) []Hit {
	return x.current().search(q, limit)
}

// Rank scores docs against q with a throw-away index: for one-off lists.
// Callers that search the same tools again should keep an Index.
func Rank(docs []Doc, q string, limit int) []Hit {
	x := NewIndex()
	x.Set("", docs)
	return x.Search(q, limit)
}

// weighted is a term the query looks for, and how much it counts.
type weighted struct {
	term   string
	weight float64
}

// expand turns each word of the query into the group of terms it looks
// for: itself, its related terms, and, when the index does not know the
// word, the known words it is a typo of or the beginning of.
func (s *snapshot) expand(words []string) [][]weighted {
	groups := make([][]weighted, 0, len(words))
	related := relatedTerms
	if off.related {
		related = nil
	}
	for _, w := range words {
		g := []weighted{{w, 1}}
		_, known := s.ids[w]
		for _, r := range related[w] {
			g = addTerm(g, r, relatedWeight)
		}
		if !known && !off.fuzzy {
			for _, t := range s.typos(w) {
				g = addTerm(g, t, fuzzyWeight)
			}
			for _, t := range s.prefixed(w) {
				g = addTerm(g, t, prefixWeight)
			}
		}
		groups = append(groups, g)
	}
	return groups
}

func addTerm(g []weighted, t string, w float64) []weighted {
	for i := range g {
		if g[i].term == t {
			g[i].weight = max(g[i].weight, w)
			return g
		}
	}
	return append(g, weighted{t, w})
}

// prefixed lists known terms that begin with w ("direc" -> directori).
func (s *snapshot) prefixed(w string) []string {
	if len(w) < minPrefix {
		return nil
	}
	i := sort.SearchStrings(s.vocab, w)
	var out []string
	for ; i < len(s.vocab) && strings.HasPrefix(s.vocab[i], w) && len(out) < maxPrefixes; i++ {
		out = append(out, s.vocab[i])
	}
	return out
}

// typos lists known terms one edit away from w (two for long words):
// "dirctory", "screenshto".
func (s *snapshot) typos(w string) []string {
	maxDist := 0
	switch {
	case len(w) >= 8:
		maxDist = 2
	case len(w) >= 4:
		maxDist = 1
	default:
		return nil
	}
	var out []string
	for n := len(w) - maxDist; n <= len(w)+maxDist; n++ {
		for _, t := range s.byLen[n] {
			if t[0] != w[0] && maxDist == 1 {
				// Typos rarely hit the first letter; skipping those keeps
				// this scan cheap on a large vocabulary.
				continue
			}
			if withinDistance(w, t, maxDist) {
				out = append(out, t)
			}
		}
	}
	return out
}

// withinDistance reports whether a and b are at most max edits apart
// (insertions, deletions, substitutions and swaps of neighbours).
func withinDistance(a, b string, maxDist int) bool {
	if abs(len(a)-len(b)) > maxDist {
		return false
	}
	if len(b) >= 32 {
		return a == b
	}
	// Optimal string alignment distance with three rows of the DP table on
	// the stack, cut short when a row's minimum exceeds maxDist.
	var r0, r1, r2 [33]int
	prev2, prev, cur := &r0, &r1, &r2
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > maxDist {
			return false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)] <= maxDist
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// scratch holds the per-search arrays, reused across searches.
var scratch = sync.Pool{New: func() any { return &buffers{} }}

type buffers struct {
	total, group []float64
	touched      []int32
	inGroup      []bool
	covered      []int16
}

func (s *snapshot) search(q string, limit int) []Hit {
	all := terms(q)
	text, kinds := readValues(q)
	words := make([]string, 0, len(all))
	for _, w := range terms(text) {
		if !stopWords[w] && !contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 0 && len(kinds) == 0 {
		words = all // a query of stop words alone is searched as it is
	}
	if len(words)+len(kinds) == 0 || len(s.docs) == 0 {
		return nil
	}
	n := len(s.docs)
	b := scratch.Get().(*buffers)
	defer scratch.Put(b)
	if cap(b.total) < n {
		b.total, b.group, b.inGroup, b.covered = make([]float64, n), make([]float64, n), make([]bool, n), make([]int16, n)
	}
	total, group, inGroup, covered := b.total[:n], b.group[:n], b.inGroup[:n], b.covered[:n]
	touched := b.touched[:0]
	groups := s.expand(words)
	if off.hints {
		kinds = nil
	}
	for _, k := range kinds {
		var g []weighted
		for _, t := range valueHints[k] {
			g = addTerm(g, t, hintWeight)
		}
		groups = append(groups, g)
	}
	for _, g := range groups {
		// Within a group a tool scores by its best term, so a tool that
		// happens to contain three synonyms of one word does not outrank
		// one that matches two different words of the query.
		var groupDocs []int32
		for _, wt := range g {
			ps := s.postingsOf(wt.term)
			if len(ps) == 0 {
				continue
			}
			idf := math.Log(1 + (float64(n)-float64(len(ps))+0.5)/(float64(len(ps))+0.5))
			for _, p := range ps {
				tf := float64(p.tf)
				v := wt.weight * idf * tf * (k1 + 1) / (tf + k1)
				if !inGroup[p.doc] {
					inGroup[p.doc] = true
					group[p.doc] = v
					groupDocs = append(groupDocs, p.doc)
				} else if v > group[p.doc] {
					group[p.doc] = v
				}
			}
		}
		for _, d := range groupDocs {
			if total[d] == 0 {
				touched = append(touched, d)
			}
			total[d] += group[d]
			covered[d]++
			group[d], inGroup[d] = 0, false
		}
	}
	for _, key := range []string{strings.Join(all, " "), strings.Join(words, " ")} {
		for _, d := range s.names[key] {
			if total[d] == 0 {
				touched = append(touched, d)
			}
			total[d] += exactName
		}
	}
	if coordination > 0 && len(groups) > 1 {
		// A tool that answers more of the request's words is the better
		// answer, beyond what the sum of their scores says.
		for _, d := range touched {
			total[d] *= math.Pow(float64(covered[d])/float64(len(groups)), coordination)
		}
	}
	hits := make([]Hit, 0, len(touched))
	better := func(a, c int32) int {
		if r := cmp.Compare(total[c], total[a]); r != 0 {
			return r
		}
		if r := strings.Compare(s.docs[a].sortBy, s.docs[c].sortBy); r != 0 {
			return r
		}
		return strings.Compare(s.docs[a].doc.ID, s.docs[c].doc.ID)
	}
	order := make([]int32, 0, min(len(touched), max(limit, 0)+1))
	if limit <= 0 || len(touched) <= 4*limit {
		for _, d := range touched {
			if total[d] > 0 {
				order = append(order, d)
			}
		}
		slices.SortFunc(order, better)
		if limit > 0 && len(order) > limit {
			order = order[:limit]
		}
	} else {
		// The best limit of many: keep them sorted while scanning, which
		// is cheap since few tools beat the current last one.
		for _, d := range touched {
			if total[d] <= 0 || (len(order) == limit && better(d, order[limit-1]) >= 0) {
				continue
			}
			i, _ := slices.BinarySearchFunc(order, d, better)
			if len(order) == limit {
				order = order[:limit-1]
			}
			order = slices.Insert(order, i, d)
		}
	}
	for _, d := range order {
		hits = append(hits, Hit{s.docs[d].doc.ID, math.Round(total[d]*1000) / 1000})
	}
	for _, d := range touched {
		total[d], covered[d] = 0, 0
	}
	b.touched = touched[:0]
	return hits
}
