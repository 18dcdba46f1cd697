package secrets

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactingHandlerHidesValuesInEveryPart(t *testing.T) {
	s := openFile(t, t.TempDir())
	const value = "log-secret-8812"
	if _, _, err := s.Set("T", value); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(RedactingHandler(slog.NewJSONHandler(&buf, nil), s))
	log = log.With("with", "pre "+value).WithGroup("g")
	log.Info("message "+value, "str", value, "err", errors.New("dial http://x/?t="+value),
		"list", []string{value}, slog.Group("grp", "inner", value), "n", 3)
	out := buf.String()
	if strings.Contains(out, value) {
		t.Fatalf("logged the value: %s", out)
	}
	if strings.Count(out, Redacted) != 6 || !strings.Contains(out, `"n":3`) {
		t.Fatalf("log line: %s", out)
	}
}
