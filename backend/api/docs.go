package api

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"switchboard/frontend"
)

// OpenAPIURL is where the document is served; Swagger UI loads it.
const OpenAPIURL = "/api/v1/openapi.json"

// registerDocs adds the routes for the OpenAPI document and Swagger UI, and
// sends / to the control panel.
func (s *Server) registerDocs() {
	const tag = "docs"
	// Built on first request, when New has registered every route.
	doc := sync.OnceValues(func() ([]byte, error) { return OpenAPIDocument(s.Routes(), s.opts.Version) })
	s.handle(Route{Method: "GET", Path: OpenAPIURL, Tag: tag, Public: true,
		Summary:  "This document: OpenAPI 3.1, built from the routes the API registers",
		Response: map[string]any{}}, func(c *fiber.Ctx) error {
		body, err := doc()
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(body)
	})
	s.handle(Route{Method: "GET", Path: "/swagger/", Tag: tag, Public: true,
		Summary: "Swagger UI for this API, served from the binary (no network needed); /swagger redirects here", ContentType: "text/html"},
		func(c *fiber.Ctx) error {
			if !strings.HasSuffix(c.Path(), "/") {
				// The page's assets are relative to /swagger/.
				return c.Redirect("/swagger/", http.StatusMovedPermanently)
			}
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.SendString(swaggerIndex)
		})
	s.handle(Route{Method: "GET", Path: "/swagger/:file", Tag: tag, Public: true,
		Summary: "A Swagger UI asset (script, style sheet, icon)", ContentType: "*/*"}, serveSwaggerAsset)
	s.handle(Route{Method: "GET", Path: "/", Tag: tag, Public: true,
		Summary: "Redirect to the control panel at /ui/", Status: http.StatusFound}, func(c *fiber.Ctx) error {
		return c.Redirect("/ui/", http.StatusFound)
	})
}

// panel serves the control panel (frontend/dist, embedded) at /ui/; before
// the panel is built it is a page that says how to build it.
var panel = frontend.Handler()

// isPanel says whether a path belongs to the control panel.
func isPanel(path string) bool { return path == "/ui" || strings.HasPrefix(path, "/ui/") }

// swaggerAssets are the few Swagger UI files the page loads, compressed;
// see swaggerui/README.md.
//
//go:embed swaggerui/*.gz
var swaggerAssets embed.FS

func serveSwaggerAsset(c *fiber.Ctx) error {
	name := c.Params("file")
	if name == "swagger-initializer.js" {
		// The stock one loads a demo API from the internet.
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
		return c.SendString(swaggerInit)
	}
	if name == "index.html" {
		return c.Redirect("/swagger/", http.StatusMovedPermanently)
	}
	data, err := fs.ReadFile(swaggerAssets, "swaggerui/"+name+".gz")
	if err != nil || strings.Contains(name, "/") {
		return errNotFound("AssetNotFound", "Swagger UI has no file %q", name)
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = fiber.MIMEOctetStream
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(data)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	return c.Send(plain)
}

// swaggerInit starts Swagger UI on our document; the key entered under
// Authorize is kept across reloads. The page has it inline, and it also
// replaces the stock swagger-initializer.js.
const swaggerInit = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "` + OpenAPIURL + `",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
`

const swaggerIndex = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Switchboard API</title>
  <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="./index.css">
  <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script>
` + swaggerInit + `  </script>
</body>
</html>
`
