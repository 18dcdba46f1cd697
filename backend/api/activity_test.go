package api_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/backend/api"
	"switchboard/backend/config"
	"switchboard/backend/store"
)

func activityPage(t *testing.T, r response) api.ActivityPage {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("want 200, got %d: %s", r.Status, r.Body)
	}
	var p api.ActivityPage
	r.JSON(t, &p)
	return p
}

func TestActivityShowsRealCallsWithSecretsRedacted(t *testing.T) {
	h := newHarness(t, map[string]*config.Server{"t": stdioServer(t)})
	c := h.mcpClient()
	secret := "sk-" + strings.Repeat("x", 40)
	if got := text(h.callTool(c, "t__echo", map[string]any{"text": "hello", "api_key": secret})); !strings.Contains(got, "hello") {
		t.Fatalf("echo answered %q", got)
	}
	if res := h.callTool(c, "t__fail", map[string]any{"message": "no luck"}); !res.IsError {
		t.Fatal("fail did not fail")
	}
	h.d.Store().Flush()

	page := activityPage(t, h.req("GET", "/api/v1/activity", nil))
	if len(page.Items) != 2 || page.NextCursor != "" {
		t.Fatalf("want the 2 calls on one page, got %+v", page)
	}
	failed, echo := page.Items[0], page.Items[1]
	if echo.Server != "t" || echo.Tool != "echo" || echo.Status != "ok" || echo.Type != "tool_call" ||
		echo.SessionID == "" || !strings.HasPrefix(echo.Client, "api-test") || echo.DurationMS <= 0 {
		t.Fatalf("echo entry: %+v", echo)
	}
	if failed.Tool != "fail" || failed.Status != "error" || !failed.Time.After(echo.Time) {
		t.Fatalf("fail entry (newest first): %+v", failed)
	}
	if strings.Contains(string(h.req("GET", "/api/v1/activity", nil).Body), secret) {
		t.Fatal("the list shows the secret argument")
	}

	r := h.req("GET", "/api/v1/activity/"+echo.ID, nil)
	if r.Status != http.StatusOK || bytes.Contains(r.Body, []byte(secret)) {
		t.Fatalf("one entry: %d %s", r.Status, r.Body)
	}
	var one api.Activity
	r.JSON(t, &one)
	var args map[string]string
	if err := json.Unmarshal(one.Arguments, &args); err != nil || args["text"] != "hello" || args["api_key"] != "[REDACTED]" {
		t.Fatalf("arguments of one entry: %s (%v)", one.Arguments, err)
	}

	errs := activityPage(t, h.req("GET", "/api/v1/activity?status=error&server=t", nil))
	if len(errs.Items) != 1 || errs.Items[0].ID != failed.ID {
		t.Fatalf("status=error: %+v", errs.Items)
	}
	if got := activityPage(t, h.req("GET", "/api/v1/activity?session="+url.QueryEscape(echo.SessionID)+"&tool=echo", nil)); len(got.Items) != 1 {
		t.Fatalf("session and tool filters: %+v", got.Items)
	}
}

// recordSpread records n calls one second apart ending an hour ago, over
// three servers, five tools, two sessions and four outcomes.
func recordSpread(h *harness, n int) time.Time {
	st := h.d.Store()
	base := time.Now().Add(-time.Hour - time.Duration(n)*time.Second).Truncate(time.Second)
	outcomes := []string{store.OutcomeOK, store.OutcomeOK, store.OutcomeError, store.OutcomeTimeout}
	for i := 0; i < n; i++ {
		st.Record(store.ActivityRecord{
			Time: base.Add(time.Duration(i) * time.Second), Server: []string{"fs", "git", "mem"}[i%3],
			Tool: fmt.Sprintf("tool%d", i%5), SessionID: fmt.Sprintf("s%d", i%2), Client: "cursor",
			Outcome: outcomes[i%4], DurationMS: float64(i%100 + 1), Arguments: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
		})
	}
	st.Flush()
	return base
}

