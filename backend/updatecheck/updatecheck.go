// Package updatecheck asks a release feed, at start and every few hours,
// always in the background, whether a newer Switchboard exists. Start-up
// and requests never wait on it: the API shows the last answer.
package updatecheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultReleasesURL is the project's release feed: the GitHub API's
// "latest release" (a JSON object with "tag_name" and "html_url").
const DefaultReleasesURL = "https://api.github.com/repos/switchboard-mcp/switchboard/releases/latest"

// ReleasesURL is the release feed this build asks. A build may point it
// elsewhere with -ldflags "-X switchboard/backend/updatecheck.ReleasesURL=...";
// the config's update_url and SWITCHBOARD_UPDATE_URL override it.
var ReleasesURL = DefaultReleasesURL

// URLEnv names the variable that points the check at another feed.
const URLEnv = "SWITCHBOARD_UPDATE_URL"

// Interval is how often the feed is asked: often enough that a fix reaches
// people within the working day, rarely enough to stay far below the feed's
// rate limits (GitHub allows 60 unauthenticated requests an hour).
const Interval = 6 * time.Hour

// stateKey is where the last answer is kept, so a restart does not ask again.
const stateKey = "updatecheck/last"

// Status is what the last check found.
type Status struct {
	Enabled   bool       `json:"enabled"`
	CheckedAt *time.Time `json:"checked_at,omitempty"`
	Current   string     `json:"current"`
	Latest    string     `json:"latest,omitempty"`
	Available bool       `json:"available"`
	// URL is the release page of Latest.
	URL string `json:"url,omitempty"`
	// Error is why the last check failed, or why there is none.
	Error string `json:"error,omitempty"`
	// Feed is the release feed asked.
	Feed string `json:"feed,omitempty"`
}

// State keeps the last answer between runs; *store.Store is one.
type State interface {
	GetJSON(key string, v any) error
	PutJSON(key string, v any) error
}

// Checker runs the check.
type Checker struct {
	// Current is the running version ("v1.2.3" or "1.2.3"); a build that is
	// not a release ("dev") is told the latest version but never that an
	// update is available.
	Current string
	// URL is the feed; empty means the environment's, then URLFrom's,
	// then ReleasesURL.
	URL string
	// URLFrom is asked before each check (the config's update_url, which
	// may change while running); "" means no preference.
	URLFrom func() string
	// Enabled is asked before each check (the config's update_check).
	Enabled func() bool
	// OnAvailable hears of a newer version once per version found.
	OnAvailable func(Status)
	State       State
	Client      *http.Client
	Logger      *slog.Logger

	mu       sync.Mutex
	last     Status
	notified string
}

// FeedURL is the feed the checker asks.
func (c *Checker) FeedURL() string {
	if c.URL != "" {
		return c.URL
	}
	if u := os.Getenv(URLEnv); u != "" {
		return u
	}
	if c.URLFrom != nil {
		if u := c.URLFrom(); u != "" {
			return u
		}
	}
	if ReleasesURL == DefaultReleasesURL && testing.Testing() {
		// Tests run without network: a test binary asks only the feeds it
		// was pointed at.
		return ""
	}
	return ReleasesURL
}

// Status is the last answer; it never touches the network.
func (c *Checker) Status() Status {
	c.mu.Lock()
	st := c.last
	c.mu.Unlock()
	st.Current = c.Current
	st.Enabled = c.enabled()
	st.Feed = c.FeedURL()
	if st.Enabled && st.CheckedAt == nil && st.Error == "" && c.FeedURL() == "" {
		st.Error = "this build has no release feed to ask; set " + URLEnv + " to one"
	}
	return st
}

func (c *Checker) enabled() bool { return c.Enabled == nil || c.Enabled() }

// Run checks now unless the last check is younger than Interval, then every
// Interval, until ctx ends. It looks every pollEvery whether a check is due,
// so turning update_check on or changing update_url takes effect within
// seconds; looking costs nothing but a clock read.
func (c *Checker) Run(ctx context.Context) {
	c.restore()
	for {
		if c.enabled() && c.FeedURL() != "" && c.untilDue() <= 0 {
			c.Check(ctx)
		}
		if !sleep(ctx, pollEvery) {
			return
		}
	}
}

// pollEvery is how often Run looks whether a check is due.
var pollEvery = 10 * time.Second

// untilDue is the time left until the next check.
func (c *Checker) untilDue() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last.CheckedAt == nil || c.last.Feed != c.FeedURL() {
		// Never asked, or the feed was changed since: ask now.
		return 0
	}
	return Interval - time.Since(*c.last.CheckedAt)
}

