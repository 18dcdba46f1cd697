package api_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"switchboard/backend/api"
)

// The OpenAPI document that every JSON response of every test in this
// package is checked against (harness.send calls checkResponse). It is built
// once per test binary from an API with empty options: the routes are the
// same as a running core's.
var responseSchemas = sync.OnceValue(loadResponseSchemas)

type documentChecks struct {
	ops []*documentOperation
	err error
}

// documentOperation is one method of one path of the document.
type documentOperation struct {
	method   string
	template string
	segments []*regexp.Regexp
	static   []bool
	// responses by status key ("200", "4XX", "default"); nil when the
	// document gives that status no JSON body.
	responses map[string]*jsonschema.Schema
}

const docURL = "mem://switchboard/openapi.json"

func newDocumentAPI() (s *api.Server, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("api.New with empty options panicked: %v", p)
		}
	}()
	return api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Version: "test"}), nil
}

func loadResponseSchemas() *documentChecks {
	s, err := newDocumentAPI()
	if err != nil {
		return &documentChecks{err: err}
	}
	data, err := api.OpenAPIDocument(s.Routes(), "test")
	if err != nil {
		return &documentChecks{err: err}
	}
	checks, err := compileResponses(data)
	if err != nil {
		return &documentChecks{err: err}
	}
	return checks
}

// compileResponses compiles the JSON schema of every response in the
// document, with its $refs resolved in the document.
func compileResponses(data []byte) (*documentChecks, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the document is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, err
	}
	paths, _ := doc.(map[string]any)["paths"].(map[string]any)
	if len(paths) == 0 {
		return nil, fmt.Errorf("the document has no paths")
	}
	checks := &documentChecks{}
	for template, item := range paths {
		for method, op := range item.(map[string]any) {
			responses, ok := op.(map[string]any)["responses"].(map[string]any)
			if !ok {
				continue // not an operation (summary, parameters)
			}
			d := &documentOperation{method: strings.ToUpper(method), template: template, responses: map[string]*jsonschema.Schema{}}
			for _, seg := range splitPath(template) {
				d.static = append(d.static, !strings.Contains(seg, "{"))
				d.segments = append(d.segments, segmentPattern(seg))
			}
			for key, resp := range responses {
				content, _ := resp.(map[string]any)["content"].(map[string]any)
				d.responses[key] = nil
				if _, ok := content["application/json"]; !ok {
					continue
				}
				loc := docURL + "#" + pointer("paths", template, method, "responses", key, "content", "application/json", "schema")
				sch, err := c.Compile(loc)
				if err != nil {
					return nil, fmt.Errorf("%s %s response %s: %w", d.method, template, key, err)
				}
				d.responses[key] = sch
			}
			checks.ops = append(checks.ops, d)
		}
	}
	return checks, nil
}

// pointer is a JSON pointer, as a URL fragment.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		t = strings.ReplaceAll(t, "~", "~0")
		t = strings.ReplaceAll(t, "/", "~1")
		b.WriteString("/" + strings.ReplaceAll(t, "%", "%25"))
	}
	return b.String()
}

var templateParam = regexp.MustCompile(`\{[^}]+\}`)

// segmentPattern matches one path segment of a template: {param} is any
// non-empty text without a slash.
func segmentPattern(seg string) *regexp.Regexp {
	var b strings.Builder
	last := 0
	for _, m := range templateParam.FindAllStringIndex(seg, -1) {
		b.WriteString(regexp.QuoteMeta(seg[last:m[0]]))
		b.WriteString(`[^/]+`)
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(seg[last:]))
	return regexp.MustCompile("^" + b.String() + "$")
}

