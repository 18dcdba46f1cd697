package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
)

// sessionIDs issues and checks the Mcp-Session-Id of client sessions.
// mcp-go's default only checks the id's format, so a deleted or made-up
// session would be accepted; the spec wants 404 for both, and a client
// that gets it starts a new session.
type sessionIDs struct {
	live sync.Map // id -> struct{}
}

func (s *sessionIDs) Generate() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := "sb-" + hex.EncodeToString(b)
	s.live.Store(id, struct{}{})
	return id
}

func (s *sessionIDs) Validate(id string) (isTerminated bool, err error) {
	if _, ok := s.live.Load(id); !ok {
		return false, fmt.Errorf("unknown or ended session %q", id)
	}
	return false, nil
}

func (s *sessionIDs) Terminate(id string) (isNotAllowed bool, err error) {
	s.live.Delete(id)
	return false, nil
}
