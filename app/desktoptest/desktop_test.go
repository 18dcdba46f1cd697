package desktoptest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/backend/client"
	"switchboard/backend/config"
	"switchboard/backend/testdeps"
)

// app is the desktop binary running on our Xvfb and session bus.
type app struct {
	cmd  *exec.Cmd
	home string
	env  []string
	done chan error
}

func desktopBinary(t *testing.T) string {
	bin := os.Getenv("SB_DESKTOP_BIN")
	if bin == "" {
		t.Skip("SB_DESKTOP_BIN is not set: the desktop tests need the desktop build (make test-desktop)")
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("no session bus: run under dbus-run-session (make test-desktop does)")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// startXvfb starts a virtual display on a free number and stops it (by
// its PID, with SIGTERM so it removes its socket and lock) when the test
// ends. A number whose socket answers is taken; Xvfb itself takes over
// the stale lock of a display whose server is gone.
func startXvfb(t *testing.T) string {
	t.Helper()
	for n := 90; n < 130; n++ {
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		if c, err := net.Dial("unix", sock); err == nil {
			_ = c.Close()
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", display, "-screen", "0", "1280x900x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		}
		for i := 0; i < 50; i++ {
			select {
			case <-exited: // that number is in use after all
				i = 50
				continue
			default:
			}
			if c, err := net.Dial("unix", sock); err == nil {
				_ = c.Close()
				t.Cleanup(stop)
				return display
			}
			time.Sleep(100 * time.Millisecond)
		}
		stop()
	}
	t.Fatal("no free display number")
	return ""
}

// writeConfig makes a home with two servers of our test server.
func writeConfig(t *testing.T, home string) {
	t.Helper()
	bin := testdeps.TestServerBinary(t)
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"alpha": map[string]any{"command": bin},
		"beta":  map[string]any{"command": bin},
	}})
	if err := os.WriteFile(filepath.Join(home, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func launch(t *testing.T, bin, home string, env []string, args ...string) *app {
	t.Helper()
	args = append([]string{"--home", home, "--listen", "127.0.0.1:0", "--log-level", "debug"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := os.Create(filepath.Join(home, "desktop.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &app{cmd: cmd, home: home, env: env, done: make(chan error, 1)}
	go func() { a.done <- cmd.Wait(); _ = out.Close() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(home, "desktop.out"))
			t.Logf("desktop app output:\n%s", data)
		}
	})
	return a
}

// logHas waits until the core's log holds a line with all of parts.
func logHas(t *testing.T, home string, timeout time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if f, err := os.Open(filepath.Join(home, "logs", "switchboard.log")); err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				ok := true
				for _, p := range parts {
					if !strings.Contains(line, p) {
						ok = false
						break
					}
				}
				if ok {
					_ = f.Close()
					return line
				}
			}
			_ = f.Close()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no log line with %q within %s", parts, timeout)
	return ""
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("SB_DESKTOP_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts", "desktop")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole display and says how many colours it has,
// which tells a drawn panel from a blank or single-colour screen.
func screenshot(t *testing.T, display, path string) int {
	t.Helper()
	cmd := exec.Command("import", "-display", display, "-window", "root", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return colours(img)
}

func colours(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 0}] = true
		}
	}
	return len(seen)
}

