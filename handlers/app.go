// Package handlers holds Fieldbook's Echo handlers, one file per resource,
// and the middleware every request passes through. Handlers read input, call
// store inside one transaction for the caller, build a view model and render
// it; they never build SQL.
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"fieldbook/internal/i18n"
	"fieldbook/static"
	"fieldbook/store"
)

// Options configure the HTTP application. Every field but Ready,
// TrustedProxies, CORSOrigins and CookieSecure must be set: the defaults
// live in cmd/fieldbook's Config alone.
type Options struct {
	// CookieSecure marks the session cookie Secure; off only for plain-HTTP
	// development on localhost.
	CookieSecure bool
	// SessionIdle and SessionLifetime bound a session: learners may be
	// offline for weeks, so both are long.
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	Logger          *slog.Logger
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	// Empty: the client address is the socket's peer, and the header is
	// ignored (Echo's default would trust it: GHSA-246p-cpwv-v3jq).
	TrustedProxies []*net.IPNet
	// CORSOrigins may call the API from a browser on another origin (exact
	// scheme://host[:port]); empty allows none.
	CORSOrigins []string
	// AdminSessionIdle and AdminSessionLifetime are the shorter bounds of an
	// admin's session.
	AdminSessionIdle     time.Duration
	AdminSessionLifetime time.Duration
	// Hub receives the progress events of this instance's LISTEN connection
	// (store.ProgressListener) for the dashboards' event streams.
	// SSEHeartbeat is the streams' keep-alive interval.
	Hub          *Hub
	SSEHeartbeat time.Duration
	// Ready checks what /readyz reports (database, migrations, listener);
	// nil reports ready whenever the process serves.
	Ready func(context.Context) error
	// MediaMaxBytes is the largest lesson media upload.
	MediaMaxBytes int64
	// Sessions is the session store, shared with the LISTEN connection
	// that keeps its cache live (store.ProgressListener.Sessions).
	Sessions *store.SessionStore
	// Clock is the time throttles count by (time.Now); tests move it
	// instead of waiting for locks to end.
	Clock func() time.Time
	// SessionRecheck is how often an open event stream checks that its
	// session still stands: sign-out, a role change or a disabled account
	// end the stream within it.
	SessionRecheck time.Duration
}

