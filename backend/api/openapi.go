package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi31"
)

// Security scheme names in the document: the key is one value, sent three ways.
const (
	secHeader = "ApiKeyHeader"
	secBearer = "BearerAuth"
	secQuery  = "ApiKeyQuery"
)

// fiberParam matches a fiber path parameter (:name, :name? or a wildcard).
var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)\??|[*+]`)

// OpenAPIPath turns a fiber path (/api/v1/servers/:name) into an OpenAPI
// path template (/api/v1/servers/{name}) and lists its parameters.
func OpenAPIPath(path string) (string, []string) {
	var params []string
	out := fiberParam.ReplaceAllStringFunc(path, func(m string) string {
		name := "path" // a wildcard's value is the rest of the path
		if strings.HasPrefix(m, ":") {
			name = strings.TrimSuffix(m[1:], "?")
		}
		params = append(params, name)
		return "{" + name + "}"
	})
	return out, params
}

// OpenAPIDocument builds the OpenAPI 3.1 document of these routes as JSON.
// Request and response schemas come from the Go types of the routes' Body
// and Response values, by reflection.
func OpenAPIDocument(routes []Route, version string) ([]byte, error) {
	if version == "" {
		version = "dev"
	}
	r := openapi31.NewReflector()
	r.DefaultOptions = append(r.DefaultOptions,
		// encoding/json writes exported fields that have no tag too.
		jsonschema.ProcessWithoutTags,
		// A nil pointer, slice or map written without omitempty is null:
		// a reference to a shared definition then allows null beside it.
		func(rc *jsonschema.ReflectContext) { rc.EnvelopNullability = true },
		jsonschema.InterceptDefName(func(_ reflect.Type, name string) string {
			return strings.TrimPrefix(name, "Api") // this package's types: ServerInfo, not ApiServerInfo
		}),
		jsonschema.InterceptSchema(markRequired),
	)
	spec := r.Spec
	spec.Info.WithTitle("Switchboard").WithVersion(version).WithDescription(apiDescription)
	spec.SetAPIKeySecurity(secHeader, "X-API-Key", openapi.InHeader, "The api_key of the config file.")
	spec.SetHTTPBearerTokenSecurity(secBearer, "", "The api_key of the config file, as Authorization: Bearer <key>.")
	spec.SetAPIKeySecurity(secQuery, "apikey", openapi.InQuery, "The api_key of the config file, as ?apikey= (for clients that cannot set headers).")

	ids := map[string]int{}
	var tags []string
	seenTag := map[string]bool{}
	for _, rt := range routes {
		if err := addOperation(r, rt, ids); err != nil {
			return nil, fmt.Errorf("openapi: %s %s: %w", rt.Method, rt.Path, err)
		}
		if rt.Tag != "" && !seenTag[rt.Tag] {
			seenTag[rt.Tag] = true
			tags = append(tags, rt.Tag)
		}
	}
	for _, t := range tags {
		spec.Tags = append(spec.Tags, openapi31.Tag{Name: t})
	}
	return json.MarshalIndent(spec, "", "  ")
}

const apiDescription = "The control API of Switchboard, on 127.0.0.1 and on the unix socket. " +
	"Routes under /api need the API key on TCP (X-API-Key, Authorization: Bearer or ?apikey=); " +
	"the socket needs none. Every error is the envelope {\"error\", \"message\", \"status_code\"}, " +
	"with \"problems\" naming each invalid field."

func addOperation(r *openapi31.Reflector, rt Route, ids map[string]int) error {
	path, params := OpenAPIPath(rt.Path)
	oc, err := r.NewOperationContext(rt.Method, path)
	if err != nil {
		return err
	}
	op := oc.(openapi31.OperationExposer).Operation()
	if rt.Tag != "" {
		oc.SetTags(rt.Tag)
	}
	oc.SetSummary(rt.Summary)
	oc.SetID(operationID(rt.Method, path, ids))
	required := true
	for _, p := range params {
		op.Parameters = append(op.Parameters, openapi31.Parameter{
			Name: p, In: openapi31.ParameterInPath, Required: &required,
			Schema: map[string]any{"type": "string"},
		}.ToParameterOrRef())
	}
	for _, q := range rt.Query {
		typ := q.Type
		if typ == "" {
			typ = "string"
		}
		p := openapi31.Parameter{Name: q.Name, In: openapi31.ParameterInQuery, Schema: map[string]any{"type": typ}}
		if q.Description != "" {
			p.WithDescription(q.Description)
		}
		op.Parameters = append(op.Parameters, p.ToParameterOrRef())
	}
	if !rt.Public {
		oc.AddSecurity(secHeader)
		oc.AddSecurity(secBearer)
		oc.AddSecurity(secQuery)
	}
	if rt.Body != nil {
		// Not marked required: some bodies are optional (bulk names, a stop reason).
		oc.AddReqStructure(rt.Body, openapi.WithContentType("application/json"))
	}

	status := rt.Status
	switch {
	case rt.WebSocket:
		status = http.StatusSwitchingProtocols
		oc.SetDescription("A WebSocket: open it with a GET that asks to upgrade the connection.")
	case status == 0:
		status = http.StatusOK
	}
	contentType := rt.ContentType
	if contentType == "" && rt.Response != nil {
		contentType = "application/json"
	}
	oc.AddRespStructure(rt.Response, openapi.WithHTTPStatus(status), openapi.WithContentType(contentType),
		withDescription(successDescription(rt, status)))
	for _, family := range []int{4, 5} {
		oc.AddRespStructure(Error{}, openapi.WithHTTPStatus(family), openapi.WithContentType("application/json"),
			withDescription("The error envelope"))
	}
	return r.AddOperation(oc)
}

func successDescription(rt Route, status int) string {
	switch {
	case rt.WebSocket:
		return "Switching Protocols: the connection is a WebSocket from here on"
	case strings.HasPrefix(rt.ContentType, "text/event-stream"):
		return "A stream of Server-Sent Events"
	}
	return http.StatusText(status)
}

func withDescription(text string) openapi.ContentOption {
	return func(cu *openapi.ContentUnit) { cu.Description = text }
}

// operationID names an operation from its method and path, as
// getServersNameTools for GET /api/v1/servers/{name}/tools.
func operationID(method, path string, seen map[string]int) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	upper := true
	rest := strings.TrimPrefix(path, "/api/v1")
	if rest == "/" || rest == "" {
		rest = "root"
	}
	for _, c := range rest {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			upper = true
			continue
		}
		if upper {
			c = unicode.ToUpper(c)
			upper = false
		}
		b.WriteRune(c)
	}
	id := b.String()
	seen[id]++
	if n := seen[id]; n > 1 {
		id = fmt.Sprintf("%s%d", id, n)
	}
	return id
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// markRequired lists, once a struct's schema is built, the properties that
// encoding/json always writes (no omitempty) as required. A type with its
// own MarshalJSON may write keys beyond its fields, so its schema says so.
func markRequired(p jsonschema.InterceptSchemaParams) (bool, error) {
	if !p.Processed || !p.Value.IsValid() {
		return false, nil
	}
	t := p.Value.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || p.Schema == nil || len(p.Schema.Properties) == 0 {
		return false, nil
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		p.Schema.AdditionalProperties = (&jsonschema.SchemaOrBool{}).WithTypeBoolean(true)
		return false, nil
	}
	for _, name := range alwaysWritten(t) {
		if _, ok := p.Schema.Properties[name]; ok && !slices.Contains(p.Schema.Required, name) {
			p.Schema.Required = append(p.Schema.Required, name)
		}
	}
	return false, nil
}

// alwaysWritten lists the JSON keys encoding/json writes for every value of
// struct type t, embedded structs included.
func alwaysWritten(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Struct {
				keys = append(keys, alwaysWritten(ft)...)
			}
			continue // an embedded pointer may be nil: its keys are then absent
		}
		if !f.IsExported() || strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,") {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys = append(keys, name)
	}
	return keys
}
