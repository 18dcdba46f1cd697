package sensitive

import (
	"encoding/base64"
	"math"
	"strings"
)

// prefixRule finds a token by its published prefix followed by a run of
// token characters.
type prefixRule struct {
	prefix   string
	kind     Kind
	sev      Severity
	chars    func(byte) bool
	min, max int // length of the part after the prefix
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func upperNum(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' }
func urlSafe(c byte) bool  { return alnum(c) || c == '_' || c == '-' }
func word(c byte) bool     { return alnum(c) || c == '_' }
func slackChars(c byte) bool {
	return alnum(c) || c == '-'
}
func b64Chars(c byte) bool { return alnum(c) || c == '+' || c == '/' || c == '=' }

var prefixRules = []prefixRule{
	{"AKIA", AWSAccessKey, High, upperNum, 16, 16},
	{"ASIA", AWSAccessKey, High, upperNum, 16, 16},
	{"ABIA", AWSAccessKey, High, upperNum, 16, 16},
	{"ACCA", AWSAccessKey, High, upperNum, 16, 16},
	{"AIza", GCPAPIKey, High, urlSafe, 35, 35},
	{"ghp_", GitHubToken, High, alnum, 36, 255},
	{"gho_", GitHubToken, High, alnum, 36, 255},
	{"ghu_", GitHubToken, High, alnum, 36, 255},
	{"ghs_", GitHubToken, High, alnum, 36, 255},
	{"ghr_", GitHubToken, High, alnum, 36, 255},
	{"github_pat_", GitHubToken, High, word, 22, 255},
	{"glpat-", GitLabToken, High, urlSafe, 20, 255},
	{"gldt-", GitLabToken, High, urlSafe, 20, 255},
	{"glrt-", GitLabToken, High, urlSafe, 20, 255},
	{"xoxb-", SlackToken, High, slackChars, 10, 255},
	{"xoxp-", SlackToken, High, slackChars, 10, 255},
	{"xoxa-", SlackToken, High, slackChars, 10, 255},
	{"xoxr-", SlackToken, High, slackChars, 10, 255},
	{"xoxs-", SlackToken, High, slackChars, 10, 255},
	{"xoxe-", SlackToken, High, slackChars, 10, 255},
	{"xapp-", SlackToken, High, slackChars, 10, 255},
	{"https://hooks.slack.com/services/", SlackToken, High, func(c byte) bool { return alnum(c) || c == '/' }, 20, 255},
	{"sk_live_", StripeKey, High, alnum, 20, 255},
	{"rk_live_", StripeKey, High, alnum, 20, 255},
	{"sk_test_", StripeKey, Medium, alnum, 20, 255},
	{"rk_test_", StripeKey, Medium, alnum, 20, 255},
	{"whsec_", StripeKey, High, alnum, 24, 255},
	{"sk-ant-", AnthropicKey, High, urlSafe, 32, 255},
	{"sk-proj-", OpenAIKey, High, urlSafe, 20, 255},
	{"sk-svcacct-", OpenAIKey, High, urlSafe, 20, 255},
	{"sk-admin-", OpenAIKey, High, urlSafe, 20, 255},
	{"sk-", OpenAIKey, High, alnum, 32, 255},
	{"AccountKey=", AzureKey, High, b64Chars, 80, 100},
	{"SharedAccessKey=", AzureKey, High, b64Chars, 40, 100},
}

// rulesByFirst indexes prefix rules by their first byte so a string is read once.
var rulesByFirst [256][]*prefixRule

// starts marks the bytes any detector can start at; the rest of a text is
// skipped at the cost of one table look-up per byte.
var starts [256]bool

func init() {
	for i := range prefixRules {
		r := &prefixRules[i]
		rulesByFirst[r.prefix[0]] = append(rulesByFirst[r.prefix[0]], r)
		starts[r.prefix[0]] = true
	}
	for c := '0'; c <= '9'; c++ {
		starts[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		starts[c] = true
	}
	for _, c := range "-eQ=:" {
		starts[c] = true
	}
}

// scanString checks one string value; key is the object key holding it.
func scanString(key, s string, gcp bool) []Finding {
	var out []Finding
	add := func(k Kind, sev Severity, start, end int) {
		for i, f := range out {
			if start < f.End && f.Start < end {
				if f.Kind == GenericSecret && k != GenericSecret {
					// The value of "name=value" turned out to be a known token.
					out = append(out[:i], out[i+1:]...)
					break
				}
				return // inside something already found
			}
		}
		out = append(out, Finding{Kind: k, Severity: sev, Excerpt: mask(s[start:end], k), Start: start, End: end})
	}
	if len(s) < 6 {
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !starts[c] {
			continue
		}
		// Tokens start at a word boundary.
		boundary := i == 0 || !(alnum(s[i-1]) || s[i-1] == '_')
		if !boundary && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' && c != 'Q') {
			continue
		}
		for _, r := range rulesByFirst[c] {
			if !boundary {
				break
			}
			if !strings.HasPrefix(s[i:], r.prefix) {
				continue
			}
			if r.prefix == "sk-" && (strings.HasPrefix(s[i:], "sk-ant-") || strings.HasPrefix(s[i:], "sk-proj-")) {
				continue
			}
			j := i + len(r.prefix)
			for j < len(s) && r.chars(s[j]) {
				j++
			}
			n := j - i - len(r.prefix)
			if n < r.min || n > r.max || (j < len(s) && alnum(s[j])) {
				continue
			}
			add(r.kind, r.sev, i, j)
			i = j - 1
			break
		}
		switch {
		case c == '-' && strings.HasPrefix(s[i:], "-----BEGIN "):
			if end, ok := pemBlock(s, i); ok {
				k := PrivateKey
				if gcp {
					k = GCPServiceAccount
				}
				add(k, High, i, end)
				i = end - 1
			}
		case c == 'e' && strings.HasPrefix(s[i:], "eyJ"):
			if end, ok := jwt(s, i); ok {
				add(JWT, High, i, end)
				i = end - 1
			}
		case c == 'Q' && i >= 4 && i+1 < len(s) && s[i+1] == '~':
			if start, end, ok := azureSecret(s, i); ok {
				add(AzureKey, High, start, end)
			}
		case c >= '0' && c <= '9' && (i == 0 || !alnum(s[i-1]) && s[i-1] != '.' && s[i-1] != '-'):
			if end, ok := card(s, i); ok {
				add(CardNumber, High, i, end)
				i = end - 1
			}
		case c >= 'A' && c <= 'Z' && i+4 < len(s) && (i == 0 || !alnum(s[i-1])):
			if end, ok := iban(s, i); ok {
				add(IBAN, Medium, i, end)
				i = end - 1
			}
		case (c == '=' || c == ':') && i > 0:
			if start, end, k, ok := assignment(s, i); ok {
				add(k, severityOf(k), start, end)
			}
		}
	}
	if len(out) == 0 && keyish(key) {
		if k, ok := secretValue(key, s); ok {
			add(k, severityOf(k), 0, len(s))
		}
	}
	return out
}

func severityOf(k Kind) Severity {
	if k == GenericSecret {
		return Medium
	}
	return High
}

// scanNumber checks a JSON number: only a card number can hide there.
func scanNumber(n string) []Finding {
	if len(n) < 13 || len(n) > 19 || strings.ContainsAny(n, ".eE-+") {
		return nil
	}
	if end, ok := card(n, 0); ok && end == len(n) {
		return []Finding{{Kind: CardNumber, Severity: High, Excerpt: mask(n, CardNumber), Start: 0, End: len(n)}}
	}
	return nil
}

func pemBlock(s string, i int) (int, bool) {
	line := s[i:min(len(s), i+80)]
	head := strings.Index(line[11:], "-----")
	if head < 0 || !strings.HasSuffix(line[11:11+head], "PRIVATE KEY") {
		return 0, false
	}
	rest := s[i+11+head+5:]
	if e := strings.Index(rest, "-----END "); e >= 0 {
		if f := strings.Index(rest[e+9:], "-----"); f >= 0 {
			return i + 11 + head + 5 + e + 9 + f + 5, true
		}
	}
	// A truncated key is still a key.
	return len(s), true
}

func jwt(s string, i int) (int, bool) {
	j, dots, seg := i, 0, 0
	segs := [3]int{}
	for ; j < len(s); j++ {
		c := s[j]
		if c == '.' {
			if dots == 2 {
				break
			}
			segs[dots] = seg
			dots++
			seg = 0
			continue
		}
		if !urlSafe(c) {
			break
		}
		seg++
	}
	segs[dots] = seg
	if dots != 2 || segs[0] < 10 || segs[1] < 10 || segs[2] < 16 {
		return 0, false
	}
	head, err := base64.RawURLEncoding.DecodeString(s[i : i+segs[0]])
	if err != nil || !strings.Contains(string(head), `"alg"`) {
		return 0, false
	}
	return j, true
}

// azureSecret matches an Entra ID client secret: 3 characters, a digit,
// "Q~", then 31 to 34 characters.
func azureSecret(s string, q int) (int, int, bool) {
	start := q - 4
	if start < 0 || s[q-1] < '0' || s[q-1] > '9' {
		return 0, 0, false
	}
	ok := func(c byte) bool { return urlSafe(c) || c == '~' || c == '.' }
	for k := start; k < q; k++ {
		if !ok(s[k]) {
			return 0, 0, false
		}
	}
	if start > 0 && ok(s[start-1]) {
		return 0, 0, false
	}
	j := q + 2
	for j < len(s) && ok(s[j]) {
		j++
	}
	if n := j - q - 2; n < 31 || n > 34 {
		return 0, 0, false
	}
	return start, j, true
}

// keyish reports whether a name is one a secret is stored under.
func keyish(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	if !mayBeKeyish(name) {
		return false
	}
	var buf [64]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '-' || c == '.' || c == ' ':
			c = '_'
		}
		buf[i] = c
	}
	n := string(buf[:len(name)])
	// Names about a secret rather than holding one.
	for _, not := range []string{"max_token", "tokens", "token_type", "token_count", "tokenizer", "token_usage", "_count", "_length", "_url", "_uri", "_endpoint", "_hint", "_policy", "expires", "_ttl"} {
		if strings.Contains(n, not) {
			return false
		}
	}
	for _, not := range []string{"_id", "_name", "_type", "_at", "_path", "_file"} {
		if strings.HasSuffix(n, not) {
			return false
		}
	}
	for _, yes := range []string{"secret", "password", "passwd", "passphrase", "pwd", "token", "apikey", "api_key", "access_key", "accesskey", "private_key", "privatekey", "credential", "client_key", "signing_key", "encryption_key", "master_key", "auth_key", "session_key", "sessionid", "cookie", "authorization", "bearer"} {
		if strings.Contains(n, yes) {
			return true
		}
	}
	return n == "auth" || n == "key" || strings.HasSuffix(n, "_auth")
}

