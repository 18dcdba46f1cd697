package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sync/atomic"
)

// refRe matches a secret reference: ${env:NAME} or ${keyring:NAME}.
var refRe = regexp.MustCompile(`\$\{(env|keyring):([^}]*)\}`)

// ExpandRefs returns a copy of s with every ${env:NAME} in env values,
// header values, args, cwd and url replaced from the process environment,
// and every ${keyring:NAME} from the secret store (see SetSecretResolver).
// name is the server's name, used in error messages. All unresolvable
// references are reported together; the values themselves never are.
func ExpandRefs(name string, s *Server) (*Server, error) {
	if s == nil {
		return nil, fmt.Errorf("mcpServers%s: is null", pathKey(name))
	}
	out := s.Clone()
	base := "mcpServers" + pathKey(name)
	var errs []error
	expand := func(path, v string) string {
		r, err := expandString(path, v)
		if err != nil {
			errs = append(errs, err)
		}
		return r
	}
	for _, k := range slices.Sorted(maps.Keys(out.Env)) {
		out.Env[k] = expand(base+".env"+pathKey(k), out.Env[k])
	}
	for _, k := range slices.Sorted(maps.Keys(out.Headers)) {
		out.Headers[k] = expand(base+".headers"+pathKey(k), out.Headers[k])
	}
	for i, a := range out.Args {
		out.Args[i] = expand(fmt.Sprintf("%s.args[%d]", base, i), a)
	}
	out.Cwd = expand(base+".cwd", out.Cwd)
	if out.URL != "" {
		u := expand(base+".url", out.URL)
		if len(errs) == 0 && u != out.URL {
			// Validate could only guess at a URL built from references.
			if msg := checkURL(u); msg != "" {
				// The message would show the secret-bearing URL; name the field only.
				errs = append(errs, fmt.Errorf("%s: once references are expanded, must be an absolute http:// or https:// URL", base+".url"))
			}
		}
		out.URL = u
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func expandString(path, v string) (string, error) {
	var firstErr error
	r := refRe.ReplaceAllStringFunc(v, func(ref string) string {
		m := refRe.FindStringSubmatch(ref)
		kind, name := m[1], m[2]
		var (
			val string
			err error
		)
		switch {
		case name == "":
			err = fmt.Errorf("%s: reference %s has no name; write ${%s:NAME}", path, ref, kind)
		case kind == "env":
			var ok bool
			if val, ok = os.LookupEnv(name); !ok {
				err = fmt.Errorf("%s: environment variable %s is not set", path, name)
			}
		default:
			val, err = lookupKeyring(path, name)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return val
	})
	if firstErr != nil {
		return v, firstErr
	}
	return r, nil
}

// secretResolver resolves ${keyring:NAME}; the core sets it at start.
var secretResolver atomic.Pointer[func(name string) (string, error)]

// SetSecretResolver sets how ${keyring:NAME} references are resolved (nil:
// not at all). Its errors must name the secret, never show a value.
func SetSecretResolver(fn func(name string) (string, error)) {
	if fn == nil {
		secretResolver.Store(nil)
		return
	}
	secretResolver.Store(&fn)
}

// lookupKeyring resolves ${keyring:NAME} through the secret resolver.
func lookupKeyring(path, name string) (string, error) {
	fn := secretResolver.Load()
	if fn == nil {
		return "", fmt.Errorf("secret store not configured: keyring reference %s in %s", name, path)
	}
	v, err := (*fn)(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// redactedRe matches values safe to show: only references, optionally after
// an auth scheme word ("Bearer ${env:TOKEN}").
var redactedRe = regexp.MustCompile(`^(?:[A-Za-z-]+ )?(?:\$\{(?:env|keyring):[^}]*\})+$`)

// Redacted returns a copy fit to show in the API or logs: env and header
// values become "***" unless they are only references, and a password in
// the url is masked.
func (s *Server) Redacted() *Server {
	out := s.Clone()
	if out == nil {
		return nil
	}
	for k, v := range out.Env {
		out.Env[k] = redact(v)
	}
	for k, v := range out.Headers {
		out.Headers[k] = redact(v)
	}
	if u, err := url.Parse(out.URL); err == nil && u.User != nil {
		out.URL = u.Redacted()
	}
	return out
}

func redact(v string) string {
	if redactedRe.MatchString(v) {
		return v
	}
	return Masked
}
