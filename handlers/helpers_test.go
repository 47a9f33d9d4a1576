package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"fieldbook/handlers"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

const sessionCookie = "fieldbook_session"

// testApp is the real router served over real HTTP, backed by the test's own
// database. The app connects as fieldbook_app; owner is the schema owner,
// used only to seed odd states and to look at what the app left behind.
type testApp struct {
	URL       string
	transport *http.Transport
	st        *store.Store
	owner     *pgxpool.Pool
	// seed builds fixtures in the app's database (storetest.Seed).
	seed *storetest.Seed
	// sessions is the app's session store, its cache live through its own
	// LISTEN connection as in `fieldbook serve`.
	sessions *store.SessionStore
}

// newTestApp starts the application on a fresh database. Any error the app
// logs (a 500, a failed render) fails the test: the handlers must answer bad
// input with a 4xx, never by falling over.
func newTestApp(t *testing.T) *testApp {
	t.Helper()
	a, _ := startApp(t, handlers.Options{CookieSecure: false})
	return a
}

// startApp serves the real router built with opts over real HTTP, on the
// test's own database, connected as fieldbook_app. Unless opts.Logger is
// set, any error the app logs fails the test. A hub in opts is closed when
// the server shuts down, as `fieldbook serve` does.
func startApp(t *testing.T, opts handlers.Options) (*testApp, storetest.DB) {
	t.Helper()
	ctx := context.Background()
	db := storetest.NewDB(t)
	pool, err := store.Open(ctx, db.AppURL)
	if err != nil {
		t.Fatalf("open app pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return startAppOn(t, db, pool, opts), db
}

// startAppOn is startApp on a database and app pool the test made.
func startAppOn(t *testing.T, db storetest.DB, pool *pgxpool.Pool, opts handlers.Options) *testApp {
	t.Helper()
	ctx := context.Background()
	if opts.Logger == nil {
		var logged atomic.Int64
		t.Cleanup(func() {
			if n := logged.Load(); n > 0 {
				t.Errorf("the app logged %d error(s); see the log lines above", n)
			}
		})
		opts.Logger = slog.New(errorCounter{
			Handler: slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}),
			n:       &logged,
		})
	}
	withTestSettings(&opts)
	owner, err := pgxpool.New(ctx, db.OwnerURL)
	if err != nil {
		t.Fatalf("open owner pool: %v", err)
	}
	t.Cleanup(owner.Close)
	seed := &storetest.Seed{DB: db, Store: store.New(pool), Owner: owner}
	st := seed.Store
	if opts.Sessions == nil {
		opts.Sessions = liveSessions(t, pool, db)
	}
	e, _, err := handlers.New(st, opts)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	srv := httptest.NewUnstartedServer(e)
	if opts.Hub != nil {
		srv.Config.RegisterOnShutdown(opts.Hub.Close)
	}
	srv.Start()
	t.Cleanup(func() {
		if opts.Hub != nil {
			opts.Hub.Close()
		}
		srv.Close()
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &testApp{URL: srv.URL, transport: tr, st: st, owner: owner, sessions: opts.Sessions, seed: seed}
}

// liveSessions is a session store whose cache serves, kept live by a LISTEN
// connection of its own that stops with the test.
func liveSessions(t *testing.T, pool *pgxpool.Pool, db storetest.DB) *store.SessionStore {
	t.Helper()
	sessions := store.NewSessionStore(pool, 0)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	l := &store.ProgressListener{URL: db.AppURL, Sessions: sessions, ReconnectDelay: 200 * time.Millisecond,
		// Connection errors while a test restarts PostgreSQL are expected.
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))}
	go func() { defer close(done); _ = l.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for !sessions.Live() {
		if time.Now().After(deadline) {
			t.Fatal("the session listener did not connect")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return sessions
}

// The settings tests run with where they name none (the production values
// are cmd/fieldbook's Config defaults).
const (
	testStreamsPerUser = 4
	testStreamBuffer   = 64
)

func withTestSettings(opts *handlers.Options) {
	for _, d := range []struct {
		dst *time.Duration
		val time.Duration
	}{
		{&opts.SessionIdle, 30 * 24 * time.Hour}, {&opts.SessionLifetime, 90 * 24 * time.Hour},
		{&opts.AdminSessionIdle, time.Hour}, {&opts.AdminSessionLifetime, 12 * time.Hour},
		{&opts.SSEHeartbeat, 20 * time.Second}, {&opts.SessionRecheck, 5 * time.Second},
	} {
		if *d.dst <= 0 {
			*d.dst = d.val
		}
	}
	if opts.MediaMaxBytes == 0 {
		opts.MediaMaxBytes = 10 << 20
	}
	if opts.Hub == nil {
		opts.Hub = handlers.NewHub(testStreamsPerUser, testStreamBuffer)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
}

// errorCounter counts error-level log records on their way to the test log.
type errorCounter struct {
	slog.Handler
	n *atomic.Int64
}

func (h errorCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h errorCounter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return errorCounter{h.Handler.WithAttrs(attrs), h.n}
}

func (h errorCounter) WithGroup(name string) slog.Handler {
	return errorCounter{h.Handler.WithGroup(name), h.n}
}

// --- seeding: storetest's Seed and World ---

// seedWorld builds storetest's named World in the app's database.
func (a *testApp) seedWorld(t testing.TB) *storetest.World {
	t.Helper()
	return storetest.SeedWorld(t, a.seed)
}

// --- looking at the database as its owner ---

// count runs a count query as the owner (storetest.Seed.Count).
func (a *testApp) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	return a.seed.Count(t, query, args...)
}

// snapshot is a digest of every application table except sessions (which
// a signed-in request touches by design, to slide the idle timeout).
func (a *testApp) snapshot(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"users", "courses", "lessons", "student_progress"} {
		var n int
		var digest string
		err := a.owner.QueryRow(context.Background(),
			`SELECT count(*), md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM `+table+` x`).
			Scan(&n, &digest)
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		b.WriteString(table + ":" + digest + ";")
	}
	return b.String()
}

func (a *testApp) sessionExists(t testing.TB, token string) bool {
	t.Helper()
	return a.count(t, `SELECT count(*) FROM sessions WHERE token = $1`, store.SessionKey(token)) == 1
}

// completedInDB is the learner's stored mark for a lesson: nil when there is
// no row at all.
func (a *testApp) completedInDB(t testing.TB, student, lesson uuid.UUID) *bool {
	t.Helper()
	var done []bool
	rows, err := a.owner.Query(context.Background(),
		`SELECT completed FROM student_progress WHERE student_id = $1 AND lesson_id = $2`, student, lesson)
	if err != nil {
		t.Fatalf("progress row: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d bool
		if err := rows.Scan(&d); err != nil {
			t.Fatalf("progress row: %v", err)
		}
		done = append(done, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("progress row: %v", err)
	}
	if len(done) == 0 {
		return nil
	}
	return &done[0]
}

// --- HTTP ---

// client is one browser: its own cookie jar (or none), redirects never
// followed, so every 303 and its Location are checked as sent. It talks to
// the server through a real transport and keeps cookies the way
// http.Client does.
type client struct {
	t   testing.TB
	app *testApp
	jar http.CookieJar
}

func (a *testApp) newClient(t testing.TB) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, app: a, jar: jar}
}

// withCookie is a client without a jar that sends exactly this session
// cookie, as a stolen or stale cookie would be replayed.
func (a *testApp) withCookie(t testing.TB, token string) (*client, http.Header) {
	return &client{t: t, app: a}, http.Header{"Cookie": {(&http.Cookie{Name: sessionCookie, Value: token}).String()}}
}

// response is a read response.
type response struct {
	Status  int
	Header  http.Header
	Body    string
	Cookies []*http.Cookie
	t       testing.TB
	what    string // "GET /path", for messages
}

// cookie is the Set-Cookie of that name in the response, or nil.
func (r response) cookie(name string) *http.Cookie {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// sessionToken is the session cookie the jar would send, or "".
func (c *client) sessionToken() string { return c.jarCookie(sessionCookie) }

// jarCookie is the value of the cookie name the jar would send, or "".
func (c *client) jarCookie(name string) string {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setSessionToken puts a session cookie in the jar, as a planted one would be.
func (c *client) setSessionToken(token string) {
	u, _ := url.Parse(c.app.URL)
	c.jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: token, Path: "/"}})
}

// signIn signs in through the form and checks that it worked.
func (c *client) signIn(username, password string) {
	c.t.Helper()
	res := c.POST("/login").Form(url.Values{"username": {username}, "password": {password}}).Send()
	if res.Status != http.StatusSeeOther || c.sessionToken() == "" {
		c.t.Fatalf("sign in as %s: status %d, cookie %q", username, res.Status, c.sessionToken())
	}
}

// htmxHeader is the header htmx sends, for tables of requests.
func htmxHeader() http.Header { return http.Header{"HX-Request": {"true"}} }

// --- HTML ---

// personalPage is a page drawn for its caller (the course, lesson and home
// pages are neutral: the same for everyone): the header there names the
// signed-in user.
const personalPage = "/me/progress"

// signedInAs is the name the header of a personal page shows to c (with
// extra headers h), "" when that page sends c to sign in.
func signedInAs(t *testing.T, c *client, h http.Header) string {
	t.Helper()
	res := c.GET(personalPage).Headers(h).Send()
	if res.Status != http.StatusOK {
		return ""
	}
	return headerName(res.Doc())
}

var leakRE = regexp.MustCompile(`SQLSTATE|goroutine \d|\.go:\d+|/[\w./-]+\.go\b|store: |pgx|runtime error`)

// checkNoLeak fails when a body shows internals: SQL errors, Go file paths,
// stack traces, wrapped store errors.
func checkNoLeak(t *testing.T, body string) {
	t.Helper()
	if m := leakRE.FindString(body); m != "" {
		t.Errorf("response body leaks internals (%q):\n%s", m, body)
	}
}
