package api

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/config"
	"switchboard/backend/secrets"
	"switchboard/backend/upstream"
)

// SecretInfo is a secret as the API shows it: never its value.
type SecretInfo struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// UsedBy are the servers whose config refers to ${keyring:Name}.
	UsedBy []string `json:"used_by"`
}

// SecretRef is a ${keyring:NAME} reference of the config with no secret
// behind it: those servers cannot start until it is set.
type SecretRef struct {
	Name   string   `json:"name"`
	UsedBy []string `json:"used_by"`
}

// SecretList is the answer of GET /secrets.
type SecretList struct {
	// Backend is where the values live: keychain (the OS keychain) or file
	// (the encrypted file in the home folder).
	Backend string       `json:"backend"`
	Secrets []SecretInfo `json:"secrets"`
	Missing []SecretRef  `json:"missing"`
}

// SecretValue is the body of PUT /secrets/:name.
type SecretValue struct {
	Value string `json:"value"`
}

// SecretSet is the answer of PUT /secrets/:name.
type SecretSet struct {
	Secret  SecretInfo `json:"secret"`
	Created bool       `json:"created"`
	// Restarted are the running (or failed) servers that use the secret,
	// restarted so they get the new value.
	Restarted []string `json:"restarted"`
}

// SecretMigrateRequest is the body of POST /secrets/migrate (optional).
type SecretMigrateRequest struct {
	// All moves every literal env and header value, not only those whose
	// key looks secret (*TOKEN*, *KEY*, *SECRET*, *PASSWORD*, Authorization...).
	All    bool `json:"all"`
	DryRun bool `json:"dry_run"`
}

// SecretMigration says which config values moved into the store (or would,
// with dry_run), by name only.
type SecretMigration struct {
	Backend string          `json:"backend"`
	DryRun  bool            `json:"dry_run"`
	Moved   []secrets.Moved `json:"moved"`
	// Scrubbed are copies of the old config (its .bak, backups/) in which
	// the moved values were replaced by their references too.
	Scrubbed []string `json:"scrubbed"`
}

func (s *Server) registerSecrets() {
	const tag = "secrets"
	path := "/api/v1/secrets/:name"
	s.handle(Route{Method: "GET", Path: "/api/v1/secrets", Tag: tag, Perm: auth.SecretsRead,
		Summary:  "List the secrets (names, times and the servers that use them; never values), the backend that holds them, and ${keyring:NAME} references with no secret",
		Response: SecretList{}}, s.listSecrets)
	s.handle(Route{Method: "PUT", Path: path, Tag: tag, Perm: auth.SecretsWrite,
		Summary: "Set a secret's value, for ${keyring:NAME} in a server's env, headers, args, cwd or url. Servers that use it and are running are restarted to get it. The value is never returned",
		Body:    SecretValue{}, Response: SecretSet{}}, s.setSecret)
	s.handle(Route{Method: "DELETE", Path: path, Tag: tag, Perm: auth.SecretsWrite,
		Summary: "Delete a secret. 409 while a server's config uses it, unless force=true",
		Query:   []Param{{Name: "force", Type: "boolean", Description: "delete even when servers use it (they will fail to start)"}},
		Status:  http.StatusNoContent}, s.deleteSecret)
	s.handle(Route{Method: "POST", Path: "/api/v1/secrets/migrate", Tag: tag, Perm: auth.SecretsWrite,
		Summary: "Move literal secret values of the config's env and headers into the store and rewrite them as ${keyring:NAME} (saved atomically). The answer names what moved, never the values",
		Body:    SecretMigrateRequest{}, Response: SecretMigration{}}, s.migrateSecrets)
}

func (s *Server) secretStore() (*secrets.Store, error) {
	if s.opts.Secrets == nil {
		return nil, apiErr(http.StatusServiceUnavailable, "SecretStoreUnavailable",
			"the secret store could not be opened; the reason is in the log at start")
	}
	return s.opts.Secrets, nil
}

// keyringRefRe finds the names of ${keyring:NAME} references.
var keyringRefRe = regexp.MustCompile(`\$\{keyring:([^}]*)\}`)

// secretUsers maps each secret name referenced in cfg to the servers that
// refer to it, sorted.
func secretUsers(cfg *config.Config) map[string][]string {
	out := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(cfg.Servers)) {
		sc := cfg.Servers[name]
		if sc == nil {
			continue
		}
		texts := slices.Concat(slices.Collect(maps.Values(sc.Env)), slices.Collect(maps.Values(sc.Headers)),
			sc.Args, []string{sc.Cwd, sc.URL})
		seen := map[string]bool{}
		for _, t := range texts {
			for _, m := range keyringRefRe.FindAllStringSubmatch(t, -1) {
				if !seen[m[1]] {
					seen[m[1]] = true
					out[m[1]] = append(out[m[1]], name)
				}
			}
		}
	}
	return out
}

func secretInfo(i secrets.Info, users map[string][]string) SecretInfo {
	return SecretInfo{Name: i.Name, Created: i.Created, Updated: i.Updated, UsedBy: orEmpty(users[i.Name])}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) listSecrets(c *fiber.Ctx) error {
	st, err := s.secretStore()
	if err != nil {
		return err
	}
	users := secretUsers(s.opts.Config.Snapshot())
	out := SecretList{Backend: st.Backend(), Secrets: []SecretInfo{}, Missing: []SecretRef{}}
	held := map[string]bool{}
	for _, i := range st.List() {
		held[i.Name] = true
		out.Secrets = append(out.Secrets, secretInfo(i, users))
	}
	for _, name := range slices.Sorted(maps.Keys(users)) {
		if !held[name] {
			out.Missing = append(out.Missing, SecretRef{Name: name, UsedBy: users[name]})
		}
	}
	return c.JSON(out)
}

