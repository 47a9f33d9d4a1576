package handlers

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// Session rules that scs cannot express by itself: a Secure cookie whenever
// the request came over HTTPS (directly or through a trusted proxy), idle
// expiry without a write per request, and shorter sessions for admins that
// stay short across token renewals.

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

// sessSignedIn is when the session's user signed in (Unix seconds): an
// admin session ends adminLifetime after it, whatever renews its token.
const sessSignedIn = "signed_in"

// sessionPolicy tells the session store whose a session is and how long it
// may live: admins adminIdle unused and adminLifetime after signing in at
// most; everyone else the configured idle timeout and scs's deadline.
func (a *App) sessionPolicy(data []byte) (store.SessionInfo, error) {
	deadline, values, err := a.sessions.Codec.Decode(data)
	if err != nil {
		return store.SessionInfo{}, err
	}
	info := store.SessionInfo{Deadline: deadline, Idle: a.idle}
	if id, ok := values[sessUserID].(string); ok {
		info.User, _ = uuid.Parse(id)
	}
	if role, _ := values[sessRole].(string); store.Role(role) == store.RoleAdmin {
		info.Idle = a.adminIdle
		signedIn, _ := values[sessSignedIn].(int64)
		if end := time.Unix(signedIn, 0).Add(a.adminLifetime); end.Before(info.Deadline) {
			info.Deadline = end
		}
	}
	return info, nil
}

// renewToken gives the session a new token (against fixation) without
// lengthening it: scs's RenewToken restarts the default lifetime, which
// would give an admin who changes their password 90 days.
func (a *App) renewToken(ctx context.Context) error {
	deadline := a.sessions.Deadline(ctx)
	if err := a.sessions.RenewToken(ctx); err != nil {
		return err
	}
	a.sessions.SetDeadline(ctx, deadline)
	return nil
}

// freshSessions makes a request read its session from PostgreSQL rather
// than the instance's cache: a sign-out elsewhere refuses it at once, not
// when the notification arrives. addRoutes puts it before the session on
// every route that may change data (every method but GET, and HEAD, which
// is GET's); page views keep the cache.
func freshSessions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.SetRequest(r.WithContext(store.FreshSessions(r.Context())))
		return next(c)
	}
}
