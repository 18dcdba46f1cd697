package api

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"switchboard/backend/auth"
	"switchboard/backend/store"
)

// ActivityTypeToolCall is the only kind of activity recorded so far. The
// type filter and field exist so that later kinds (prompts, resources,
// policy decisions) join the same log without changing its shape.
const ActivityTypeToolCall = "tool_call"

// activityTypes lists the values of the type filter.
var activityTypes = []string{ActivityTypeToolCall}

// activityStatuses lists the values of the status filter.
var activityStatuses = []string{store.OutcomeOK, store.OutcomeError, store.OutcomeTimeout, store.OutcomeUnavailable, store.OutcomeCancelled, store.OutcomeDenied}

// argumentsPreviewBytes bounds the arguments shown in a list, so a page of
// a thousand calls stays small; GET /activity/{id} has them whole.
const argumentsPreviewBytes = 200

// Activity is one entry of the activity log. Lists carry a short preview of
// the arguments; one entry (and the export) carries the arguments and the
// result whole. Secrets in both were redacted when the call was recorded.
type Activity struct {
	ID               string          `json:"id"`
	Type             string          `json:"type"`
	Time             time.Time       `json:"time"`
	Server           string          `json:"server"`
	Tool             string          `json:"tool"`
	Status           string          `json:"status"`
	DurationMS       float64         `json:"duration_ms"`
	SessionID        string          `json:"session_id,omitempty"`
	Client           string          `json:"client,omitempty"`
	Group            string          `json:"group,omitempty"`
	Principal        string          `json:"principal,omitempty"`
	Error            string          `json:"error,omitempty"`
	ArgumentsPreview string          `json:"arguments_preview,omitempty"`
	Arguments        json.RawMessage `json:"arguments,omitempty"`
	Result           json.RawMessage `json:"result,omitempty"`
	// Sensitive lists the sensitive data found in the arguments and result
	// (kind, severity, path and a masked excerpt); the values themselves
	// were redacted before the call was stored.
	Sensitive []store.SensitiveFinding `json:"sensitive,omitempty"`
}

