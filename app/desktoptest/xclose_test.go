package desktoptest

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// closeWindow asks the window named name to close, the way a window
// manager does when the user clicks its close button: a WM_PROTOCOLS
// ClientMessage carrying WM_DELETE_WINDOW. Xvfb runs no window manager,
// so the test speaks the few X11 requests this takes itself.
func closeWindow(display, name string) error {
	id, err := windowID(display, name)
	if err != nil {
		return err
	}
	num := strings.TrimPrefix(strings.SplitN(display, ".", 2)[0], ":")
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	le := binary.LittleEndian
	// Connection setup: little-endian, protocol 11.0, no authorisation
	// (Xvfb trusts local connections).
	if _, err := conn.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(conn, head); err != nil {
		return err
	}
	if head[0] != 1 {
		return fmt.Errorf("X server refused the connection (status %d)", head[0])
	}
	if _, err := io.ReadFull(conn, make([]byte, int(le.Uint16(head[6:]))*4)); err != nil {
		return err
	}
	atom := func(name string) (uint32, error) {
		pad := (4 - len(name)%4) % 4
		req := make([]byte, 8+len(name)+pad)
		req[0] = 16 // InternAtom
		le.PutUint16(req[2:], uint16(len(req)/4))
		le.PutUint16(req[4:], uint16(len(name)))
		copy(req[8:], name)
		if _, err := conn.Write(req); err != nil {
			return 0, err
		}
		reply := make([]byte, 32)
		if _, err := io.ReadFull(conn, reply); err != nil {
			return 0, err
		}
		if reply[0] != 1 {
			return 0, fmt.Errorf("InternAtom %s: X error %d", name, reply[1])
		}
		return le.Uint32(reply[8:]), nil
	}
	protocols, err := atom("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	del, err := atom("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	// SendEvent with an empty mask goes to the client that made the window.
	req := make([]byte, 44)
	req[0] = 25 // SendEvent
	le.PutUint16(req[2:], 11)
	le.PutUint32(req[4:], id)
	ev := req[12:]
	ev[0] = 33 // ClientMessage
	ev[1] = 32 // format
	le.PutUint32(ev[4:], id)
	le.PutUint32(ev[8:], protocols)
	le.PutUint32(ev[12:], del)
	_, err = conn.Write(req)
	if err != nil {
		return err
	}
	// A round trip, so the event is sent before the connection closes.
	_, err = atom("WM_DELETE_WINDOW")
	return err
}

var windowIDLine = regexp.MustCompile(`Window id: (0x[0-9a-fA-F]+)`)

func windowID(display, name string) (uint32, error) {
	out, err := exec.Command("xwininfo", "-display", display, "-name", name).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("xwininfo: %v: %s", err, out)
	}
	m := windowIDLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no window id in: %s", out)
	}
	id, err := strconv.ParseUint(string(m[1]), 0, 32)
	return uint32(id), err
}