func passwordish(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "pass") || strings.Contains(n, "pwd")
}

// secretValue decides whether a value under a key-ish name is a secret.
func secretValue(key, v string) (Kind, bool) {
	v = strings.TrimSpace(v)
	if placeholder(v) {
		return "", false
	}
	lk := strings.ToLower(key)
	if strings.Contains(lk, "aws") && strings.Contains(lk, "secret") && len(v) == 40 && allOf(v, b64Chars) {
		return AWSSecretKey, true
	}
	if strings.HasPrefix(strings.ToLower(v), "bearer ") || strings.HasPrefix(strings.ToLower(v), "basic ") {
		v = strings.TrimSpace(v[6:])
	}
	if passwordish(key) {
		return GenericSecret, len(v) >= 6
	}
	if len(v) < 16 || strings.ContainsAny(v, " \n\t") || strings.Contains(v, "://") {
		return "", false
	}
	if allOf(v, hexDigit) {
		return GenericSecret, len(v) >= 32 && entropy(v) >= 3.0
	}
	return GenericSecret, entropy(v) >= 3.5 && classes(v) >= 2
}

func placeholder(v string) bool {
	if v == "" || strings.HasPrefix(v, "${") || strings.HasPrefix(v, "{{") || strings.HasPrefix(v, "<") || strings.HasPrefix(v, "[REDACTED") {
		return true
	}
	lv := strings.ToLower(v)
	for _, p := range []string{"redacted", "xxxx", "****", "your_", "your-", "placeholder"} {
		if strings.Contains(lv, p) {
			return true
		}
	}
	switch lv {
	case "null", "none", "undefined", "true", "false", "changeme":
		return true
	}
	return strings.Count(v, v[:1]) == len(v)
}

