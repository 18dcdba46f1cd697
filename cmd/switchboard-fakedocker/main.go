//go:build unix

// Command switchboard-fakedocker stands in for the docker program in tests,
// where no Docker engine runs. Installed on PATH as "docker", it appends
// each invocation's arguments as one JSON array per line to the file named
// by $FAKEDOCKER_LOG, then:
//
//   - run: executes the command after the image directly, in place of
//     itself, with only the environment a container would get (PATH, HOME
//     and the variables named by -e), so the MCP server really runs;
//   - kill NAME: ends the process that `run --name NAME` became;
//   - version, --version, info: answers as Docker does. With
//     FAKEDOCKER_ENGINE=down the engine does not answer.
//
// Containers are tracked as files in $FAKEDOCKER_STATE (the pid, by name).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const (
	clientVersion = "27.3.1"
	engineDown    = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
)

func main() {
	args := os.Args[1:]
	record(args)
	if len(args) == 0 {
		fail(1, "Usage:  docker [OPTIONS] COMMAND")
	}
	up := os.Getenv("FAKEDOCKER_ENGINE") != "down"
	switch args[0] {
	case "--version":
		fmt.Printf("Docker version %s, build fake\n", clientVersion)
	case "version":
		version(args[1:], up)
	case "info":
		if !up {
			fail(1, "ERROR: "+engineDown)
		}
		fmt.Println(clientVersion)
	case "run":
		if !up {
			fail(125, "docker: "+engineDown)
		}
		run(args[1:])
	case "kill":
		kill(args[1:], up)
	default:
		fail(1, fmt.Sprintf("docker: '%s' is not a docker command.", args[0]))
	}
}

func record(args []string) {
	path := os.Getenv("FAKEDOCKER_LOG")
	if path == "" {
		return
	}
	line, _ := json.Marshal(args)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fail(1, err.Error())
	}
	_, _ = f.Write(append(line, '\n'))
	_ = f.Close()
}

func version(args []string, up bool) {
	if len(args) >= 2 && args[0] == "--format" && args[1] == "json" {
		out := map[string]any{"Client": map[string]string{"Version": clientVersion, "ApiVersion": "1.47"}}
		if up {
			out["Server"] = map[string]string{"Version": clientVersion}
		} else {
			out["Server"] = nil
		}
		b, _ := json.Marshal(out)
		fmt.Println(string(b))
	} else {
		fmt.Printf("Client:\n Version: %s\n", clientVersion)
	}
	if !up {
		fail(1, engineDown)
	}
}

// valueFlags are the run options that take a value as the next argument.
var valueFlags = map[string]bool{
	"--name": true, "--label": true, "-l": true, "--network": true, "--net": true, "--cap-drop": true,
	"--cap-add": true, "--security-opt": true, "--pull": true, "--cpus": true, "--memory": true, "-m": true,
	"--tmpfs": true, "--volume": true, "-v": true, "-e": true, "--env": true, "--user": true, "-u": true,
	"--workdir": true, "-w": true, "--entrypoint": true, "--pids-limit": true, "--mount": true,
}

func run(args []string) {
	var name string
	keep := []string{"PATH", "HOME"}
	env := map[string]string{}
	i := 0
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		flag := args[i]
		if !valueFlags[flag] {
			continue
		}
		i++
		if i == len(args) {
			fail(125, "docker: flag needs an argument: "+flag)
		}
		switch flag {
		case "--name":
			name = args[i]
		case "-e", "--env":
			k, v, set := strings.Cut(args[i], "=")
			if set {
				env[k] = v
			} else {
				keep = append(keep, k)
			}
		}
	}
	if i+1 >= len(args) {
		fail(125, "docker: 'docker run' requires an image and a command")
	}
	command := args[i+1:]
	for _, k := range keep {
		if v, ok := os.LookupEnv(k); ok {
			if _, set := env[k]; !set {
				env[k] = v
			}
		}
	}
	path, err := exec.LookPath(command[0])
	if err != nil {
		fail(127, fmt.Sprintf("docker: Error response from daemon: exec: %q: executable file not found in $PATH", command[0]))
	}
	if name != "" {
		if dir := os.Getenv("FAKEDOCKER_STATE"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, name), []byte(strconv.Itoa(os.Getpid())), 0o600)
		}
	}
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	err = syscall.Exec(path, command, list)
	fail(126, "docker: exec: "+err.Error())
}

func kill(args []string, up bool) {
	if !up {
		fail(1, engineDown)
	}
	if len(args) == 0 {
		fail(1, `"docker kill" requires at least 1 argument.`)
	}
	status := 0
	for _, name := range args {
		dir := os.Getenv("FAKEDOCKER_STATE")
		state := filepath.Join(dir, name)
		b, err := os.ReadFile(state)
		if dir == "" {
			err = os.ErrNotExist
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			fmt.Fprintf(os.Stderr, "Error response from daemon: No such container: %s\n", name)
			status = 1
			continue
		}
		_ = os.Remove(state)
		if syscall.Kill(pid, syscall.SIGKILL) != nil {
			fmt.Fprintf(os.Stderr, "Error response from daemon: cannot kill container: %s: container is not running\n", name)
			status = 1
			continue
		}
		fmt.Println(name)
	}
	os.Exit(status)
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}
