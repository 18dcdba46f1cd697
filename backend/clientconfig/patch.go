package clientconfig

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tailscale/hujson"
)

// The edits here change a client's file the way a careful person would in
// an editor: hujson parses the file (comments and trailing commas
// included) only to find byte offsets, and the new text is spliced in with
// the file's own indentation. Everything else, comments, key order,
// spacing, other servers, unknown keys, stays byte for byte. (hujson's own
// Patch would write the new member compactly on a line of its own.)

// bom is the byte order mark Windows editors (Notepad) put at the start
// of a UTF-8 file; JSON parsers refuse it, so edits work after it and keep it.
var bom = []byte("\xef\xbb\xbf")

// setEntry sets data's outer.name to value, adding outer when it is missing.
func setEntry(data []byte, outer, name string, value any) ([]byte, error) {
	if rest, ok := bytes.CutPrefix(data, bom); ok {
		out, err := setEntry(rest, outer, name, value)
		return append(bytes.Clone(bom), out...), err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return marshalIndent(map[string]any{outer: map[string]any{name: value}})
	}
	root, err := hujson.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", trimHujson(err))
	}
	rootObj, ok := root.Value.(*hujson.Object)
	if !ok {
		return nil, fmt.Errorf("the top level is not a JSON object")
	}
	unit := indentUnit(data)
	ov := member(rootObj, outer)
	if ov == nil {
		return insertMember(data, &root, outer, map[string]any{name: value}, unit)
	}
	obj, ok := ov.Value.(*hujson.Object)
	if !ok {
		return nil, fmt.Errorf("%q is not a JSON object; fix it in the file first", outer)
	}
	if mv := memberName(obj, name); mv != nil {
		val := member(obj, name)
		text, err := render(value, lineIndent(data, mv.StartOffset), unit, multiline(data, ov))
		if err != nil {
			return nil, err
		}
		return splice(data, val.StartOffset, val.EndOffset, text), nil
	}
	return insertMember(data, ov, name, value, unit)
}

// removeEntry removes data's outer.name; found is false when it is not
// there (data is returned unchanged).
func removeEntry(data []byte, outer, name string) (out []byte, found bool, err error) {
	if rest, ok := bytes.CutPrefix(data, bom); ok {
		out, found, err := removeEntry(rest, outer, name)
		return append(bytes.Clone(bom), out...), found, err
	}
	root, err := hujson.Parse(data)
	if err != nil {
		return nil, false, fmt.Errorf("not JSON: %v", trimHujson(err))
	}
	rootObj, ok := root.Value.(*hujson.Object)
	if !ok {
		return data, false, nil
	}
	ov := member(rootObj, outer)
	if ov == nil {
		return data, false, nil
	}
	obj, ok := ov.Value.(*hujson.Object)
	if !ok {
		return data, false, nil
	}
	idx := -1
	for i, m := range obj.Members {
		if lit, ok := m.Name.Value.(hujson.Literal); ok && lit.String() == name {
			idx = i
		}
	}
	if idx < 0 {
		return data, false, nil
	}
	m := obj.Members[idx]
	start, end := m.Name.StartOffset, m.Value.EndOffset
	comma := nextComma(data, end)
	if comma >= 0 {
		end = comma + 1
	}
	if multiline(data, ov) {
		// Take the whole line: its indentation, a comment after the entry
		// on the same line, and the line break.
		ls := lineStart(data, start)
		if onlySpace(data[ls:start]) {
			start = ls
		}
		e := end
		for e < len(data) && (data[e] == ' ' || data[e] == '\t') {
			e++
		}
		if bytes.HasPrefix(data[e:], []byte("//")) {
			for e < len(data) && data[e] != '\n' {
				e++
			}
		}
		if e < len(data) && data[e] == '\r' {
			e++
		}
		if e < len(data) && data[e] == '\n' {
			end = e + 1
		}
	}
	out = splice(data, start, end, nil)
	if comma < 0 && idx > 0 {
		// It was the last member without a trailing comma: the comma of
		// the one before it must go too.
		if pc := nextComma(data, obj.Members[idx-1].Value.EndOffset); pc >= 0 && pc < start {
			out = splice(out, pc, pc+1, nil)
		}
	}
	return out, true, nil
}

func trimHujson(err error) string {
	s := err.Error()
	if len(s) > 8 && s[:8] == "hujson: " {
		return s[8:]
	}
	return s
}

// member is the value of obj's member key, or nil.
func member(obj *hujson.Object, key string) *hujson.Value {
	for i := range obj.Members {
		if lit, ok := obj.Members[i].Name.Value.(hujson.Literal); ok && lit.String() == key {
			return &obj.Members[i].Value
		}
	}
	return nil
}

// memberName is the name (key) of obj's member key, or nil.
func memberName(obj *hujson.Object, key string) *hujson.Value {
	for i := range obj.Members {
		if lit, ok := obj.Members[i].Name.Value.(hujson.Literal); ok && lit.String() == key {
			return &obj.Members[i].Name
		}
	}
	return nil
}

