package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// Session keys.
const (
	sessUserID = "user_id"
	sessRole   = "role"
	sessName   = "display_name"
)

const ctxCaller = "fieldbook.caller"
const ctxName = "fieldbook.name"

// loadCaller turns the session into the store.Caller every handler uses.
func (a *App) loadCaller(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		caller := store.Anonymous
		if idStr := a.sessions.GetString(ctx, sessUserID); idStr != "" {
			id, err := uuid.Parse(idStr)
			role := store.Role(a.sessions.GetString(ctx, sessRole))
			if err == nil && role.Valid() {
				caller = store.Caller{UserID: id, Role: role}
				c.Set(ctxName, a.sessions.GetString(ctx, sessName))
				c.Set(ctxLang, a.userLang(c))
				a.touchSession(c, caller)
			}
		}
		c.Set(ctxCaller, caller)
		return next(c)
	}
}

// callerOf is the request's caller (Anonymous without a session).
func callerOf(c echo.Context) store.Caller {
	if caller, ok := c.Get(ctxCaller).(store.Caller); ok {
		return caller
	}
	return store.Anonymous
}

func signedIn(c echo.Context) bool { return callerOf(c).UserID != uuid.Nil }

// requireUser sends anonymous callers to sign in: JSON 401 for the API, an
// HX-Redirect for htmx, a redirect for plain pages.
func (a *App) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if signedIn(c) {
			return next(c)
		}
		if wantsJSON(c) {
			return newError(http.StatusUnauthorized, nil, signInFirst)
		}
		back := c.Request().URL.Path
		if c.Request().Method != http.MethodGet {
			back = c.Request().Referer()
			if u, err := url.Parse(back); err == nil {
				back = u.Path
			} else {
				back = homeURL()
			}
		}
		target := loginURL(safeNext(back))
		if isHTMX(c) {
			c.Response().Header().Set("HX-Redirect", target)
			return c.NoContent(http.StatusUnauthorized)
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
}

// signInFirst refuses an API request that needs a signed-in caller.
const signInFirst = "error.sign_in_first"

// safeNext keeps a return address on this site: a local absolute path only.
// Control characters are refused: browsers drop tabs and newlines from a
// Location, so "/\t/evil.example" would become "//evil.example".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsFunc(next, unicode.IsControl) {
		return homeURL()
	}
	return next
}

// isAPI is true for the API routes (and unknown addresses under them),
// which answer in JSON.
func isAPI(c echo.Context) bool { return policyOf(c).api }

// wantsJSON is true for the API and for page script requests that ask for
// JSON (app.js's completion): errors and sign-in prompts answer in JSON.
func wantsJSON(c echo.Context) bool {
	if isAPI(c) {
		return true
	}
	mt, _, _ := strings.Cut(c.Request().Header.Get("Accept"), ",")
	return strings.TrimSpace(mt) == "application/json"
}

// isHTMX is true for htmx requests that want a fragment (not boosted ones).
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") == ""
}

// contentSecurityPolicy allows only this origin's files: no inline script or
// style, no eval, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// crossOriginProtection refuses cross-origin unsafe requests (CSRF) with Go's
// own Sec-Fetch-Site/Origin check. The CORS origins are trusted on /api/*
// only, so the API they were allowed keeps working for them, while pages and
// forms (admin ones included) refuse every other origin.
func crossOriginProtection(trusted []string) (echo.MiddlewareFunc, error) {
	pages := http.NewCrossOriginProtection()
	api := http.NewCrossOriginProtection()
	for _, o := range trusted {
		if err := api.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("handlers: CORS origin %q: %w", o, err)
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// By the matched route's policy, not the raw path, so no
			// spelling of a page's address passes for the API.
			cop := pages
			if policyOf(c).api {
				cop = api
			}
			if err := cop.Check(c.Request()); err != nil {
				return newError(http.StatusForbidden, err, "error.cross_origin")
			}
			return next(c)
		}
	}, nil
}

func (a *App) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				a.log.Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

func (a *App) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		path := req.URL.Path
		if policyOf(c).redact {
			path = c.Path() // a one-time link's secret stays out of the logs
		}
		attrs := []any{
			"method", req.Method, "route", c.Path(), "path", path,
			"status", c.Response().Status, "bytes", c.Response().Size,
			"ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
			attrs = append(attrs, "request_id", id)
		}
		if caller := callerOf(c); caller.UserID != uuid.Nil {
			attrs = append(attrs, "user", caller.UserID.String())
		}
		a.log.LogAttrs(req.Context(), slog.LevelInfo, "request", toAttrs(attrs)...)
		return nil
	}
}

func toAttrs(kv []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, slog.Any(kv[i].(string), kv[i+1]))
	}
	return out
}

// requireStaff lets volunteers and admins through to the authoring pages:
// anonymous callers are sent to sign in, learners get a 403. Which courses a
// volunteer may change is then decided by the database (course_editors).
func (a *App) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return a.requireUser(func(c echo.Context) error {
		if !callerOf(c).Role.Staff() {
			return forbidden("authoring.error.staff_only")
		}
		return next(c)
	})
}
