// Package poisoning checks MCP tool definitions, offline, for text meant to
// steer the model rather than describe the tool: hidden Unicode, instructions
// aimed at the model, requests for secrets, exfiltration, encoded payloads,
// shadowing of other servers' tools and oversized descriptions.
package poisoning

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Tool is the part of a tool definition a client would show to the model.
type Tool struct {
	Server       string          `json:"server"`
	Name         string          `json:"name"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description"`
	InputSchema  json.RawMessage `json:"inputSchema,omitempty"`
	OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
	Annotations  json.RawMessage `json:"annotations,omitempty"`
}

// Severity of a finding; High blocks approval unless overridden.
type Severity string

const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

// Rule names, stable so that callers can filter or explain them.
const (
	RuleHiddenUnicode = "hidden-unicode"
	RuleHomoglyph     = "homoglyph"
	RuleInstruction   = "model-instruction"
	RuleSensitiveFile = "sensitive-file"
	RuleExfiltration  = "exfiltration"
	RuleEncoded       = "encoded-payload"
	RuleShadowing     = "shadowing"
	RuleNameCopy      = "name-copy"
	RuleOversized     = "oversized"
)

// Finding is one reason to distrust a tool definition.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Field names where the text was found, e.g. "description" or
	// "inputSchema.properties.path.description".
	Field string `json:"field"`
	// Excerpt is the triggering text, trimmed, with invisible characters escaped.
	Excerpt string `json:"excerpt"`
	Message string `json:"message"`
}

// Size limits of a single text field (descriptions inside schemas included).
const (
	OversizedMedium = 4 << 10
	OversizedHigh   = 16 << 10
)

// Blocking reports whether any finding is high severity.
func Blocking(findings []Finding) bool {
	for _, f := range findings {
		if f.Severity == High {
			return true
		}
	}
	return false
}

// Max returns the highest severity among findings, or "" when there are none.
func Max(findings []Finding) Severity {
	var best Severity
	for _, f := range findings {
		if rank(f.Severity) > rank(best) {
			best = f.Severity
		}
	}
	return best
}

func rank(s Severity) int {
	switch s {
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// text is one piece of a tool definition the model will read.
type text struct {
	field string
	value string
	// name marks identifiers (tool and property names, enum values), which
	// are checked for hidden characters and script mixing but not for prose.
	name bool
}

// Scan checks t; others are the tools of all servers (t's own included or
// not), used to find names copied from, or behaviour claimed over, other
// servers' tools.
func Scan(t Tool, others []Tool) []Finding {
	s := &scan{}
	texts := collect(t)
	for _, tx := range texts {
		s.hidden(tx)
		if tx.name {
			continue
		}
		s.oversized(tx)
		s.prose(tx.field, tx.value, 0)
	}
	s.homoglyphName(t.Name)
	s.secretParameters(t)
	s.shadowing(t, texts, others)
	return s.result()
}

type scan struct {
	findings []Finding
	seen     map[string]bool
}

func (s *scan) add(rule string, sev Severity, field, excerpt, msg string) {
	key := rule + "\x00" + field + "\x00" + msg
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[key] {
		// One finding per rule, field and reason: keep the most severe.
		for i := range s.findings {
			f := &s.findings[i]
			if f.Rule == rule && f.Field == field && f.Message == msg && rank(sev) > rank(f.Severity) {
				f.Severity, f.Excerpt = sev, showExcerpt(excerpt)
			}
		}
		return
	}
	s.seen[key] = true
	s.findings = append(s.findings, Finding{Rule: rule, Severity: sev, Field: field, Excerpt: showExcerpt(excerpt), Message: msg})
}

func (s *scan) result() []Finding {
	sort.SliceStable(s.findings, func(i, j int) bool {
		return rank(s.findings[i].Severity) > rank(s.findings[j].Severity)
	})
	return s.findings
}

func (s *scan) oversized(tx text) {
	n := len(tx.value)
	switch {
	case n > OversizedHigh:
		s.add(RuleOversized, High, tx.field, tx.value[:120], "text of "+strconv.Itoa(n)+" bytes exceeds "+strconv.Itoa(OversizedHigh))
	case n > OversizedMedium:
		s.add(RuleOversized, Medium, tx.field, tx.value[:120], "text of "+strconv.Itoa(n)+" bytes exceeds "+strconv.Itoa(OversizedMedium))
	}
}

// collect lists every text of the definition with its field path.
func collect(t Tool) []text {
	out := []text{{field: "name", value: t.Name, name: true}}
	if t.Title != "" {
		out = append(out, text{field: "title", value: t.Title})
	}
	out = append(out, text{field: "description", value: t.Description})
	for _, part := range []struct {
		field string
		raw   json.RawMessage
	}{{"inputSchema", t.InputSchema}, {"outputSchema", t.OutputSchema}, {"annotations", t.Annotations}} {
		if len(part.raw) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(part.raw, &v); err != nil {
			// Not JSON: the model may still see it as text.
			out = append(out, text{field: part.field, value: string(part.raw)})
			continue
		}
		walk(part.field, v, &out)
	}
	return out
}

func walk(path string, v any, out *[]text) {
	switch x := v.(type) {
	case string:
		*out = append(*out, text{field: path, value: x})
	case []any:
		enum := strings.HasSuffix(path, ".enum") || strings.HasSuffix(path, ".required")
		for i, e := range x {
			p := path + "[" + strconv.Itoa(i) + "]"
			if s, ok := e.(string); ok && enum {
				*out = append(*out, text{field: p, value: s, name: len(s) < 64 && !strings.Contains(s, " ")})
				if len(s) >= 64 || strings.Contains(s, " ") {
					continue
				}
				// Enum values are read by the model too: check them as prose as well.
				*out = append(*out, text{field: p, value: s})
				continue
			}
			walk(p, e, out)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		props := strings.HasSuffix(path, ".properties") || strings.HasSuffix(path, ".patternProperties") || strings.HasSuffix(path, ".$defs") || strings.HasSuffix(path, ".definitions")
		for _, k := range keys {
			p := path + "." + k
			if props {
				*out = append(*out, text{field: p, value: k, name: true})
				// A property name is read by the model: long or spaced names are prose.
				if len(k) > 40 || strings.ContainsAny(k, " \n") {
					*out = append(*out, text{field: p, value: strings.NewReplacer("_", " ", "-", " ").Replace(k)})
				}
			}
			walk(p, x[k], out)
		}
	}
}
