package config

import (
	"errors"
	"testing"
)

// FuzzParseValidate feeds arbitrary text to Parse and Validate, as a hand
// edit of the file or an API body would: neither may panic, a refusal must
// say where (a path on every problem, a message on every error), and a
// config that validates must survive a save: encoded and read back, it is
// the same config and still valid.
func FuzzParseValidate(f *testing.F) {
	for _, seed := range []string{
		`{"mcpServers":{}}`,
		`{"listen":"127.0.0.1:7410","api_key":"sb_x","cors_origins":["http://localhost:5173"],"update_check":false,"activity_retention_days":7,"mcpServers":{"fs":{"command":"npx","args":["-y","pkg"],"env":{"K":"${env:K}"}}}}`,
		`{"mcpServers":{"r":{"url":"https://u:p@example.com/mcp?x=<&>","headers":{"Authorization":"Bearer ${env:T}"},"type":"sse"}}}`,
		`{"mcpServers":{"a":{"command":"x","prefix":""},"b":{"command":"y","prefix":"a"},"c":{"command":"z","prefix":"a__b"}}}`,
		`{"mcpServers":{"bad name":{"command":"x"},"n":null,"t":{"type":"ws"},"e":{}}}`,
		`{"mcpServers":{"a":{"command":"x","idle_ttl_s":-1,"env":{"":"v","A=B":"v"},"headers":{" ":"v"}}}}`,
		`{"listen":"nowhere","activity_retention_days":-1,"cors_origins":[" "],"mcpServers":{}}`,
		`{"mcpServers":{"a":{"command":"x","x_custom":{"deep":[1,2.50,{"k":null}]},"Command":"shadow"}},"extra":1e400,"x":"\u00e9"}`,
		`{"mcpServers":{"a":{"args":"x"}}}`, `{"mcpServers":[]}`, `{"listen":1}`,
		`[]`, `null`, `"x"`, `{`, ``, "\xef\xbb\xbf{}", `{"mcpServers":{}} {}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: an error without a message", data)
			}
			return
		}
		if err := c.Validate(); err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("%q: Validate gave %v, want problems", data, err)
			}
			for _, p := range ve.Problems {
				if p.Message == "" {
					t.Fatalf("%q: a problem without a message: %+v", data, p)
				}
			}
			return
		}
		text, err := Encode(c)
		if err != nil {
			t.Fatalf("%q: a valid config does not encode: %v", data, err)
		}
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("%q: the saved text does not parse: %v\n%s", data, err, text)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("%q: valid, but not once saved and read back: %v\n%s", data, err, text)
		}
		if !back.Equal(c) {
			t.Fatalf("%q: saving changed the config\nsaved: %s", data, text)
		}
	})
}
