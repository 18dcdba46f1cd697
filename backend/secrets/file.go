package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"switchboard/backend/fsutil"
)

// The file backend: secrets.enc in the home folder holds each secret's name
// and times in clear and its value sealed with AES-256-GCM under a fresh
// random nonce, with the name as additional data (so a sealed value cannot
// be moved to another name). The 32-byte key is in secrets.key, mode 0600,
// in a separate folder (Home/keys by default).
//
// What this protects against: the data file copied on its own (a backup, a
// synced or shared home folder, a config bundle sent with a bug report)
// reveals no value. What it does not: any process running as the same user
// can read both files, as it could read the keychain of an unlocked
// session; the key is only as safe as the account.

const (
	encFile  = "secrets.enc"
	keyFile  = "secrets.key"
	keySize  = 32
	fileKind = "switchboard-secrets"
)

func encPath(home string) string       { return filepath.Join(home, encFile) }
func defaultKeyDir(home string) string { return filepath.Join(home, "keys") }
func keyPath(keyDir string) string     { return filepath.Join(keyDir, keyFile) }
func newFileBackend(home, keyDir string) *fileBackend {
	return &fileBackend{path: encPath(home), keyPath: keyPath(keyDir)}
}

type fileBackend struct {
	path    string
	keyPath string
	aead    cipher.AEAD
}

// sealedFile is secrets.enc.
type sealedFile struct {
	Kind    string                  `json:"kind"`
	Version int                     `json:"version"`
	Secrets map[string]sealedSecret `json:"secrets"`
}

type sealedSecret struct {
	Info
	Nonce  string `json:"nonce"`  // base64
	Sealed string `json:"sealed"` // base64: ciphertext and GCM tag
}

func (f *fileBackend) name() string { return BackendFile }

func (f *fileBackend) load() (map[string]*entry, error) {
	out := map[string]*entry{}
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil // the key is made at the first save
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	var sf sealedFile
	if err := json.Unmarshal(data, &sf); err != nil || sf.Kind != fileKind {
		return nil, fmt.Errorf("secrets: %s is not a Switchboard secrets file", f.path)
	}
	if len(sf.Secrets) == 0 {
		return out, nil
	}
	if err := f.openKey(false); err != nil {
		return nil, err
	}
	for name, s := range sf.Secrets {
		nonce, err1 := base64.StdEncoding.DecodeString(s.Nonce)
		sealed, err2 := base64.StdEncoding.DecodeString(s.Sealed)
		if err1 != nil || err2 != nil || len(nonce) != f.aead.NonceSize() {
			return nil, fmt.Errorf("secrets: %s: the entry for %s is damaged", f.path, name)
		}
		plain, err := f.aead.Open(nil, nonce, sealed, []byte(name))
		if err != nil {
			return nil, fmt.Errorf("secrets: %s: cannot decrypt %s: the key in %s is not the one it was sealed with, or the file was altered", f.path, name, f.keyPath)
		}
		info := s.Info
		info.Name = name
		out[name] = &entry{Info: info, value: string(plain)}
	}
	return out, nil
}

func (f *fileBackend) save(_ string, _ *entry, all map[string]*entry) error {
	return f.write(all)
}

func (f *fileBackend) remove(_ string, all map[string]*entry) error {
	return f.write(all)
}

// write seals every value afresh and replaces the file atomically.
func (f *fileBackend) write(all map[string]*entry) error {
	if err := f.openKey(true); err != nil {
		return err
	}
	sf := sealedFile{Kind: fileKind, Version: 1, Secrets: make(map[string]sealedSecret, len(all))}
	for name, e := range all {
		nonce := make([]byte, f.aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return fmt.Errorf("secrets: %w", err)
		}
		sealed := f.aead.Seal(nil, nonce, []byte(e.value), []byte(name))
		sf.Secrets[name] = sealedSecret{Info: e.Info,
			Nonce: base64.StdEncoding.EncodeToString(nonce), Sealed: base64.StdEncoding.EncodeToString(sealed)}
	}
	data, err := json.MarshalIndent(sf, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(f.path, append(data, '\n'))
}

// openKey reads the key, or with create makes one when there is none. A
// missing key beside a secrets file that holds values is an error, never a
// reason to make a new key: that would lose every value.
func (f *fileBackend) openKey(create bool) error {
	if f.aead != nil {
		return nil
	}
	raw, err := os.ReadFile(f.keyPath)
	var key []byte
	switch {
	case err == nil:
		key, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != keySize {
			return fmt.Errorf("secrets: %s is not a %d-byte key", f.keyPath, keySize)
		}
		if fi, err := os.Stat(f.keyPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("secrets: %s can be read by other users (mode %v); run chmod 600 on it", f.keyPath, fi.Mode().Perm())
		}
	case errors.Is(err, fs.ErrNotExist) && create:
		key = make([]byte, keySize)
		if _, err := rand.Read(key); err != nil {
			return fmt.Errorf("secrets: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(f.keyPath), 0o700); err != nil {
			return fmt.Errorf("secrets: %w", err)
		}
		if err := writeAtomic(f.keyPath, []byte(base64.StdEncoding.EncodeToString(key)+"\n")); err != nil {
			return err
		}
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("secrets: the key %s is missing, so the values in %s cannot be decrypted; restore the key file", f.keyPath, f.path)
	default:
		return fmt.Errorf("secrets: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	f.aead, err = cipher.NewGCM(block)
	return err
}

// writeAtomic writes data with mode 0600 through a temporary file and a
// rename, so a crash leaves the old file or the new one, never half of one.
func writeAtomic(path string, data []byte) error {
	if err := fsutil.WriteFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	return nil
}
