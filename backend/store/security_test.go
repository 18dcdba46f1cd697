package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A card number and a private key in a call are flagged on its record
// and redacted in what is stored, in the arguments and in the result; the
// hook hears of the record.
func TestSensitiveDataIsFlaggedAndRedacted(t *testing.T) {
	s := openTest(t, t.TempDir())
	heard := make(chan ActivityRecord, 4)
	s.OnSensitive(func(r ActivityRecord) { heard <- r })
	key := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAvq7eP8mb0Zl4uGc5YgYVtNQ3d5VQy7Q9x2dOaXkL0fG1cE4M\n-----END RSA PRIVATE KEY-----"
	args, _ := json.Marshal(map[string]any{"note": "deploy with " + key, "path": "/tmp/x"})
	id := NewActivityID(time.Now())
	s.Record(ActivityRecord{ID: id, Server: "notes", Tool: "save", Arguments: args, Outcome: OutcomeOK,
		ResultValue: map[string]any{"content": []any{map[string]any{"type": "text", "text": "card 4111 1111 1111 1111 on file"}}}})
	s.Record(ActivityRecord{Server: "notes", Tool: "list", Arguments: json.RawMessage(`{"path":"/tmp"}`), Outcome: OutcomeOK})
	s.Flush()
	got, err := s.GetActivity(id)
	if err != nil {
		t.Fatal(err)
	}
	stored := string(got.Arguments) + string(got.Result)
	if strings.Contains(stored, "MIIEowIBAAKCAQEA") || strings.Contains(stored, "4111 1111 1111 1111") {
		t.Fatalf("sensitive data stored: %s", stored)
	}
	if !strings.Contains(string(got.Arguments), "[REDACTED:private_key]") || !strings.Contains(string(got.Arguments), "/tmp/x") {
		t.Fatalf("arguments: %s", got.Arguments)
	}
	var kinds []string
	for _, f := range got.Sensitive {
		kinds = append(kinds, f.In+":"+f.Kind)
		if strings.Contains(f.Excerpt, "MIIEowIBAAKCAQEA") || strings.Contains(f.Excerpt, "1111 1111 1111") {
			t.Fatalf("the excerpt shows the value: %+v", f)
		}
	}
	if strings.Join(kinds, ",") != "arguments:private_key,result:card_number" {
		t.Fatalf("findings: %+v", got.Sensitive)
	}
	select {
	case r := <-heard:
		if r.ID != id || len(r.Sensitive) != 2 {
			t.Fatalf("hook heard %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hook was not called")
	}
	select {
	case r := <-heard:
		t.Fatalf("the hook heard of a clean record: %+v", r)
	default:
	}
	flagged, _, err := s.ListActivity(ActivityFilter{Sensitive: true})
	if err != nil || len(flagged) != 1 || flagged[0].ID != id {
		t.Fatalf("sensitive filter: %v %+v", err, flagged)
	}
}

func TestSecurityRecordsFilterAndPage(t *testing.T) {
	s := openTest(t, t.TempDir())
	base := time.Now().Add(-time.Hour).UTC()
	recs := []SecurityRecord{
		{Type: "policy.denied", Level: LevelWarning, Server: "fs", Principal: "bot", Message: "a"},
		{Type: "sensitive.found", Level: LevelCritical, Server: "notes", Message: "b"},
		{Type: "server.quarantined", Level: LevelInfo, Server: "fs", Message: "c"},
		{Type: "sensitive.blocked", Level: LevelWarning, Server: "notes", Principal: "bot", Message: "d"},
	}
	for i, r := range recs {
		r.Time = base.Add(time.Duration(i) * time.Minute)
		if _, err := s.AppendSecurity(r); err != nil {
			t.Fatal(err)
		}
	}
	list := func(f SecurityFilter) []string {
		t.Helper()
		out, _, err := s.ListSecurity(f)
		if err != nil {
			t.Fatal(err)
		}
		var m []string
		for _, r := range out {
			m = append(m, r.Message)
		}
		return m
	}
	for name, c := range map[string]struct {
		f    SecurityFilter
		want string
	}{
		"all":        {SecurityFilter{}, "d,c,b,a"},
		"type":       {SecurityFilter{Type: "policy.denied"}, "a"},
		"prefix":     {SecurityFilter{Type: "sensitive."}, "d,b"},
		"level":      {SecurityFilter{Level: LevelWarning}, "d,b,a"},
		"critical":   {SecurityFilter{Level: LevelCritical}, "b"},
		"server":     {SecurityFilter{Server: "fs"}, "c,a"},
		"principal":  {SecurityFilter{Principal: "bot"}, "d,a"},
		"since":      {SecurityFilter{Since: base.Add(90 * time.Second)}, "d,c"},
		"until":      {SecurityFilter{Until: base.Add(90 * time.Second)}, "b,a"},
		"type+level": {SecurityFilter{Type: "sensitive.", Level: LevelCritical}, "b"},
	} {
		if got := strings.Join(list(c.f), ","); got != c.want {
			t.Errorf("%s: got %q, want %q", name, got, c.want)
		}
	}
	page, next, err := s.ListSecurity(SecurityFilter{Limit: 3})
	if err != nil || len(page) != 3 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(page), next, err)
	}
	page, next, err = s.ListSecurity(SecurityFilter{Limit: 3, Cursor: next})
	if err != nil || len(page) != 1 || next != "" || page[0].Message != "a" {
		t.Fatalf("page 2: %+v %q %v", page, next, err)
	}
	one, err := s.GetSecurity(page[0].ID)
	if err != nil || one.Message != "a" {
		t.Fatalf("get: %+v %v", one, err)
	}
	if _, err := s.GetSecurity("nope"); err != ErrNotFound {
		t.Fatalf("get unknown: %v", err)
	}
}
