package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"switchboard/backend/config"
)

// Moved is one literal value that Migrate moved into the store.
type Moved struct {
	Server string `json:"server"`
	// Field is "env" or "headers".
	Field string `json:"field"`
	Key   string `json:"key"`
	// Name is the secret the value now lives under; the config says
	// ${keyring:Name} in its place.
	Name string `json:"name"`
}

// secretKeyWords mark an env or header key whose value is a secret.
var secretKeyWords = []string{"TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "COOKIE", "AUTH"}

// LooksSecret reports whether an env or header key names a secret:
// *TOKEN*, *KEY*, *SECRET*, *PASSWORD*, Authorization and the like.
func LooksSecret(key string) bool {
	k := strings.ToUpper(key)
	for _, w := range secretKeyWords {
		if w == "AUTH" {
			// AUTHORIZATION, X_AUTH, OAUTH... but not AUTHOR.
			if strings.Contains(k, "AUTH") && !(strings.Contains(k, "AUTHOR") && !strings.Contains(k, "AUTHORIZ")) {
				return true
			}
			continue
		}
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

var (
	refRe = regexp.MustCompile(`\$\{(?:env|keyring):[^}]*\}`)
	// schemeRe splits "Bearer abc" so only the credential is moved and the
	// header reads "Bearer ${keyring:NAME}".
	schemeRe  = regexp.MustCompile(`^([A-Za-z][A-Za-z-]*) (\S+)$`)
	nonNameRe = regexp.MustCompile(`[^A-Z0-9_]+`)
)

// Migrate moves literal secret values of cfg's servers into the store and
// rewrites them in cfg to ${keyring:NAME}. Only keys that look secret are
// moved, unless all is set (then every literal env and header value is).
// Values that already hold a reference are left alone. With dryRun the
// store and cfg are untouched and the result says what would move.
func (s *Store) Migrate(cfg *config.Config, all, dryRun bool) ([]Moved, error) {
	var moved []Moved
	taken := map[string]string{} // names given out in this run, with their values
	for _, server := range slices.Sorted(maps.Keys(cfg.Servers)) {
		sc := cfg.Servers[server]
		if sc == nil {
			continue
		}
		for _, field := range []string{"env", "headers"} {
			m := sc.Env
			if field == "headers" {
				m = sc.Headers
			}
			for _, key := range slices.Sorted(maps.Keys(m)) {
				v := m[key]
				if v == "" || refRe.MatchString(v) || !(all || LooksSecret(key)) {
					continue
				}
				prefix, secret := "", v
				if field == "headers" {
					if p := schemeRe.FindStringSubmatch(v); p != nil && isAuthScheme(p[1]) {
						prefix, secret = p[1]+" ", p[2]
					}
				}
				name := s.freeName(secretName(server, key), secret, taken)
				taken[name] = secret
				moved = append(moved, Moved{Server: server, Field: field, Key: key, Name: name})
				if dryRun {
					continue
				}
				if _, _, err := s.Set(name, secret); err != nil {
					return moved[:len(moved)-1], fmt.Errorf("moving mcpServers.%s.%s.%s: %w", server, field, key, err)
				}
				m[key] = prefix + "${keyring:" + name + "}"
			}
		}
	}
	return moved, nil
}

func isAuthScheme(w string) bool {
	switch strings.ToLower(w) {
	case "bearer", "basic", "token", "apikey", "api-key", "digest":
		return true
	}
	return false
}

// secretName is SERVER_KEY in upper case, with anything but letters,
// digits and '_' turned into '_'.
func secretName(server, key string) string {
	n := nonNameRe.ReplaceAllString(strings.ToUpper(server+"_"+key), "_")
	n = strings.Trim(n, "_")
	if n == "" || (n[0] >= '0' && n[0] <= '9') {
		n = "S_" + n
	}
	if len(n) > 120 {
		n = n[:120]
	}
	return n
}

// freeName is base, or base_2, base_3... for the first name not already
// holding a different value: the same value under the same name is reused.
func (s *Store) freeName(base, value string, taken map[string]string) string {
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s_%d", base, i)
		}
		if v, ok := taken[name]; ok {
			if v == value {
				return name
			}
			continue
		}
		cur, err := s.Get(name)
		if err != nil || cur == value {
			return name
		}
	}
}

// Scrub rewrites files that hold copies of a config from before Migrate (the
// .bak of the save, backups): each moved value, as it appears in a JSON
// string, becomes its ${keyring:NAME} reference, so the copies still
// restore the same config and no longer hold the values. It returns the
// files it changed; missing files are skipped.
func (s *Store) Scrub(paths []string, moved []Moved) ([]string, error) {
	var pairs []string
	for _, m := range moved {
		v, err := s.Get(m.Name)
		if err != nil {
			continue
		}
		ref := "${keyring:" + m.Name + "}"
		for _, form := range jsonForms(v) {
			pairs = append(pairs, form, ref)
		}
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	r := strings.NewReplacer(pairs...)
	var changed []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return changed, err
		}
		out := r.Replace(string(data))
		if out == string(data) {
			continue
		}
		if err := writeAtomic(p, []byte(out)); err != nil {
			return changed, err
		}
		changed = append(changed, p)
	}
	return changed, nil
}

// jsonForms are the ways v can be written inside a JSON string.
func jsonForms(v string) []string {
	forms := []string{}
	if q, err := json.Marshal(v); err == nil {
		forms = append(forms, string(q[1:len(q)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		q := bytes.TrimSpace(buf.Bytes())
		if f := string(q[1 : len(q)-1]); f != forms[0] {
			forms = append(forms, f)
		}
	}
	return forms
}
