package trust

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// FieldChange is one difference between a pinned and a current tool: the
// path of the field (such as "inputSchema.properties.path.description")
// and its old and new values as JSON (absent when the field was added or
// removed).
type FieldChange struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old,omitempty"`
	New   json.RawMessage `json:"new,omitempty"`
}

// Diff lists the fields that differ between two canonical tool
// definitions, leaf by leaf for objects, sorted by path.
func Diff(old, new json.RawMessage) []FieldChange {
	var a, b any
	_ = json.Unmarshal(old, &a)
	_ = json.Unmarshal(new, &b)
	var out []FieldChange
	diffValue("", a, b, &out)
	slices.SortFunc(out, func(x, y FieldChange) int { return strings.Compare(x.Field, y.Field) })
	return out
}

func diffValue(path string, a, b any, out *[]FieldChange) {
	am, aObj := a.(map[string]any)
	bm, bObj := b.(map[string]any)
	if aObj && bObj {
		keys := slices.Sorted(maps.Keys(am))
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			av, inA := am[k]
			bv, inB := bm[k]
			switch {
			case !inA:
				*out = append(*out, FieldChange{Field: p, New: encode(bv)})
			case !inB:
				*out = append(*out, FieldChange{Field: p, Old: encode(av)})
			default:
				diffValue(p, av, bv, out)
			}
		}
		return
	}
	ea, eb := encode(a), encode(b)
	if !bytes.Equal(ea, eb) {
		*out = append(*out, FieldChange{Field: path, Old: ea, New: eb})
	}
}

func encode(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// TextDiff is a line diff of two texts: unchanged lines start with "  ",
// removed ones with "- " and added ones with "+ ". Descriptions are short,
// so the quadratic longest common subsequence is fine.
func TextDiff(old, new string) string {
	a, b := strings.Split(old, "\n"), strings.Split(new, "\n")
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			sb.WriteString("  " + a[i] + "\n")
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			sb.WriteString("+ " + b[j] + "\n")
			j++
		default:
			sb.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return sb.String()
}
