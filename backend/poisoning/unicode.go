package poisoning

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// invisible reports characters that render as nothing (or reorder text) and
// so can hide instructions from the person approving a tool.
func invisible(r rune) (what string, ok bool) {
	switch {
	case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF || r == 0x180E || r == 0x2061 || r == 0x2062 || r == 0x2063 || r == 0x2064:
		return "zero-width character", true
	case r == 0x200E || r == 0x200F || r == 0x061C || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
		return "bidirectional control", true
	case r >= 0xE0000 && r <= 0xE007F:
		return "Unicode tag character", true
	case r >= 0xE0100 && r <= 0xE01EF:
		return "variation selector supplement", true
	case r == 0x00AD || r == 0x034F || r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0:
		return "invisible filler", true
	case r == 0x1B:
		return "ANSI escape sequence", true
	case r >= 0xFFF9 && r <= 0xFFFB:
		return "interlinear annotation", true
	}
	return "", false
}

func (s *scan) hidden(tx text) {
	v := tx.value
	var tags strings.Builder
	counts := map[string]int{}
	first := map[string]int{}
	controls, spaces, newlines, maxSpaces, maxNewlines := 0, 0, 0, 0, 0
	var prev rune
	for i, r := range v {
		what, ok := invisible(r)
		if !ok && r >= 0xFE00 && r <= 0xFE0F && !emojiBase(prev) {
			what, ok = "variation selector", true
		}
		if !ok && r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			controls++
		}
		if ok {
			if counts[what] == 0 {
				first[what] = i
			}
			counts[what]++
		}
		if r >= 0xE0020 && r <= 0xE007E {
			tags.WriteRune(r - 0xE0000)
		}
		switch r {
		case ' ', '\t', 0xA0, 0x2007, 0x202F, 0x3000:
			spaces++
			maxSpaces = max(maxSpaces, spaces)
		case '\n', '\r':
			newlines++
			maxNewlines = max(maxNewlines, newlines)
			spaces = 0
		default:
			spaces, newlines = 0, 0
		}
		if r != '\n' && r != '\r' && r != ' ' && r != '\t' {
			newlines = 0
		}
		prev = r
	}
	for what, n := range counts {
		at := first[what]
		sev := High
		if what == "invisible filler" && n == 1 && !tx.name {
			// A lone soft hyphen is common in pasted prose.
			sev = Low
		}
		s.add(RuleHiddenUnicode, sev, tx.field, around(v, at, 60), fmt.Sprintf("%d %s(s) that can hide text from the reader", n, what))
	}
	if controls > 0 && counts["ANSI escape sequence"] == 0 {
		s.add(RuleHiddenUnicode, Medium, tx.field, v, fmt.Sprintf("%d control character(s)", controls))
	}
	if tags.Len() > 0 {
		hidden := tags.String()
		s.add(RuleHiddenUnicode, High, tx.field, hidden, "text hidden in Unicode tag characters")
		s.prose(tx.field+"(tag characters)", hidden, 1)
	}
	if !tx.name && (maxSpaces >= 80 || maxNewlines >= 25) {
		// Padding pushes the rest of the text out of view in most approval dialogs.
		s.add(RuleHiddenUnicode, Medium, tx.field, v, "long run of blank space that can push text out of view")
	}
	if stripped := stripInvisible(v); stripped != v && !tx.name {
		// Words broken up by invisible characters evade the text rules: check them joined.
		s.prose(tx.field, stripped, 0)
	}
}

func emojiBase(r rune) bool {
	return r > 0x2000 && (unicode.Is(unicode.So, r) || unicode.Is(unicode.Sm, r) || r == 0x20E3) || r == '#' || r == '*' || (r >= '0' && r <= '9') || unicode.Is(unicode.Sk, r)
}

func stripInvisible(v string) string {
	if isPlainASCII(v) {
		return v
	}
	return strings.Map(func(r rune) rune {
		if _, ok := invisible(r); ok || (r >= 0xFE00 && r <= 0xFE0F) {
			return -1
		}
		return r
	}, v)
}

func isPlainASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 || v[i] == 0x1B {
			return false
		}
	}
	return true
}

