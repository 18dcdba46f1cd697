package gateway

import (
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// clientState is what the gateway keeps about one client session that
// mcp-go's sessions do not: the log level it asked for (upstreams are kept
// at debug and filtering happens here, because one upstream serves many
// sessions) and the resources it subscribed to.
type clientState struct {
	record sessionRecord // what the session list shows (sessionlist.go)

	mu    sync.Mutex
	level mcp.LoggingLevel // "" until logging/setLevel
	subs  map[string]bool
}

// wantsLog reports whether the session wants a log message of this level:
// every message until it sets a level, as the spec allows.
// A nil state (a session already gone) wants everything.
func (c *clientState) wantsLog(level any) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	min := c.level
	c.mu.Unlock()
	if min == "" {
		return true
	}
	l, _ := level.(string)
	return mcp.LoggingLevel(l).ShouldSendTo(min)
}

func (c *clientState) setLevel(l mcp.LoggingLevel) {
	c.mu.Lock()
	c.level = l
	c.mu.Unlock()
}

func (c *clientState) subscribe(uri string, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !on {
		delete(c.subs, uri)
		return
	}
	if c.subs == nil {
		c.subs = map[string]bool{}
	}
	c.subs[uri] = true
}

func (c *clientState) subscribed(uri string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.subs[uri]
}
