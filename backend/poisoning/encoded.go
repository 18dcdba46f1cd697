package poisoning

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	base64Run  = regexp.MustCompile(`[A-Za-z0-9+/]{40,}={0,2}|[A-Za-z0-9_\-]{40,}={0,2}`)
	hexRun     = regexp.MustCompile(`\b(?:[0-9a-fA-F]{2}){24,}\b`)
	hexEscapes = regexp.MustCompile(`(?:\\x[0-9a-fA-F]{2}){8,}`)
	uEscapes   = regexp.MustCompile(`(?:\\u[0-9a-fA-F]{4}){6,}`)
	percentRun = regexp.MustCompile(`(?:%[0-9a-fA-F]{2}[^%\s]{0,2}){8,}`)
	dataURI    = regexp.MustCompile(`(?i)\bdata:[a-z]+/[a-z0-9.+\-]+(?:;[a-z0-9=.\-]+)*,([A-Za-z0-9+/=%._\-]*)`)
	rot13Word  = regexp.MustCompile(`(?i)\brot[\s\-_]?13\b`)
)

// encoded finds blobs the reader cannot read; those that decode to text are
// checked again as prose, so an instruction hidden in base64 is still found.
func (s *scan) encoded(field, v string, depth int) {
	for _, m := range dataURI.FindAllStringSubmatch(v, 4) {
		s.add(RuleEncoded, Medium, field, m[0], "data: URI embedded in text")
		if dec, ok := decodeBase64(m[1]); ok {
			s.prose(field+"(data URI)", dec, depth+1)
		} else if dec, err := url.PathUnescape(m[1]); err == nil && dec != m[1] {
			s.prose(field+"(data URI)", dec, depth+1)
		}
	}
	for _, m := range base64Run.FindAllString(v, 8) {
		if !mixedClasses(m) || strings.HasPrefix(strings.ToLower(m), "data:") {
			continue
		}
		if dec, ok := decodeBase64(m); ok {
			s.add(RuleEncoded, Medium, field, m, "base64 text hidden in the description: "+preview(dec))
			s.prose(field+"(base64)", dec, depth+1)
			continue
		}
		switch {
		case len(m) >= 200:
			s.add(RuleEncoded, Medium, field, m, "long base64 blob ("+strconv.Itoa(len(m))+" chars)")
		case len(m) >= 64:
			s.add(RuleEncoded, Low, field, m, "base64-like blob ("+strconv.Itoa(len(m))+" chars)")
		}
	}
	for _, m := range hexRun.FindAllString(v, 8) {
		raw, err := hex.DecodeString(m)
		if err == nil && printable(raw) {
			s.add(RuleEncoded, Medium, field, m, "hex-encoded text: "+preview(string(raw)))
			s.prose(field+"(hex)", string(raw), depth+1)
		} else if len(m) >= 128 {
			s.add(RuleEncoded, Low, field, m, "long hex blob ("+strconv.Itoa(len(m))+" chars)")
		}
	}
	for _, re := range []*regexp.Regexp{hexEscapes, uEscapes} {
		for _, m := range re.FindAllString(v, 4) {
			if dec, err := strconv.Unquote(`"` + m + `"`); err == nil {
				s.add(RuleEncoded, Medium, field, m, "escaped text: "+preview(dec))
				s.prose(field+"(escaped)", dec, depth+1)
			}
		}
	}
	for _, m := range percentRun.FindAllString(v, 4) {
		if dec, err := url.PathUnescape(m); err == nil && strings.Count(m, "%") >= 8 {
			s.add(RuleEncoded, Low, field, m, "percent-encoded text: "+preview(dec))
			s.prose(field+"(percent-encoded)", dec, depth+1)
		}
	}
	if rot13Word.MatchString(v) {
		s.add(RuleEncoded, Medium, field, v, "text says it is ROT13-encoded")
		s.prose(field+"(rot13)", rot13(v), depth+1)
	}
}

func decodeBase64(m string) (string, bool) {
	m = strings.TrimRight(m, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(m); err == nil && len(raw) >= 16 && printable(raw) {
			return string(raw), true
		}
	}
	return "", false
}

// mixedClasses keeps out long identifiers and words: real base64 has upper
// and lower case letters and digits.
func mixedClasses(m string) bool {
	var up, low, dig bool
	for _, r := range m {
		up = up || unicode.IsUpper(r)
		low = low || unicode.IsLower(r)
		dig = dig || unicode.IsDigit(r)
	}
	return up && low && dig
}

func printable(raw []byte) bool {
	if !utf8.Valid(raw) {
		return false
	}
	good, all := 0, 0
	for _, r := range string(raw) {
		all++
		if unicode.IsPrint(r) || r == '\n' || r == '\t' || r == '\r' {
			good++
		}
	}
	letters := 0
	for _, r := range string(raw) {
		if unicode.IsLetter(r) || r == ' ' {
			letters++
		}
	}
	return all > 0 && good*100 >= all*95 && letters*100 >= all*60
}

func preview(v string) string {
	if len(v) > 80 {
		return showExcerpt(around(v, 40, 40)) + "…"
	}
	return showExcerpt(v)
}

func rot13(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, v)
}
