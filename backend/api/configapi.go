package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
)

// configBackupsKept is how many copies POST /config/backup keeps.
const configBackupsKept = 10

// ConfigChanges lists what differs between two configs: servers by name
// and top-level settings by key.
type ConfigChanges struct {
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
	Changed  []string `json:"changed"`
	Settings []string `json:"settings"`
}

// ConfigDiff compares the file on disk with the config in force; they
// differ while a hand edit waits to be picked up, or when one was refused.
type ConfigDiff struct {
	InSync bool `json:"in_sync"`
	// Changes are what reloading the file would change.
	Changes ConfigChanges `json:"changes"`
}

// ConfigValidation is the answer for a config that would be accepted, with
// what applying it would change.
type ConfigValidation struct {
	Valid   bool          `json:"valid"`
	Changes ConfigChanges `json:"changes"`
}

// ConfigReloaded is the answer of POST /config/reload.
type ConfigReloaded struct {
	Changes ConfigChanges `json:"changes"`
}

// ConfigBackups lists the copies of the config, newest first.
type ConfigBackups struct {
	Dir     string              `json:"dir"`
	Backups []config.BackupFile `json:"backups"`
}

func (s *Server) registerConfig() {
	const tag = "config"
	s.handle(Route{Method: "GET", Path: "/api/v1/config", Tag: tag, Perm: auth.ConfigRead,
		Summary:  "The config in force, secrets masked (api_key and env and header values show as \"***\"; ${env:NAME} references show as written). The ETag header goes with If-Match on PUT",
		Response: config.Config{}}, s.getConfig)
	s.handle(Route{Method: "PUT", Path: "/api/v1/config", Tag: tag, Perm: auth.ConfigWrite,
		Summary: "Apply a whole config: validated, saved atomically (the old file kept as .bak) and applied live. \"***\" (as GET shows secrets) or a missing api_key keeps the secret in force. If-Match refuses it when the config changed since that ETag",
		Body:    config.Config{}, Response: config.Config{}}, s.putConfig)
	s.handle(Route{Method: "POST", Path: "/api/v1/config/validate", Tag: tag, Perm: auth.ConfigRead,
		Summary: "Check a whole config without applying it: 200 with what it would change, or 422 with every problem and where",
		Body:    config.Config{}, Response: ConfigValidation{}}, s.validateConfig)
	s.handle(Route{Method: "GET", Path: "/api/v1/config/export", Tag: tag, Perm: auth.ConfigRead,
		Summary:  "Download the config in force as a file, secrets masked as GET shows them (they never leave through the API; the file itself is readable by its owner)",
		Response: config.Config{}, ContentType: "application/json"}, s.exportConfig)
	s.handle(Route{Method: "GET", Path: "/api/v1/config/diff", Tag: tag, Perm: auth.ConfigRead,
		Summary: "Compare the file on disk with the config in force; 422 with the problems when the file does not load", Response: ConfigDiff{}}, s.diffConfig)
	s.handle(Route{Method: "POST", Path: "/api/v1/config/backup", Tag: tag, Perm: auth.ConfigWrite,
		Summary:  fmt.Sprintf("Copy the config in force to backups/ beside the file, keeping the newest %d", configBackupsKept),
		Response: config.BackupFile{}, Status: http.StatusCreated}, s.backupConfig)
	s.handle(Route{Method: "GET", Path: "/api/v1/config/backups", Tag: tag, Perm: auth.ConfigRead, Summary: "List the config's backups, newest first",
		Response: ConfigBackups{}}, s.listConfigBackups)
	s.handle(Route{Method: "POST", Path: "/api/v1/config/reload", Tag: tag, Perm: auth.ConfigWrite,
		Summary:  "Load the file from disk and apply it; when it does not load, 422 with the problems and the last good config stays",
		Response: ConfigReloaded{}}, s.reloadConfig)
}

// redactedConfig is c as the API may show it: the API key masked, each
// server's env and header values as Redacted shows them.
func redactedConfig(c *config.Config) *config.Config {
	out := c.Clone()
	if out.APIKey != "" {
		out.APIKey = config.Masked
	}
	for name, sc := range out.Servers {
		out.Servers[name] = sc.Redacted()
	}
	return out
}

