//go:build unix

package client_test

import (
	"testing"

	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

func TestDockerStatus(t *testing.T) {
	testdeps.InstallFakeDocker(t)
	s := testServer(t)
	s.Isolation, s.Docker = config.IsolationDocker, &config.Docker{Image: "switchboard/testserver:dev"}
	k := startCore(t, map[string]*config.Server{"boxed": s})
	st, err := k.c.DockerStatus(ctx(t))
	if err != nil || !st.Installed || !st.EngineRunning || len(st.Servers) != 1 || st.Servers[0].Name != "boxed" ||
		st.Servers[0].State != "ready" || st.Servers[0].Container == "" {
		t.Fatalf("docker status: %+v %v", st, err)
	}
}