// confusables maps letters of other scripts that look like Latin ones.
var confusables = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x',
	'ѕ': 's', 'і': 'i', 'ј': 'j', 'ԁ': 'd', 'ɡ': 'g', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ү': 'y', 'ӏ': 'l',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J',
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'τ': 't', 'ι': 'i', 'κ': 'k', 'υ': 'u', 'χ': 'x',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
	'ı': 'i', 'ℓ': 'l', '‐': '-', '‑': '-', '–': '-', '＿': '_',
}

// fold turns look-alike and full-width letters into ASCII so that text
// rules and name comparisons see what the reader sees.
func fold(v string) string {
	if isPlainASCII(v) {
		return v
	}
	return strings.Map(func(r rune) rune {
		if c, ok := confusables[r]; ok {
			return c
		}
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFF01 + '!'
		}
		// Mathematical alphanumerics (𝐢𝐠𝐧𝐨𝐫𝐞) render as plain letters.
		if r >= 0x1D400 && r <= 0x1D6A3 {
			off := (r - 0x1D400) % 52
			if off < 26 {
				return 'A' + off
			}
			return 'a' + off - 26
		}
		if _, ok := invisible(r); ok {
			return -1
		}
		return r
	}, v)
}

func scriptOf(r rune) string {
	switch {
	case r < 0x80:
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return ""
	case unicode.Is(unicode.Latin, r):
		return "Latin"
	case unicode.Is(unicode.Cyrillic, r):
		return "Cyrillic"
	case unicode.Is(unicode.Greek, r):
		return "Greek"
	case unicode.Is(unicode.Armenian, r):
		return "Armenian"
	case unicode.Is(unicode.Cherokee, r):
		return "Cherokee"
	case unicode.IsLetter(r):
		return "other"
	}
	return ""
}

// homoglyphName flags a tool name that mixes scripts, or uses look-alike
// letters, to pass for another name.
func (s *scan) homoglyphName(name string) {
	if isPlainASCII(name) {
		return
	}
	scripts := map[string]bool{}
	for _, r := range name {
		if sc := scriptOf(r); sc != "" {
			scripts[sc] = true
		}
	}
	if len(scripts) > 1 {
		s.add(RuleHomoglyph, High, "name", name, fmt.Sprintf("tool name mixes scripts; reads as %q", fold(name)))
		return
	}
	if f := fold(name); f != name && isPlainASCII(f) {
		s.add(RuleHomoglyph, High, "name", name, fmt.Sprintf("tool name is made of look-alike letters; reads as %q", f))
		return
	}
	s.add(RuleHomoglyph, Low, "name", name, "tool name has non-ASCII characters")
}

// mixedWords finds words in prose made of Latin plus look-alike letters,
// a way to slip words past filters.
func mixedWords(v string) (string, bool) {
	if isPlainASCII(v) {
		return "", false
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) }) {
		latin, other := false, false
		for _, r := range w {
			switch scriptOf(r) {
			case "Latin":
				latin = true
			case "Cyrillic", "Greek", "Cherokee", "Armenian":
				if _, ok := confusables[r]; ok {
					other = true
				}
			}
		}
		if latin && other {
			return w, true
		}
	}
	return "", false
}

// showExcerpt trims to a readable length and escapes invisible characters.
func showExcerpt(v string) string {
	v = strings.TrimSpace(v)
	const limit = 200
	var b strings.Builder
	n := 0
	for _, r := range v {
		if n >= limit {
			b.WriteString("…")
			break
		}
		n++
		if _, ok := invisible(r); ok || (r >= 0xFE00 && r <= 0xFE0F) || (r < 0x20 && r != ' ') || r == 0x7F {
			switch r {
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\r':
				b.WriteString(`\r`)
			default:
				if r > 0xFFFF {
					fmt.Fprintf(&b, `\U%08X`, r)
				} else {
					fmt.Fprintf(&b, `\u%04X`, r)
				}
			}
			continue
		}
		if r == utf8.RuneError {
			b.WriteString(`\uFFFD`)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// around returns the text near byte offset at, on rune boundaries.
func around(v string, at, width int) string {
	start, end := max(0, at-width), min(len(v), at+width)
	for start > 0 && !utf8.RuneStart(v[start]) {
		start--
	}
	for end < len(v) && !utf8.RuneStart(v[end]) {
		end++
	}
	return v[start:end]
}
