package api

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/autostart"
	"switchboard/backend/config"
)

// Autostart is the answer of GET and PUT /system/autostart: whether
// Switchboard starts when the user logs in.
type Autostart struct {
	Enabled bool `json:"enabled"`
	// Supported is false on systems with no known login mechanism.
	Supported bool `json:"supported"`
	// Where is the entry: a file path, or a registry value on Windows.
	Where string `json:"where,omitempty"`
	// Command is what is started at login (present while enabled).
	Command []string `json:"command,omitempty"`
}

// AutostartUpdate is the body of PUT /system/autostart.
type AutostartUpdate struct {
	Enabled *bool `json:"enabled"`
}

// registerAutostart adds the start-at-login switch the settings page and
// the tray share. It acts on the machine of the running core, which is the
// user's own: the API listens on localhost and the socket only.
func (s *Server) registerAutostart() {
	const tag = "system"
	s.handle(Route{Method: "GET", Path: "/api/v1/system/autostart", Tag: tag, Perm: auth.SystemRead,
		Summary: "Whether Switchboard starts at login, and where that is kept", Response: Autostart{}}, s.getAutostart)
	s.handle(Route{Method: "PUT", Path: "/api/v1/system/autostart", Tag: tag, Perm: auth.ConfigWrite,
		Summary: "Start Switchboard at login, or not (XDG autostart entry, LaunchAgent or Run key)",
		Body:    AutostartUpdate{}, Response: Autostart{}}, s.putAutostart)
}

func (s *Server) getAutostart(c *fiber.Ctx) error {
	out, err := s.autostartState(autostart.ForUser())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) putAutostart(c *fiber.Ctx) error {
	var in AutostartUpdate
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Enabled == nil {
		return errInvalid("enabled", "is required (true or false)")
	}
	e := autostart.ForUser()
	var err error
	if *in.Enabled {
		err = e.Enable(s.loginCommand())
	} else {
		err = e.Disable()
	}
	if errors.Is(err, autostart.ErrUnsupported) {
		return apiErr(http.StatusNotImplemented, "AutostartUnsupported", "%v", err)
	}
	if err != nil {
		return apiErr(http.StatusInternalServerError, "AutostartFailed", "could not change %s: %v", e.Where(), err)
	}
	out, err := s.autostartState(e)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) autostartState(e autostart.Entry) (*Autostart, error) {
	on, err := e.Enabled()
	if err != nil {
		return nil, apiErr(http.StatusInternalServerError, "AutostartFailed", "could not read %s: %v", e.Where(), err)
	}
	out := &Autostart{Enabled: on, Supported: e.Where() != "", Where: e.Where()}
	if on {
		out.Command = s.loginCommand()
	}
	return out, nil
}

// loginCommand starts this binary with no subcommand (the desktop app
// with only its tray icon, or serve in a build without it), keeping a home
// folder or config file that is not the default so the same instance
// comes back.
func (s *Server) loginCommand() []string {
	exe, err := os.Executable()
	if err != nil {
		exe = "switchboard"
	}
	cmd := []string{exe, "--hidden"}
	home := s.home()
	if home != config.Home() {
		cmd = append(cmd, "--home", home)
	}
	if p := s.opts.Config.Path(); p != filepath.Join(home, "config.json") {
		cmd = append(cmd, "--config", p)
	}
	return cmd
}
