package toolsearch

import (
	"strings"
	"unicode"
)

// Tokens splits text into lower-case words: at anything that is not a
// letter or digit (so at _ - . and spaces), and where camelCase turns
// ("readFile", "HTTPServer" -> read file, http server). A plural "s" is
// dropped, so "files" matches "file".
func Tokens(s string) []string {
	words := split(s)
	for i, w := range words {
		words[i] = plural(w)
	}
	return words
}

// split is Tokens without the plural rule.
func split(s string) []string {
	var out []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			out = append(out, strings.ToLower(string(word)))
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

func plural(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

// stem reduces a lower-case word to a key shared by its inflections, so
// that "create", "creates", "created" and "creating" are one term, as are
// "delete"/"deleting" and "stop"/"stopped". The keys need not be words:
// queries and tools pass through the same function. It is a small suffix
// stripper, not a full Porter stemmer: tool vocabulary is mostly verbs and
// nouns whose inflections these rules cover, and every rule that was not
// needed is a rule that could merge two words that differ.
func stem(w string) string {
	if len(w) <= 3 || !isAlpha(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "zes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) >= 6 && hasVowel(w[:len(w)-3]):
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && hasVowel(w[:len(w)-2]):
		w = undouble(w[:len(w)-2])
	}
	if len(w) > 3 && strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "ee") {
		w = w[:len(w)-1]
	}
	if len(w) > 3 && strings.HasSuffix(w, "y") && !isVowel(w[len(w)-2]) {
		// "directory"/"directori(es)" and "query"/"queried" meet on "i".
		w = w[:len(w)-1] + "i"
	}
	return w
}

// undouble turns "stopp" (from "stopped") into "stop"; "ll", "ss" and "zz"
// stay ("install", "pass").
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !isVowel(w[n-1]) && w[n-1] != 'l' && w[n-1] != 's' && w[n-1] != 'z' {
		return w[:n-1]
	}
	return w
}

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

func hasVowel(w string) bool { return strings.ContainsAny(w, "aeiouy") }

func isAlpha(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// terms is the analysis every text goes through, tools and queries alike:
// split, lower-case, stem.
func terms(s string) []string {
	words := split(s)
	for i, w := range words {
		if !off.stem {
			words[i] = stem(w)
		}
	}
	return words
}

// stopWords carry no meaning for finding a tool; a query made only of them
// is searched as it is. They include the words of a spoken request
// ("please", "can you", "I want") that tool texts never match usefully.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about an and are as at be been by can could do does for from
		had has have he her his how i i'm if in into is it its it's just let me my mine of on or our
		please s she should so t than that the their them then there these they this those to too
		us was we were what which whom will with would you your yours want need like some
		any again also d ll m re ve`) {
		m[stem(w)] = true
	}
	return m
}()

// eachWord calls fn with each word split would return, lower-cased, in a
// buffer that is reused (fn must copy what it keeps). ASCII text, nearly
// all tool text, is split without allocating; other text goes through
// split.
func eachWord(s string, buf []byte, fn func([]byte)) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			for _, w := range split(s) {
				fn(append(buf[:0], w...))
			}
			return buf
		}
	}
	isLower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	isUpper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	word := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLower(c) && !isUpper(c) && !isDigit(c) {
			if len(word) > 0 {
				fn(word)
				word = word[:0]
			}
			continue
		}
		if len(word) > 0 && isUpper(c) {
			prev := s[i-1]
			nextLower := i+1 < len(s) && isLower(s[i+1])
			if isLower(prev) || isDigit(prev) || (isUpper(prev) && nextLower) {
				fn(word)
				word = word[:0]
			}
		}
		if isUpper(c) {
			c += 'a' - 'A'
		}
		word = append(word, c)
	}
	if len(word) > 0 {
		fn(word)
	}
	return word
}
