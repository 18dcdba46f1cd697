package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openFile(t *testing.T, home string) *Store {
	t.Helper()
	s, err := Open(Options{Home: home, Backend: BackendFile})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileStoreKeepsValuesAcrossOpens(t *testing.T) {
	home := t.TempDir()
	s := openFile(t, home)
	if s.Backend() != BackendFile {
		t.Fatalf("backend %q", s.Backend())
	}
	if _, created, err := s.Set("GITHUB_TOKEN", "v1-initial"); err != nil || !created {
		t.Fatalf("set: created=%v err=%v", created, err)
	}
	first := s.List()[0]
	if _, created, err := s.Set("GITHUB_TOKEN", "v2-rotated"); err != nil || created {
		t.Fatalf("update: created=%v err=%v", created, err)
	}
	if _, _, err := s.Set("OTHER", "something else"); err != nil {
		t.Fatal(err)
	}

	again := openFile(t, home)
	if v, err := again.Get("GITHUB_TOKEN"); err != nil || v != "v2-rotated" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
	list := again.List()
	if len(list) != 2 || list[0].Name != "GITHUB_TOKEN" || list[1].Name != "OTHER" {
		t.Fatalf("list %+v", list)
	}
	if !list[0].Created.Equal(first.Created) || list[0].Updated.Before(first.Updated) {
		t.Fatalf("times: first %+v now %+v", first, list[0])
	}
	if err := again.Delete("OTHER"); err != nil {
		t.Fatal(err)
	}
	if err := again.Delete("OTHER"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := openFile(t, home).Get("OTHER"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted secret still there: %v", err)
	}
}

func TestFileStoreSealsValuesAndKeepsTheKeyApart(t *testing.T) {
	home := t.TempDir()
	s := openFile(t, home)
	const marker = "marker-5f1c0e9a-plaintext"
	for _, n := range []string{"A", "B"} {
		if _, _, err := s.Set(n, marker); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(home, "secrets.enc"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(marker)) || bytes.Contains(data, []byte("5f1c0e9a")) {
		t.Fatal("secrets.enc holds the value in clear")
	}
	var sf sealedFile
	if err := json.Unmarshal(data, &sf); err != nil {
		t.Fatal(err)
	}
	// The same value under two names seals to different text: fresh nonces.
	if sf.Secrets["A"].Nonce == sf.Secrets["B"].Nonce || sf.Secrets["A"].Sealed == sf.Secrets["B"].Sealed {
		t.Fatal("two entries share a nonce or ciphertext")
	}
	for path, mode := range map[string]os.FileMode{
		filepath.Join(home, "secrets.enc"):         0o600,
		filepath.Join(home, "keys", "secrets.key"): 0o600,
		filepath.Join(home, "keys"):                0o700,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
}

func TestFileStoreRefusesTamperingAndLostKeys(t *testing.T) {
	home := t.TempDir()
	s := openFile(t, home)
	for n, v := range map[string]string{"A": "value-of-a", "B": "value-of-b"} {
		if _, _, err := s.Set(n, v); err != nil {
			t.Fatal(err)
		}
	}
	enc := filepath.Join(home, "secrets.enc")
	orig, _ := os.ReadFile(enc)
	var sf sealedFile
	_ = json.Unmarshal(orig, &sf)

	// A sealed value moved to another name does not open.
	swapped := sf
	swapped.Secrets = map[string]sealedSecret{"A": sf.Secrets["B"], "B": sf.Secrets["A"]}
	data, _ := json.Marshal(swapped)
	_ = os.WriteFile(enc, data, 0o600)
	if _, err := Open(Options{Home: home, Backend: BackendFile}); err == nil || !strings.Contains(err.Error(), "cannot decrypt") {
		t.Fatalf("swapped entries opened: %v", err)
	}

	// Neither does another key.
	_ = os.WriteFile(enc, orig, 0o600)
	other := t.TempDir()
	if _, _, err := openFile(t, other).Set("X", "whatever"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Home: home, KeyDir: filepath.Join(other, "keys"), Backend: BackendFile}); err == nil {
		t.Fatal("opened with the wrong key")
	}

	// A lost key is an error, never a reason to make a new one.
	key := filepath.Join(home, "keys", "secrets.key")
	_ = os.Rename(key, key+".away")
	_, err := Open(Options{Home: home, Backend: BackendFile})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("opened without its key: %v", err)
	}
	if _, err := os.Stat(key); err == nil {
		t.Fatal("a new key was made over lost data")
	}

	// A key others can read is refused until fixed.
	_ = os.Rename(key+".away", key)
	_ = os.Chmod(key, 0o644)
	if _, err := Open(Options{Home: home, Backend: BackendFile}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("opened with a world-readable key: %v", err)
	}
	_ = os.Chmod(key, 0o600)
	if v, err := openFile(t, home).Get("B"); err != nil || v != "value-of-b" {
		t.Fatalf("after restoring: %q %v", v, err)
	}
}

func TestSetRejectsBadNamesAndValues(t *testing.T) {
	s := openFile(t, t.TempDir())
	for _, n := range []string{"", "1ABC", "has space", "a}b", "x$y", strings.Repeat("A", 129)} {
		if _, _, err := s.Set(n, "value"); err == nil {
			t.Errorf("name %q accepted", n)
		}
	}
	if _, _, err := s.Set("EMPTY", ""); err == nil {
		t.Error("empty value accepted")
	}
	if _, _, err := s.Set("BIG", strings.Repeat("x", MaxValueBytes+1)); err == nil {
		t.Error("oversized value accepted")
	}
	for _, n := range []string{"A", "_x", "GITHUB_TOKEN", "my.service-key"} {
		if _, _, err := s.Set(n, "value"); err != nil {
			t.Errorf("name %q refused: %v", n, err)
		}
	}
}

func TestAutoBackendKeepsAnExistingFileStore(t *testing.T) {
	home := t.TempDir()
	if _, _, err := openFile(t, home).Set("A", "value-a"); err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Home: home, Backend: BackendAuto})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != BackendFile {
		t.Fatalf("auto chose %s over an existing secrets.enc", s.Backend())
	}
	if _, err := Open(Options{Home: home, Backend: "vault"}); err == nil {
		t.Fatal("unknown backend accepted")
	}
}

