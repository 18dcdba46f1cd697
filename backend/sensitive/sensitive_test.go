package sensitive

import (
	"encoding/json"
	"strings"
	"testing"
)

// Tokens are assembled at run time so that the source holds no string a
// secret scanner would take for a live credential.
var (
	githubToken       = "ghp_" + "R8x2Lq9ZtVb4Nc7Wm1Ka5Yd3Hs6Jf0Pg2Ue8"
	githubPAT         = "github_pat_" + "11ABCDEFG0a1b2c3d4e5f6_g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6A7B8C9D0E1F2G3H4"
	gitlabToken       = "glpat-" + "xR4tY7uI9oP2aS5dF8gH"
	slackToken        = "xoxb-" + "2048592013-4820458123-Zq8Xr2Lm9Tb4Vc7Nw1Ka5Yd3"
	stripeKey         = "sk_live_" + "51Hx8QpLkR2Zt9Vb4Nc7Wm1Ka5Yd3Hs6Jf0Pg"
	openAIKey         = "sk-proj-" + "Zq8Xr2Lm9Tb4Vc7Nw1Ka5Yd3Hs6Jf0Pg2Ue8Bi4Oc6Lw"
	anthropicKey      = "sk-ant-api03-" + "Zq8Xr2Lm9Tb4Vc7Nw1Ka5Yd3Hs6Jf0Pg2Ue8Bi4Oc6Lw_Rt7Yu9Io1Pa3Sd5Fg7Hj9Kl-QWERTYUIOPAA"
	awsAccessKey      = "AKIA" + "IOSFODNN7EXAMPLE"
	awsSecretKey      = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
	gcpAPIKey         = "AIza" + "SyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"
	azureAccount      = "DefaultEndpointsProtocol=https;AccountName=prodfiles;AccountKey=" + "Zq8Xr2Lm9Tb4Vc7Nw1Ka5Yd3Hs6Jf0Pg2Ue8Bi4Oc6Lw+Rt7Yu9Io1Pa3Sd5Fg7Hj9Kl/QWeRtYuIoPaSdFgHjKlZxCvB==" + ";EndpointSuffix=core.windows.net"
	azureClientSecret = "Zx7" + "8Q~" + "aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w"
	jwtToken          = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ." + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	privateKeyText    = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Gg8hJgN6fs6DkDLqJ+9wNs\nq2Xw9+Lm3bVcD8kF7jH5nR1tY6uE4oP0sA==\n-----END RSA PRIVATE KEY-----"
)

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func kinds(fs []Finding) []Kind {
	var out []Kind
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

func TestFindsSecrets(t *testing.T) {
	cases := []struct {
		name, doc string
		kind      Kind
		path      string
	}{
		{"pem in text", `{"content":[{"type":"text","text":` + jsonString("key file:\n"+privateKeyText+"\nend") + `}]}`, PrivateKey, "$.content[0].text"},
		{"gcp service account", `{"type":"service_account","project_id":"demo","private_key_id":"3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39","private_key":` + jsonString(strings.Replace(privateKeyText, "RSA ", "", 2)) + `,"client_email":"bot@demo.iam.gserviceaccount.com"}`, GCPServiceAccount, "$.private_key"},
		{"aws access key", `{"Credentials":{"AccessKeyId":"` + awsAccessKey + `"}}`, AWSAccessKey, "$.Credentials.AccessKeyId"},
		{"aws secret by key", `{"aws_secret_access_key":"` + awsSecretKey + `"}`, AWSSecretKey, "$.aws_secret_access_key"},
		{"aws secret in env text", `{"text":"AWS_REGION=eu-west-1\nAWS_SECRET_ACCESS_KEY=` + awsSecretKey + `\n"}`, AWSSecretKey, "$.text"},
		{"azure storage", `{"conn":"` + azureAccount + `"}`, AzureKey, "$.conn"},
		{"azure client secret", `{"value":"` + azureClientSecret + `"}`, AzureKey, "$.value"},
		{"gcp api key", `["url","https://maps.googleapis.com/api?key=` + gcpAPIKey + `"]`, GCPAPIKey, "$[1]"},
		{"github token", `{"out":"token: ` + githubToken + `"}`, GitHubToken, "$.out"},
		{"github pat", `{"out":"` + githubPAT + `"}`, GitHubToken, "$.out"},
		{"gitlab token", `{"out":"` + gitlabToken + `"}`, GitLabToken, "$.out"},
		{"slack token", `{"out":"` + slackToken + `"}`, SlackToken, "$.out"},
		{"stripe key", `{"out":"` + stripeKey + `"}`, StripeKey, "$.out"},
		{"openai key", `{"out":"OPENAI_API_KEY=` + openAIKey + `"}`, OpenAIKey, "$.out"},
		{"anthropic key", `{"out":"` + anthropicKey + `"}`, AnthropicKey, "$.out"},
		{"jwt", `{"headers":{"X-Id":"` + jwtToken + `"}}`, JWT, "$.headers.X-Id"},
		{"generic by key", `{"config":{"api_key":"q8Zt3LmX9vPa2RkW7nYc4"}}`, GenericSecret, "$.config.api_key"},
		{"password", `{"db":{"password":"hunter2!x"}}`, GenericSecret, "$.db.password"},
		{"bearer header in text", `{"log":"GET /v1 Authorization: Bearer Zq8Xr2Lm9Tb4Vc7Nw1Ka5Yd3"}`, GenericSecret, "$.log"},
		{"odd key path", `{"my key":{"client_secret":"Zq8Xr2Lm9Tb4Vc7Nw1Ka5Yd3"}}`, GenericSecret, `$["my key"].client_secret`},
		{"visa grouped", `{"text":"card 4111 1111 1111 1111 exp 12/29"}`, CardNumber, "$.text"},
		{"mastercard dashed", `{"text":"5555-5555-5555-4444"}`, CardNumber, "$.text"},
		{"amex", `{"pan":"378282246310005"}`, CardNumber, "$.pan"},
		{"card as number", `{"pan":4111111111111111}`, CardNumber, "$.pan"},
		{"iban grouped", `{"text":"Pay to GB82 WEST 1234 5698 7654 32 by Friday"}`, IBAN, "$.text"},
		{"iban compact", `{"iban":"DE89370400440532013000"}`, IBAN, "$.iban"},
		{"not json", "export GITHUB_TOKEN=" + githubToken, GitHubToken, "$"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := Scan([]byte(c.doc))
			if len(fs) != 1 || fs[0].Kind != c.kind || fs[0].Path != c.path {
				t.Fatalf("want one %s at %s, got %+v", c.kind, c.path, fs)
			}
			f := fs[0]
			if f.Severity == "" || f.Excerpt == "" || f.End <= f.Start {
				t.Fatalf("incomplete finding %+v", f)
			}
			secret := secretOf(t, c.doc, f)
			if len(secret) > 8 && strings.Contains(f.Excerpt, secret) {
				t.Fatalf("excerpt %q shows the secret", f.Excerpt)
			}
			red := Redact([]byte(c.doc), fs)
			if c.path != "$" && !json.Valid(red) {
				t.Fatalf("redacted document is not JSON: %s", red)
			}
			if strings.Contains(string(red), secret) || !strings.Contains(string(red), Placeholder(c.kind)) {
				t.Fatalf("not redacted: %s", red)
			}
			if again := Scan(red); len(again) != 0 {
				t.Fatalf("redacted document still has %+v", again)
			}
		})
	}
}

