package api_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nobodyUID is the uid of the "nobody" user on Linux.
const nobodyUID = 65534

// TestSocketRefusesOtherUsers opens the socket's file mode on purpose and
// connects as another user: the peer check must still refuse the request.
// It needs root to run a process as another user.
func TestSocketRefusesOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to connect as another user")
	}
	h := newHarness(t, nil)
	if fi, err := os.Stat(h.d.Socket()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	if err := os.Chmod(h.home, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(h.d.Socket(), 0o666); err != nil {
		t.Fatal(err)
	}
	// The test binary sits in a folder only we can read: copy it out.
	bin := filepath.Join(h.home, "peer.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestSocketPeerHelper$")
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "SB_PEER_SOCKET="+h.d.Socket())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as uid %d: %v\n%s", nobodyUID, err, out)
	}
	if !strings.Contains(string(out), "status=403") || !strings.Contains(string(out), "PeerNotAllowed") {
		t.Fatalf("another user was not refused on the socket:\n%s", out)
	}
}

// TestSocketPeerHelper is the other user's side of the test above.
func TestSocketPeerHelper(t *testing.T) {
	path := os.Getenv("SB_PEER_SOCKET")
	if path == "" {
		t.Skip("only run by TestSocketRefusesOtherUsers")
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}}
	resp, err := c.Get("http://localhost/api/v1/servers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("status=%d body=%s\n", resp.StatusCode, body)
}
