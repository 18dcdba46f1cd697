package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"
)

// The keychain backend keeps each value in the OS keychain (macOS Keychain,
// Windows Credential Manager, the Secret Service on Linux) under the
// service "switchboard" and the secret's name. go-keyring cannot list
// items, so the names and times (never the values) are kept in
// secrets.index.json in the home folder.

const indexFile = "secrets.index.json"

// probeTimeout bounds the keychain probe: a locked keyring can wait on an
// unlock prompt nobody will answer.
const probeTimeout = 5 * time.Second

type keychainBackend struct {
	service string
	index   string
}

func newKeychain(home, service string) *keychainBackend {
	return &keychainBackend{service: service, index: filepath.Join(home, indexFile)}
}

// ProbeKeychain writes, reads back and deletes an item to see whether the
// OS keychain works here. On Linux it needs a session bus: without
// DBUS_SESSION_BUS_ADDRESS the DBus library would launch a bus of its own.
func ProbeKeychain(service string) error {
	if service == "" {
		service = DefaultService
	}
	if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return errors.New("no session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service")
	}
	done := make(chan error, 1)
	go func() {
		const user, value = ".switchboard-probe", "probe"
		if err := keyring.Set(service, user, value); err != nil {
			done <- err
			return
		}
		got, err := keyring.Get(service, user)
		_ = keyring.Delete(service, user)
		if err == nil && got != value {
			err = errors.New("the keychain gave back a different value")
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(probeTimeout):
		return fmt.Errorf("the keychain did not answer within %v (is it locked?)", probeTimeout)
	}
}

func (k *keychainBackend) name() string { return BackendKeychain }

type keychainIndex struct {
	Service string          `json:"service"`
	Secrets map[string]Info `json:"secrets"`
}

func (k *keychainBackend) load() (map[string]*entry, error) {
	out := map[string]*entry{}
	data, err := os.ReadFile(k.index)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	var idx keychainIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("secrets: %s is damaged: %v", k.index, err)
	}
	for name, info := range idx.Secrets {
		v, err := bounded("reading "+name, func() (string, error) { return keyring.Get(k.service, name) })
		if errors.Is(err, keyring.ErrNotFound) {
			continue // removed from the keychain by hand: the index follows
		}
		if err != nil {
			return nil, fmt.Errorf("secrets: reading %s from the keychain: %w", name, err)
		}
		info.Name = name
		out[name] = &entry{Info: info, value: v}
	}
	return out, nil
}

func (k *keychainBackend) save(name string, e *entry, all map[string]*entry) error {
	if _, err := bounded("writing "+name, func() (struct{}, error) { return struct{}{}, keyring.Set(k.service, name, e.value) }); err != nil {
		return fmt.Errorf("secrets: writing %s to the keychain: %w", name, err)
	}
	return k.writeIndex(all)
}

func (k *keychainBackend) remove(name string, all map[string]*entry) error {
	_, err := bounded("deleting "+name, func() (struct{}, error) { return struct{}{}, keyring.Delete(k.service, name) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("secrets: deleting %s from the keychain: %w", name, err)
	}
	return k.writeIndex(all)
}

func (k *keychainBackend) writeIndex(all map[string]*entry) error {
	idx := keychainIndex{Service: k.service, Secrets: make(map[string]Info, len(all))}
	for name, e := range all {
		idx.Secrets[name] = e.Info
	}
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(k.index, append(data, '\n'))
}

// opTimeout bounds one keychain operation, for the same reason as the probe.
const opTimeout = 15 * time.Second

// bounded runs fn, giving up after opTimeout. A call that never returns
// leaves its goroutine waiting on the keychain; the caller goes on.
func bounded[T any](what string, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(opTimeout):
		var zero T
		return zero, fmt.Errorf("the keychain did not answer %s within %v (is it locked?)", what, opTimeout)
	}
}