// ActivityPage is one page of the activity log, newest first. NextCursor
// is empty on the last page.
type ActivityPage struct {
	Items      []Activity `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

var activityFilterParams = []Param{
	{"type", "string", "kind of activity: tool_call"},
	{"server", "string", "only this server's calls"},
	{"tool", "string", "only calls of this tool (its name on the server, without prefix)"},
	{"session", "string", "only calls made in this MCP session"},
	{"client", "string", "only calls from this client (its name, such as cursor)"},
	{"group", "string", "only calls made through this group"},
	{"principal", "string", "only calls by this principal (who the API key belongs to; anonymous for keyless clients)"},
	{"status", "string", "ok, error, timeout, unavailable, cancelled or denied"},
	{"sensitive", "boolean", "true: only calls in which sensitive data was found"},
	{"since", "string", "RFC 3339 time; calls at or after it"},
	{"until", "string", "RFC 3339 time; calls before it"},
}

func (s *Server) registerActivity() {
	const tag = "activity"
	s.handle(Route{Method: "GET", Path: "/api/v1/activity", Tag: tag, Perm: auth.ActivityRead, Summary: "List the activity log, newest first",
		Query: append(activityFilterParams[:len(activityFilterParams):len(activityFilterParams)],
			Param{"limit", "integer", "page size (default 50, at most 1000)"},
			Param{"cursor", "string", "next_cursor of the previous page"}),
		Response: ActivityPage{}}, s.listActivity)
	s.handle(Route{Method: "GET", Path: "/api/v1/activity/summary", Tag: tag, Perm: auth.ActivityRead,
		Summary: "Counts, error rates and latency (p50, p99) in total, per server and per tool; errors are calls that failed (error, timeout, unavailable), not those the client cancelled",
		Query:   activityFilterParams, Response: store.ActivitySummary{}}, s.activitySummary)
	s.handle(Route{Method: "GET", Path: "/api/v1/activity/export", Tag: tag, Perm: auth.ActivityRead,
		Summary: "Download the activity log (filtered as the list is) as JSON Lines or CSV, streamed",
		Query: append(activityFilterParams[:len(activityFilterParams):len(activityFilterParams)],
			Param{"format", "string", "jsonl (default) or csv"}),
		ContentType: "application/x-ndjson"}, s.exportActivity)
	s.handle(Route{Method: "GET", Path: "/api/v1/activity/:id", Tag: tag, Perm: auth.ActivityRead, Summary: "One entry with its arguments and result",
		Response: Activity{}}, s.getActivity)
}

func (s *Server) listActivity(c *fiber.Ctx) error {
	f, err := activityFilter(c)
	if err != nil {
		return err
	}
	if f.Limit, err = intQuery(c, "limit", 50, 1, 1000); err != nil {
		return err
	}
	if f.Cursor = c.Query("cursor"); f.Cursor != "" && !store.ValidActivityID(f.Cursor) {
		return errInvalid("cursor", "is not a cursor this API gave out; use next_cursor of the previous page as it is")
	}
	recs, next, err := s.opts.Store.ListActivity(f)
	if err != nil {
		return err
	}
	page := ActivityPage{Items: make([]Activity, len(recs)), NextCursor: next}
	for i := range recs {
		page.Items[i] = activityOf(&recs[i], false)
	}
	return c.JSON(page)
}

func (s *Server) getActivity(c *fiber.Ctx) error {
	id := c.Params("id")
	r, err := s.opts.Store.GetActivity(id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("ActivityNotFound", "no activity with id %q; it may be older than the retention (activity_retention_days)", id)
	}
	if err != nil {
		return err
	}
	return c.JSON(activityOf(&r, true))
}

func (s *Server) activitySummary(c *fiber.Ctx) error {
	f, err := activityFilter(c)
	if err != nil {
		return err
	}
	sum, err := s.opts.Store.SummarizeActivity(f)
	if err != nil {
		return err
	}
	return c.JSON(sum)
}

// exportActivity streams every matching record. The store is read a page
// at a time and each line goes out as it is written, so an export of the
// whole log holds one page in memory; a caller that goes away ends it.
func (s *Server) exportActivity(c *fiber.Ctx) error {
	f, err := activityFilter(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "jsonl")
	var contentType string
	switch format {
	case "jsonl":
		contentType = "application/x-ndjson"
	case "csv":
		contentType = "text/csv; charset=utf-8"
	default:
		return errInvalid("format", "must be jsonl or csv, got %q", format)
	}
	name := "switchboard-activity-" + time.Now().UTC().Format("20060102T150405Z") + "." + format
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")

	// The writer runs after the handler has returned, so it uses none of c.
	ri := requestOf(c)
	ctx, st, log := ctxOf(ri), s.opts.Store, s.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		out := newActivityWriter(format, w)
		n := 0
		err := st.EachActivity(f, func(r *store.ActivityRecord) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			n++
			return out.write(r)
		})
		if err == nil {
			err = out.flush()
		}
		if err != nil && ctx.Err() == nil {
			// The status line is gone; all that is left is to end the body
			// early and say why in the log.
			log.Error("activity export failed", "request_id", ri.id, "records", n, "err", err)
			return
		}
		log.Debug("activity exported", "request_id", ri.id, "format", format, "records", n, "complete", err == nil)
	})
	return nil
}

// activityFilter reads the filters shared by the list, summary and export.
// A value that cannot be right is a 422 naming the parameter.
func activityFilter(c *fiber.Ctx) (store.ActivityFilter, error) {
	f := store.ActivityFilter{
		Server: c.Query("server"), Tool: c.Query("tool"), SessionID: c.Query("session"),
		Client: c.Query("client"), Outcome: c.Query("status"), Group: c.Query("group"), Principal: c.Query("principal"),
	}
	if t := c.Query("type"); t != "" && t != ActivityTypeToolCall {
		return f, errInvalid("type", "must be one of %s, got %q", strings.Join(activityTypes, ", "), t)
	}
	switch c.Query("sensitive") {
	case "", "false":
	case "true":
		f.Sensitive = true
	default:
		return f, errInvalid("sensitive", "must be true or false, got %q", c.Query("sensitive"))
	}
	if f.Outcome != "" && !oneOf(f.Outcome, activityStatuses) {
		return f, errInvalid("status", "must be one of %s, got %q", strings.Join(activityStatuses, ", "), f.Outcome)
	}
	var err error
	f.Since, f.Until, err = timeRange(c)
	return f, err
}

// timeRange reads the since and until query parameters; until, when both
// are given, must come after since.
func timeRange(c *fiber.Ctx) (since, until time.Time, err error) {
	if since, err = timeQuery(c, "since"); err != nil {
		return
	}
	if until, err = timeQuery(c, "until"); err != nil {
		return
	}
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		err = errInvalid("until", "must be after since (%s), got %s", since.Format(time.RFC3339Nano), until.Format(time.RFC3339Nano))
	}
	return
}

// logPage reads the paging of a time-ordered log (the audit log and the
// security events): since, until, limit and the cursor of the last page.
func logPage(c *fiber.Ctx) (since, until time.Time, limit int, cursor string, err error) {
	if since, until, err = timeRange(c); err != nil {
		return
	}
	if limit, err = intQuery(c, "limit", 50, 1, 1000); err != nil {
		return
	}
	cursor = c.Query("cursor")
	if cursor != "" && !store.ValidAuditID(cursor) {
		err = errInvalid("cursor", "is not a cursor this API gave out; use next_cursor of the previous page as it is")
	}
	return
}

// timeQuery reads an RFC 3339 time. A "+" in an unescaped query string
// arrives as a space ("...T10:00:00 02:00"), so that is read as "+".
func timeQuery(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil && strings.Contains(v, " ") {
		t, err = time.Parse(time.RFC3339Nano, strings.Replace(v, " ", "+", 1))
	}
	if err != nil {
		return time.Time{}, errInvalid(name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", v)
	}
	return t, nil
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// activityOf is a record as the API shows it; full adds the arguments and
// result, else the arguments are cut to a preview.
func activityOf(r *store.ActivityRecord, full bool) Activity {
	a := Activity{ID: r.ID, Type: ActivityTypeToolCall, Time: r.Time.UTC(), Server: r.Server, Tool: r.Tool,
		Status: r.Outcome, DurationMS: r.DurationMS, SessionID: r.SessionID, Client: r.Client, Group: r.Group, Principal: r.Principal, Error: r.Error,
		Sensitive: r.Sensitive}
	if full {
		a.Arguments, a.Result = r.Arguments, r.Result
	} else {
		a.ArgumentsPreview = preview(r.Arguments, argumentsPreviewBytes)
	}
	return a
}

// preview is the start of b, cut at a character boundary, with "…" when
// something was left out.
func preview(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}

// activityWriter writes records in an export format.
type activityWriter interface {
	write(r *store.ActivityRecord) error
	flush() error
}

func newActivityWriter(format string, w *bufio.Writer) activityWriter {
	if format == "csv" {
		return newCSVActivity(w)
	}
	return &jsonlActivity{w: w, enc: jsonEncoder(w)}
}

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// jsonlActivity writes one JSON object per line, as GET /activity/{id}
// shows an entry.
type jsonlActivity struct {
	w   *bufio.Writer
	enc *json.Encoder
}

func (j *jsonlActivity) write(r *store.ActivityRecord) error {
	return j.enc.Encode(activityOf(r, true))
}

func (j *jsonlActivity) flush() error { return j.w.Flush() }

// csvColumns is the CSV header; arguments and result are JSON text.
var csvColumns = []string{"id", "type", "time", "server", "tool", "status", "duration_ms", "session_id", "client", "error", "arguments", "result", "group", "principal"}

type csvActivity struct {
	w   *csv.Writer
	row []string
}

func newCSVActivity(w io.Writer) *csvActivity {
	c := &csvActivity{w: csv.NewWriter(w), row: make([]string, len(csvColumns))}
	_ = c.w.Write(csvColumns) // an error stays in the writer and is seen by the next write
	return c
}

func (c *csvActivity) write(r *store.ActivityRecord) error {
	c.row[0] = r.ID
	c.row[1] = ActivityTypeToolCall
	c.row[2] = r.Time.UTC().Format(time.RFC3339Nano)
	c.row[3] = r.Server
	c.row[4] = r.Tool
	c.row[5] = r.Outcome
	c.row[6] = strconv.FormatFloat(r.DurationMS, 'f', -1, 64)
	c.row[7] = spreadsheetSafe(r.SessionID)
	c.row[8] = spreadsheetSafe(r.Client)
	c.row[9] = spreadsheetSafe(r.Error)
	c.row[10] = string(r.Arguments)
	c.row[11] = string(r.Result)
	c.row[12] = spreadsheetSafe(r.Group)
	c.row[13] = spreadsheetSafe(r.Principal)
	if err := c.w.Write(c.row); err != nil {
		return err
	}
	return c.w.Error()
}

func (c *csvActivity) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// spreadsheetSafe keeps a spreadsheet from reading a cell as a formula:
// error texts and client names come from outside, and a CSV export is
// usually opened in one. A leading ' is what spreadsheets themselves use to
// mark text.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