func socketClient(t *testing.T, home string) *client.Client {
	c, err := client.New(client.Options{Home: home, UserAgent: "desktop-test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// windowMapState is the X map state of the app's window (IsViewable when
// shown, IsUnMapped when hidden), or "" when there is no such window.
func windowMapState(display string) string {
	out, err := exec.Command("xwininfo", "-display", display, "-name", "Switchboard").CombinedOutput()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == "Map State" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestDesktopShell starts the desktop app once, in the tray only (as at
// login), and checks in order what a user would see: launching it again
// brings its window forward instead of starting a second app, the window
// shows the panel, the tray appears with the servers, clicking its items
// acts on the core, and Quit ends the app.
func TestDesktopShell(t *testing.T) {
	bin := desktopBinary(t)
	display := startXvfb(t)
	w, conn := startWatcher(t)
	notes := startNotifications(t, conn)
	home := t.TempDir()
	writeConfig(t, home)
	xdg := filepath.Join(home, "xdg")
	env := append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+xdg, "WAYLAND_DISPLAY=",
		"SWITCHBOARD_HOME=", "SWITCHBOARD_API_KEY=")
	a := launch(t, bin, home, env, "--hidden")
	logHas(t, home, 30*time.Second, "desktop app started", "window_hidden=true")
	if st := windowMapState(display); st == "IsViewable" {
		t.Fatalf("started with --hidden, the window is shown (%s)", st)
	}

	t.Run("a second launch brings the window forward", func(t *testing.T) {
		second := exec.Command(bin, "--home", home, "--listen", "127.0.0.1:0")
		second.Env = env
		done := make(chan error, 1)
		var out strings.Builder
		second.Stdout, second.Stderr = &out, &out
		if err := second.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- second.Wait() }()
		select {
		case err := <-done:
			if err != nil || !strings.Contains(out.String(), "already runs on this desktop") {
				t.Fatalf("second launch: %v\n%s", err, out.String())
			}
		case <-time.After(20 * time.Second):
			_ = second.Process.Kill()
			t.Fatalf("the second launch kept running:\n%s", out.String())
		}
		deadline := time.Now().Add(10 * time.Second)
		for windowMapState(display) != "IsViewable" {
			if time.Now().After(deadline) {
				t.Fatalf("the first app's window is not shown after the second launch (map state %q)", windowMapState(display))
			}
			time.Sleep(100 * time.Millisecond)
		}
		select {
		case err := <-a.done:
			t.Fatalf("the first app ended: %v", err)
		default:
		}
	})

	t.Run("window shows the panel", func(t *testing.T) {
		// The panel loads from the core over TCP, signed in: its API calls
		// are the only TCP requests (the tray uses the socket).
		logHas(t, home, 60*time.Second, "msg=request", "path=/ui/", "socket=false")
		logHas(t, home, 60*time.Second, "msg=request", "path=/api/v1/status", "status=200", "socket=false")
		time.Sleep(2 * time.Second) // let it paint
		shot := filepath.Join(artifacts(t), "window.png")
		n := screenshot(t, display, shot)
		t.Logf("screenshot %s: %d colours", shot, n)
		if n < 20 {
			t.Fatalf("the screen is blank or nearly (%d colours); see %s", n, shot)
		}
	})

	var item registration
	waitMapState := func(t *testing.T, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for windowMapState(display) != want {
			if time.Now().After(deadline) {
				t.Fatalf("window map state %q, want %s", windowMapState(display), want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Run("closing the window hides it to the tray", func(t *testing.T) {
		if err := closeWindow(display, "Switchboard"); err != nil {
			t.Fatal(err)
		}
		waitMapState(t, "IsUnMapped")
		time.Sleep(500 * time.Millisecond)
		select {
		case err := <-a.done:
			t.Fatalf("closing the window ended the app: %v", err)
		default:
		}
	})

	t.Run("tray registers its item", func(t *testing.T) {
		select {
		case item = <-w.items:
		case <-time.After(30 * time.Second):
			t.Fatal("the tray never called RegisterStatusNotifierItem")
		}
		if item.Path != "/StatusNotifierItem" {
			t.Errorf("registered %q", item.Path)
		}
		v, err := conn.Object(item.Sender, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.ToolTip")
		if err != nil {
			t.Fatalf("tooltip: %v", err)
		}
		t.Logf("tooltip %v", v)
	})
	if item.Sender == "" {
		t.FailNow()
	}

	c := socketClient(t, home)
	ctx := context.Background()
	t.Run("Open Switchboard shows the window again", func(t *testing.T) {
		m := menuOf(t, conn, item.Sender, "Open", func(m menuItem) bool { return m.find("Open Switchboard") != nil })
		if err := click(conn, item.Sender, m.find("Open Switchboard").ID); err != nil {
			t.Fatal(err)
		}
		waitMapState(t, "IsViewable")
	})

	t.Run("clicking Disable disables the server", func(t *testing.T) {
		m := menuOf(t, conn, item.Sender, "both servers", func(m menuItem) bool {
			a := m.find("alpha — ")
			return m.find("Servers (2)") != nil && a != nil && a.find("Disable") != nil
		})
		for _, want := range []string{"Open Switchboard", "Servers (2)", "Quarantine", "Pause all", "Start at login", "Open config folder", "Open logs", "Quit Switchboard"} {
			if m.find(want) == nil {
				t.Errorf("menu lacks %q:\n%s", want, dump(m, ""))
			}
		}
		alpha := m.find("alpha — ")
		if alpha == nil {
			t.Fatalf("no alpha item:\n%s", dump(m, ""))
		}
		disable := alpha.find("Disable")
		if disable == nil {
			t.Fatalf("alpha has no Disable:\n%s", dump(*alpha, ""))
		}
		if err := click(conn, item.Sender, disable.ID); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			s, err := c.GetServer(ctx, "alpha")
			if err == nil && !s.Enabled {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("alpha still enabled after the click: %+v %v", s, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		menuOf(t, conn, item.Sender, "alpha disabled", func(m menuItem) bool { return m.find("alpha — disabled") != nil })
	})

	t.Run("a server awaiting approval is notified and opens in the window", func(t *testing.T) {
		bin := testdeps.TestServerBinary(t)
		if _, err := c.CreateServer(ctx, "gamma", &config.Server{Command: bin}); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(20 * time.Second)
		for got := false; !got; {
			select {
			case n := <-notes.got:
				got = n.Summary == "Awaiting your approval" && strings.Contains(n.Body, "gamma")
			case <-timeout:
				t.Fatal("no notification that gamma awaits approval")
			}
		}
		m := menuOf(t, conn, item.Sender, "gamma waiting", func(m menuItem) bool { return m.find("Review server gamma") != nil })
		if q := m.find("Quarantine (1 waiting)"); q == nil {
			t.Fatalf("no quarantine count:\n%s", dump(m, ""))
		}
		if err := click(conn, item.Sender, m.find("Review server gamma").ID); err != nil {
			t.Fatal(err)
		}
		// Only the quarantine page asks for the audit log: the window went there.
		logHas(t, home, 20*time.Second, "msg=request", "path=/api/v1/audit", "socket=false")
		time.Sleep(time.Second)
		screenshot(t, display, filepath.Join(artifacts(t), "quarantine.png"))
	})

	t.Run("clicking Start at login writes the autostart entry", func(t *testing.T) {
		m := menuOf(t, conn, item.Sender, "start at login off", func(m menuItem) bool { s := m.find("Start at login"); return s != nil && !s.Toggled })
		if err := click(conn, item.Sender, m.find("Start at login").ID); err != nil {
			t.Fatal(err)
		}
		menuOf(t, conn, item.Sender, "start at login on", func(m menuItem) bool { s := m.find("Start at login"); return s != nil && s.Toggled })
		data, err := os.ReadFile(filepath.Join(xdg, "autostart", "io.switchboard.Switchboard.desktop"))
		if err != nil || !strings.Contains(string(data), "--hidden") {
			t.Fatalf("autostart entry: %v\n%s", err, data)
		}
	})

	t.Run("Quit ends the app", func(t *testing.T) {
		quitFromTray(t, conn, item.Sender, a, "Quit")
		if _, err := c.Status(ctx); err == nil {
			t.Fatal("the core still answers after Quit")
		}
	})
}

// TestNoDesktopRunsHeadless: the desktop build where there is no display,
// a display that does not answer, or no session bus, serves as `serve`
// would, says why, and does not panic.
func TestNoDesktopRunsHeadless(t *testing.T) {
	bin := desktopBinary(t)
	display := startXvfb(t)
	for _, tc := range []struct {
		name, why string
		env       []string
	}{
		{"no display", "no display", []string{"DISPLAY="}},
		{"a display that does not answer", "the display :87 is not reachable", []string{"DISPLAY=:87"}},
		{"no session bus", "no session bus", []string{"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			env := append(os.Environ(), "WAYLAND_DISPLAY=", "SWITCHBOARD_HOME=", "XDG_RUNTIME_DIR="+t.TempDir())
			launch(t, bin, home, append(env, tc.env...))
			line := logHas(t, home, 30*time.Second, "running headless as `switchboard serve`")
			if !strings.Contains(line, tc.why) {
				t.Errorf("the log does not say %q: %s", tc.why, line)
			}
			logHas(t, home, 30*time.Second, "switchboard serving")
			c := socketClient(t, home)
			if _, err := c.Status(context.Background()); err != nil {
				t.Fatalf("the headless core does not answer: %v", err)
			}
		})
	}
}

func dump(m menuItem, indent string) string {
	var b strings.Builder
	for _, c := range m.Children {
		fmt.Fprintf(&b, "%s%d %q enabled=%v toggled=%v\n", indent, c.ID, c.Label, c.Enabled, c.Toggled)
		b.WriteString(dump(c, indent+"  "))
	}
	return b.String()
}