// secretOf returns the text a finding points at.
func secretOf(t *testing.T, doc string, f Finding) string {
	t.Helper()
	var got string
	if err := walkJSON([]byte(doc), func(l *leaf) {
		if pathString(l.path) == f.Path {
			got = l.value[f.Start:f.End]
		}
	}); err != nil {
		return doc[f.Start:f.End]
	}
	return got
}

func TestIgnoresLookAlikes(t *testing.T) {
	for name, doc := range map[string]string{
		"16 digits failing Luhn":  `{"text":"order 4111 1111 1111 1112"}`,
		"number failing Luhn":     `{"id":1234567812345678}`,
		"timestamp in ms":         `{"ts":1700000000000,"text":"at 1700000000000"}`,
		"git sha under sha":       `{"sha":"3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39","commit":"3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"}`,
		"git sha in text":         `{"text":"HEAD is now at 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 Fix the build"}`,
		"uuid request id":         `{"request_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7"}`,
		"iban bad checksum":       `{"text":"GB82 WEST 1234 5698 7654 33"}`,
		"token bookkeeping":       `{"max_tokens":1000,"token_type":"Bearer","usage":{"output_tokens":52}}`,
		"secret reference":        `{"env":{"DB_PASSWORD":"${keyring:db}","API_KEY":"[REDACTED:generic_secret]"}}`,
		"prefix inside a word":    `{"text":"XAKIAIOSFODNN7EXAMPLEX and sk-short"}`,
		"low entropy under token": `{"token":"aaaaaaaaaaaaaaaaaaaaaaaa"}`,
		"prose about keys":        `{"text":"Rotate the API key and the password every 90 days; see https://docs.example.com/keys."}`,
		"jwt-like without alg":    `{"text":"eyJmb28iOiJiYXIifQxxxx.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnopqrstu"}`,
		"phone number":            `{"text":"+1 415-555-0100, 0044 20 7946 0958"}`,
		"version and decimals":    `{"text":"v4111111111111111.0 and 4111111111111111.25"}`,
	} {
		if fs := Scan([]byte(doc)); len(fs) != 0 {
			t.Errorf("%s: %+v", name, fs)
		}
	}
}

