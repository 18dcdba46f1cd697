package config

import "net/url"

// Masked is what Redacted shows in place of a secret value.
const Masked = "***"

// KeepSecretsFrom puts back the secrets of old where s carries them as
// Redacted shows them, so a config read from the API and sent back (with
// "***" in place of each secret) does not overwrite the real values.
func (s *Server) KeepSecretsFrom(old *Server) {
	if s == nil || old == nil {
		return
	}
	for k, v := range s.Env {
		if ov, ok := old.Env[k]; ok && v == Masked {
			s.Env[k] = ov
		}
	}
	for k, v := range s.Headers {
		if ov, ok := old.Headers[k]; ok && v == Masked {
			s.Headers[k] = ov
		}
	}
	if u, err := url.Parse(old.URL); err == nil && u.User != nil && s.URL == u.Redacted() {
		s.URL = old.URL
	}
}

// KeepSecretsFrom does the same for a whole config: the API key (left out or
// masked) and every server that keeps its name.
func (c *Config) KeepSecretsFrom(old *Config) {
	if c == nil || old == nil {
		return
	}
	if c.APIKey == "" || c.APIKey == Masked {
		c.APIKey = old.APIKey
	}
	for name, s := range c.Servers {
		s.KeepSecretsFrom(old.Servers[name])
	}
}
