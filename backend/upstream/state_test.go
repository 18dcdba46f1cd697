package upstream

import "testing"

func TestStateMachineAllowsOnlyTheDocumentedMoves(t *testing.T) {
	allowed := []struct{ from, to State }{
		{StateCold, StateStarting},  // first use
		{StateStarting, StateReady}, // initialised
		{StateStarting, StateDead},  // failed to start
		{StateReady, StateDegraded}, // a ping failed
		{StateDegraded, StateReady}, // pings answer again
		{StateDegraded, StateDead},  // pings keep failing
		{StateReady, StateDead},     // crashed
		{StateDead, StateStarting},  // restart after backoff
		{StateReady, StateCold},     // idle stop
		{StateReady, StateDisabled}, // disabled in the config
		{StateDisabled, StateCold},  // enabled again
		{StateReady, StateStopped},  // shutdown
	}
	for _, m := range allowed {
		if !canTransition(m.from, m.to) {
			t.Errorf("%s -> %s must be allowed", m.from, m.to)
		}
	}
	refused := []struct{ from, to State }{
		{StateCold, StateReady},       // nothing is ready without starting
		{StateDead, StateReady},       // a dead server restarts first
		{StateStopped, StateStarting}, // stopped is final
		{StateDisabled, StateReady},
	}
	for _, m := range refused {
		if canTransition(m.from, m.to) {
			t.Errorf("%s -> %s must be refused", m.from, m.to)
		}
	}
}

func TestOnlyReadyAndDegradedTakeCalls(t *testing.T) {
	for _, s := range []State{StateCold, StateStarting, StateReady, StateDegraded, StateDead, StateDisabled, StateStopped} {
		want := s == StateReady || s == StateDegraded
		if s.Usable() != want {
			t.Errorf("%s.Usable() = %v", s, s.Usable())
		}
	}
}
