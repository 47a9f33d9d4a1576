package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

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
// a message a person can act on for 4xx, and a logged, generic 500 otherwise,
// in the request's language. Internal details never reach the client.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	var msg any = "error.server"
	var he *echo.HTTPError
	var limited *store.RateLimitError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if status < 500 {
			msg = he.Message
		}
		switch status {
		case http.StatusNotFound:
			if he.Message == "Not Found" || he.Message == nil {
				msg = "error.not_found"
			}
		case http.StatusMethodNotAllowed:
			msg = "error.method"
		case http.StatusRequestEntityTooLarge:
			msg = "error.too_large"
		}
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
		msg = "error.not_found"
	case errors.Is(err, store.ErrForbidden):
		status = http.StatusForbidden
		msg = "error.forbidden"
	case store.Unavailable(err):
		status = http.StatusServiceUnavailable
		msg = "error.unavailable"
		c.Response().Header().Set("Retry-After", "5")
	case errors.As(err, &limited):
		status = http.StatusTooManyRequests
		msg = a.tooManyMessage(a.localizer(c), "sync.error.throttle", limited.Until)
		a.setRetryAfter(c, limited.Until)
	case errors.Is(err, ErrBusy):
		status = http.StatusServiceUnavailable
		msg = "error.busy"
		c.Response().Header().Set("Retry-After", "2")
	}
	switch {
	case status == http.StatusServiceUnavailable:
		// An outage of the database, not a bug: /readyz reports it too.
		a.log.Warn("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	case status >= 500:
		a.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	loc := a.localizer(c)
	text := loc.Say(msg)
	if wantsJSON(c) {
		languageHeaders(c.Response().Header(), loc.Lang())
		_ = c.JSON(status, map[string]string{"error": text})
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	title := loc.T(statusTitle(status))
	if rerr := a.render(c, status, title, views.ErrorPage(views.Error{Status: status, Title: title, Message: text})); rerr != nil {
		a.log.Error("render error page", "err", rerr)
		_ = c.String(status, text)
	}
}

// statusTitles are the error page's headings; keys are written whole so the
// catalogue tests see them used.
var statusTitles = map[int]string{
	http.StatusBadRequest:            "error.title.400",
	http.StatusUnauthorized:          "error.title.401",
	http.StatusForbidden:             "error.title.403",
	http.StatusNotFound:              "error.title.404",
	http.StatusMethodNotAllowed:      "error.title.405",
	http.StatusConflict:              "error.title.409",
	http.StatusRequestEntityTooLarge: "error.title.413",
	http.StatusUnprocessableEntity:   "error.title.422",
	http.StatusTooManyRequests:       "error.title.429",
	http.StatusInternalServerError:   "error.title.500",
	http.StatusServiceUnavailable:    "error.title.503",
}

func statusTitle(status int) string {
	if key, ok := statusTitles[status]; ok {
		return key
	}
	return "error.title.other"
}

// sessionError answers when the session itself cannot be loaded or saved,
// before or after the handler ran: 503 while the database is unreachable,
// otherwise a generic 500, with no internal detail either way.
func (a *App) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	status, key := http.StatusInternalServerError, "error.server"
	logf := a.log.Error
	if store.Unavailable(err) {
		status, key, logf = http.StatusServiceUnavailable, "error.unavailable", a.log.Warn
		w.Header().Set("Retry-After", "5")
	}
	logf("session", "method", r.Method, "path", r.URL.Path, "err", err)
	lang := negotiate(r, "")
	msg := a.catalog.Localizer(lang).T(key)
	w.Header().Set("Cache-Control", "no-store")
	languageHeaders(w.Header(), lang)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
		return
	}
	http.Error(w, msg, status)
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
		return badRequest("error.form_unreadable")
	}
	return nil
}

// badRequest is a 400 with a message for the person who sent it: a
// catalogue key (translated when the error page is drawn) or, until every
// message has moved to the catalogues, English text.
func badRequest(msg string) error { return echo.NewHTTPError(http.StatusBadRequest, msg) }

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
