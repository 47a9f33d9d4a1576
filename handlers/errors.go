package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/internal/password"
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

// Error is a request that failed: its HTTP status, a message safe to show
// the person, and the cause, for the log only. Handlers return it (through
// the constructors below); the one error handler, handleError, renders it.
// (After gotosocial's gtserror.WithCode.)
type Error struct {
	Status int
	// Message is a catalogue key whose placeholder values are in Args as
	// name, value pairs ("count" picks the plural form), or, for a message
	// not yet moved to the catalogues, an English sentence with fmt verbs
	// for Args (views.Say).
	Message string
	Args    []any
	// Cause is what went wrong underneath; it is logged, never shown.
	Cause error
	// RetryAfter, in seconds, tells the client when trying again may work
	// (the Retry-After header); 0 says nothing.
	RetryAfter int
}

// Error is the status, the message in the source language and the cause,
// for logs.
func (e *Error) Error() string {
	s := strconv.Itoa(e.Status) + " " + e.Text(i18n.Default().Localizer(i18n.Source))
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap is the cause, so errors.Is sees through an Error.
func (e *Error) Unwrap() error { return e.Cause }

// Text is the message in loc's language, its variable parts filled in.
func (e *Error) Text(loc *i18n.Localizer) string { return views.Say(loc, e.Message, e.Args...) }

// newError is an Error with status, the cause (or nil) and a message.
func newError(status int, cause error, msg string, args ...any) *Error {
	return &Error{Status: status, Message: msg, Args: args, Cause: cause}
}

// Shorthands for the refusals handlers make themselves.
func badRequest(msg string, args ...any) error {
	return newError(http.StatusBadRequest, nil, msg, args...)
}
func forbidden(msg string, args ...any) error {
	return newError(http.StatusForbidden, nil, msg, args...)
}
func notFound(msg string, args ...any) error { return newError(http.StatusNotFound, nil, msg, args...) }

// Messages shown when nothing more precise is known.
const (
	nothingHereMessage = "error.not_found"
	serverErrorMessage = "error.server"
	// unavailableMessage is shown while the database cannot be reached (a
	// restart, a failover): nothing is lost, and trying again soon works.
	unavailableMessage = "error.unavailable"
)

// storeErrors is the one mapping of the store's errors to statuses, with
// the message shown when the handler gives no better one (explain).
var storeErrors = []struct {
	err     error
	status  int
	message string
}{
	{store.ErrNotFound, http.StatusNotFound, nothingHereMessage},
	{store.ErrForbidden, http.StatusForbidden, "error.forbidden"},
	{store.ErrArchived, http.StatusConflict, "error.archived"},
	{store.ErrQuizLesson, http.StatusConflict, quizLessonMessage},
	{store.ErrTooManyPhones, http.StatusConflict, msgTooManyPhones},
	{store.ErrConflict, http.StatusConflict, "error.conflict"},
	{store.ErrLinkUsed, http.StatusGone, "error.link_used"},
	{store.ErrLinkExpired, http.StatusGone, "error.link_expired"},
	{store.ErrLinkUnknown, http.StatusNotFound, "error.link_unknown"},
}

// explanations say what store errors mean to the person in one context:
// the message for each, by the store's error.
type explanations map[error]string

// explain gives a store error its status (storeErrors) and the message msgs
// has for it here, filled with args. Any other error, and nil, pass
// through, and so does an Error: what was explained first stands.
func explain(err error, msgs explanations, args ...any) error {
	if e := (*Error)(nil); errors.As(err, &e) {
		return err
	}
	for _, se := range storeErrors {
		if errors.Is(err, se.err) {
			if msg, ok := msgs[se.err]; ok {
				return newError(se.status, err, msg, args...)
			}
			return err
		}
	}
	return err
}

// unavailableRetry is the Retry-After, in seconds, while the database is
// unreachable.
const unavailableRetry = 5

// asError is any error as the Error the person sees: ours as it is, Echo's
// (a 404 or 405 from the router, a 413 from the body limit) and the
// store's by their status, anything else a generic 500. A moment's
// overload (the database away, the sync budget spent, too many password
// checks waiting) says when to try again.
func (a *App) asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := serverErrorMessage
		switch {
		case he.Code == http.StatusNotFound && (he.Message == nil || he.Message == http.StatusText(http.StatusNotFound)):
			msg = nothingHereMessage
		case he.Code == http.StatusMethodNotAllowed:
			msg = "error.method"
		case he.Code == http.StatusRequestEntityTooLarge:
			msg = "error.too_large"
		case he.Code < 500:
			if t, ok := he.Message.(i18n.Text); ok {
				return newError(he.Code, err, t.Key, t.Args...)
			}
			msg = fmt.Sprint(he.Message)
		}
		return newError(he.Code, err, msg)
	}
	var limited *store.RateLimitError
	switch {
	case store.Unavailable(err):
		e := newError(http.StatusServiceUnavailable, err, unavailableMessage)
		e.RetryAfter = unavailableRetry
		return e
	case errors.As(err, &limited):
		wait := a.waitSeconds(limited.Until)
		e := newError(http.StatusTooManyRequests, err, "sync.error.throttle", "count", wait)
		e.RetryAfter = wait
		return e
	case errors.Is(err, password.ErrBusy):
		e := newError(http.StatusServiceUnavailable, err, "error.busy")
		e.RetryAfter = 2
		return e
	}
	for _, se := range storeErrors {
		if errors.Is(err, se.err) {
			return newError(se.status, err, se.message)
		}
	}
	return newError(http.StatusInternalServerError, err, serverErrorMessage)
}

// handleError is Echo's error handler: a clear page (or JSON for the API)
// with the Error's message in the request's language, and a log line for
// server errors. Causes never reach the client.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := a.asError(err)
	if e.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	switch {
	case e.Status == http.StatusServiceUnavailable:
		// An outage (the database, a shutdown) or an overload, not a bug:
		// /readyz reports the database too.
		a.log.Warn("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	case e.Status >= 500:
		a.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	loc := a.localizer(c)
	status, msg := e.Status, e.Text(loc)
	if wantsJSON(c) {
		languageHeaders(c.Response().Header(), loc.Lang())
		_ = c.JSON(status, map[string]string{"error": msg})
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	title := loc.T(statusTitle(status))
	if rerr := a.render(c, status, title, views.ErrorPage(views.Error{Status: status, Title: title, Message: msg, HomeURL: homeURL()})); rerr != nil {
		a.log.Error("render error page", "err", rerr)
		_ = c.String(status, msg)
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
	http.StatusGone:                  "error.title.410",
	http.StatusRequestEntityTooLarge: "error.title.413",
	http.StatusUnsupportedMediaType:  "error.title.415",
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
// otherwise a generic 500, with no internal detail either way; in JSON for
// the API's routes.
func (a *App) sessionError(api bool) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		status, key := http.StatusInternalServerError, serverErrorMessage
		logf := a.log.Error
		if store.Unavailable(err) {
			status, key, logf = http.StatusServiceUnavailable, unavailableMessage, a.log.Warn
			w.Header().Set("Retry-After", strconv.Itoa(unavailableRetry))
		}
		logf("session", "method", r.Method, "path", r.URL.Path, "err", err)
		lang := negotiate(r, "")
		msg := a.catalog.Localizer(lang).T(key)
		w.Header().Set("Cache-Control", "no-store")
		languageHeaders(w.Header(), lang)
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
		return badRequest("error.form_unreadable")
	}
	return nil
}
