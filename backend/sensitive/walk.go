package sensitive

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// segment is one step of a JSON path: an object key or an array index.
type segment struct {
	key   string
	index int
}

func pathString(segs []segment) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range segs {
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if plainKey(s.key) {
			b.WriteByte('.')
			b.WriteString(s.key)
			continue
		}
		q, _ := json.Marshal(s.key)
		b.WriteByte('[')
		b.Write(q)
		b.WriteByte(']')
	}
	return b.String()
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// leaf is a string or number value met while walking a JSON document.
type leaf struct {
	path  []segment
	key   string // the object key the value belongs to, "" in arrays
	value string // decoded string, or the number's text
	start int    // raw token position in the document, quotes included
	end   int
	num   bool
}

var errSyntax = errors.New("sensitive: not JSON")

// walker parses JSON without building values, so that the raw position of
// every leaf is known (Redact rewrites leaves in place and keeps the rest of
// the document byte for byte).
type walker struct {
	data  []byte
	pos   int
	path  []segment
	depth int
	visit func(*leaf)
}

func walkJSON(data []byte, visit func(*leaf)) error {
	w := &walker{data: data, visit: visit}
	w.space()
	if err := w.value(""); err != nil {
		return err
	}
	w.space()
	if w.pos != len(w.data) {
		return errSyntax
	}
	return nil
}

func (w *walker) space() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *walker) value(key string) error {
	if w.pos >= len(w.data) {
		return errSyntax
	}
	switch c := w.data[w.pos]; {
	case c == '{':
		return w.object()
	case c == '[':
		return w.array()
	case c == '"':
		start := w.pos
		s, err := w.str()
		if err != nil {
			return err
		}
		w.visit(&leaf{path: w.path, key: key, value: s, start: start, end: w.pos})
	case c == '-' || c >= '0' && c <= '9':
		start := w.pos
		for w.pos < len(w.data) && strings.IndexByte("+-0123456789.eE", w.data[w.pos]) >= 0 {
			w.pos++
		}
		w.visit(&leaf{path: w.path, key: key, value: string(w.data[start:w.pos]), start: start, end: w.pos, num: true})
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(w.data[w.pos:], []byte(lit)) {
				w.pos += len(lit)
				return nil
			}
		}
		return errSyntax
	}
	return nil
}

func (w *walker) str() (string, error) {
	start := w.pos
	w.pos++
	escaped := false
	for w.pos < len(w.data) {
		// Jump to the next quote or backslash; the bytes between need no look.
		k := bytes.IndexAny(w.data[w.pos:], "\"\\")
		if k < 0 {
			break
		}
		w.pos += k
		switch w.data[w.pos] {
		case '\\':
			escaped = true
			w.pos += 2
			continue
		case '"':
			w.pos++
			raw := w.data[start:w.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			return unescape(raw[1 : len(raw)-1])
		}
		w.pos++
	}
	return "", errSyntax
}

func (w *walker) object() error {
	if w.depth++; w.depth > 10000 {
		return errSyntax
	}
	defer func() { w.depth-- }()
	w.pos++
	w.space()
	if w.pos < len(w.data) && w.data[w.pos] == '}' {
		w.pos++
		return nil
	}
	for {
		w.space()
		if w.pos >= len(w.data) || w.data[w.pos] != '"' {
			return errSyntax
		}
		key, err := w.str()
		if err != nil {
			return err
		}
		w.space()
		if w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return errSyntax
		}
		w.pos++
		w.space()
		w.path = append(w.path, segment{key: key, index: -1})
		err = w.value(key)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
		w.space()
		if w.pos >= len(w.data) {
			return errSyntax
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
		case '}':
			w.pos++
			return nil
		default:
			return errSyntax
		}
	}
}

func (w *walker) array() error {
	if w.depth++; w.depth > 10000 {
		return errSyntax
	}
	defer func() { w.depth-- }()
	w.pos++
	w.space()
	if w.pos < len(w.data) && w.data[w.pos] == ']' {
		w.pos++
		return nil
	}
	for i := 0; ; i++ {
		w.space()
		w.path = append(w.path, segment{index: i})
		err := w.value("")
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
		w.space()
		if w.pos >= len(w.data) {
			return errSyntax
		}
		switch w.data[w.pos] {
		case ',':
			w.pos++
		case ']':
			w.pos++
			return nil
		default:
			return errSyntax
		}
	}
}

// unescape decodes the body of a JSON string that holds backslash escapes.
func unescape(raw []byte) (string, error) {
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i++; i >= len(raw) {
			return "", errSyntax
		}
		switch raw[i] {
		case '"', '\\', '/':
			b = append(b, raw[i])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(raw, i+1)
			if !ok {
				return "", errSyntax
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(raw, i+3); ok && i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", errSyntax
		}
	}
	return string(b), nil
}

func hex4(raw []byte, at int) (rune, bool) {
	if at+4 > len(raw) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(raw[at:at+4]), 16, 32)
	return rune(v), err == nil
}
