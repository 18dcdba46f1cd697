package toolsearch

// Knobs for the tuning aid in eval_test.go: each returns the old value.
func SetCoordinationForTest(v float64) float64  { old := coordination; coordination = v; return old }
func SetRelatedWeightForTest(v float64) float64 { old := relatedWeight; relatedWeight = v; return old }
func SetFieldWeightForTest(f int, v float64) float64 {
	old := fieldWeight[f]
	fieldWeight[f] = v
	return old
}
