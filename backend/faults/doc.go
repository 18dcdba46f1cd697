// Package faults holds Switchboard's fault-injection and soak tests. They
// run real processes: a `switchboard serve` built from this repository and
// our Go test server as its upstreams, and break them on purpose (crashes,
// crash loops, stderr floods, slow and hung servers, malformed and huge
// requests, abandoned sessions, SIGKILL in the middle of a burst, a full or
// read-only disk), each test stating what must still hold.
//
// `go test -short` and `make test` run the short versions; `make soak` (the
// environment variable SB_SOAK=1) runs the long ones: 1,000 sessions, 100
// upstreams, 100,000 calls.
package faults