// configETag names a version of the config in force. It is a hash of what
// GET shows, so it tells nothing about the secrets.
func configETag(c *config.Config) string {
	data, err := json.Marshal(redactedConfig(c))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

func (s *Server) getConfig(c *fiber.Ctx) error {
	cur := s.opts.Config.Snapshot()
	c.Set(fiber.HeaderETag, configETag(cur))
	return c.JSON(redactedConfig(cur))
}

func (s *Server) putConfig(c *fiber.Ctx) error {
	inForce := s.opts.Config.Snapshot()
	if want := c.Get(fiber.HeaderIfMatch); want != "" && want != "*" && want != configETag(inForce) {
		return apiErr(http.StatusPreconditionFailed, "ConfigChanged",
			"the config changed since it was read (If-Match %s, now %s); GET it again and reapply your change", want, configETag(inForce))
	}
	cfg, err := decodeWholeConfig(c.Body(), inForce)
	if err != nil {
		return err
	}
	if err := s.opts.Config.Replace(cfg); err != nil {
		return errConfig(err)
	}
	cur := s.opts.Config.Snapshot()
	c.Set(fiber.HeaderETag, configETag(cur))
	return c.JSON(redactedConfig(cur))
}

func (s *Server) validateConfig(c *fiber.Ctx) error {
	inForce := s.opts.Config.Snapshot()
	cfg, err := decodeWholeConfig(c.Body(), inForce)
	if err != nil {
		return err
	}
	return c.JSON(ConfigValidation{Valid: true, Changes: changesOf(config.Diff(inForce, cfg))})
}

// decodeWholeConfig reads a whole config from a request body and checks it
// as PUT would apply it: secrets shown masked are put back from the config
// in force first, so a config read with GET and sent back validates and
// keeps its secrets. Every refusal is a 4xx naming where the problem is.
func decodeWholeConfig(body []byte, inForce *config.Config) (*config.Config, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errBadRequest("EmptyBody", "the request needs a JSON body: a whole config, as GET /api/v1/config returns it")
	}
	var top map[string]json.RawMessage
	if err := decodeJSON(body, &top); err != nil {
		return nil, err
	}
	if top == nil {
		return nil, errInvalid("(body)", "must be a JSON object: a whole config, as GET /api/v1/config returns it")
	}
	// A body without mcpServers is most likely a partial change sent to the
	// wrong place; applied as a whole it would remove every server.
	if raw, ok := top["mcpServers"]; !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, errInvalid("mcpServers", "is required: PUT replaces the whole config, so send every server (an empty object for none); to change one server use /api/v1/servers/{name}")
	}
	cfg, err := config.Parse(body)
	if err != nil {
		return nil, errConfigDecode(err)
	}
	cfg.KeepSecretsFrom(inForce)
	if problems := maskedLeft(cfg); len(problems) > 0 {
		return nil, &Error{Code: "InvalidConfig", Message: problems[0].Path + ": " + problems[0].Message,
			StatusCode: http.StatusUnprocessableEntity, Problems: problems}
	}
	if err := cfg.Validate(); err != nil {
		return nil, errConfig(err)
	}
	return cfg, nil
}