func TestActivityFiltersAndPages(t *testing.T) {
	h := newHarness(t, nil)
	const n = 120
	base := recordSpread(h, n)

	seen := map[string]bool{}
	var last time.Time
	cursor, pages := "", 0
	for {
		p := activityPage(t, h.req("GET", "/api/v1/activity?limit=7&cursor="+cursor, nil))
		pages++
		for _, it := range p.Items {
			if seen[it.ID] || (!last.IsZero() && it.Time.After(last)) {
				t.Fatalf("page %d: %s repeated or out of order", pages, it.ID)
			}
			seen[it.ID], last = true, it.Time
			if it.Arguments != nil || !strings.HasPrefix(it.ArgumentsPreview, `{"i":`) {
				t.Fatalf("a list item carries %s / preview %q", it.Arguments, it.ArgumentsPreview)
			}
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != n || pages != (n+6)/7 {
		t.Fatalf("paged %d records in %d pages, want %d in %d", len(seen), pages, n, (n+6)/7)
	}
	if p := activityPage(t, h.req("GET", "/api/v1/activity", nil)); len(p.Items) != 50 || p.NextCursor == "" {
		t.Fatalf("default page: %d items, cursor %q", len(p.Items), p.NextCursor)
	}

	count := func(query string, check func(api.Activity) bool) int {
		t.Helper()
		p := activityPage(t, h.sock("GET", "/api/v1/activity?limit=1000&"+query, nil))
		for _, it := range p.Items {
			if !check(it) {
				t.Fatalf("%s returned %+v", query, it)
			}
		}
		return len(p.Items)
	}
	want := func(pred func(i int) bool) int {
		c := 0
		for i := 0; i < n; i++ {
			if pred(i) {
				c++
			}
		}
		return c
	}
	if got, w := count("server=git&type=tool_call", func(a api.Activity) bool { return a.Server == "git" }), want(func(i int) bool { return i%3 == 1 }); got != w {
		t.Errorf("server: %d, want %d", got, w)
	}
	if got, w := count("tool=tool2&session=s0", func(a api.Activity) bool { return a.Tool == "tool2" && a.SessionID == "s0" }), want(func(i int) bool { return i%5 == 2 && i%2 == 0 }); got != w {
		t.Errorf("tool+session: %d, want %d", got, w)
	}
	if got, w := count("status=timeout&client=cursor", func(a api.Activity) bool { return a.Status == "timeout" }), want(func(i int) bool { return i%4 == 3 }); got != w {
		t.Errorf("status: %d, want %d", got, w)
	}
	since, until := base.Add(10*time.Second), base.Add(30*time.Second)
	// The offset form, with its "+" left unescaped as people type it.
	q := "since=" + since.In(time.FixedZone("", 2*3600)).Format(time.RFC3339) + "&until=" + url.QueryEscape(until.Format(time.RFC3339Nano))
	if got := count(q, func(a api.Activity) bool { return !a.Time.Before(since) && a.Time.Before(until) }); got != 20 {
		t.Errorf("since/until: %d, want 20", got)
	}
	if got := count("server=nobody", func(api.Activity) bool { return false }); got != 0 {
		t.Errorf("an unknown server matched %d", got)
	}
	if r := h.req("GET", "/api/v1/activity?server=nobody", nil); !bytes.Contains(r.Body, []byte(`"items":[]`)) {
		t.Errorf("an empty page is not an empty list: %s", r.Body)
	}
}

func TestActivityRefusesBadFiltersAndUnknownIDs(t *testing.T) {
	h := newHarness(t, nil)
	recordSpread(h, 3)
	for _, c := range []struct{ path, param string }{
		{"/api/v1/activity?type=prompt", "type"},
		{"/api/v1/activity?status=failed", "status"},
		{"/api/v1/activity?since=yesterday", "since"},
		{"/api/v1/activity?until=2026-13-01T00:00:00Z", "until"},
		{"/api/v1/activity?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "until"},
		{"/api/v1/activity?limit=0", "limit"},
		{"/api/v1/activity?limit=1001", "limit"},
		{"/api/v1/activity?limit=ten", "limit"},
		{"/api/v1/activity?cursor=page2", "cursor"},
		{"/api/v1/activity/summary?since=now", "since"},
		{"/api/v1/activity/summary?status=bad", "status"},
		{"/api/v1/activity/export?format=xml", "format"},
		{"/api/v1/activity/export?format=csv&type=audit", "type"},
	} {
		r := h.req("GET", c.path, nil)
		msg := r.envelope(t, http.StatusUnprocessableEntity, "InvalidField")
		var e api.Error
		r.JSON(t, &e)
		if !strings.HasPrefix(msg, c.param+": ") || len(e.Problems) != 1 || e.Problems[0].Path != c.param {
			t.Errorf("%s: the refusal does not name %q: %s", c.path, c.param, r.Body)
		}
	}
	h.req("GET", "/api/v1/activity/"+store.NewActivityID(time.Now()), nil).envelope(t, http.StatusNotFound, "ActivityNotFound")
	h.req("GET", "/api/v1/activity/not-an-id", nil).envelope(t, http.StatusNotFound, "ActivityNotFound")
}

func TestActivityResultIsShownRedacted(t *testing.T) {
	h := newHarness(t, nil)
	id := store.NewActivityID(time.Now())
	secret := "ghp_" + strings.Repeat("A", 36)
	h.d.Store().Record(store.ActivityRecord{ID: id, Server: "gh", Tool: "whoami", Outcome: store.OutcomeOK,
		Arguments:   json.RawMessage(`{"password":"hunter2","user":"me"}`),
		ResultValue: map[string]any{"content": []map[string]string{{"type": "text", "text": "token " + secret}}, "isError": false}})
	h.d.Store().Flush()
	r := h.sock("GET", "/api/v1/activity/"+id, nil)
	var a api.Activity
	r.JSON(t, &a)
	if r.Status != http.StatusOK || bytes.Contains(r.Body, []byte(secret)) || bytes.Contains(r.Body, []byte("hunter2")) ||
		!bytes.Contains(a.Result, []byte("[REDACTED")) || !bytes.Contains(a.Arguments, []byte(`"user":"me"`)) {
		t.Fatalf("entry with a result: %d %s", r.Status, r.Body)
	}
}

func TestActivitySummary(t *testing.T) {
	h := newHarness(t, nil)
	recordSpread(h, 120)
	r := h.req("GET", "/api/v1/activity/summary", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var sum store.ActivitySummary
	r.JSON(t, &sum)
	// Outcomes cycle ok, ok, error, timeout: half the calls failed.
	if sum.Count != 120 || sum.Errors != 60 || sum.ErrorRate != 0.5 || sum.ByStatus.Timeout != 30 || len(sum.Servers) != 3 || len(sum.Tools) != 15 {
		t.Fatalf("summary: %+v", sum)
	}
	// Durations are 1..100 ms, then 1..20 again: the 60th of 120 is 40.
	if sum.P50MS != 40 || sum.P99MS != 99 {
		t.Fatalf("p50 %v and p99 %v, want 40 and 99", sum.P50MS, sum.P99MS)
	}
	for _, tl := range sum.Tools {
		if tl.Count != 8 || tl.P50MS <= 0 || tl.P99MS < tl.P50MS {
			t.Fatalf("tool %+v", tl)
		}
	}

	var fs store.ActivitySummary
	h.sock("GET", "/api/v1/activity/summary?server=fs&since="+url.QueryEscape(time.Now().Add(-48*time.Hour).Format(time.RFC3339)), nil).JSON(t, &fs)
	if fs.Count != 40 || len(fs.Servers) != 1 || fs.Servers[0].Server != "fs" || fs.Servers[0].Count != 40 {
		t.Fatalf("summary of fs: %+v", fs)
	}
	var none store.ActivitySummary
	h.req("GET", "/api/v1/activity/summary?until="+url.QueryEscape(time.Now().Add(-48*time.Hour).Format(time.RFC3339)), nil).JSON(t, &none)
	if none.Count != 0 || none.Tools == nil || none.Servers == nil {
		t.Fatalf("summary of nothing: %+v", none)
	}
}

func TestActivityExportHasEveryRecordOfABurst(t *testing.T) {
	h := newHarness(t, nil)
	st := h.d.Store()
	const n = 10000
	for i := 0; i < n; i++ {
		st.Record(store.ActivityRecord{Server: "fs", Tool: "read", Outcome: store.OutcomeOK, DurationMS: 1,
			Arguments: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	st.Flush()
	if st.Dropped() != 0 {
		t.Fatalf("%d records of the burst were dropped", st.Dropped())
	}

	r := h.req("GET", "/api/v1/activity/export", nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/x-ndjson" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="switchboard-activity-`) ||
		!strings.HasSuffix(r.Header.Get("Content-Disposition"), `.jsonl"`) {
		t.Fatalf("JSON Lines export: %d %v", r.Status, r.Header)
	}
	if r.Header.Get("Content-Length") != "" {
		t.Fatalf("the export was buffered, not streamed: Content-Length %s", r.Header.Get("Content-Length"))
	}
	numbers := map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a api.Activity
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %d is not JSON: %s", len(numbers)+1, sc.Bytes())
		}
		var args struct{ N int }
		if err := json.Unmarshal(a.Arguments, &args); err != nil || a.Type != "tool_call" || a.Status != "ok" {
			t.Fatalf("line %s", sc.Bytes())
		}
		numbers[args.N] = true
	}
	if len(numbers) != n {
		t.Fatalf("the export has %d of the %d calls", len(numbers), n)
	}

	r = h.sock("GET", "/api/v1/activity/export?format=csv&server=fs", nil)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.HasSuffix(r.Header.Get("Content-Disposition"), `.csv"`) {
		t.Fatalf("CSV export: %d %v", r.Status, r.Header)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil || len(rows) != n+1 || strings.Join(rows[0], ",") != "id,type,time,server,tool,status,duration_ms,session_id,client,error,arguments,result,group,principal" {
		t.Fatalf("CSV: %d rows, %v; header %v", len(rows), err, rows[0])
	}
}

func TestActivityCSVQuotesAndDefusesFormulas(t *testing.T) {
	h := newHarness(t, nil)
	nasty := "=HYPERLINK(\"http://x\"), then \"quotes\"\nand a second line"
	h.d.Store().Record(store.ActivityRecord{Server: "fs", Tool: "write", Outcome: store.OutcomeError, Error: nasty,
		Arguments: json.RawMessage(`{"path":"a,b.txt","text":"say \"hi\"\n"}`)})
	h.d.Store().Flush()
	r := h.req("GET", "/api/v1/activity/export?format=csv&status=error", nil)
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV: %v, %d rows: %s", err, len(rows), r.Body)
	}
	row := rows[1]
	if row[9] != "'"+nasty {
		t.Fatalf("error cell %q, want the text behind a ' so no spreadsheet runs it", row[9])
	}
	var args map[string]string
	if err := json.Unmarshal([]byte(row[10]), &args); err != nil || args["path"] != "a,b.txt" || args["text"] != "say \"hi\"\n" {
		t.Fatalf("arguments cell %q does not read back (%v)", row[10], err)
	}
}

func TestActivityExportStreamsAndOutlivesACallerWhoLeaves(t *testing.T) {
	h := newHarness(t, nil)
	recordSpread(h, 3000)
	req, _ := http.NewRequest("GET", "http://"+h.d.Addr()+"/api/v1/activity/export", nil)
	req.Header.Set("X-API-Key", h.key)
	resp, err := h.tcp.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// The first line arrives while the rest is still to come.
	line, err := bufio.NewReader(resp.Body).ReadBytes('\n')
	if err != nil || !json.Valid(line) {
		t.Fatalf("first line %q: %v", line, err)
	}
	resp.Body.Close()
	// The core is still fine and serves the next export whole.
	r := h.req("GET", "/api/v1/activity/export?format=csv", nil)
	if n := bytes.Count(r.Body, []byte("\n")); r.Status != http.StatusOK || n != 3001 {
		t.Fatalf("next export: %d with %d lines", r.Status, n)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
}