// sleep waits d, or less when ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// restore takes the last answer from the store.
func (c *Checker) restore() {
	if c.State == nil {
		return
	}
	var st Status
	if err := c.State.GetJSON(stateKey, &st); err != nil || st.CheckedAt == nil {
		return
	}
	// The answer was about the version that ran then.
	st.Available = st.Latest != "" && Newer(st.Latest, c.Current)
	c.mu.Lock()
	c.last = st
	c.notified = st.Latest // told then; say it again only for a newer one
	c.mu.Unlock()
}

// Check asks the feed now and returns what it found.
func (c *Checker) Check(ctx context.Context) Status {
	now := time.Now().UTC()
	st := Status{CheckedAt: &now, Feed: c.FeedURL()}
	latest, url, err := c.fetch(ctx)
	if ctx.Err() != nil {
		return c.Status() // shutting down: this was no answer
	}
	if err != nil {
		st.Error = err.Error()
		c.logger().Debug("update check failed", "url", c.FeedURL(), "err", err)
	} else {
		st.Latest, st.URL = latest, url
		st.Available = Newer(latest, c.Current)
	}
	c.mu.Lock()
	c.last = st
	tell := st.Available && c.notified != st.Latest
	if tell {
		c.notified = st.Latest
	}
	c.mu.Unlock()
	if c.State != nil {
		if err := c.State.PutJSON(stateKey, st); err != nil {
			c.logger().Warn("keep update check result", "err", err)
		}
	}
	out := c.Status()
	if tell {
		c.logger().Info("a newer Switchboard is available", "current", c.Current, "latest", st.Latest, "url", st.URL)
		if c.OnAvailable != nil {
			c.OnAvailable(out)
		}
	}
	return out
}

func (c *Checker) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

// release is the part of a GitHub release the check reads.
type release struct {
	TagName string `json:"tag_name"`
	HTMLURL string `json:"html_url"`
}

func (c *Checker) fetch(ctx context.Context) (latest, url string, err error) {
	feed := c.FeedURL()
	if feed == "" {
		return "", "", fmt.Errorf("no release feed is set")
	}
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feed, nil)
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("User-Agent", "switchboard/"+c.Current)
	resp, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("%s answered %s", feed, resp.Status)
	}
	var r release
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil {
		return "", "", fmt.Errorf("%s: not a release: %v", feed, err)
	}
	if r.TagName == "" {
		return "", "", fmt.Errorf("%s: the release has no tag_name", feed)
	}
	if _, ok := parse(r.TagName); !ok {
		return "", "", fmt.Errorf("%s: tag %q is not a version", feed, r.TagName)
	}
	return r.TagName, r.HTMLURL, nil
}

// version is a parsed semantic version.
type version struct {
	core [3]int
	pre  []string
}

// parse reads "v1.2.3", "1.2", "1.2.3-rc.1+build"; ok is false for
// anything else ("dev", "test").
func parse(s string) (version, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s, _, _ = strings.Cut(s, "+")
	s, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return version{}, false
	}
	var v version
	for i, p := range parts {
		n, ok := number(p)
		if !ok {
			return version{}, false
		}
		v.core[i] = n
	}
	if hasPre {
		if pre == "" {
			return version{}, false
		}
		v.pre = strings.Split(pre, ".")
	}
	return v, true
}

func number(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// Newer reports whether latest is a later version than current, by the
// precedence of semantic versioning. A current that is not a version (a
// development build) is never behind.
func Newer(latest, current string) bool {
	l, ok1 := parse(latest)
	c, ok2 := parse(current)
	return ok1 && ok2 && compare(l, c) > 0
}

func compare(a, b version) int {
	for i := range a.core {
		if a.core[i] != b.core[i] {
			return cmpInt(a.core[i], b.core[i])
		}
	}
	// A release is later than its pre-releases.
	switch {
	case len(a.pre) == 0 && len(b.pre) == 0:
		return 0
	case len(a.pre) == 0:
		return 1
	case len(b.pre) == 0:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, y := a.pre[i], b.pre[i]
		nx, okx := number(x)
		ny, oky := number(y)
		switch {
		case okx && oky:
			if nx != ny {
				return cmpInt(nx, ny)
			}
		case okx: // numeric identifiers sort before alphanumeric ones
			return -1
		case oky:
			return 1
		case x != y:
			return strings.Compare(x, y)
		}
	}
	return cmpInt(len(a.pre), len(b.pre))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
