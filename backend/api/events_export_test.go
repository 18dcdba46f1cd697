package api

import "time"

// SetHeartbeat changes the interval of the stream heartbeats until restore.
func SetHeartbeat(d time.Duration) (restore func()) {
	old := heartbeatNanos.Swap(int64(d))
	return func() { heartbeatNanos.Store(old) }
}
