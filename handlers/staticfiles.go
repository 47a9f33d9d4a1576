package handlers

import (
	"bytes"
	"net/http"
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
		return echo.NewHTTPError(http.StatusNotFound, "No such file.")
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", f.ContentType)
	http.ServeContent(c.Response(), c.Request(), f.Name, time.Time{}, bytes.NewReader(f.Body))
	return nil
}
