// Package sensitive finds secrets and personal financial data in the JSON
// arguments and results of tool calls (private keys, cloud keys, API tokens,
// JWTs, card numbers, IBANs) and redacts them, keeping the JSON valid.
package sensitive

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Kind names what was found.
type Kind string

const (
	PrivateKey        Kind = "private_key"
	AWSAccessKey      Kind = "aws_access_key"
	AWSSecretKey      Kind = "aws_secret_key"
	GCPServiceAccount Kind = "gcp_service_account"
	GCPAPIKey         Kind = "gcp_api_key"
	AzureKey          Kind = "azure_key"
	GitHubToken       Kind = "github_token"
	GitLabToken       Kind = "gitlab_token"
	SlackToken        Kind = "slack_token"
	StripeKey         Kind = "stripe_key"
	OpenAIKey         Kind = "openai_key"
	AnthropicKey      Kind = "anthropic_key"
	JWT               Kind = "jwt"
	GenericSecret     Kind = "generic_secret"
	CardNumber        Kind = "card_number"
	IBAN              Kind = "iban"
)

// Severity of a finding.
type Severity string

const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

// Finding is one secret found in a document.
type Finding struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Path is the JSON path of the value holding it, e.g. "$.content[0].text";
	// "$" when the document is not JSON.
	Path string `json:"path"`
	// Excerpt is a masked form that identifies the secret without revealing it.
	Excerpt string `json:"excerpt"`
	// Start and End are byte offsets of the secret in the decoded value at
	// Path (for a document that is not JSON, in the document itself).
	Start int `json:"start"`
	End   int `json:"end"`
}

// Scan checks every string and number of a JSON document. A document that is
// not JSON is checked as plain text.
func Scan(data []byte) []Finding {
	var out []Finding
	gcp := bytes.Contains(data, []byte(`"service_account`))
	err := walkJSON(data, func(l *leaf) {
		var found []Finding
		if l.num {
			found = scanNumber(l.value)
		} else {
			found = scanString(l.key, l.value, gcp)
		}
		if len(found) == 0 {
			return
		}
		path := pathString(l.path)
		for i := range found {
			found[i].Path = path
		}
		out = append(out, found...)
	})
	if err != nil {
		out = scanString("", string(data), gcp)
		for i := range out {
			out[i].Path = "$"
		}
	}
	return out
}

// ScanText checks a plain text, such as a log line; findings have Path "$".
func ScanText(text string) []Finding {
	out := scanString("", text, strings.Contains(text, `"service_account`))
	for i := range out {
		out[i].Path = "$"
	}
	return out
}

// Blocking reports whether any finding is high severity.
func Blocking(findings []Finding) bool {
	for _, f := range findings {
		if f.Severity == High {
			return true
		}
	}
	return false
}

// Placeholder is what Redact puts in place of a secret of kind k.
func Placeholder(k Kind) string { return "[REDACTED:" + string(k) + "]" }

// Redact replaces what findings point at. Everything else in the document is
// kept byte for byte, and the result is valid JSON when data was. A finding
// whose offsets no longer fit its value redacts the whole value.
func Redact(data []byte, findings []Finding) []byte {
	if len(findings) == 0 {
		return data
	}
	byPath := map[string][]Finding{}
	for _, f := range findings {
		byPath[f.Path] = append(byPath[f.Path], f)
	}
	type edit struct {
		start, end int
		text       []byte
	}
	var edits []edit
	err := walkJSON(data, func(l *leaf) {
		fs := byPath[pathString(l.path)]
		if len(fs) == 0 {
			return
		}
		text, _ := marshalString(redactValue(l.value, fs))
		edits = append(edits, edit{l.start, l.end, text})
	})
	if err != nil {
		return []byte(redactValue(string(data), byPath["$"]))
	}
	var b bytes.Buffer
	b.Grow(len(data))
	at := 0
	for _, e := range edits {
		b.Write(data[at:e.start])
		b.Write(e.text)
		at = e.end
	}
	b.Write(data[at:])
	return b.Bytes()
}

func redactValue(v string, fs []Finding) string {
	fs = append([]Finding(nil), fs...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Start > fs[j].Start })
	end := len(v) + 1
	for _, f := range fs {
		if f.Start < 0 || f.End > len(v) || f.Start >= f.End || f.End > end {
			return Placeholder(f.Kind)
		}
		v = v[:f.Start] + Placeholder(f.Kind) + v[f.End:]
		end = f.Start
	}
	return v
}

func marshalString(s string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// mask shows enough of a secret to recognise it (its type prefix) and never
// enough to use it.
func mask(s string, k Kind) string {
	switch k {
	case CardNumber:
		d := digitsOnly(s)
		return brand(d) + " ****" + d[len(d)-4:]
	case IBAN:
		c := compact(s)
		return c[:4] + " ****" + c[len(c)-2:]
	case PrivateKey, GCPServiceAccount:
		if i := strings.Index(s[5:], "-----"); i > 0 {
			return s[:i+10] + "…(" + strconv.Itoa(len(s)) + " bytes)"
		}
	}
	// Known tokens show their type prefix; other secrets show nothing.
	show := 0
	if k == AWSAccessKey || k == GCPAPIKey {
		show = 4
	}
	for _, p := range []string{"github_pat_", "sk-ant-api03-", "sk-ant-", "sk-proj-", "sk_live_", "rk_live_", "sk_test_", "glpat-", "xoxb-", "xoxp-", "ghp_", "gho_", "ghs_", "ghu_", "ghr_", "eyJ"} {
		if strings.HasPrefix(s, p) {
			show = len(p)
			break
		}
	}
	return s[:show] + "****…(" + strconv.Itoa(len(s)) + " chars)"
}
