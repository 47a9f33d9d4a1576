package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// liveness answers as long as the process serves HTTP.
func liveness(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok")
}

// health answers the readiness probe with the checks it was given (the
// database answers, its migrations are current, the LISTEN connection is
// up); nil reports ready whenever the process serves.
type health struct{ ready func(context.Context) error }

// readiness answers 200 only when every check passes, else 503 with the
// first failure; a load balancer sends traffic elsewhere meanwhile.
func (h *health) readiness(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if h.ready == nil {
		return c.String(http.StatusOK, "ready")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := h.ready(ctx); err != nil {
		return c.String(http.StatusServiceUnavailable, "not ready: "+err.Error())
	}
	return c.String(http.StatusOK, "ready")
}
