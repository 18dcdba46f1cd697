package config

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// APIKeyPrefix starts every generated API key, so a key is recognisable
// when it shows up in a script or a secret scanner.
const APIKeyPrefix = "sb_"

// Home is Switchboard's folder: $SWITCHBOARD_HOME, else ~/.switchboard.
func Home() string {
	if h := os.Getenv("SWITCHBOARD_HOME"); h != "" {
		return h
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		// No home folder (a bare service account): stay next to the process.
		return ".switchboard"
	}
	return filepath.Join(dir, ".switchboard")
}

// DefaultPath is the config file inside Home.
func DefaultPath() string {
	return filepath.Join(Home(), "config.json")
}

// NewAPIKey returns "sb_" followed by 32 random bytes in hex.
func NewAPIKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating an API key: %w", err)
	}
	return APIKeyPrefix + hex.EncodeToString(b), nil
}

// NewDefault is the config written when there is no file yet.
func NewDefault() (*Config, error) {
	key, err := NewAPIKey()
	if err != nil {
		return nil, err
	}
	on := true
	return &Config{
		Listen:      DefaultListen,
		APIKey:      key,
		UpdateCheck: &on,
		Servers:     map[string]*Server{},
	}, nil
}

// Load reads, parses, normalises and validates the file at path. Every
// error names the file; JSON syntax errors also give line and column.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fileError(path, data, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes and normalises config JSON without validating it.
func Parse(data []byte) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM from Windows editors
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the file is empty; expected a JSON object such as {\"mcpServers\": {}}")
	}
	cfg := &Config{}
	if err := json.Unmarshal(data, cfg); err != nil {
		return nil, err
	}
	cfg.normalise()
	return cfg, nil
}

// normalise fills what the file may leave out and the rest of the program
// should not have to check for.
func (c *Config) normalise() {
	if c.Servers == nil {
		c.Servers = map[string]*Server{}
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
}

// fileError prefixes err with the file, and for syntax errors with the line
// and column, as editors and compilers do (file:line:col: message).
func fileError(path string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Errorf("%s:%d:%d: invalid JSON: %w", path, line, col, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// lineCol turns a byte offset from encoding/json (the number of bytes read
// when the error was found, so one past the offending byte) into a 1-based
// line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = len(before) - bytes.LastIndexByte(before, '\n') - 1
	if col < 1 {
		col = 1
	}
	return line, col
}

// LoadOrCreate loads path, creating it with defaults (and its folder, 0700)
// when it does not exist. A file without an api_key gets a generated one,
// saved back so scripts can read it from the file.
func LoadOrCreate(path string) (cfg *Config, created bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("creating config folder: %w", err)
		}
		cfg, err := NewDefault()
		if err != nil {
			return nil, false, err
		}
		if err := Save(path, cfg); err != nil {
			return nil, false, err
		}
		return cfg, true, nil
	}
	cfg, err = Load(path)
	if err != nil {
		return nil, false, err
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		if cfg.APIKey, err = NewAPIKey(); err != nil {
			return nil, false, err
		}
		if err := Save(path, cfg); err != nil {
			return nil, false, fmt.Errorf("saving the generated api_key: %w", err)
		}
	}
	return cfg, false, nil
}