func TestAutoBackendWithoutSessionBusUsesTheFile(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	s, err := Open(Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != BackendFile {
		t.Fatalf("backend %s with no session bus", s.Backend())
	}
	if _, err := Open(Options{Home: t.TempDir(), Backend: BackendKeychain}); err == nil || !strings.Contains(err.Error(), "session bus") {
		t.Fatalf("keychain asked for with no session bus: %v", err)
	}
}

func TestRedactHidesValuesInTextAndJSON(t *testing.T) {
	s := openFile(t, t.TempDir())
	if _, _, err := s.Set("T", `tok"en<&>value`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Set("SHORT", "abc"); err != nil {
		t.Fatal(err)
	}
	enc, _ := json.Marshal(map[string]string{"text": `the tok"en<&>value here`})
	for _, in := range []string{`the tok"en<&>value here`, string(enc)} {
		out := s.Redact(in)
		if strings.Contains(out, "en<&>value") || strings.Contains(out, `en\u003c`) || !strings.Contains(out, Redacted) {
			t.Errorf("Redact(%s) = %s", in, out)
		}
	}
	if got := s.Redact(string(enc)); !json.Valid([]byte(got)) {
		t.Errorf("redacted JSON is no longer JSON: %s", got)
	}
	if got := s.Redact("abc abc"); got != "abc abc" {
		t.Errorf("a short value was scrubbed: %s", got)
	}
	_ = s.Delete("T")
	if got := s.Redact(`tok"en<&>value`); got != `tok"en<&>value` {
		t.Errorf("a deleted value is still scrubbed: %s", got)
	}
}