// maskedLeft finds placeholders that no secret in force stands behind (a
// new or renamed server, a new variable), which would otherwise be saved
// as the literal "***".
func maskedLeft(c *config.Config) []config.Problem {
	var out []config.Problem
	const why = `is the placeholder "***" but there is no secret in force to keep here; send the value itself or a reference such as ${env:NAME}`
	if c.APIKey == config.Masked {
		out = append(out, config.Problem{Path: "api_key", Message: why})
	}
	for _, name := range slices.Sorted(maps.Keys(c.Servers)) {
		sc := c.Servers[name]
		if sc == nil {
			continue
		}
		base := "mcpServers" + pathKey(name)
		for _, k := range slices.Sorted(maps.Keys(sc.Env)) {
			if sc.Env[k] == config.Masked {
				out = append(out, config.Problem{Path: base + ".env" + pathKey(k), Message: why})
			}
		}
		for _, k := range slices.Sorted(maps.Keys(sc.Headers)) {
			if sc.Headers[k] == config.Masked {
				out = append(out, config.Problem{Path: base + ".headers" + pathKey(k), Message: why})
			}
		}
		if u, err := url.Parse(sc.URL); err == nil && u.User != nil {
			if p, set := u.User.Password(); set && p == "xxxxx" { // what url.Redacted writes
				out = append(out, config.Problem{Path: base + ".url", Message: `has the masked password "xxxxx" but there is no password in force to keep; send the URL with its password or use ${env:NAME}`})
			}
		}
	}
	return out
}

// exportConfig serves the config as a file. Secrets stay masked, even on
// the socket: the file is already readable by the user who owns it, and
// an export is meant to be shared, pasted and kept, where a secret should
// not travel.
func (s *Server) exportConfig(c *fiber.Ctx) error {
	data, err := config.Encode(redactedConfig(s.opts.Config.Snapshot()))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="switchboard-config.json"`)
	return c.Send(data)
}

func (s *Server) diffConfig(c *fiber.Ctx) error {
	d, err := s.opts.Config.DiskDiff()
	if err != nil {
		return errDiskConfig(err)
	}
	return c.JSON(ConfigDiff{InSync: d.Empty(), Changes: changesOf(d)})
}

func (s *Server) reloadConfig(c *fiber.Ctx) error {
	before := s.opts.Config.Snapshot()
	after, err := s.opts.Config.Reload()
	if err != nil {
		return errDiskConfig(err)
	}
	return c.JSON(ConfigReloaded{Changes: changesOf(config.Diff(before, after))})
}

func (s *Server) backupConfig(c *fiber.Ctx) error {
	path, err := s.opts.Config.Backup(configBackupsKept)
	if err != nil {
		return apiErr(http.StatusInternalServerError, "BackupFailed", "%v", err)
	}
	b := config.BackupFile{Name: filepath.Base(path), Path: path}
	if list, err := s.opts.Config.Backups(); err == nil {
		for _, f := range list {
			if f.Path == path {
				b = f
			}
		}
	} else if info, err := os.Stat(path); err == nil {
		b.SizeBytes, b.Created = info.Size(), info.ModTime().UTC()
	}
	return c.Status(http.StatusCreated).JSON(b)
}

func (s *Server) listConfigBackups(c *fiber.Ctx) error {
	list, err := s.opts.Config.Backups()
	if err != nil {
		return apiErr(http.StatusInternalServerError, "BackupsUnreadable", "listing %s: %v", s.opts.Config.BackupDir(), err)
	}
	return c.JSON(ConfigBackups{Dir: s.opts.Config.BackupDir(), Backups: list})
}

// errDiskConfig reports a config file that does not load: 422 with each
// problem when it does not validate, else with the file's own error (JSON
// syntax with line and column, or why it cannot be read).
func errDiskConfig(err error) *Error {
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		return &Error{Code: "InvalidConfig", Message: "the config file has errors; the last good config stays in force: " + err.Error(),
			StatusCode: http.StatusUnprocessableEntity, Problems: ve.Problems}
	}
	return &Error{Code: "ConfigFileBroken", Message: "the config file does not load; the last good config stays in force: " + err.Error(),
		StatusCode: http.StatusUnprocessableEntity, Problems: []config.Problem{{Path: "(file)", Message: err.Error()}}}
}

// pathKey writes a map key into a problem's path as config's validation
// does: ".name" for a plain word, else ["..."].
func pathKey(k string) string {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Sprintf("[%q]", k)
		}
	}
	if k == "" {
		return `[""]`
	}
	return "." + k
}

func changesOf(d config.DiffResult) ConfigChanges {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return ConfigChanges{Added: nonNil(d.Added), Removed: nonNil(d.Removed), Changed: nonNil(d.Changed), Settings: nonNil(d.Settings)}
}