// insertMember adds "key": value as the last member of the object ov.
func insertMember(data []byte, ov *hujson.Value, key string, value any, unit string) ([]byte, error) {
	obj := ov.Value.(*hujson.Object)
	closePos := ov.EndOffset - 1
	keyJSON, _ := json.Marshal(key)
	if len(obj.Members) == 0 {
		closeIndent := lineIndent(data, closePos)
		childIndent := closeIndent + unit
		text, err := render(value, childIndent, unit, true)
		if err != nil {
			return nil, err
		}
		entry := childIndent + string(keyJSON) + ": " + string(text)
		interior := data[ov.StartOffset+1 : closePos]
		if onlySpace(interior) {
			return splice(data, ov.StartOffset+1, closePos, []byte("\n"+entry+"\n"+closeIndent)), nil
		}
		// Only comments inside: add the entry after them.
		ls := lineStart(data, closePos)
		if onlySpace(data[ls:closePos]) {
			return splice(data, ls, ls, []byte(entry+"\n")), nil
		}
		return splice(data, closePos, closePos, []byte("\n"+entry+"\n"+closeIndent)), nil
	}
	last := obj.Members[len(obj.Members)-1]
	comma := nextComma(data, last.Value.EndOffset)
	if !multiline(data, ov) {
		text, err := render(value, "", "", false)
		if err != nil {
			return nil, err
		}
		entry := string(keyJSON) + ": " + string(text)
		if comma >= 0 {
			return splice(data, comma+1, comma+1, []byte(" "+entry+",")), nil
		}
		return splice(data, last.Value.EndOffset, last.Value.EndOffset, []byte(", "+entry)), nil
	}
	indent := lineIndent(data, last.Name.StartOffset)
	text, err := render(value, indent, unit, true)
	if err != nil {
		return nil, err
	}
	entry := indent + string(keyJSON) + ": " + string(text)
	if comma >= 0 {
		// The file ends members with a comma; so does the new one.
		entry += ","
	}
	ls := lineStart(data, closePos)
	var out []byte
	if onlySpace(data[ls:closePos]) {
		out = splice(data, ls, ls, []byte(entry+"\n"))
	} else {
		out = splice(data, closePos, closePos, []byte("\n"+entry+"\n"+lineIndent(data, closePos)))
	}
	if comma < 0 {
		// The member before needs its comma; it comes before the
		// insertion point, so its offset still holds.
		out = splice(out, last.Value.EndOffset, last.Value.EndOffset, []byte(","))
	}
	return out, nil
}

// render writes value as JSON starting at indentation indent, or on one
// line when !multi.
func render(value any, indent, unit string, multi bool) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if multi {
		enc.SetIndent(indent, unit)
	}
	if err := enc.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// nextComma is the offset of the comma after offset from, skipping
// whitespace and comments, or -1 when the next token is something else.
func nextComma(data []byte, from int) int {
	i := from
	for i < len(data) {
		switch {
		case data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r':
			i++
		case bytes.HasPrefix(data[i:], []byte("//")):
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case bytes.HasPrefix(data[i:], []byte("/*")):
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				return -1
			}
			i += end + 4
		case data[i] == ',':
			return i
		default:
			return -1
		}
	}
	return -1
}

// multiline says whether the value spans lines.
func multiline(data []byte, v *hujson.Value) bool {
	return bytes.IndexByte(data[v.StartOffset:v.EndOffset], '\n') >= 0
}

func lineStart(data []byte, off int) int {
	return bytes.LastIndexByte(data[:off], '\n') + 1
}

// lineIndent is the leading whitespace of the line holding off.
func lineIndent(data []byte, off int) string {
	ls := lineStart(data, off)
	e := ls
	for e < len(data) && (data[e] == ' ' || data[e] == '\t') {
		e++
	}
	return string(data[ls:e])
}

func onlySpace(b []byte) bool {
	return len(bytes.TrimSpace(b)) == 0
}

// indentUnit is the file's indentation step (the leading whitespace of its
// first indented line), two spaces when it has none.
func indentUnit(data []byte) string {
	for _, line := range bytes.Split(data, []byte("\n")) {
		n := 0
		for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
			n++
		}
		if n > 0 && n < len(line) {
			return string(line[:n])
		}
	}
	return "  "
}

// splice replaces data[start:end] with text, whose line breaks follow the
// file's: a file written on Windows (CRLF) gets CRLF lines.
func splice(data []byte, start, end int, text []byte) []byte {
	if bytes.Contains(data, []byte("\r\n")) {
		text = bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))
	}
	out := make([]byte, 0, len(data)-(end-start)+len(text))
	out = append(out, data[:start]...)
	out = append(out, text...)
	return append(out, data[end:]...)
}