// check refuses incomplete options: every default lives in
// cmd/fieldbook's Config, so a zero value here is a wiring mistake.
func (o Options) check() error {
	var missing []string
	for name, zero := range map[string]bool{
		"Logger": o.Logger == nil, "SessionIdle": o.SessionIdle <= 0, "SessionLifetime": o.SessionLifetime <= 0,
		"AdminSessionIdle": o.AdminSessionIdle <= 0, "AdminSessionLifetime": o.AdminSessionLifetime <= 0,
		"Hub": o.Hub == nil, "SSEHeartbeat": o.SSEHeartbeat <= 0, "MediaMaxBytes": o.MediaMaxBytes <= 0,
		"Clock": o.Clock == nil, "SessionRecheck": o.SessionRecheck <= 0, "Sessions": o.Sessions == nil,
	} {
		if zero {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("handlers: options not set: %s", strings.Join(missing, ", "))
	}
	return nil
}

// App holds what the handlers share: the store, the sessions, the assets.
type App struct {
	store    *store.Store
	sessions *scs.SessionManager
	// sessionStore is sessions' store: handlers drop a user's cached
	// sessions through it right after changing them.
	sessionStore *store.SessionStore
	assets       *static.Set
	log          *slog.Logger
	catalog      *i18n.Catalog
	// idle bounds a session's idle time; adminIdle and adminLifetime bound
	// admin sessions more tightly (sessionPolicy).
	idle, adminIdle, adminLifetime time.Duration
	// now is the clock throttles count by (Options.Clock).
	now func() time.Time
}

// handlerSet is every handler struct the route table calls.
type handlerSet struct {
	app        *App
	health     *health
	pwa        *pwa
	media      *mediaHandlers
	courses    *courseHandlers
	lessons    *lessonHandlers
	sync       *syncHandlers
	auth       *authHandlers
	account    *accountHandlers
	courseEdit *courseEditHandlers
	lessonEdit *lessonEditHandlers
	dash       *dashboardHandlers
	adminUsers *adminUserHandlers
	invites    *inviteHandlers
	language   *languageHandlers
	me         *meHandlers
	phones     *phoneHandlers
	quizEdit   *quizEditHandlers
	quizAPI    *quizAPIHandlers
	certs      *certificateHandlers
}

// New builds the application and its router from the route table.
func New(st *store.Store, opts Options) (*echo.Echo, *App, error) {
	if err := opts.check(); err != nil {
		return nil, nil, err
	}
	assets, err := static.Load(staticURL)
	if err != nil {
		return nil, nil, err
	}
	// app.js starts with what it shares with the service worker and its
	// language's texts: one per language (pwa.go).
	if err := pageScripts(assets, i18n.Default()); err != nil {
		return nil, nil, err
	}
	a := &App{store: st, sessionStore: opts.Sessions, assets: assets, log: opts.Logger, catalog: i18n.Default(),
		idle: opts.SessionIdle, adminIdle: opts.AdminSessionIdle, adminLifetime: opts.AdminSessionLifetime, now: opts.Clock}
	a.sessions = newSessions(opts)
	a.sessions.ErrorFunc = a.sessionError(false)
	opts.Sessions.SetPolicy(a.sessionPolicy)
	e := a.newEcho(opts.TrustedProxies)
	if err := a.useMiddleware(e, opts.CORSOrigins); err != nil {
		return nil, nil, err
	}
	chains := a.sessionChains(opts.TrustedProxies)
	h, err := a.newHandlers(opts, chains[false])
	if err != nil {
		return nil, nil, err
	}
	a.addRoutes(e, routeTable(h), chains)
	return e, a, nil
}

// newSessions is the session manager: scs over our session store (hashed
// tokens, cached per instance), the cookie HttpOnly, SameSite=Lax and kept
// across browser restarts (learners stay signed in for weeks on their own
// phone). No IdleTimeout: scs would then rewrite the session on every
// request; the store applies the idle timeout (sessionPolicy) and extends
// a session's expiry at most every few minutes.
func newSessions(opts Options) *scs.SessionManager {
	sm := scs.New()
	sm.Store = opts.Sessions
	sm.Lifetime = opts.SessionLifetime
	sm.Cookie.Name = "fieldbook_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = opts.CookieSecure
	sm.Cookie.Path = homeURL() // the whole site
	sm.Cookie.Persist = true
	return sm
}

// sessionChains is the middleware a route with the session runs, for pages
// (false) and for the API (true), whose session failures answer in JSON.
func (a *App) sessionChains(trusted []*net.IPNet) map[bool][]echo.MiddlewareFunc {
	apiSessions := *a.sessions // the same sessions; only the error answer differs
	apiSessions.ErrorFunc = a.sessionError(true)
	chain := func(sm *scs.SessionManager) []echo.MiddlewareFunc {
		return []echo.MiddlewareFunc{secureCookiesOverHTTPS(trusted),
			echo.WrapMiddleware(sm.LoadAndSave), a.renderErrors, a.loadCaller}
	}
	return map[bool][]echo.MiddlewareFunc{false: chain(a.sessions), true: chain(&apiSessions)}
}

// newEcho is the Echo instance: our error handler, and client addresses
// from X-Forwarded-For only when it comes from a trusted proxy.
func (a *App) newEcho(trusted []*net.IPNet) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if len(trusted) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range trusted {
			trust = append(trust, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	return e
}

// useMiddleware adds what every request passes through. The skippers look
// the route's policy up (policyOf), never the URL.
func (a *App) useMiddleware(e *echo.Echo, corsOrigins []string) error {
	e.Pre(headAsGet)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(a.recoverPanics)
	e.Use(middleware.RequestID())
	e.Use(a.logRequests)
	e.Use(securityHeaders)
	cop, err := crossOriginProtection(corsOrigins)
	if err != nil {
		return err
	}
	e.Use(cop)
	// CORS for the API only, and only for listed origins (an exact match,
	// never a wildcard); pages get no CORS headers at all.
	allowed := map[string]bool{}
	for _, o := range corsOrigins {
		allowed[o] = true
	}
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper:          func(c echo.Context) bool { return !policyOf(c).api },
		AllowOriginFunc:  func(origin string) (bool, error) { return allowed[origin], nil },
		AllowMethods:     []string{http.MethodGet, http.MethodPost},
		AllowHeaders:     []string{"Content-Type"},
		AllowCredentials: true,
		MaxAge:           3600,
	}))
	// Learners pay per byte: pages and JSON are gzipped after they are
	// rendered (gzip.go). Static files are compressed once at start-up
	// instead (serveStatic).
	e.Use(gzipResponses(func(c echo.Context) bool { return !policyOf(c).gzip }))
	for _, n := range bodyLimits() {
		e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
			Limit:   strconv.FormatInt(n, 10),
			Skipper: func(c echo.Context) bool { return policyOf(c).body != n },
		}))
	}
	return nil
}