// splitPath splits a path without its query into segments; a trailing slash
// does not count (the router ignores it).
func splitPath(p string) []string {
	p, _, _ = strings.Cut(p, "?")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	if p == "/" || p == "" {
		return []string{""}
	}
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

// match finds the operation a request went to; where two templates match,
// the one with a fixed segment first wins (activity/summary over
// activity/{id}), as the router does.
func (dc *documentChecks) match(method, path string) *documentOperation {
	segs := splitPath(path)
	var best *documentOperation
	for _, op := range dc.ops {
		if op.method != method || len(op.segments) != len(segs) {
			continue
		}
		matches := true
		for i, re := range op.segments {
			if !re.MatchString(segs[i]) {
				matches = false
				break
			}
		}
		if matches && (best == nil || moreSpecific(op, best)) {
			best = op
		}
	}
	return best
}

func moreSpecific(a, b *documentOperation) bool {
	for i := range a.static {
		if a.static[i] != b.static[i] {
			return a.static[i]
		}
	}
	return false
}

// checkResponse fails the test that made a request when the JSON it got
// back does not match the OpenAPI document for that route and status.
// Requests to paths the document does not have are left to
// TestOpenAPIDocumentListsEveryRoute; bodies that are not JSON are not
// checked. Benchmarks are not checked: they time the round trip.
func checkResponse(t testing.TB, method, path string, status int, contentType string, body []byte) {
	t.Helper()
	if _, bench := t.(*testing.B); bench {
		return
	}
	if len(bytes.TrimSpace(body)) == 0 || !isJSON(contentType) {
		return
	}
	dc := responseSchemas()
	if dc.err != nil {
		return // TestOpenAPIDocumentBuildsFromEmptyOptions reports it
	}
	op := dc.match(strings.ToUpper(method), path)
	if op == nil {
		return
	}
	sch, ok := op.responses[strconv.Itoa(status)]
	if !ok {
		sch, ok = op.responses[strconv.Itoa(status/100)+"XX"]
	}
	if !ok {
		sch, ok = op.responses["default"]
	}
	if !ok {
		t.Errorf("%s %s: status %d is not in the OpenAPI document for %s %s; body: %.300s", method, path, status, op.method, op.template, body)
		return
	}
	if sch == nil {
		t.Errorf("%s %s: answered %d with JSON, but the OpenAPI document gives %s %s no JSON body for it; body: %.300s", method, path, status, op.method, op.template, body)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %s: the %d body says it is JSON but is not: %v; body: %.300s", method, path, status, err, body)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s %s: the %d response does not match the OpenAPI document for %s %s: %v\nbody: %.1000s", method, path, status, op.method, op.template, err, body)
	}
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// fetchDocument gets the document from a running core, with no key.
func fetchDocument(t *testing.T, h *harness) map[string]any {
	t.Helper()
	res := h.anon("GET", api.OpenAPIURL, nil)
	if res.Status != http.StatusOK || !isJSON(res.Header.Get("Content-Type")) {
		t.Fatalf("GET %s without a key: want 200 JSON, got %d %s: %.300s", api.OpenAPIURL, res.Status, res.Header.Get("Content-Type"), res.Body)
	}
	return res.Map(t)
}

// The document's operations, as "METHOD /template".
func documentOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	ops := map[string]map[string]any{}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatalf("the document has no paths object")
	}
	for p, item := range paths {
		for m, op := range item.(map[string]any) {
			if o, ok := op.(map[string]any); ok && o["responses"] != nil {
				ops[strings.ToUpper(m)+" "+p] = o
			}
		}
	}
	return ops
}

