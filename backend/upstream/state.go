// Package upstream runs and supervises one upstream MCP server: its
// transport, connection, state machine, restarts, idle stop and health.
package upstream

// State is where an upstream is in its life.
type State string

const (
	// StateCold: enabled, not running; started on first use.
	StateCold State = "cold"
	// StateStarting: process launched or connection opening, not yet initialised.
	StateStarting State = "starting"
	// StateReady: initialised and its lists are known.
	StateReady State = "ready"
	// StateDegraded: running, but health checks or calls are failing.
	StateDegraded State = "degraded"
	// StateDead: crashed or failed to start; a restart is scheduled with backoff.
	StateDead State = "dead"
	// StateDisabled: switched off in the config; never started.
	StateDisabled State = "disabled"
	// StateStopped: Switchboard is shutting it down for good.
	StateStopped State = "stopped"
)

// transitions lists the moves the supervisor may make. Anything else is a bug,
// and canTransition is what the tests hold the supervisor to.
var transitions = map[State][]State{
	StateCold:     {StateStarting, StateDisabled, StateStopped},
	StateStarting: {StateReady, StateDead, StateCold, StateDisabled, StateStopped},
	StateReady:    {StateDegraded, StateDead, StateCold, StateDisabled, StateStopped, StateStarting},
	StateDegraded: {StateReady, StateDead, StateCold, StateDisabled, StateStopped, StateStarting},
	StateDead:     {StateStarting, StateCold, StateDisabled, StateStopped},
	StateDisabled: {StateCold, StateStarting, StateStopped},
	StateStopped:  {},
}

func canTransition(from, to State) bool {
	if from == to {
		return true
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Usable reports whether calls can be sent in this state.
func (s State) Usable() bool { return s == StateReady || s == StateDegraded }

// States lists every state, in the order of a server's life.
func States() []State {
	return []State{StateCold, StateStarting, StateReady, StateDegraded, StateDead, StateDisabled, StateStopped}
}
