package secrets

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Redacted stands in for a secret's value wherever one is found.
const Redacted = "[REDACTED]"

// minRedactLen is the shortest value Redact hides: shorter ones ("1",
// "true") are too common to scrub from text without destroying it, and too
// weak to be worth it.
const minRedactLen = 6

// rebuildRedactor prepares Redact for the values held now. Called with mu held.
func (s *Store) rebuildRedactor() {
	var forms []string
	seen := map[string]bool{}
	add := func(f string) {
		if len(f) >= minRedactLen && !seen[f] {
			seen[f] = true
			forms = append(forms, f)
		}
	}
	for _, e := range s.entries {
		add(e.value)
		// The value as it appears inside a JSON string, both as Go's
		// encoder writes it by default and without HTML escaping.
		if q, err := json.Marshal(e.value); err == nil {
			add(string(q[1 : len(q)-1]))
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(e.value) == nil {
			q := bytes.TrimSpace(buf.Bytes())
			add(string(q[1 : len(q)-1]))
		}
	}
	if len(forms) == 0 {
		s.redact = nil
		return
	}
	// Longest first, so a value that contains another is hidden whole.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	s.redact = strings.NewReplacer(pairs...)
}

// Redact replaces every secret value the store holds (as plain text or as
// it appears inside a JSON string) with "[REDACTED]". Values shorter than
// six bytes are left alone.
func (s *Store) Redact(text string) string {
	s.mu.RLock()
	r := s.redact
	s.mu.RUnlock()
	if r == nil || text == "" {
		return text
	}
	return r.Replace(text)
}