// Every route the API serves is in the document served at
// /api/v1/openapi.json, with its method, and the document lists nothing the
// API does not serve; every documented route answers on a running core.
func TestOpenAPIDocumentListsEveryRoute(t *testing.T) {
	h := newHarness(t, nil)
	ops := documentOperations(t, fetchDocument(t, h))

	s, err := newDocumentAPI()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range s.FiberRoutes() {
		p, _ := api.OpenAPIPath(r[1])
		served[r[0]+" "+p] = true
	}
	registered := map[string]bool{}
	for _, r := range s.Routes() {
		p, _ := api.OpenAPIPath(r.Path)
		key := r.Method + " " + p
		registered[key] = true
		if r.WebSocket {
			served[key] = true // served by net/http, beside fiber
		} else if !served[key] {
			t.Errorf("%s is registered but fiber does not serve it", key)
		}
	}
	for _, key := range sortedKeys(served) {
		if ops[key] == nil {
			t.Errorf("%s is served but not in the OpenAPI document", key)
		}
		if !registered[key] {
			t.Errorf("%s is served by fiber but not registered with s.handle, so the document cannot describe it", key)
		}
	}
	for _, key := range sortedKeys(ops) {
		if !served[key] {
			t.Errorf("the OpenAPI document lists %s, which the API does not serve", key)
		}
	}
	if len(ops) < 50 {
		t.Errorf("the document has only %d operations", len(ops))
	}

	// The running core answers every documented operation: with its own
	// answer or an error of its own, never "no such route".
	noRedirect := &http.Client{Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, key := range sortedKeys(ops) {
		method, template, _ := strings.Cut(key, " ")
		if streams(ops[key]) {
			continue // an event stream does not end by itself
		}
		path := templateParam.ReplaceAllString(template, "nothing-here")
		r, err := http.NewRequest(method, "http://"+h.d.Addr()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("X-API-Key", h.key)
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound && bytes.Contains(body, []byte(`"RouteNotFound"`)) {
			t.Errorf("%s (as %s %s) is documented but the running core has no such route", key, method, path)
		}
		checkResponse(t, method, path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// streams says whether an operation answers with an event stream.
func streams(op map[string]any) bool {
	responses, _ := op["responses"].(map[string]any)
	for _, r := range responses {
		content, _ := r.(map[string]any)["content"].(map[string]any)
		if _, ok := content["text/event-stream"]; ok {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The document that checks every test's responses can be built from an API
// with empty options, and its response schemas compile.
func TestOpenAPIDocumentBuildsFromEmptyOptions(t *testing.T) {
	dc := responseSchemas()
	if dc.err != nil {
		t.Fatalf("responses cannot be checked against the document: %v", dc.err)
	}
	if len(dc.ops) < 50 {
		t.Fatalf("the document has only %d operations", len(dc.ops))
	}
}

// The served document is valid OpenAPI 3.1 (checked against the official
// schema of the OpenAPI Initiative), says what the API is, and describes
// every operation's security, parameters and errors.
func TestOpenAPIDocumentIsValidOpenAPI31(t *testing.T) {
	h := newHarness(t, nil)
	res := h.sock("GET", api.OpenAPIURL, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s on the socket: %d %s", api.OpenAPIURL, res.Status, res.Body)
	}

	official, err := os.Open("testdata/openapi-3.1-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer official.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(official)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const oasURL = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"
	if err := c.AddResource(oasURL, schemaDoc); err != nil {
		t.Fatal(err)
	}
	oas, err := c.Compile(oasURL)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	if err := oas.Validate(inst); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
	// Every schema in it is a valid JSON Schema 2020-12 (the compiler checks
	// each against the meta-schema) and its $refs resolve.
	if _, err := compileResponses(res.Body); err != nil {
		t.Fatal(err)
	}

	doc := res.Map(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi is %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] != "Switchboard" || info["version"] != "test" {
		t.Errorf("info is %v, want title Switchboard and the running version (test)", info)
	}
	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	for name, want := range map[string]string{"ApiKeyHeader": "X-API-Key", "ApiKeyQuery": "apikey"} {
		if s, _ := schemes[name].(map[string]any); s["type"] != "apiKey" || s["name"] != want {
			t.Errorf("security scheme %s is %v, want an apiKey named %s", name, s, want)
		}
	}
	if s, _ := schemes["BearerAuth"].(map[string]any); s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("security scheme BearerAuth is %v", s)
	}
	schemas, _ := components["schemas"].(map[string]any)
	envelope, _ := schemas["Error"].(map[string]any)
	if req, _ := envelope["required"].([]any); !slices.Equal(req, []any{"error", "message", "status_code"}) {
		t.Errorf("the error envelope's schema requires %v", envelope["required"])
	}
	if cfg, _ := schemas["ConfigConfig"].(map[string]any); cfg["additionalProperties"] != true {
		t.Errorf("the config's schema must allow the unknown keys a config file keeps: %v", cfg)
	}

	public := map[string]bool{}
	s, err := newDocumentAPI()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Routes() {
		p, _ := api.OpenAPIPath(r.Path)
		public[r.Method+" "+p] = r.Public
	}
	ids := map[any]string{}
	for key, op := range documentOperations(t, doc) {
		_, template, _ := strings.Cut(key, " ")
		if other, dup := ids[op["operationId"]]; dup || op["operationId"] == nil {
			t.Errorf("%s: operationId %v is missing or also used by %s", key, op["operationId"], other)
		}
		ids[op["operationId"]] = key
		security, _ := op["security"].([]any)
		if public[key] != (len(security) == 0) {
			t.Errorf("%s: public is %v but security is %v", key, public[key], op["security"])
		}
		responses, _ := op["responses"].(map[string]any)
		for _, family := range []string{"4XX", "5XX"} {
			r, _ := responses[family].(map[string]any)
			content, _ := r["content"].(map[string]any)
			js, _ := content["application/json"].(map[string]any)
			if sch, _ := js["schema"].(map[string]any); sch["$ref"] != "#/components/schemas/Error" {
				t.Errorf("%s: %s is not the error envelope: %v", key, family, r)
			}
		}
		declared := map[string]bool{}
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			pm := p.(map[string]any)
			if pm["in"] == "path" {
				declared[pm["name"].(string)] = pm["required"] == true
			}
		}
		for _, m := range templateParam.FindAllString(template, -1) {
			if name := strings.Trim(m, "{}"); !declared[name] {
				t.Errorf("%s: path parameter %s is not declared as required", key, name)
			}
		}
	}
}

// Swagger UI is served from the binary: its page loads our document, and
// the scripts and styles it names are there; /swagger and / redirect.
func TestSwaggerUIIsServedOffline(t *testing.T) {
	h := newHarness(t, nil)
	page := h.anon("GET", "/swagger/", nil)
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /swagger/: %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	html := string(page.Body)
	if !strings.Contains(html, `url: "`+api.OpenAPIURL+`"`) {
		t.Errorf("the page does not load %s:\n%s", api.OpenAPIURL, html)
	}
	assets := regexp.MustCompile(`(?:src|href)="\./([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(assets) < 3 {
		t.Fatalf("the page names %d assets:\n%s", len(assets), html)
	}
	for _, a := range assets {
		res := h.anon("GET", "/swagger/"+a[1], nil)
		if res.Status != http.StatusOK || len(res.Body) == 0 {
			t.Errorf("GET /swagger/%s: %d, %d bytes", a[1], res.Status, len(res.Body))
		}
	}
	bundle := h.anon("GET", "/swagger/swagger-ui-bundle.js", nil)
	if ct := bundle.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") || !bytes.Contains(bundle.Body, []byte("SwaggerUIBundle")) {
		t.Errorf("swagger-ui-bundle.js: %s, %d bytes", ct, len(bundle.Body))
	}
	init := h.anon("GET", "/swagger/swagger-initializer.js", nil)
	if !bytes.Contains(init.Body, []byte(api.OpenAPIURL)) || bytes.Contains(init.Body, []byte("petstore")) {
		t.Errorf("swagger-initializer.js does not load our document:\n%s", init.Body)
	}
	h.anon("GET", "/swagger/no-such-file.js", nil).envelope(t, http.StatusNotFound, "AssetNotFound")

	noRedirect := &http.Client{Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for from, to := range map[string]string{"/swagger": "/swagger/", "/": "/ui/", "/swagger/index.html": "/swagger/"} {
		resp, err := noRedirect.Get("http://" + h.d.Addr() + from)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != to {
			t.Errorf("GET %s: want a redirect to %s, got %d to %q", from, to, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

// recorder is a testing.TB that keeps what checkResponse reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// The response check finds the route a path went to (a fixed segment wins
// over a parameter), passes what matches and names what does not.
func TestResponseCheckFindsTheRouteAndNamesMismatches(t *testing.T) {
	dc := responseSchemas()
	if dc.err != nil {
		t.Fatal(dc.err)
	}
	for path, want := range map[string]string{
		"/api/v1/servers/alpha/logs?lines=5":  "/api/v1/servers/{name}/logs",
		"/api/v1/servers/alpha/":              "/api/v1/servers/{name}",
		"/api/v1/activity/summary":            "/api/v1/activity/summary",
		"/api/v1/activity/01J0000000":         "/api/v1/activity/{id}",
		"/api/v1/servers/a/tools/echo":        "/api/v1/servers/{name}/tools/{tool}",
		"/api/v1/servers/a/tools":             "/api/v1/servers/{name}/tools",
		"/":                                   "/",
		"/swagger/":                           "/swagger/",
		"/swagger/swagger-ui-bundle.js":       "/swagger/{file}",
		"/api/v1/servers/a/tools/echo/call?x": "/api/v1/servers/{name}/tools/{tool}/call",
	} {
		method := "GET"
		if strings.HasSuffix(want, "/call") {
			method = "POST"
		}
		op := dc.match(method, path)
		if op == nil || op.template != want {
			t.Errorf("%s %s matched %v, want %s", method, path, op, want)
		}
	}
	if op := dc.match("GET", "/mcp"); op != nil {
		t.Errorf("/mcp matched %s", op.template)
	}

	cases := []struct {
		name, path, contentType, body string
		status                        int
		fails                         bool
	}{
		{"a valid envelope", "/api/v1/servers/alpha", "application/json", `{"error":"ServerNotFound","message":"no server alpha","status_code":404}`, 404, false},
		{"an envelope without a message", "/api/v1/servers/alpha", "application/json", `{"error":"ServerNotFound","status_code":404}`, 404, true},
		{"logs as a number", "/api/v1/servers/alpha/logs", "application/json; charset=utf-8", `{"name":"alpha","lines":5}`, 200, true},
		{"an undocumented status", "/api/v1/servers/alpha", "application/json", `{}`, 302, true},
		{"not JSON", "/api/v1/servers/alpha", "text/plain", `lines`, 200, false},
		{"a path outside the document", "/mcp", "application/json", `[]`, 200, false},
	}
	for _, c := range cases {
		r := &recorder{TB: t}
		checkResponse(r, "GET", c.path, c.status, c.contentType, []byte(c.body))
		if c.fails != (len(r.errors) > 0) {
			t.Errorf("%s: want failure %v, got %q", c.name, c.fails, r.errors)
		}
		if c.fails && len(r.errors) > 0 && !strings.Contains(r.errors[0], c.path) {
			t.Errorf("%s: the failure does not name the request: %s", c.name, r.errors[0])
		}
	}
}
