package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
	"fieldbook/views"
)

// renderErrors handles a handler's error inside the session middleware, so
// the error page is written while the session is still open.
func (a *App) renderErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			a.handleError(err, c)
		}
		return nil
	}
}

// handleError is Echo's error handler: a clear page (or JSON under /api) with
// a message a person can act on for 4xx, and a logged, generic 500 otherwise.
// Internal details never reach the client.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	msg := "Something went wrong on our side. Please try again in a moment."
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if status < 500 {
			msg = fmt.Sprint(he.Message)
		}
		switch status {
		case http.StatusNotFound:
			if he.Message == "Not Found" || he.Message == nil {
				msg = "There is nothing at this address."
			}
		case http.StatusMethodNotAllowed:
			msg = "This address does not accept that kind of request."
		case http.StatusRequestEntityTooLarge:
			msg = "What you sent is too large."
		}
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
		msg = "There is nothing at this address."
	case errors.Is(err, store.ErrForbidden):
		status = http.StatusForbidden
		msg = "You may not do that."
	case store.Unavailable(err):
		status = http.StatusServiceUnavailable
		msg = unavailableMessage
		c.Response().Header().Set("Retry-After", "5")
	}
	switch {
	case status == http.StatusServiceUnavailable:
		// An outage of the database, not a bug: /readyz reports it too.
		a.log.Warn("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	case status >= 500:
		a.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if isAPI(c) {
		_ = c.JSON(status, map[string]string{"error": msg})
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	if rerr := a.render(c, status, title, views.ErrorPage(views.Error{Status: status, Title: title, Message: msg, HomeURL: homeURL()})); rerr != nil {
		a.log.Error("render error page", "err", rerr)
		_ = c.String(status, msg)
	}
}

// unavailableMessage is shown while the database cannot be reached (a
// restart, a failover): nothing is lost, and trying again soon works.
const unavailableMessage = "Fieldbook cannot reach its database just now. Please try again in a few seconds."

// sessionError answers when the session itself cannot be loaded or saved,
// before or after the handler ran: 503 while the database is unreachable,
// otherwise a generic 500, with no internal detail either way; in JSON for
// the API's routes.
func (a *App) sessionError(api bool) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		status, msg := http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment."
		logf := a.log.Error
		if store.Unavailable(err) {
			status, msg, logf = http.StatusServiceUnavailable, unavailableMessage, a.log.Warn
			w.Header().Set("Retry-After", "5")
		}
		logf("session", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Cache-Control", "no-store")
		if api {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
			return
		}
		http.Error(w, msg, status)
	}
}

// readForm parses the request's form up front. c.FormValue swallows parse
// errors, so a body over the size limit (when sent without Content-Length)
// or a malformed one would look like empty fields; here it is a 413 or 400.
func readForm(c echo.Context) error {
	if _, err := c.FormParams(); err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he
		}
		return badRequest("The form could not be read. Please try again.")
	}
	return nil
}

// badRequest is a 400 with a message for the person who sent it.
func badRequest(msg string) error { return echo.NewHTTPError(http.StatusBadRequest, msg) }

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