// bodyLimits are the distinct request body limits of the routes.
func bodyLimits() []int64 {
	seen := map[int64]bool{unmatched.page.body: true}
	out := []int64{unmatched.page.body}
	for _, r := range routeIndex.all {
		if r.body > 0 && !seen[r.body] {
			seen[r.body] = true
			out = append(out, r.body)
		}
	}
	return out
}

// newHandlers makes the handler structs; withSession is the page session
// chain, for the media handler that loads the session only when needed.
func (a *App) newHandlers(opts Options, withSession []echo.MiddlewareFunc) (*handlerSet, error) {
	p, err := newPWA(a)
	if err != nil {
		return nil, err
	}
	m := &mediaHandlers{App: a, maxBytes: opts.MediaMaxBytes}
	m.forCaller = m.serveForCaller
	for i := len(withSession) - 1; i >= 0; i-- {
		m.forCaller = withSession[i](m.forCaller)
	}
	return &handlerSet{
		app: a, health: &health{ready: opts.Ready, log: opts.Logger}, pwa: p, media: m,
		courses: &courseHandlers{App: a}, lessons: &lessonHandlers{App: a}, sync: &syncHandlers{App: a},
		auth: &authHandlers{App: a}, account: &accountHandlers{App: a},
		courseEdit: &courseEditHandlers{App: a}, lessonEdit: &lessonEditHandlers{App: a},
		dash:       &dashboardHandlers{App: a, hub: opts.Hub, heartbeat: opts.SSEHeartbeat, recheck: opts.SessionRecheck},
		adminUsers: &adminUserHandlers{App: a}, invites: &inviteHandlers{App: a},
		language: &languageHandlers{App: a}, me: &meHandlers{App: a}, phones: &phoneHandlers{App: a},
		quizEdit: &quizEditHandlers{App: a}, quizAPI: &quizAPIHandlers{App: a}, certs: &certificateHandlers{App: a},
	}, nil
}

// addRoutes registers every row of the table, GET rows for HEAD too, with
// the session chain and access check its policy asks for. Middleware is
// attached per route, not to a group, whose catch-all route would turn
// every 405 into a 404.
func (a *App) addRoutes(e *echo.Echo, table []route, chains map[bool][]echo.MiddlewareFunc) {
	for _, r := range table {
		var mw []echo.MiddlewareFunc
		if r.session == withSession {
			if r.method != http.MethodGet {
				mw = append(mw, freshSessions) // a write: sessionrules.go
			}
			mw = append(mw, chains[r.api]...)
		}
		if r.noStore {
			mw = append(mw, noStore) // before the access check: refusals carry it too
		}
		switch r.access {
		case forUsers:
			mw = append(mw, a.requireUser)
		case forStaff:
			mw = append(mw, a.requireStaff)
		case forAdmins:
			mw = append(mw, a.requireAdmin)
		}
		e.Add(r.method, r.path, r.handler, mw...).Name = string(r.name)
		if r.method == http.MethodGet {
			e.Add(http.MethodHead, r.path, r.handler, mw...)
		}
	}
}

// headAsGet lets handlers see a HEAD request as the GET it mirrors (HEAD is
// routed to the GET handler by addRoutes); net/http drops the body.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := c.Request(); r.Method == http.MethodHead {
			get := r.Clone(r.Context())
			get.Method = http.MethodGet
			c.SetRequest(get)
		}
		return next(c)
	}
}
