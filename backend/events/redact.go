package events

import (
	"encoding/json"
	"sync/atomic"
)

// redactor hides secret values in encoded events (see SetRedactor).
var redactor atomic.Pointer[func(string) string]

// SetRedactor sets a filter every event's JSON passes through before it is
// sent (nil: none). The core sets it to hide the values of its secret
// store, which could otherwise reach a subscriber inside an upstream's
// error text (server.state's last_error, tool_call.ended's error).
func SetRedactor(fn func(string) string) {
	if fn == nil {
		redactor.Store(nil)
		return
	}
	redactor.Store(&fn)
}

func redactEncoded(b []byte) []byte {
	p := redactor.Load()
	if p == nil {
		return b
	}
	out := (*p)(string(b))
	if out == string(b) {
		return b
	}
	if json.Valid([]byte(out)) {
		return []byte(out)
	}
	// A value matched outside a string (a number): drop the event's data.
	var ev map[string]json.RawMessage
	if json.Unmarshal(b, &ev) == nil {
		ev["data"] = json.RawMessage(`"[REDACTED]"`)
		if nb, err := json.Marshal(ev); err == nil {
			if out := (*p)(string(nb)); json.Valid([]byte(out)) {
				return []byte(out)
			}
		}
	}
	return []byte(`{}`)
}
