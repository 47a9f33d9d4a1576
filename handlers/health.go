package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// liveness answers as long as the process serves HTTP.
func liveness(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.String(http.StatusOK, "ok")
}

// ReadyError is a failed readiness check. The caller of /readyz (anyone) is
// told only which part is not ready; Err, which may name the database's
// user, name and address, goes to the log.
type ReadyError struct {
	// Part is "database" or "realtime".
	Part string
	Err  error
}

func (e *ReadyError) Error() string { return e.Part + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ReadyError) Unwrap() error { return e.Err }

// health answers the readiness probe with the checks it was given (the
// database answers, its migrations are current, the LISTEN connection is
// up); nil reports ready whenever the process serves.
type health struct {
	ready func(context.Context) error
	log   *slog.Logger
}

// readiness answers 200 only when every check passes, else 503 naming the
// part that failed; a load balancer sends traffic elsewhere meanwhile.
func (h *health) readiness(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if h.ready == nil {
		return c.String(http.StatusOK, "ready")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := h.ready(ctx); err != nil {
		h.log.Warn("not ready", "err", err)
		msg := "not ready"
		if re := (*ReadyError)(nil); errors.As(err, &re) {
			msg += ": " + re.Part
		}
		return c.String(http.StatusServiceUnavailable, msg)
	}
	return c.String(http.StatusOK, "ready")
}
