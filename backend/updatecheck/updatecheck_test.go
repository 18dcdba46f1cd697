package updatecheck

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/backend/store"
	"switchboard/backend/testdeps"
)

// feed is a release feed shaped like GitHub's "latest release" answer.
type feed struct {
	srv  *httptest.Server
	hits atomic.Int64
	mu   sync.Mutex
	tag  string
	code int
}

func newFeed(t *testing.T, tag string) *feed {
	f := &feed{tag: tag, code: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		f.mu.Lock()
		tag, code := f.tag, f.code
		f.mu.Unlock()
		if code != http.StatusOK {
			http.Error(w, "no", code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"tag_name": %q, "html_url": "https://example.test/releases/%s", "name": "Switchboard %s", "draft": false}`, tag, tag, tag)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feed) set(tag string, code int) {
	f.mu.Lock()
	f.tag, f.code = tag, code
	f.mu.Unlock()
}

func TestNewerFollowsSemanticVersionPrecedence(t *testing.T) {
	for _, c := range []struct {
		latest, current string
		want            bool
	}{
		{"v1.3.0", "v1.2.9", true},
		{"1.10.0", "v1.9.0", true},
		{"v2.0.0", "1.99.99", true},
		{"v1.2.3", "v1.2.3", false},
		{"v1.2.2", "v1.2.3", false},
		{"v1.2.3", "v1.2.3-rc.1", true},
		{"v1.2.3-rc.2", "v1.2.3-rc.1", true},
		{"v1.2.3-rc.10", "v1.2.3-rc.9", true},
		{"v1.2.3-beta", "v1.2.3-alpha", true},
		{"v1.2.3-alpha.1", "v1.2.3-alpha", true},
		{"v1.2.3-rc.1", "v1.2.3", false},
		{"v1.2.3+build.5", "v1.2.3", false},
		{"v1.3", "v1.2.9", true},
		{"v9.9.9", "dev", false},
		{"v9.9.9", "test", false},
		{"nightly", "v1.0.0", false},
	} {
		if got := Newer(c.latest, c.current); got != c.want {
			t.Errorf("Newer(%q, %q) = %v, want %v", c.latest, c.current, got, c.want)
		}
	}
}

func TestACheckFindsANewerReleaseAndTellsOfItOnce(t *testing.T) {
	f := newFeed(t, "v1.3.0")
	var told []Status
	c := &Checker{Current: "v1.2.0", URL: f.srv.URL, OnAvailable: func(s Status) { told = append(told, s) }}

	st := c.Check(context.Background())
	if !st.Available || st.Latest != "v1.3.0" || st.URL != "https://example.test/releases/v1.3.0" || st.CheckedAt == nil || st.Error != "" {
		t.Fatalf("status after a check: %+v", st)
	}
	c.Check(context.Background())
	if len(told) != 1 || told[0].Latest != "v1.3.0" {
		t.Fatalf("want one notice for v1.3.0, got %+v", told)
	}
	f.set("v1.4.0", http.StatusOK)
	c.Check(context.Background())
	if len(told) != 2 || told[1].Latest != "v1.4.0" {
		t.Fatalf("a later release should be told too: %+v", told)
	}
}

func TestAFailedCheckSaysWhyAndOffersNothing(t *testing.T) {
	f := newFeed(t, "v1.3.0")
	f.set("", http.StatusNotFound)
	c := &Checker{Current: "v1.2.0", URL: f.srv.URL}
	st := c.Check(context.Background())
	if st.Available || st.Error == "" || st.CheckedAt == nil {
		t.Fatalf("a 404 from the feed: %+v", st)
	}
	f.set("not-a-version", http.StatusOK)
	if st := c.Check(context.Background()); st.Available || st.Error == "" {
		t.Fatalf("a tag that is not a version: %+v", st)
	}
}

func TestADevelopmentBuildSeesTheLatestButNoUpdate(t *testing.T) {
	f := newFeed(t, "v1.3.0")
	c := &Checker{Current: "dev", URL: f.srv.URL}
	st := c.Check(context.Background())
	if st.Available || st.Latest != "v1.3.0" || st.Error != "" {
		t.Fatalf("dev build: %+v", st)
	}
}

func TestTheEnvironmentPointsTheCheckAtAnotherFeed(t *testing.T) {
	f := newFeed(t, "v2.0.0")
	t.Setenv(URLEnv, f.srv.URL)
	c := &Checker{Current: "v1.0.0"}
	if c.FeedURL() != f.srv.URL {
		t.Fatalf("feed %q, want %q", c.FeedURL(), f.srv.URL)
	}
	if st := c.Check(context.Background()); !st.Available || f.hits.Load() != 1 {
		t.Fatalf("status %+v after %d requests", st, f.hits.Load())
	}
}

func TestWithNoFeedTheStatusSaysSo(t *testing.T) {
	t.Setenv(URLEnv, "")
	defer func(u string) { ReleasesURL = u }(ReleasesURL)
	ReleasesURL = "" // a build that was given no feed
	c := &Checker{Current: "v1.0.0"}
	if st := c.Status(); !st.Enabled || st.Error == "" || st.Available {
		t.Fatalf("no feed: %+v", st)
	}
	c.Enabled = func() bool { return false }
	if st := c.Status(); st.Enabled {
		t.Fatalf("switched off: %+v", st)
	}
}

// The check runs in the background at start, and a restart within a day
// does not ask again: the last answer is kept in the store.
func TestRunAsksAtMostOnceADayAcrossRestarts(t *testing.T) {
	f := newFeed(t, "v1.3.0")
	st, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	run := func(c *Checker) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); c.Run(ctx) }()
		return func() { cancel(); <-done }
	}
	var told atomic.Int64
	first := &Checker{Current: "v1.2.0", URL: f.srv.URL, State: st, OnAvailable: func(Status) { told.Add(1) }}
	stop := run(first)
	testdeps.Eventually(t, 10*time.Second, "the first run checks", func() bool { return first.Status().CheckedAt != nil })
	stop()
	if f.hits.Load() != 1 || told.Load() != 1 {
		t.Fatalf("first run: %d requests, %d notices", f.hits.Load(), told.Load())
	}

	second := &Checker{Current: "v1.2.0", URL: f.srv.URL, State: st, OnAvailable: func(Status) { told.Add(1) }}
	second.restore()
	if got := second.Status(); !got.Available || got.Latest != "v1.3.0" {
		t.Fatalf("the restarted checker lost the last answer: %+v", got)
	}
	if due := second.untilDue(); due < Interval-time.Hour {
		t.Fatalf("next check in %s; want about %s after the last", due, Interval)
	}

	// After upgrading to the version found, the kept answer offers nothing.
	upgraded := &Checker{Current: "v1.3.0", URL: f.srv.URL, State: st}
	upgraded.restore()
	if got := upgraded.Status(); got.Available {
		t.Fatalf("the running version is the latest: %+v", got)
	}
}

// The config's update_url points the check at another feed while running;
// the environment still wins, and a changed feed is asked at once even
// when the last answer (from the old feed) is recent.
func TestTheConfigPointsTheCheckAtAnotherFeed(t *testing.T) {
	t.Setenv(URLEnv, "")
	if ReleasesURL != DefaultReleasesURL || (&Checker{}).FeedURL() != "" {
		t.Fatalf("a test binary must not ask the project's feed: %q", (&Checker{}).FeedURL())
	}
	a, b := newFeed(t, "v1.1.0"), newFeed(t, "v1.2.0")
	var mu sync.Mutex
	url := a.srv.URL
	c := &Checker{Current: "v1.0.0", URLFrom: func() string { mu.Lock(); defer mu.Unlock(); return url }}
	if st := c.Check(context.Background()); st.Latest != "v1.1.0" || st.Feed != a.srv.URL {
		t.Fatalf("%+v", st)
	}
	if c.untilDue() < Interval-time.Minute {
		t.Fatalf("a fresh answer is due again in %s", c.untilDue())
	}
	mu.Lock()
	url = b.srv.URL
	mu.Unlock()
	if d := c.untilDue(); d > 0 {
		t.Fatalf("the feed changed but the next check is in %s", d)
	}
	if st := c.Check(context.Background()); st.Latest != "v1.2.0" || !st.Available {
		t.Fatalf("%+v", st)
	}
	t.Setenv(URLEnv, a.srv.URL)
	if c.FeedURL() != a.srv.URL {
		t.Fatalf("the environment does not win: %s", c.FeedURL())
	}
}

// Run notices a feed set while it runs (the config's update_url) without a
// restart, and does not ask again until the answer is old.
func TestRunPicksUpAFeedSetWhileRunning(t *testing.T) {
	t.Setenv(URLEnv, "")
	defer func(d time.Duration) { pollEvery = d }(pollEvery)
	pollEvery = 10 * time.Millisecond
	f := newFeed(t, "v9.0.0")
	var mu sync.Mutex
	url := ""
	var told atomic.Int64
	c := &Checker{Current: "v1.0.0", URLFrom: func() string { mu.Lock(); defer mu.Unlock(); return url },
		OnAvailable: func(Status) { told.Add(1) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	time.Sleep(50 * time.Millisecond)
	if f.hits.Load() != 0 {
		t.Fatal("asked a feed before one was set")
	}
	mu.Lock()
	url = f.srv.URL
	mu.Unlock()
	testdeps.Eventually(t, 5*time.Second, "the new feed is asked", func() bool { return c.Status().Available })
	time.Sleep(100 * time.Millisecond)
	if f.hits.Load() != 1 || told.Load() != 1 {
		t.Fatalf("%d requests, %d notices; want one of each", f.hits.Load(), told.Load())
	}
}
