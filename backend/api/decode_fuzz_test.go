package api

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeServerBody feeds arbitrary bodies to the decoding of POST, PUT
// and PATCH /servers: it must never panic, and a refusal must be a 4xx with
// the envelope, never a 500.
func FuzzDecodeServerBody(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a","command":"npx","args":["-y","x"]}`,
		`{"name":"a","url":"http://127.0.0.1:1/mcp","headers":{"A":"b"}}`,
		`{"mcpServers":{"a":{"command":"x"}}}`,
		`{"name":1}`, `{"args":"x"}`, `{"env":{"A":1}}`, `[]`, `null`, `{`, `"x"`, `{"enabled":"yes"}`,
		`{"name":"a","command":"x","unknown":{"deep":[1,2,{"k":null}]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, sc, err := decodeServer(body)
		if err != nil {
			var ae *Error
			if !errors.As(err, &ae) || ae.StatusCode < 400 || ae.StatusCode >= 500 || ae.Message == "" {
				t.Fatalf("body %q: refusal is not a 4xx envelope: %#v", body, err)
			}
			return
		}
		if sc == nil {
			t.Fatalf("body %q: no error and no server", body)
		}
		if _, err := json.Marshal(sc); err != nil {
			t.Fatalf("body %q: decoded server does not encode: %v", body, err)
		}
	})
}

// FuzzMergePatch checks that a merge patch of any shape applied to a server
// either gives JSON or a 4xx.
func FuzzMergePatch(f *testing.F) {
	f.Add([]byte(`{"command":"x","args":["a"],"env":{"K":"v"}}`), []byte(`{"args":null,"env":{"K":null,"N":"1"}}`))
	f.Add([]byte(`{"command":"x"}`), []byte(`{"tags":["a"],"description":"d"}`))
	f.Fuzz(func(t *testing.T, doc, patch []byte) {
		var p map[string]json.RawMessage
		if json.Unmarshal(patch, &p) != nil || !json.Valid(doc) {
			return
		}
		var obj map[string]any
		if json.Unmarshal(doc, &obj) != nil || obj == nil {
			return
		}
		out, err := mergePatch(doc, p)
		if err != nil {
			var ae *Error
			if !errors.As(err, &ae) || ae.StatusCode >= 500 {
				t.Fatalf("merge refused without a 4xx: %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("merge gave invalid JSON: %s", out)
		}
	})
}
