package gateway

import (
	"fmt"
	"regexp"
	"strings"
)

// Separator joins a server's prefix and a tool or prompt name.
const Separator = "__"

// clientNamePattern is the tool-name pattern every major client accepts.
var clientNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// ExposedName is the name a client sees for an upstream tool or prompt.
// An empty prefix exposes the name as it is.
func ExposedName(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + Separator + name
}

// Collision records two upstream items that would share one exposed name.
// The first (in server-name order) is kept and the other is reported.
type Collision struct {
	Kind    string `json:"kind"` // tool, prompt, resource, resource_template
	Name    string `json:"name"`
	Kept    string `json:"kept_server"`
	Dropped string `json:"dropped_server"`
}

func (c Collision) String() string {
	hint := `set a distinct "prefix" on one of them`
	if c.Kind == "resource" || c.Kind == "resource_template" {
		hint = "resource URIs are not prefixed; reach it through /mcp/servers/" + c.Dropped
	}
	return fmt.Sprintf("%s %q from server %q collides with the one from %q; %q's is not exposed (%s)",
		c.Kind, c.Name, c.Dropped, c.Kept, c.Dropped, hint)
}

// sameClash ignores which server was kept: as servers come up in any order
// the kept one may change, and that is not news.
func (c Collision) sameClash(o Collision) bool {
	return c.Kind == o.Kind && c.Name == o.Name && (c.Dropped == o.Dropped || c.Dropped == o.Kept)
}

// NameProblem reports an exposed name that clients will reject, or "".
func NameProblem(name string) string {
	if clientNamePattern.MatchString(name) {
		return ""
	}
	if len(name) > 64 {
		return fmt.Sprintf("name %q is %d characters; clients accept at most 64", name, len(name))
	}
	return fmt.Sprintf("name %q has characters outside [a-zA-Z0-9_-]", strings.TrimSpace(name))
}
