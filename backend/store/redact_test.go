package store

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRedactArguments(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"nothing secret is kept byte for byte", `{"path":"/tmp/a.txt","recursive":true,"depth":3}`,
			`{"path":"/tmp/a.txt","recursive":true,"depth":3}`},
		{"secret keys in any spelling",
			`{"Password":"hunter2","API-Key":"k1","apiKey":"k2","x_access_key":"k3","Authorization":"Basic x","client_secret":"s","refresh_token":"t","Cookie":"c","PRIVATE_KEY":"p","credentials":"c","passwd":"p","auth":"a","name":"ok"}`,
			`{"Password":"[REDACTED]","API-Key":"[REDACTED]","apiKey":"[REDACTED]","x_access_key":"[REDACTED]","Authorization":"[REDACTED]","client_secret":"[REDACTED]","refresh_token":"[REDACTED]","Cookie":"[REDACTED]","PRIVATE_KEY":"[REDACTED]","credentials":"[REDACTED]","passwd":"[REDACTED]","auth":"[REDACTED]","name":"ok"}`},
		{"nested objects and arrays, order kept",
			`{"z":1,"config":{"db":{"user":"bob","password":"pw"},"servers":[{"name":"a","token":"t1"},{"name":"b","headers":{"Authorization":"Bearer zzz"}}]},"a":[1,2.50,{"secret":{"deep":["x"]}}]}`,
			`{"z":1,"config":{"db":{"user":"bob","password":"[REDACTED]"},"servers":[{"name":"a","token":"[REDACTED]"},{"name":"b","headers":{"Authorization":"[REDACTED]"}}]},"a":[1,2.50,{"secret":"[REDACTED]"}]}`},
		{"a secret key hides numbers and objects but keeps booleans and null",
			`{"pin_password":1234,"use_auth":true,"token":null,"credential":{"u":"x"}}`,
			`{"pin_password":"[REDACTED]","use_auth":true,"token":null,"credential":"[REDACTED]"}`},
		{"author is not auth", `{"author":"Ada","co_author":"Bob","oauth":"x"}`,
			`{"author":"Ada","co_author":"Bob","oauth":"[REDACTED]"}`},
		{"token-shaped strings under ordinary keys and in arrays",
			`{"header":"Bearer abcdefghijklmnop1234","keys":["sk-ant-api03-abcdefghijklmnopqrstuv","ghp_abcdefghijklmnopqrstuvwxyz0123456789","xoxb-1234567890-abcdef","AKIAIOSFODNN7EXAMPLE","plain"]}`,
			`{"header":"[REDACTED]","keys":["[REDACTED]","[REDACTED]","[REDACTED]","[REDACTED]","plain"]}`},
		{"a token inside a longer string",
			`{"command":"curl -H 'Authorization: Bearer abcdefghijklmnop1234' https://api.example.com"}`,
			`{"command":"curl -H 'Authorization: [REDACTED]' https://api.example.com"}`},
		{"prose with trigger words is left alone",
			`{"text":"ask the bearer of the basic plan about the task-list in Asia","key":"name"}`,
			`{"text":"ask the bearer of the basic plan about the task-list in Asia","key":"name"}`},
		{"an escaped key is still recognised", `{"pass\u0077ord":"pw"}`, `{"password":"[REDACTED]"}`},
		{"top-level array", `[{"token":"t"},"sk-abcdefghijklmnopqrstuvwx"]`, `[{"token":"[REDACTED]"},"[REDACTED]"]`},
		{"invalid JSON", `{"password": "pw"`, `"[unparsable arguments]"`},
		{"not JSON at all", `password=pw`, `"[unparsable arguments]"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := RedactArguments(json.RawMessage(c.in))
			if string(got) != c.want {
				t.Fatalf("RedactArguments(%s)\n got  %s\n want %s", c.in, got, c.want)
			}
			if !json.Valid(got) {
				t.Fatalf("output is not JSON: %s", got)
			}
		})
	}
	if got := RedactArguments(nil); got != nil {
		t.Fatalf("RedactArguments(nil) = %s, want nil", got)
	}
}

func TestRedactPrivateKeyBlock(t *testing.T) {
	in, _ := json.Marshal(map[string]string{"content": "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nafter"})
	got := string(RedactArguments(in))
	if strings.Contains(got, "MIIEow") || !strings.Contains(got, "before") || !strings.Contains(got, "after") {
		t.Fatalf("private key block not cut out cleanly: %s", got)
	}
}

func BenchmarkRedactArguments(b *testing.B) {
	plain := json.RawMessage(`{"path":"/home/user/project/README.md","offset":0,"limit":200}`)
	secret := json.RawMessage(`{"url":"https://api.example.com","headers":{"Authorization":"Bearer abcdefghijklmnop1234"},"body":{"q":"x"}}`)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			RedactArguments(plain)
		}
	})
	b.Run("with-secret", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			RedactArguments(secret)
		}
	})
}
