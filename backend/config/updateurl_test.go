package config

import (
	"strings"
	"testing"
)

func TestUpdateURLMustBeAnHTTPURL(t *testing.T) {
	c := &Config{UpdateURL: "https://example.com/releases/latest"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.UpdateURL = "ftp://example.com/feed"
	err := c.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), "update_url: ") {
		t.Fatalf("want an error naming update_url, got %v", err)
	}
	parsed, err := Parse([]byte(`{"update_url": "http://127.0.0.1:9/feed", "mcpServers": {}}`))
	if err != nil || parsed.UpdateURL != "http://127.0.0.1:9/feed" {
		t.Fatalf("%v %+v", err, parsed)
	}
}
