// Command switchboard is the desktop MCP gateway: it runs and supervises
// MCP servers and serves them to AI clients through one endpoint.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/natefinch/lumberjack.v2"

	"switchboard/app"
	"switchboard/backend/bridge"
	"switchboard/backend/cli"
	"switchboard/backend/config"
	"switchboard/backend/daemon"
	"switchboard/backend/upstream"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	upstream.Version = version
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}

type globalFlags struct {
	home, config, listen, logLevel string
}

func rootCmd() *cobra.Command {
	var g globalFlags
	var hidden bool
	root := &cobra.Command{
		Use:           "switchboard",
		Short:         "Switchboard runs your MCP servers and serves them to AI clients through one endpoint",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Without a subcommand: the desktop app where one is built in and
		// a display and session bus exist; otherwise it serves headless.
		RunE: func(cmd *cobra.Command, args []string) error { return desktop(g, hidden) },
	}
	root.Flags().BoolVar(&hidden, "hidden", false, "desktop app: start with only the tray icon (as at login); the window opens from the tray")
	root.PersistentFlags().StringVar(&g.home, "home", "", "home folder (default $SWITCHBOARD_HOME or ~/.switchboard)")
	root.PersistentFlags().StringVar(&g.config, "config", "", "config file (default HOME/config.json)")
	root.PersistentFlags().StringVar(&g.listen, "listen", "", "listen address (default from the config, 127.0.0.1:7410); for the other commands: reach the running instance there over TCP")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")

	root.AddCommand(&cobra.Command{
		Use:   "serve",
		Short: "Run the gateway headless (no window, no tray)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return serve(g) },
	})
	var only stdioTarget
	stdioCmd := &cobra.Command{
		Use:   "stdio",
		Short: "Bridge an MCP client on stdin/stdout to the running Switchboard (starts it in-process if none runs)",
		Long: "Bridge an MCP client on stdin/stdout to the running Switchboard (starts it in-process if none runs).\n" +
			"By default the client sees everything (/mcp); --server, --profile or --group give it one server\n" +
			"(names unprefixed), one profile or one group instead, as their HTTP endpoints do.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return stdio(g, only) },
	}
	stdioCmd.Flags().StringVar(&only.server, "server", "", "serve only this server, its tools unprefixed (/mcp/servers/NAME)")
	stdioCmd.Flags().StringVar(&only.profile, "profile", "", "serve only this profile (/mcp/profiles/NAME)")
	stdioCmd.Flags().StringVar(&only.group, "group", "", "serve only this group (/mcp/groups/ID)")
	stdioCmd.MarkFlagsMutuallyExclusive("server", "profile", "group")
	root.AddCommand(stdioCmd)
	root.AddCommand(&cobra.Command{
		Use:    upstream.ReaperCommand + " PID",
		Short:  "End what the servers of Switchboard PID started, once it is gone (started by serve)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pid, err := strconv.Atoi(args[0])
			if err != nil || pid <= 1 {
				return fmt.Errorf("%s: %q is not a process id", upstream.ReaperCommand, args[0])
			}
			// Ctrl-C and SIGTERM are for Switchboard; the reaper waits for its end.
			signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
			return upstream.RunReaper(os.Stdin, pid)
		},
	})
	root.AddCommand(&cobra.Command{
		Use:    app.TrayCommand,
		Short:  "Run only the tray, as its own process (started by the desktop app where it needs that)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE:   func(cmd *cobra.Command, args []string) error { return trayProcess(g) },
	})
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, args []string) { fmt.Println("switchboard", version) },
	})
	root.AddCommand(cli.Commands(func() cli.Globals {
		return cli.Globals{Home: g.home, Config: g.config, Listen: g.listen, Version: version}
	})...)
	return root
}

// logger writes to stderr (never stdout: it belongs to the MCP stream in
// `stdio`) and to HOME/logs/switchboard.log, rotated at 10 MB with 3 old
// files kept, so the log of a Switchboard started by a desktop client can
// be found.
func logger(home, level string) *slog.Logger { return fileLogger(home, level, "switchboard.log") }

// fileLogger is logger writing to HOME/logs/name: a process of its own
// (the tray's) keeps its own file, since two processes cannot share the
// rotation of one.
func fileLogger(home, level, name string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	var out io.Writer = os.Stderr
	if err := os.MkdirAll(filepath.Join(home, "logs"), 0o700); err == nil {
		out = io.MultiWriter(os.Stderr, &lumberjack.Logger{
			Filename: filepath.Join(home, "logs", name), MaxSize: 10, MaxBackups: 3})
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: l}))
}

func (g globalFlags) options() daemon.Options {
	home := g.home
	if home == "" {
		home = config.Home()
	}
	exe, _ := os.Executable() // for the reaper; "" (none) if it cannot be found
	return daemon.Options{Home: home, ConfigPath: g.config, Listen: g.listen, Logger: logger(home, g.logLevel), Version: version,
		Reaper: exe}
}

func serve(g globalFlags) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	d, err := daemon.Start(g.options())
	if err != nil {
		return err
	}
	<-ctx.Done()
	d.Options().Logger.Info("shutting down")
	d.Close()
	return nil
}

// stdioTarget is the one endpoint `stdio` serves instead of /mcp, if any.
type stdioTarget struct{ server, profile, group string }

// endpoint is the MCP endpoint's URL on the socket.
func (t stdioTarget) endpoint() string {
	const base = "http://localhost/mcp"
	switch {
	case t.server != "":
		return base + "/servers/" + url.PathEscape(t.server)
	case t.profile != "":
		return base + "/profiles/" + url.PathEscape(t.profile)
	case t.group != "":
		return base + "/groups/" + url.PathEscape(t.group)
	}
	return base
}

func stdio(g globalFlags, only stdioTarget) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	opts := g.options()
	sock := daemon.SocketPath(opts.Home)
	if !reachable(sock) {
		d, err := daemon.Start(opts)
		switch {
		case errors.Is(err, daemon.ErrAlreadyRunning):
			// Another instance won the race to start; use it.
		case err != nil:
			return err
		default:
			defer d.Close()
			opts.Logger.Info("no running Switchboard found; serving in this process")
		}
	}
	err := bridge.Run(ctx, os.Stdin, os.Stdout, bridge.UnixSocketClient(sock), only.endpoint(), opts.Logger)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func reachable(sock string) bool {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
