package toolsearch

import (
	"regexp"
	"strings"
)

// Values in a request say what kind of tool it needs more than their own
// words do: "https://go.dev/doc" asks for a tool that takes a URL, not for
// one about "go" or "dev"; "main.go" for a file; "17 and 25" for numbers;
// "#general" for a chat channel. readValues replaces each such value with
// a hint term (searched at hintWeight) and keeps the rest of the query.
var (
	urlRe      = regexp.MustCompile(`^(?i)([a-z][a-z0-9+.-]*://\S+|www\.\S+)$`)
	emailRe    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)
	fileRe     = regexp.MustCompile(`^[\w~./-]*[\w-]\.([A-Za-z][A-Za-z0-9]{0,4})$`)
	numberRe   = regexp.MustCompile(`^[-+]?\d+([.,]\d+)*%?$`)
	hexRe      = regexp.MustCompile(`^[0-9a-f]{6,40}$`)
	issueKeyRe = regexp.MustCompile(`^[A-Z][A-Z0-9]+-\d+$`)
)

const hintWeight = 0.5

// valueHints maps a kind of value to the terms it hints at.
var valueHints = map[string][]string{
	"url":     terms("url web page"),
	"email":   terms("email"),
	"file":    terms("file path"),
	"number":  terms("number"),
	"commit":  terms("commit sha revision"),
	"issue":   terms("issue"),
	"channel": terms("channel"),
	"user":    terms("user"),
}

// readValues splits q at spaces, replaces values with their kind and
// returns the rest of the text and the kinds found.
func readValues(q string) (string, []string) {
	var rest []string
	var kinds []string
	for _, chunk := range strings.Fields(q) {
		v := strings.Trim(chunk, `"'()[]{}<>,;!?`)
		v = strings.TrimSuffix(v, ".")
		kind := ""
		switch {
		case v == "":
		case urlRe.MatchString(v):
			kind = "url"
		case emailRe.MatchString(v):
			kind = "email"
		case strings.HasPrefix(v, "#") && len(v) > 1:
			kind = "channel"
		case strings.HasPrefix(v, "@") && len(v) > 1:
			kind = "user"
		case numberRe.MatchString(v):
			kind = "number"
		case issueKeyRe.MatchString(v):
			kind = "issue"
		case hexRe.MatchString(v) && strings.ContainsAny(v, "0123456789") && strings.ContainsAny(v, "abcdef"):
			kind = "commit"
		case fileRe.MatchString(v):
			// The name stays searchable ("notes" in notes.md may be the
			// point); the extension goes ("go" in main.go is not a verb).
			kind = "file"
			rest = append(rest, v[:strings.LastIndexByte(v, '.')])
		}
		if kind == "" {
			rest = append(rest, chunk)
		} else if !contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
	}
	return strings.Join(rest, " "), kinds
}
