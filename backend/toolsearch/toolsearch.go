// Package toolsearch ranks tools for a query. It is a plain keyword scorer
// over a tool's name, parameters, server, tags and description; a full-text
// index can replace it behind the same Rank call.
package toolsearch

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// Doc is one tool as the scorer sees it.
type Doc struct {
	ID          string // opaque, handed back in Hit
	Name        string // the tool's own name
	Description string
	Params      []string // input parameter names
	Server      string
	Tags        []string
}

// Hit is a tool that matched, with its score: higher is better.
type Hit struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// Weights of a query token found in each field. A token in the name counts
// for more than one in a parameter, the server or a tag, which count for more
// than one in the description: names are chosen, descriptions are prose.
// A whole-name match beats any sum of token matches a short query can make.
const (
	exactName   = 100
	nameWord    = 10
	paramWord   = 4
	serverWord  = 3
	tagWord     = 3
	descWord    = 2
	prefixShare = 0.6 // a token that only begins a word counts this much
	minPrefix   = 3   // shorter tokens must match whole words
)

// Rank scores docs against q and returns those that match, best first (ties
// by name, then id), at most limit of them when limit > 0.
func Rank(docs []Doc, q string, limit int) []Hit {
	whole := Tokens(q)
	query := whole
	if content := withoutStopWords(whole); len(content) > 0 {
		query = content
	}
	if len(query) == 0 {
		return nil
	}
	type scored struct {
		Hit
		name string
	}
	var out []scored
	for _, d := range docs {
		if s := score(d, whole, query); s > 0 {
			out = append(out, scored{Hit{d.ID, s}, strings.ToLower(d.Name)})
		}
	}
	slices.SortFunc(out, func(a, b scored) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	hits := make([]Hit, len(out))
	for i, s := range out {
		hits[i] = s.Hit
	}
	return hits
}

// score adds up the matches of each query token; whole is the query with
// its stop words, for comparing with the name.
func score(d Doc, whole, query []string) float64 {
	name := Tokens(d.Name)
	server := Tokens(d.Server)
	var total float64
	// The query is the tool's name, written any way ("read file",
	// "readFile", "read_file"), or its name on /mcp (server__tool).
	if slices.Equal(whole, name) || slices.Equal(whole, slices.Concat(server, name)) {
		total += exactName
	}
	params := tokensOf(d.Params)
	tags := tokensOf(d.Tags)
	desc := Tokens(d.Description)
	for _, t := range query {
		total += nameWord*match(t, name) + paramWord*match(t, params) +
			serverWord*match(t, server) + tagWord*match(t, tags) + descWord*match(t, desc)
	}
	return total
}

// match is 1 when a word equals the token, prefixShare when a word begins
// with it, else 0. Repeats do not add up: a description that says "file"
// five times is not five times as relevant.
func match(token string, words []string) float64 {
	best := 0.0
	for _, w := range words {
		if w == token {
			return 1
		}
		if len(token) >= minPrefix && strings.HasPrefix(w, token) {
			best = prefixShare
		}
	}
	return best
}

func tokensOf(items []string) []string {
	var out []string
	for _, s := range items {
		out = append(out, Tokens(s)...)
	}
	return out
}

// Tokens splits text into lower-case words: at anything that is not a
// letter or digit (so at _ - . and spaces), and where camelCase turns
// ("readFile", "HTTPServer" -> read file, http server). A plural "s" is
// dropped, so "files" matches "file".
func Tokens(s string) []string {
	var out []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			out = append(out, stem(strings.ToLower(string(word))))
			word = word[:0]
		}
	}
	runes := []rune(s)
	for i, r := range runes {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(word) > 0 && unicode.IsUpper(r) {
			prev := runes[i-1]
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		word = append(word, r)
	}
	flush()
	return out
}

func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		return w[:len(w)-1]
	}
	return w
}

// stopWords carry no meaning on their own; a query made only of them is
// still searched as it is. They are kept as Tokens returns them (stemmed).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("a an and are as at be by for from i in into is it me my of on or the this that to with what which") {
		m[stem(w)] = true
	}
	return m
}()

func withoutStopWords(tokens []string) []string {
	var out []string
	for _, t := range tokens {
		if !stopWords[t] {
			out = append(out, t)
		}
	}
	return out
}
