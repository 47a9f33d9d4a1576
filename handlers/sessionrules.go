package handlers

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// Session rules that scs cannot express by itself: a Secure cookie whenever
// the request came over HTTPS (directly or through a trusted proxy), and
// shorter sessions for admins.

// secureCookieWriter adds Secure to Set-Cookie headers when the response is
// written, for a request that came over HTTPS.
type secureCookieWriter struct {
	http.ResponseWriter
	done bool
}

func (w *secureCookieWriter) WriteHeader(code int) {
	if !w.done {
		w.done = true
		h := w.Header()
		cookies := h.Values("Set-Cookie")
		for i, c := range cookies {
			if !strings.Contains(strings.ToLower(c), "; secure") {
				cookies[i] = c + "; Secure"
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *secureCookieWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *secureCookieWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *secureCookieWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// overHTTPS reports whether the client reached us over TLS: our own, or a
// trusted proxy's that says so in X-Forwarded-Proto.
func overHTTPS(r *http.Request, trusted []*net.IPNet) bool {
	if r.TLS != nil {
		return true
	}
	if len(trusted) == 0 || !strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, n := range trusted {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// secureCookiesOverHTTPS marks cookies Secure on HTTPS requests even when
// the configured default is off (plain-HTTP development behind a TLS proxy).
func secureCookiesOverHTTPS(trusted []*net.IPNet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if overHTTPS(c.Request(), trusted) {
				c.Response().Writer = &secureCookieWriter{ResponseWriter: c.Response().Writer}
			}
			return next(c)
		}
	}
}

// sessActive is when an admin's session was last used.
const sessActive = "active"

// adminSessionRules ends an admin session idle for longer than idle, and
// keeps the time of its last use. (The absolute lifetime is set at sign-in.)
func (a *App) adminSessionRules(c echo.Context) bool {
	ctx := c.Request().Context()
	if store.Role(a.sessions.GetString(ctx, sessRole)) != store.RoleAdmin {
		return true
	}
	last := a.sessions.GetInt64(ctx, sessActive)
	if last != 0 && time.Since(time.Unix(last, 0)) > a.adminIdle {
		_ = a.sessions.Destroy(ctx)
		return false
	}
	// Written at most once a minute: each write saves the session row.
	if time.Since(time.Unix(last, 0)) > time.Minute {
		a.sessions.Put(ctx, sessActive, time.Now().Unix())
	}
	return true
}
