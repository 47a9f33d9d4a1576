package handlers

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/static"
)

const staticHTMX = static.HTMX

// serveStatic serves an embedded file under its content hash, cacheable
// forever. A wrong hash is a 404, so a stale page never gets a new file
// under an old URL.
func (a *App) serveStatic(c echo.Context) error {
	f, ok := a.assets.Lookup(c.Param("hash"), c.Param("name"))
	if !ok {
		return notFound("media.error.no_such")
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", f.ContentType)
	if f.Gzip != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(c.Request()) {
			h.Set("Content-Encoding", "gzip")
			return c.Blob(http.StatusOK, f.ContentType, f.Gzip)
		}
	}
	http.ServeContent(c.Response(), c.Request(), f.Name, time.Time{}, bytes.NewReader(f.Body))
	return nil
}

// acceptsGzip reports whether the client takes gzip (and did not refuse it
// with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) == "gzip" || strings.TrimSpace(name) == "*" {
			return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") || strings.Contains(params, "q=0.")
		}
	}
	return false
}
