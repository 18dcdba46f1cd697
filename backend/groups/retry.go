package groups

import (
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
)

// SafeToRetry reports whether a call of a tool that failed on one member
// may be sent to another: the server marks the tool read-only or
// idempotent, or the group's retry_tools names it. Anything else might
// have taken effect before the failure, so running it twice could do its
// work twice.
func SafeToRetry(t mcp.Tool, retryTools []string) bool {
	a := t.Annotations
	return (a.ReadOnlyHint != nil && *a.ReadOnlyHint) ||
		(a.IdempotentHint != nil && *a.IdempotentHint) ||
		slices.Contains(retryTools, t.Name)
}