func TestRedactKeepsTheRest(t *testing.T) {
	doc := "{\n  \"z\": \"first\",\n  \"a\": {\"pan\": 4111111111111111, \"note\": \"card 5555-5555-5555-4444 and key " + githubToken + " <ok>\"},\n  \"list\": [1, 2.5, true, null]\n}"
	fs := Scan([]byte(doc))
	if got := kinds(fs); len(got) != 3 {
		t.Fatalf("%v", got)
	}
	red := string(Redact([]byte(doc), fs))
	want := "{\n  \"z\": \"first\",\n  \"a\": {\"pan\": \"[REDACTED:card_number]\", \"note\": \"card [REDACTED:card_number] and key [REDACTED:github_token] <ok>\"},\n  \"list\": [1, 2.5, true, null]\n}"
	if red != want {
		t.Fatalf("got\n%s\nwant\n%s", red, want)
	}
	if string(Redact([]byte(doc), nil)) != doc {
		t.Fatal("no findings must leave the document as it is")
	}
}

func TestRedactWholeValueWhenOffsetsNoLongerFit(t *testing.T) {
	red := Redact([]byte(`{"a":"short"}`), []Finding{{Kind: JWT, Path: "$.a", Start: 2, End: 400}})
	if string(red) != `{"a":"[REDACTED:jwt]"}` {
		t.Fatalf("%s", red)
	}
}

func TestEscapedStrings(t *testing.T) {
	doc := `{"t":"line\n\u0041KIAIOSFODNN7EXAMPLE\t\"quoted\""}`
	fs := Scan([]byte(doc))
	if len(fs) != 1 || fs[0].Kind != AWSAccessKey {
		t.Fatalf("%+v", fs)
	}
	red := Redact([]byte(doc), fs)
	var v struct{ T string }
	if err := json.Unmarshal(red, &v); err != nil || v.T != "line\n[REDACTED:aws_access_key]\t\"quoted\"" {
		t.Fatalf("%s %v", red, err)
	}
}

func TestLuhn(t *testing.T) {
	if !luhn("4111111111111111") || luhn("4111111111111112") || luhn("1234567812345678") {
		t.Fatal("luhn")
	}
}
