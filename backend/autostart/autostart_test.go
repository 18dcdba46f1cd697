package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// roundTrip enables, reads back, re-enables with another command, and
// disables an entry, as the tray's checkbox does.
func roundTrip(t *testing.T, e Entry, wantIn string) string {
	t.Helper()
	if on, err := e.Enabled(); err != nil || on {
		t.Fatalf("before Enable: enabled=%v err=%v, want false", on, err)
	}
	if err := e.Disable(); err != nil {
		t.Fatalf("Disable with no entry: %v", err)
	}
	cmd := []string{"/opt/My Apps/switchboard", "--home", "/home/a b/.sb"}
	if err := e.Enable(cmd); err != nil {
		t.Fatal(err)
	}
	if on, err := e.Enabled(); err != nil || !on {
		t.Fatalf("after Enable: enabled=%v err=%v", on, err)
	}
	data, err := os.ReadFile(e.Where())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), wantIn) {
		t.Fatalf("%s does not hold %q:\n%s", e.Where(), wantIn, data)
	}
	if err := e.Enable([]string{"/usr/bin/switchboard"}); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(e.Where())
	if strings.Contains(string(again), "My Apps") {
		t.Fatalf("Enable did not replace the old entry:\n%s", again)
	}
	if err := e.Disable(); err != nil {
		t.Fatal(err)
	}
	if on, err := e.Enabled(); err != nil || on {
		t.Fatalf("after Disable: enabled=%v err=%v", on, err)
	}
	if _, err := os.Stat(e.Where()); !os.IsNotExist(err) {
		t.Fatalf("entry still there after Disable: %v", err)
	}
	return string(data)
}

func TestXDGEntryOnTempHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	e := ForUser()
	if e.Where() != filepath.Join(home, "cfg", "autostart", ID+".desktop") {
		t.Fatalf("entry at %s, want it in $XDG_CONFIG_HOME/autostart", e.Where())
	}
	data := roundTrip(t, e, `Exec="/opt/My Apps/switchboard" --home "/home/a b/.sb"`)
	for _, line := range []string{"[Desktop Entry]", "Type=Application", "Name=Switchboard"} {
		if !strings.Contains(data, line+"\n") {
			t.Errorf("entry lacks %q:\n%s", line, data)
		}
	}
}

func TestXDGDefaultsToDotConfig(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	dir, err := XDGDir()
	if err != nil || dir != filepath.Join(home, ".config", "autostart") {
		t.Fatalf("XDGDir() = %q, %v", dir, err)
	}
}

func TestXDGEntryHiddenByTheDesktopIsOff(t *testing.T) {
	x := XDG{Dir: t.TempDir()}
	if err := x.Enable([]string{"switchboard"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(x.Where())
	if err := os.WriteFile(x.Where(), append(data, "Hidden=true\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if on, _ := x.Enabled(); on {
		t.Fatal("an entry with Hidden=true reads as enabled")
	}
}

func TestLaunchAgentOnTempHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	dir, err := LaunchAgentsDir()
	if err != nil || dir != filepath.Join(home, "Library", "LaunchAgents") {
		t.Fatalf("LaunchAgentsDir() = %q, %v", dir, err)
	}
	data := roundTrip(t, LaunchAgent{Dir: dir}, "<string>/opt/My Apps/switchboard</string>")
	for _, want := range []string{"<key>Label</key>\n\t<string>" + ID + "</string>", "<key>RunAtLoad</key>\n\t<true/>",
		"<string>--home</string>"} {
		if !strings.Contains(data, want) {
			t.Errorf("plist lacks %q:\n%s", want, data)
		}
	}
}

func TestDesktopQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/switchboard": "/usr/bin/switchboard",
		"a b":                  `"a b"`,
		`say "hi" $HOME`:       `"say \"hi\" \$HOME"`,
		"100%":                 "100%%",
		"":                     `""`,
	} {
		if got := desktopQuote(in); got != want {
			t.Errorf("desktopQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
