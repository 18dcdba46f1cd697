package store

import (
	"encoding/json"
	"unicode/utf8"
)

// resultPreviewBytes is how much of a result too large to keep is stored.
const resultPreviewBytes = 4 << 10

// truncatedResult stands in for a result larger than maxStoredResult: its
// size and the start of its (redacted) JSON text, which is usually enough
// to see what the tool answered.
type truncatedResult struct {
	Truncated bool   `json:"truncated"`
	SizeBytes int    `json:"size_bytes"`
	Preview   string `json:"preview"`
}

// storedResult is a tool result fit to be stored: encoded from v when raw
// is empty, scanned for sensitive data, redacted, and cut to a preview when
// it is too large. It returns the sensitive data found.
func storedResult(raw json.RawMessage, v any) (json.RawMessage, []SensitiveFinding) {
	if len(raw) == 0 && v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			b, _ = json.Marshal("[result could not be encoded: " + err.Error() + "]")
		}
		raw = b
	}
	raw, found := scanSensitive(raw, InResult)
	raw = RedactArguments(raw)
	if len(raw) <= maxStoredResult {
		return raw, found
	}
	cut := resultPreviewBytes
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut-- // do not split a character
	}
	b, _ := json.Marshal(truncatedResult{Truncated: true, SizeBytes: len(raw), Preview: string(raw[:cut])})
	return b, found
}
