package toolsearch

// Knobs for the tuning aid in eval_test.go: each returns the old value.
func SetCoordinationForTest(v float64) float64  { old := coordination; coordination = v; return old }
func SetRelatedWeightForTest(v float64) float64 { old := relatedWeight; relatedWeight = v; return old }
func SetFieldWeightForTest(f int, v float64) float64 {
	old := fieldWeight[f]
	fieldWeight[f] = v
	return old
}

// SetOffForTest turns parts of the ranking off: "related", "fuzzy",
// "hints", "stem"; "" turns all back on.
func SetOffForTest(part string) {
	switch part {
	case "related":
		off.related = true
	case "fuzzy":
		off.fuzzy = true
	case "hints":
		off.hints = true
	case "stem":
		off.stem = true
	default:
		off.related, off.fuzzy, off.hints, off.stem = false, false, false, false
	}
}

// EachWordForTest and SplitForTest expose the two tokenizers for comparison.
func EachWordForTest(s string, fn func(string)) {
	eachWord(s, nil, func(w []byte) { fn(string(w)) })
}

func SplitForTest(s string) []string { return split(s) }
