// Package handlers holds Fieldbook's Echo handlers, one file per resource,
// and the middleware every request passes through. Handlers read input, call
// store inside one transaction for the caller, build a view model and render
// it; they never build SQL.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"fieldbook/internal/i18n"
	"fieldbook/static"
	"fieldbook/store"
	"fieldbook/sw"
)

// Options configure the HTTP application.
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
	// CORSOrigins may call /api/* from a browser on another origin (exact
	// scheme://host[:port]); empty allows none.
	CORSOrigins []string
	// AdminSessionIdle and AdminSessionLifetime are the shorter bounds of an
	// admin's session (defaults 1 hour and 12 hours).
	AdminSessionIdle     time.Duration
	AdminSessionLifetime time.Duration
	// Hub receives the progress events of this instance's LISTEN connection
	// (store.ProgressListener) for the dashboards' event streams; New makes
	// one when nil. SSEHeartbeat is the streams' keep-alive interval
	// (default DefaultHeartbeat).
	Hub          *Hub
	SSEHeartbeat time.Duration
	// Ready checks what /readyz reports (database, migrations, listener);
	// nil reports ready whenever the process serves.
	Ready func(context.Context) error
	// MediaMaxBytes is the largest lesson media upload (default
	// DefaultMediaMaxBytes, 10 MB).
	MediaMaxBytes int64
	// Sessions is the session store; serve shares it with the LISTEN
	// connection, which keeps its cache live. New makes one when nil (its
	// cache then never serves).
	Sessions *store.SessionStore
	// Clock is the time throttles count by (default time.Now); tests move
	// it instead of waiting for locks to end.
	Clock func() time.Time
	// SessionRecheck is how often an open event stream checks that its
	// session still stands (default DefaultSessionRecheck): sign-out, a
	// role change or a disabled account end the stream within it.
	SessionRecheck time.Duration
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