func (s *Server) setSecret(c *fiber.Ctx) error {
	st, err := s.secretStore()
	if err != nil {
		return err
	}
	name := c.Params("name")
	if err := secrets.CheckName(name); err != nil {
		return errInvalid("name", "%v", err)
	}
	var body SecretValue
	if err := bind(c, &body); err != nil {
		return err
	}
	switch {
	case body.Value == "":
		return errInvalid("value", "a secret's value cannot be empty")
	case len(body.Value) > secrets.MaxValueBytes:
		return errInvalid("value", "a secret's value is limited to %d bytes", secrets.MaxValueBytes)
	}
	info, created, err := st.Set(name, body.Value)
	if err != nil {
		s.log.Error("set secret", "name", name, "err", err)
		return apiErr(http.StatusInternalServerError, "SecretStoreFailed", "%v", err)
	}
	users := secretUsers(s.opts.Config.Snapshot())
	out := SecretSet{Secret: secretInfo(info, users), Created: created, Restarted: []string{}}
	for _, server := range users[name] {
		if s.restartForSecret(server) {
			out.Restarted = append(out.Restarted, server)
		}
	}
	s.log.Info("secret set", "name", name, "created", created, "restarted", out.Restarted)
	return c.JSON(out)
}

// restartForSecret restarts a server that runs, or failed (perhaps for want
// of this very secret), so it connects with the new value. Cold, stopped
// and disabled servers get it when they next start.
func (s *Server) restartForSecret(name string) bool {
	u := s.opts.Gateway.Server(name)
	if u == nil {
		return false
	}
	switch u.State() {
	case upstream.StateStarting, upstream.StateReady, upstream.StateDegraded, upstream.StateDead:
		if err := s.opts.Gateway.RestartServer(name); err != nil {
			s.log.Warn("restart after secret change", "server", name, "err", err)
			return false
		}
		return true
	}
	return false
}

func (s *Server) deleteSecret(c *fiber.Ctx) error {
	st, err := s.secretStore()
	if err != nil {
		return err
	}
	name := c.Params("name")
	if _, err := st.Get(name); err != nil {
		return errNotFound("SecretNotFound", "no secret %q", name)
	}
	if users := secretUsers(s.opts.Config.Snapshot())[name]; len(users) > 0 && !c.QueryBool("force") {
		return errConflict("SecretInUse", "secret %s is used by %s; change their config first, or pass force=true",
			name, strings.Join(users, ", "))
	}
	if err := st.Delete(name); err != nil {
		if errors.Is(err, secrets.ErrNotFound) {
			return errNotFound("SecretNotFound", "no secret %q", name)
		}
		return apiErr(http.StatusInternalServerError, "SecretStoreFailed", "%v", err)
	}
	s.log.Info("secret deleted", "name", name)
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) migrateSecrets(c *fiber.Ctx) error {
	st, err := s.secretStore()
	if err != nil {
		return err
	}
	var req SecretMigrateRequest
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	out := SecretMigration{Backend: st.Backend(), DryRun: req.DryRun}
	if req.DryRun {
		out.Moved, err = st.Migrate(s.opts.Config.Snapshot(), req.All, true)
	} else {
		// Values go into the store inside the update, so the config is only
		// rewritten once every value is safe; a config that then fails to
		// save leaves copies in the store and the file as it was.
		_, err = s.opts.Config.Update(func(cfg *config.Config) error {
			var merr error
			out.Moved, merr = st.Migrate(cfg, req.All, false)
			return merr
		})
	}
	if err != nil {
		return errConfig(err)
	}
	if out.Moved == nil {
		out.Moved = []secrets.Moved{}
	}
	out.Scrubbed = []string{}
	if !req.DryRun && len(out.Moved) > 0 {
		copies := []string{s.opts.Config.Path() + ".bak"}
		backups, _ := filepath.Glob(filepath.Join(s.opts.Config.BackupDir(), "*.json"))
		scrubbed, err := st.Scrub(append(copies, backups...), out.Moved)
		if err != nil {
			s.log.Warn("scrub old copies of the config", "err", err)
		}
		out.Scrubbed = append(out.Scrubbed, scrubbed...)
	}
	names := make([]string, len(out.Moved))
	for i, m := range out.Moved {
		names[i] = m.Name
	}
	s.log.Info("secrets migrated", "dry_run", req.DryRun, "moved", names)
	return c.JSON(out)
}

// encodeJSON is marshalJSON with every secret value the store holds hidden,
// so a value that reached some text (an upstream's error quoting a URL
// built from ${keyring:...}) does not leave through an answer.
func (s *Server) encodeJSON(v any) ([]byte, error) {
	b, err := marshalJSON(v)
	if err != nil || s.opts.Secrets == nil {
		return b, err
	}
	out := s.opts.Secrets.Redact(string(b))
	if out == string(b) {
		return b, nil
	}
	if !json.Valid([]byte(out)) {
		// A value matched outside a string (a number): nothing of it may go.
		return nil, errors.New("the answer held a secret value where it could not be hidden")
	}
	return []byte(out), nil
}
