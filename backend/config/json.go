package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// plainConfig and plainServer have the same fields as Config and Server but
// none of their methods, so encoding/json handles the known keys for us.
type (
	plainConfig Config
	plainServer Server
)

var (
	configKeys = jsonKeys(reflect.TypeFor[plainConfig]())
	serverKeys = jsonKeys(reflect.TypeFor[plainServer]())
)

// jsonKeys lists the JSON names of a struct's fields.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

// MarshalJSON writes the known keys in field order, then Extra's keys sorted,
// so a saved file keeps a stable order.
func (c Config) MarshalJSON() ([]byte, error) {
	p := plainConfig(c)
	if p.Servers == nil {
		p.Servers = map[string]*Server{}
	}
	return marshalWithExtra(p, c.Extra, configKeys)
}

// UnmarshalJSON reads the known keys and keeps every other key in Extra.
func (c *Config) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	known, extra, err := splitKeys(data, configKeys, "")
	if err != nil {
		return err
	}
	rawServers, hasServers := known["mcpServers"]
	delete(known, "mcpServers")

	var p plainConfig
	if err := unmarshalKnown(known, &p, ""); err != nil {
		return err
	}
	p.Extra = extra
	if hasServers && !isNull(rawServers) {
		// Decode each entry on its own so errors can name the server.
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(rawServers, &entries); err != nil {
			return typeError("mcpServers", err)
		}
		p.Servers = make(map[string]*Server, len(entries))
		for name, raw := range entries {
			if isNull(raw) {
				p.Servers[name] = nil // Validate reports it
				continue
			}
			s := &Server{}
			if err := s.unmarshal(raw, "mcpServers"+pathKey(name)); err != nil {
				return err
			}
			p.Servers[name] = s
		}
	}
	*c = Config(p)
	return nil
}

// MarshalJSON writes the known keys in field order, then Extra's keys sorted.
func (s Server) MarshalJSON() ([]byte, error) {
	return marshalWithExtra(plainServer(s), s.Extra, serverKeys)
}

// UnmarshalJSON reads the known keys and keeps every other key in Extra.
func (s *Server) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		return nil
	}
	return s.unmarshal(data, "")
}

func (s *Server) unmarshal(data []byte, path string) error {
	known, extra, err := splitKeys(data, serverKeys, path)
	if err != nil {
		return err
	}
	var p plainServer
	if err := unmarshalKnown(known, &p, path); err != nil {
		return err
	}
	p.Extra = extra
	*s = Server(p)
	return nil
}

// splitKeys separates an object's known keys from the others. Keys match
// exactly: encoding/json alone would also fill "command" from "Command" and
// the file would then gain a second key on save.
func splitKeys(data []byte, known map[string]bool, path string) (map[string]json.RawMessage, map[string]any, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, nil, typeError(path, err)
	}
	var extra map[string]any
	for k, raw := range all {
		if known[k] {
			continue
		}
		delete(all, k)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // keeps numbers exactly as written
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", joinPath(path, k), err)
		}
		if extra == nil {
			extra = map[string]any{}
		}
		extra[k] = v
	}
	return all, extra, nil
}

func unmarshalKnown(known map[string]json.RawMessage, into any, path string) error {
	data, err := json.Marshal(known)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil {
		return typeError(path, err)
	}
	return nil
}

// typeError turns encoding/json's type errors, which name Go types, into
// messages about the file's keys.
func typeError(path string, err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		if path == "" {
			return err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	where := joinPath(path, te.Field)
	if where == "" {
		where = "top level"
	}
	return fmt.Errorf("%s: expected %s, got %s", where, describeType(te.Type), te.Value)
}

func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "a "), "an ") + "s"
	case reflect.Map, reflect.Struct:
		if t.Kind() == reflect.Map && t.Elem().Kind() == reflect.String {
			return "an object with string values"
		}
		return "an object"
	}
	return t.String()
}

func joinPath(path, field string) string {
	switch {
	case path == "":
		return field
	case field == "":
		return path
	}
	return path + "." + field
}

// marshalWithExtra encodes v (a struct without methods) and appends the
// extra keys, sorted, that do not clash with a known key.
func marshalWithExtra(v any, extra map[string]any, known map[string]bool) ([]byte, error) {
	out, err := marshalNoEscape(v)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !known[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return out, nil
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.Write(out[:len(out)-1]) // drop the closing brace
	first := len(out) == 2    // "{}"
	for _, k := range keys {
		kb, _ := marshalNoEscape(k)
		vb, err := marshalNoEscape(extra[k])
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape is json.Marshal without turning <, > and & into \u003c
// and friends: URLs with query strings stay readable in the file.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func isNull(data []byte) bool {
	return string(bytes.TrimSpace(data)) == "null"
}
