package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
)

// pinnedFields are the parts of a tool that reach the model and so are
// pinned: a change to any of them is a change the user must see.
var pinnedFields = []string{"name", "title", "description", "inputSchema", "outputSchema", "annotations"}

// Canonical is a tool's pinned fields as canonical JSON: object keys sorted,
// numbers and strings in one spelling, so equal definitions hash equally
// whatever order a server sends them in.
func Canonical(t mcp.Tool) (json.RawMessage, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encode tool %q: %w", t.Name, err)
	}
	var all map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, fmt.Errorf("decode tool %q: %w", t.Name, err)
	}
	pinned := make(map[string]any, len(pinnedFields))
	for _, f := range pinnedFields {
		if v, ok := all[f]; ok {
			pinned[f] = v
		}
	}
	// encoding/json writes map keys sorted, at every depth.
	return json.Marshal(pinned)
}

// ToolHash is the sha256 of a tool's canonical JSON, in hex.
func ToolHash(t mcp.Tool) (string, json.RawMessage, error) {
	c, err := Canonical(t)
	if err != nil {
		return "", nil, err
	}
	return hashOf(c), c, nil
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Identity is the hash of what decides which program or endpoint a server
// is and what it can reach: its transport type, command, arguments and URL,
// and, for a server isolated in a container, the isolation and every Docker
// setting (image, volumes, network, limits...). A change of any of them is
// a different server, which needs approval again; a change of its name,
// tags, timeouts or env does not. A server without isolation hashes as it
// did before isolation existed, so approvals made then still hold.
func Identity(s *config.Server) string {
	v := struct {
		Type      string         `json:"type"`
		Command   string         `json:"command"`
		Args      []string       `json:"args"`
		URL       string         `json:"url"`
		Isolation string         `json:"isolation,omitempty"`
		Docker    *config.Docker `json:"docker,omitempty"`
	}{Type: s.TransportType(), Command: s.Command, Args: s.Args, URL: s.URL}
	if s.Isolation != "" && s.Isolation != config.IsolationNone {
		// Turning isolation on or off changes the hash too, so Docker
		// settings written while it was off are approved when it goes on.
		v.Isolation, v.Docker = s.Isolation, s.Docker
	}
	b, _ := json.Marshal(v)
	return hashOf(b)
}
