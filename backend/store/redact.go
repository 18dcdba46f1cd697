package store

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

const redacted = "[REDACTED]"

var unparsableArguments = `"[unparsable arguments]"`

// secretKeyParts are matched against a key lowercased with everything but
// letters and digits removed, so "API-Key", "apiKey" and "api_key" all match
// "apikey". "auth" alone also covers "authorization".
var secretKeyParts = []string{
	"password", "passwd", "secret", "token", "apikey", "accesskey",
	"cookie", "privatekey", "credential",
}

// tokenPattern finds credentials by their shape, wherever they sit in a
// string (a whole value, or inside a command line or header text).
var tokenPattern = regexp.MustCompile(strings.Join([]string{
	`(?i:bearer)\s+[A-Za-z0-9\-._~+/]{16,}=*`,                           // Authorization: Bearer ...
	`\bBasic [A-Za-z0-9+/]{16,}={0,2}`,                                  // Authorization: Basic ...
	`\bsk-[A-Za-z0-9_\-]{20,}`,                                          // OpenAI, Anthropic (sk-ant-...)
	`\bgh[pousr]_[A-Za-z0-9]{30,}`,                                      // GitHub tokens
	`\bgithub_pat_[A-Za-z0-9_]{30,}`,                                    // GitHub fine-grained tokens
	`\bxox[abposr]-[A-Za-z0-9\-]{10,}`,                                  // Slack
	`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`,                                     // AWS access key ids
	`\bAIza[0-9A-Za-z_\-]{35}`,                                          // Google API keys
	`\bglpat-[A-Za-z0-9_\-]{20,}`,                                       // GitLab
	`\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]*`, // JWT
	`-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|$)`,
}, "|"))

// tokenMarkers are lowercase substrings that every tokenPattern match
// contains; a string holding none of them is skipped without the regexp.
var tokenMarkers = []string{
	"bearer", "basic ", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "akia", "asia", "aiza", "glpat-", "eyj", "private key",
}

// argMarkers are lowercase substrings without which raw arguments can hold
// neither a secret key nor a token, so they are stored as they are.
var argMarkers = []string{
	"pass", "secret", "token", "key", "auth", "cookie", "credential",
	"bearer", "basic ", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
	"xox", "akia", "asia", "aiza", "glpat-", "eyj", "private key",
	`\u`, // an escape could spell any of the above
}

// RedactArguments returns tool-call arguments fit to be stored: values under
// keys that look secret, and strings shaped like credentials, are replaced by
// "[REDACTED]", at any depth. Key order is kept. Empty input gives nil;
// input that is not JSON gives the JSON string "[unparsable arguments]".
func RedactArguments(args json.RawMessage) json.RawMessage {
	b := bytes.TrimSpace(args)
	if len(b) == 0 {
		return nil
	}
	if !json.Valid(b) {
		return json.RawMessage(unparsableArguments)
	}
	// Fast path: most calls carry nothing that could be secret.
	if !containsAny(bytes.ToLower(b), argMarkers) {
		return b
	}
	out, err := redactJSON(b)
	if err != nil {
		return json.RawMessage(unparsableArguments)
	}
	return out
}

func containsAny(lower []byte, markers []string) bool {
	for _, m := range markers {
		if bytes.Contains(lower, []byte(m)) {
			return true
		}
	}
	return false
}

// isSecretKey reports whether a value under key should be hidden.
func isSecretKey(key string) bool {
	n := make([]byte, 0, len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'A' && c <= 'Z':
			n = append(n, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			n = append(n, c)
		}
	}
	for _, p := range secretKeyParts {
		if bytes.Contains(n, []byte(p)) {
			return true
		}
	}
	// "auth" matches auth, oauth, authorization, x_auth_header... but
	// "author" (a commit's or a post's author) is no secret.
	for s := n; ; {
		i := bytes.Index(s, []byte("auth"))
		if i < 0 {
			return false
		}
		rest := s[i+4:]
		if !bytes.HasPrefix(rest, []byte("or")) || bytes.HasPrefix(rest, []byte("oriz")) {
			return true
		}
		s = rest
	}
}

// redactString replaces credential-shaped parts of s.
func redactString(s string) string {
	if s == "" || !containsAnyString(strings.ToLower(s), tokenMarkers) {
		return s
	}
	return tokenPattern.ReplaceAllString(s, redacted)
}

func containsAnyString(lower string, markers []string) bool {
	for _, m := range markers {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}

// redactJSON rewrites one valid JSON value token by token, so object keys
// keep their order and numbers their exact text.
func redactJSON(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out bytes.Buffer
	out.Grow(len(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if err := copyValue(dec, &out, tok); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func copyValue(dec *json.Decoder, out *bytes.Buffer, tok json.Token) error {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				v, err := dec.Token()
				if err != nil {
					return err
				}
				if err := copyValue(dec, out, v); err != nil {
					return err
				}
			}
			out.WriteByte(']')
		} else { // '{'
			out.WriteByte('{')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				writeString(out, key)
				out.WriteByte(':')
				v, err := dec.Token()
				if err != nil {
					return err
				}
				if isSecretKey(key) {
					err = hideValue(dec, out, v)
				} else {
					err = copyValue(dec, out, v)
				}
				if err != nil {
					return err
				}
			}
			out.WriteByte('}')
		}
		_, err := dec.Token() // the closing delimiter
		return err
	case string:
		writeString(out, redactString(t))
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	}
	return nil
}

// hideValue writes "[REDACTED]" for the value starting with tok, skipping
// all of it. true, false and null are kept: they hold no secret and say
// whether one was set.
func hideValue(dec *json.Decoder, out *bytes.Buffer, tok json.Token) error {
	switch tok.(type) {
	case bool, nil:
		return copyValue(dec, out, tok)
	case json.Delim:
		for depth := 1; depth > 0; {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			if d, ok := t.(json.Delim); ok {
				if d == '{' || d == '[' {
					depth++
				} else {
					depth--
				}
			}
		}
	}
	writeString(out, redacted)
	return nil
}

func writeString(out *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always encodes
	out.Write(q)
}
