package upstream

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"switchboard/backend/config"
)

// storedCatalog is a Catalog as saved between runs, so a server with an
// idle_ttl_s can stay cold at start-up and still have its tools listed.
// Tools are kept as raw JSON: their schemas must come back byte for byte.
type storedCatalog struct {
	ConfigHash   string                 `json:"config_hash"`
	Tools        []json.RawMessage      `json:"tools"`
	Prompts      []mcp.Prompt           `json:"prompts"`
	Resources    []mcp.Resource         `json:"resources"`
	Templates    []mcp.ResourceTemplate `json:"templates"`
	Capabilities mcp.ServerCapabilities `json:"capabilities"`
	Info         mcp.Implementation     `json:"info"`
	Instructions string                 `json:"instructions"`
}

// ConfigHash identifies a server's config: a saved catalog is valid only
// for the config it was read with.
func ConfigHash(cfg *config.Server) string {
	b, _ := json.Marshal(cfg)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EncodeCatalog serialises a catalog for the config it belongs to.
func EncodeCatalog(cfg *config.Server, cat *Catalog) ([]byte, error) {
	sc := storedCatalog{ConfigHash: ConfigHash(cfg), Prompts: cat.Prompts, Resources: cat.Resources,
		Templates: cat.Templates, Capabilities: cat.Capabilities, Info: cat.Info, Instructions: cat.Instructions}
	for _, t := range cat.Tools {
		raw, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("tool %q: %w", t.Name, err)
		}
		sc.Tools = append(sc.Tools, raw)
	}
	return json.Marshal(sc)
}

// DecodeCatalog reads a saved catalog; ok is false when it was saved for
// another config.
func DecodeCatalog(cfg *config.Server, data []byte) (cat *Catalog, ok bool, err error) {
	var sc storedCatalog
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, false, err
	}
	if sc.ConfigHash != ConfigHash(cfg) {
		return nil, false, nil
	}
	cat = &Catalog{Prompts: sc.Prompts, Resources: sc.Resources, Templates: sc.Templates,
		Capabilities: sc.Capabilities, Info: sc.Info, Instructions: sc.Instructions}
	for _, raw := range sc.Tools {
		t, err := decodeTool(raw)
		if err != nil {
			return nil, false, err
		}
		cat.Tools = append(cat.Tools, t)
	}
	return cat, true, nil
}

// UseCatalog gives a cold server the catalog it had on an earlier run, so
// its tools are listed without starting it; the first call starts it.
func (u *Upstream) UseCatalog(cat *Catalog) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == StateCold {
		u.catalog.Store(cat)
	}
}