// New builds the application and its router.
func New(st *store.Store, opts Options) (*echo.Echo, *App, error) {
	assets, err := static.Load()
	if err != nil {
		return nil, nil, err
	}
	// app.js starts with what it shares with the service worker (pwa.go).
	prelude, err := sw.Prelude("en", nil)
	if err != nil {
		return nil, nil, err
	}
	if err := assets.Prepend("app.js", prelude); err != nil {
		return nil, nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SessionIdle == 0 {
		opts.SessionIdle = 30 * 24 * time.Hour
	}
	if opts.SessionLifetime == 0 {
		opts.SessionLifetime = 90 * 24 * time.Hour
	}
	if opts.AdminSessionIdle == 0 {
		opts.AdminSessionIdle = time.Hour
	}
	if opts.AdminSessionLifetime == 0 {
		opts.AdminSessionLifetime = 12 * time.Hour
	}
	if opts.Sessions == nil {
		opts.Sessions = store.NewSessionStore(st.Pool(), 0)
	}
	// No IdleTimeout here: scs would then rewrite the session on every
	// request. The store applies the idle timeout (sessionPolicy) and
	// extends a session's expiry at most every few minutes.
	sm := scs.New()
	sm.Store = opts.Sessions
	sm.Lifetime = opts.SessionLifetime
	sm.Cookie.Name = "fieldbook_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = opts.CookieSecure
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = true

	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	a := &App{store: st, sessions: sm, sessionStore: opts.Sessions, assets: assets, log: opts.Logger,
		catalog: i18n.Default(), idle: opts.SessionIdle, adminIdle: opts.AdminSessionIdle,
		adminLifetime: opts.AdminSessionLifetime, now: opts.Clock}
	opts.Sessions.SetPolicy(a.sessionPolicy)
	sm.ErrorFunc = a.sessionError
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if len(opts.TrustedProxies) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range opts.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}

	e.Pre(headAsGet)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(a.recoverPanics)
	e.Use(middleware.RequestID())
	e.Use(a.logRequests)
	e.Use(securityHeaders)
	cop, err := crossOriginProtection(opts.CORSOrigins)
	if err != nil {
		return nil, nil, err
	}
	e.Use(cop)
	// CORS for the API only, and only for listed origins (an exact match,
	// never a wildcard); pages get no CORS headers at all.
	allowed := map[string]bool{}
	for _, o := range opts.CORSOrigins {
		allowed[o] = true
	}
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		Skipper:          func(c echo.Context) bool { return !isAPI(c) },
		AllowOriginFunc:  func(origin string) (bool, error) { return allowed[origin], nil },
		AllowMethods:     []string{http.MethodGet, http.MethodPost},
		AllowHeaders:     []string{"Content-Type"},
		AllowCredentials: true,
		MaxAge:           3600,
	}))
	// Learners pay per byte: pages and JSON are gzipped (gzip.go). Static
	// files are compressed once at start-up instead (serveStatic).
	e.Use(gzipResponses(func(c echo.Context) bool {
		p := c.Request().URL.Path
		// Event streams are flushed event by event, never buffered.
		return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" ||
			strings.HasSuffix(p, "/events") || isMediaPath(c)
	}))
	// Forms are small; the sync endpoint takes up to 1 MB of queued changes;
	// media uploads have their own limit (mediaHandlers.upload).
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   "64K",
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == "/api/progress" || isMediaUpload(c) },
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   "1MB", // maxSyncBytes
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path != "/api/progress" },
	}))

	// Static files carry no session: no cookie work, no database round trip.
	e.GET("/static/:hash/:name", a.serveStatic)
	e.GET("/healthz", liveness)
	e.GET("/readyz", readiness(opts.Ready, opts.Logger))
	p, err := newPWA(a)
	if err != nil {
		return nil, nil, err
	}
	e.GET("/sw.js", p.serviceWorker)
	e.GET("/manifest.webmanifest", p.webManifest)
	e.GET("/offline", p.offlinePage)
	e.GET("/phone", p.phonePage)

	// Page routes carry the session. Middleware is attached per route (not to
	// a group, whose catch-all route would turn every 405 into a 404).
	pages := &routes{e: e, mw: []echo.MiddlewareFunc{secureCookiesOverHTTPS(opts.TrustedProxies),
		freshSessionsForWrites, echo.WrapMiddleware(sm.LoadAndSave), a.renderErrors, a.loadCaller}}
	courses := &courseHandlers{App: a}
	lessons := &lessonHandlers{App: a}
	auth := &authHandlers{App: a}
	sync := &syncHandlers{App: a}

	pages.GET("/", courses.listCourses)
	pages.GET("/courses/:id", courses.showCourse)
	pages.GET("/lessons/:id", lessons.showLesson)
	pages.POST("/lessons/:id/complete", lessons.completeLesson, a.requireUser)
	pages.GET("/api/courses/:id/progress", courses.courseProgressJSON, a.requireUser)
	// Signed changes need no session (judged by their keys); the handler
	// asks for one when the batch holds an unsigned change.
	pages.POST("/api/progress", sync.syncProgress)

	// Shared phones (P1): who is using the phone, their progress, and the
	// per-phone keys that sign offline changes.
	me := &meHandlers{App: a}
	pages.GET("/api/me", me.showMe, noStore, a.requireUser)
	pages.GET("/api/me/progress", me.myProgress, noStore, a.requireUser)
	phones := &phoneHandlers{App: a}
	pages.GET("/api/phones", phones.list, noStore, a.requireUser)
	pages.POST("/api/phones", phones.register, noStore, a.requireUser)
	pages.POST("/api/phones/:id/forget", phones.forgetOwn, noStore, a.requireUser)
	pages.POST("/account/phones/:id/forget", phones.forgetFromAccount, a.requireUser)
	// End of shared phones (P1)

	// Authoring (P2): volunteers and admins only (requireStaff); which
	// courses each may change, row-level security decides.
	courseEdit := &courseEditHandlers{App: a}
	lessonEdit := &lessonEditHandlers{App: a}
	pages.GET("/studio", courseEdit.studio, a.requireStaff)
	pages.GET("/courses/new", courseEdit.newCourse, a.requireStaff)
	pages.POST("/courses", courseEdit.createCourse, a.requireStaff)
	pages.GET("/courses/:id/edit", courseEdit.editCourse, a.requireStaff)
	pages.POST("/courses/:id", courseEdit.updateCourse, a.requireStaff)
	pages.GET("/courses/:id/delete", courseEdit.confirmDeleteCourse, a.requireStaff)
	pages.POST("/courses/:id/delete", courseEdit.deleteCourse, a.requireStaff)
	pages.POST("/courses/:id/publish", courseEdit.setPublished(true), a.requireStaff)
	pages.POST("/courses/:id/unpublish", courseEdit.setPublished(false), a.requireStaff)
	pages.POST("/courses/:id/archive", courseEdit.setArchived(true), a.requireStaff)
	pages.POST("/courses/:id/restore", courseEdit.setArchived(false), a.requireStaff)
	pages.POST("/courses/:id/lessons", courseEdit.addLesson, a.requireStaff)
	pages.POST("/courses/:id/editors", courseEdit.addEditor, a.requireStaff)
	pages.GET("/lessons/:id/edit", lessonEdit.editLesson, a.requireStaff)
	pages.POST("/lessons/:id", lessonEdit.updateLesson, a.requireStaff)
	pages.POST("/lessons/:id/delete", lessonEdit.deleteLesson, a.requireStaff)
	pages.POST("/lessons/:id/move", lessonEdit.moveLesson, a.requireStaff)
	pages.POST("/lessons/preview", lessonEdit.previewLesson, a.requireStaff)

	pages.GET("/login", auth.showLogin)
	pages.POST("/login", auth.login)
	pages.GET("/signup", auth.showSignup)
	pages.POST("/signup", auth.signup)
	pages.POST("/logout", auth.logout)
	pages.POST("/language", (&languageHandlers{App: a}).setLanguage)

	// Your account (P5): password change and sessions.
	account := &accountHandlers{App: a}
	pages.GET("/account", account.showAccount, a.requireUser)
	pages.POST("/account/password", account.changePassword, a.requireUser)
	pages.POST("/account/sessions/end-others", account.endOtherSessions, a.requireUser)

	// Admin and invitations (P2)
	adminUsers := &adminUserHandlers{App: a}
	invites := &inviteHandlers{App: a}
	pages.GET("/admin/users", adminUsers.listUsers, a.requireAdmin)
	pages.POST("/admin/users/:id/role", adminUsers.setRole, a.requireAdmin)
	pages.POST("/admin/users/:id/disable", adminUsers.setDisabled(true), a.requireAdmin)
	pages.POST("/admin/users/:id/enable", adminUsers.setDisabled(false), a.requireAdmin)
	pages.POST("/admin/users/:id/reset", adminUsers.createReset, a.requireAdmin)
	pages.GET("/admin/invites", invites.listInvites, a.requireAdmin)
	pages.POST("/admin/invites", invites.createInvite, a.requireAdmin)
	pages.GET("/invite/:token", invites.showInvite)
	pages.POST("/invite/:token", invites.acceptInvite)
	pages.GET("/reset/:token", invites.showReset)
	pages.POST("/reset/:token", invites.acceptReset)
	// End of admin and invitations (P2)

	// Dashboard and realtime (P4)
	hub := opts.Hub
	if hub == nil {
		hub = NewHub(DefaultStreamsPerUser, DefaultStreamBuffer)
	}
	if opts.SSEHeartbeat <= 0 {
		opts.SSEHeartbeat = DefaultHeartbeat
	}
	if opts.SessionRecheck <= 0 {
		opts.SessionRecheck = DefaultSessionRecheck
	}
	dash := &dashboardHandlers{App: a, hub: hub, heartbeat: opts.SSEHeartbeat, recheck: opts.SessionRecheck}
	pages.GET("/courses/:id/dashboard", dash.showDashboard, a.requireUser)
	pages.GET("/courses/:id/dashboard.csv", dash.exportCSV, a.requireUser)
	pages.GET("/courses/:id/dashboard/events", dash.streamEvents, a.requireUser)
	pages.GET("/courses/:id/dashboard/learners/:learnerID", dash.showLearner, a.requireUser)
	pages.GET("/me/progress", dash.myProgress, a.requireUser)
	// End of dashboard and realtime (P4)

	// Quizzes and certificates (P2, issue 12): authoring for editors
	// (requireStaff, then RLS), the quiz as JSON for whoever may read the
	// lesson, a learner's certificate, and public verification.
	quizEdit := &quizEditHandlers{App: a}
	pages.POST("/lessons/:id/questions", quizEdit.addQuestion, a.requireStaff)
	pages.POST("/lessons/:id/quiz", quizEdit.setQuiz, a.requireStaff)
	pages.POST("/questions/preview", quizEdit.previewQuestion, a.requireStaff)
	pages.GET("/questions/:id/edit", quizEdit.editQuestion, a.requireStaff)
	pages.POST("/questions/:id", quizEdit.updateQuestion, a.requireStaff)
	pages.POST("/questions/:id/move", quizEdit.moveQuestion, a.requireStaff)
	pages.POST("/questions/:id/delete", quizEdit.deleteQuestion, a.requireStaff)
	quizAPI := &quizAPIHandlers{App: a}
	pages.GET("/api/lessons/:id/quiz", quizAPI.lessonQuiz)
	certs := &certificateHandlers{App: a}
	pages.GET("/courses/:id/certificate", certs.showCertificate, a.requireUser)
	pages.GET("/verify/:code", certs.verifyCertificate)
	// End of quizzes and certificates (P2)

	// Media (P2): uploads for editors (requireStaff, then RLS), served by
	// content hash to whoever may read the course.
	mediaRoutes(a, pages, opts.MediaMaxBytes)
	// End of media (P2)

	return e, a, nil
}

// routes registers handlers with a shared middleware chain.
type routes struct {
	e  *echo.Echo
	mw []echo.MiddlewareFunc
}

func (r *routes) GET(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.e.GET(path, h, append(append([]echo.MiddlewareFunc{}, r.mw...), mw...)...)
}

func (r *routes) POST(path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
	r.e.POST(path, h, append(append([]echo.MiddlewareFunc{}, r.mw...), mw...)...)
}

// headAsGet answers HEAD like GET without a body: the request is cloned as
// GET for routing, while net/http still sees the original HEAD and drops the
// body.
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

// Sessions exposes the session manager (tests inspect it).
func (a *App) Sessions() *scs.SessionManager { return a.sessions }