// assignment finds "name=value" or "name: value" in text (env files, logs,
// headers) where the name is key-ish and the value looks like a secret.
func assignment(s string, at int) (int, int, Kind, bool) {
	k := at
	for k > 0 && (s[k-1] == ' ' || s[k-1] == '"' || s[k-1] == '\'') && at-k < 3 {
		k--
	}
	ke := k
	for k > 0 && (word(s[k-1]) || s[k-1] == '-' || s[k-1] == '.') {
		k--
	}
	name := s[k:ke]
	if len(name) < 3 || !keyish(name) {
		return 0, 0, "", false
	}
	v := at + 1
	for v < len(s) && (s[v] == ' ' || s[v] == '"' || s[v] == '\'') {
		v++
	}
	lower := strings.ToLower(s[v:min(len(s), v+7)])
	if strings.HasPrefix(lower, "bearer ") {
		v += 7
	} else if strings.HasPrefix(lower, "basic ") {
		v += 6
	}
	e := v
	for e < len(s) && s[e] > ' ' && s[e] != '"' && s[e] != '\'' && s[e] != ',' && s[e] != ';' && s[e] != '&' && s[e] != '}' {
		e++
	}
	if e == v {
		return 0, 0, "", false
	}
	kind, ok := secretValue(name, s[v:e])
	return v, e, kind, ok
}

func allOf(v string, f func(byte) bool) bool {
	for i := 0; i < len(v); i++ {
		if !f(v[i]) {
			return false
		}
	}
	return true
}

func hexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func classes(v string) int {
	var up, low, dig, other int
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= 'A' && c <= 'Z':
			up = 1
		case c >= 'a' && c <= 'z':
			low = 1
		case c >= '0' && c <= '9':
			dig = 1
		default:
			other = 1
		}
	}
	return up + low + dig + other
}

// entropy is the Shannon entropy of v in bits per byte.
func entropy(v string) float64 {
	var counts [256]int
	for i := 0; i < len(v); i++ {
		counts[v[i]]++
	}
	h, n := 0.0, float64(len(v))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// mayBeKeyish is a cheap first test, without allocation, of keyish: most
// names (title, state, body) fail it.
func mayBeKeyish(name string) bool {
	for _, w := range [...]string{"secret", "pass", "pwd", "token", "key", "credential", "cookie", "auth", "bearer", "sessionid"} {
		if containsFold(name, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word w in any case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for ; j < len(w); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}
