package config

import (
	"strings"
	"testing"
)

func TestToolExposure(t *testing.T) {
	for _, mode := range []string{"", `"direct"`, `"search"`} {
		content := `{"mcpServers": {}}`
		if mode != "" {
			content = `{"tool_exposure": ` + mode + `, "mcpServers": {}}`
		}
		if ps := problems(t, content); len(ps) != 0 {
			t.Errorf("%s: unexpected problems %v", content, ps)
		}
	}
	ps := problems(t, `{"tool_exposure": "lazy", "mcpServers": {}}`)
	if len(ps) != 1 || ps[0].Path != "tool_exposure" || !strings.Contains(ps[0].Message, `got "lazy"`) || !strings.Contains(ps[0].Message, `"search"`) {
		t.Fatalf("got %v, want one problem at tool_exposure naming the value and the choices", ps)
	}
	if m := (&Config{}).Exposure(); m != ExposureDirect {
		t.Fatalf("default exposure %q, want direct", m)
	}
	cfg, err := loadString(t, `{"tool_exposure": "search", "mcpServers": {}}`)
	if err != nil || cfg.Exposure() != ExposureSearch {
		t.Fatalf("loaded %v, %v", cfg, err)
	}
}
