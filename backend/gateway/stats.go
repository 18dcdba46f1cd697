package gateway

// ExposedTools is the number of tools a client of /mcp sees now.
func (g *Gateway) ExposedTools() int { return len(g.agg.routes.Load().tools) }

// StartupDone reports whether the servers of the first config have finished
// their first start attempt (or the start-up wait ran out), which is when
// /mcp stops holding new clients back.
func (g *Gateway) StartupDone() bool {
	select {
	case <-g.settled:
		return true
	default:
		return false
	}
}
