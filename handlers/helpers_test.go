package handlers_test

import (
	"context"
	"io"
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
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"fieldbook/handlers"
	"fieldbook/internal/password"
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
	st := store.New(pool)
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
	return &testApp{URL: srv.URL, transport: tr, st: st, owner: owner, sessions: opts.Sessions}
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

// --- seeding, through the store as the CLI does it ---

// createUser creates an account as the operator (like `fieldbook user add`).
func (a *testApp) createUser(t testing.TB, role store.Role, username, name, pw string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	hash, err := password.Hash(ctx, pw)
	if err != nil {
		t.Fatalf("hash password: %v", err)
	}
	var id uuid.UUID
	err = a.st.InTx(ctx, store.Operator, func(tx *store.Tx) (err error) {
		id, err = tx.CreateUser(ctx, store.NewUser{Username: username, DisplayName: name, PasswordHash: hash, Role: role})
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	// Accounts are a year old, so changes dated hours back are not clamped
	// to the account's creation (TestSyncClampsTimesToAccountLifetime).
	if _, err := a.owner.Exec(ctx, `UPDATE users SET created_at = now() - interval '1 year' WHERE id = $1`, id); err != nil {
		t.Fatalf("age user %s: %v", username, err)
	}
	return id
}

type lessonSpec struct {
	title     string
	published bool
}

// createCourse creates a course and its lessons, in order, as a volunteer.
func (a *testApp) createCourse(t testing.TB, author uuid.UUID, title string, published bool, lessons ...lessonSpec) (uuid.UUID, []uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	caller := store.Caller{UserID: author, Role: store.RoleVolunteer}
	var courseID uuid.UUID
	var ids []uuid.UUID
	err := a.st.InTx(ctx, caller, func(tx *store.Tx) (err error) {
		courseID, _, err = tx.CreateCourse(ctx, store.NewCourse{Title: title, Description: "About " + title, Published: published})
		if err != nil {
			return err
		}
		for _, l := range lessons {
			id, err := tx.CreateLesson(ctx, store.NewLesson{
				CourseID: courseID, Title: l.title, Body: "First paragraph.\n\n- one\n- two",
				DurationMinutes: 5, Published: l.published,
			})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create course %s: %v", title, err)
	}
	return courseID, ids
}

// world is the usual data set: a learner and a volunteer; a published course
// with three published lessons and one draft; a second published course; a
// draft course whose only lesson is itself marked published.
type world struct {
	learnerID     uuid.UUID
	course        uuid.UUID
	lessons       []uuid.UUID // the published lessons of course, in order
	draftLesson   uuid.UUID   // unpublished lesson in course
	otherCourse   uuid.UUID
	otherLessons  []uuid.UUID
	draftCourse   uuid.UUID
	draftCourseLn uuid.UUID // published lesson of the unpublished course
}

const (
	learnerUser = "lena"
	learnerName = "Lena Okafor"
	learnerPass = "correct horse battery"
)

func (a *testApp) seedWorld(t testing.TB) world {
	t.Helper()
	var w world
	w.learnerID = a.createUser(t, store.RoleLearner, learnerUser, learnerName, learnerPass)
	vol := a.createUser(t, store.RoleVolunteer, "victor", "Victor Volunteer", "volunteer password")
	var ids []uuid.UUID
	w.course, ids = a.createCourse(t, vol, "Basics of bookkeeping", true,
		lessonSpec{"Receipts", true}, lessonSpec{"Draft: ledgers", false},
		lessonSpec{"Cash book", true}, lessonSpec{"Month end", true})
	w.lessons = []uuid.UUID{ids[0], ids[2], ids[3]}
	w.draftLesson = ids[1]
	w.otherCourse, w.otherLessons = a.createCourse(t, vol, "Allotment planning", true,
		lessonSpec{"Soil", true}, lessonSpec{"Seeds", true})
	var dl []uuid.UUID
	w.draftCourse, dl = a.createCourse(t, vol, "Unreleased course", false, lessonSpec{"Hidden lesson", true})
	w.draftCourseLn = dl[0]
	return w
}

// --- looking at the database as its owner ---

func (a *testApp) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := a.owner.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("count %q: %v", query, err)
	}
	return n
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

func (c *client) do(method, path string, body io.Reader, header http.Header) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.app.URL+path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.jar != nil {
		for _, ck := range c.jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
	}
	res, err := c.app.transport.RoundTrip(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if c.jar != nil {
		c.jar.SetCookies(req.URL, res.Cookies())
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b), Cookies: res.Cookies()}
}

func (c *client) get(path string, header http.Header) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil, header)
}

func (c *client) postForm(path string, form url.Values, header http.Header) response {
	c.t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, vs := range header {
		h[k] = vs
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), h)
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
	res := c.postForm("/login", url.Values{"username": {username}, "password": {password}}, nil)
	if res.Status != http.StatusSeeOther || c.sessionToken() == "" {
		c.t.Fatalf("sign in as %s: status %d, cookie %q", username, res.Status, c.sessionToken())
	}
}

func htmxHeader() http.Header { return http.Header{"HX-Request": {"true"}} }

// --- HTML ---

func parseDoc(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// parseFragment parses body as the children of a <body> and returns the
// top-level element nodes (whitespace text dropped).
func parseFragment(t *testing.T, body string) []*html.Node {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(body), ctx)
	if err != nil {
		t.Fatalf("parse fragment: %v", err)
	}
	var out []*html.Node
	for _, n := range nodes {
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) == "" {
			continue
		}
		out = append(out, n)
	}
	return out
}

// startTags lists the start tags of an HTML text in order, as a tokenizer
// sees them: it does not invent <html>, <head> or <body> like a parser does.
func startTags(body string) []string {
	z := html.NewTokenizer(strings.NewReader(body))
	var tags []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tags
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tags = append(tags, string(name))
		case html.DoctypeToken:
			tags = append(tags, "!doctype")
		}
	}
}

type matcher func(*html.Node) bool

func tag(name string) matcher {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == name }
}

func hasAttr(key, val string) matcher {
	return func(n *html.Node) bool { v, ok := attr(n, key); return ok && v == val }
}

func hasAttrPrefix(key, prefix string) matcher {
	return func(n *html.Node) bool { v, ok := attr(n, key); return ok && strings.HasPrefix(v, prefix) }
}

func hasClass(class string) matcher {
	return func(n *html.Node) bool {
		v, _ := attr(n, "class")
		for _, c := range strings.Fields(v) {
			if c == class {
				return true
			}
		}
		return false
	}
}

func and(ms ...matcher) matcher {
	return func(n *html.Node) bool {
		for _, m := range ms {
			if !m(n) {
				return false
			}
		}
		return true
	}
}

func findAll(root *html.Node, m matcher) []*html.Node {
	var out []*html.Node
	if root == nil {
		return nil
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if m(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func find(root *html.Node, m matcher) *html.Node {
	if all := findAll(root, m); len(all) > 0 {
		return all[0]
	}
	return nil
}

// mustFind is find that fails the test when nothing matches.
func mustFind(t *testing.T, root *html.Node, what string, m matcher) *html.Node {
	t.Helper()
	n := find(root, m)
	if n == nil {
		t.Fatalf("no %s in the HTML", what)
	}
	return n
}

func attr(n *html.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// text is n's text content with runs of white space collapsed.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// inputValue is the value of the form control named name, and whether such a
// control exists.
func inputValue(doc *html.Node, name string) (string, bool) {
	n := find(doc, and(tag("input"), hasAttr("name", name)))
	if n == nil {
		return "", false
	}
	v, _ := attr(n, "value")
	return v, true
}

// fieldError is the message shown at a form field ("" when none), checking
// that the input points at it for screen readers.
func fieldError(t *testing.T, doc *html.Node, name string) string {
	t.Helper()
	p := find(doc, and(tag("p"), hasAttr("id", name+"-error")))
	in := find(doc, and(tag("input"), hasAttr("name", name)))
	if p == nil {
		if v, ok := attr(in, "aria-invalid"); ok {
			t.Errorf("input %s is aria-invalid=%q without a message", name, v)
		}
		return ""
	}
	if v, _ := attr(in, "aria-describedby"); v != name+"-error" {
		t.Errorf("input %s: aria-describedby = %q, want %q", name, v, name+"-error")
	}
	return text(p)
}

// headerUser is the display name in the page header, "" when signed out.
// personalPage is a page drawn for its caller (the course, lesson and home
// pages are neutral: the same for everyone): the header there names the
// signed-in user.
const personalPage = "/me/progress"

// signedInAs is the name the header of a personal page shows to c (with
// extra headers h), "" when that page sends c to sign in.
func signedInAs(t *testing.T, c *client, h http.Header) string {
	t.Helper()
	res := c.get(personalPage, h)
	if res.Status != http.StatusOK {
		return ""
	}
	return headerUser(parseDoc(t, res.Body))
}

func headerUser(doc *html.Node) string {
	header := find(doc, and(tag("header"), hasClass("top")))
	return text(find(header, and(tag("span"), hasClass("who"))))
}

// checkLayout checks that a page is a whole document in the layout.
func checkLayout(t *testing.T, doc *html.Node) {
	t.Helper()
	mustFind(t, doc, "<html lang>", and(tag("html"), hasAttr("lang", "en")))
	mustFind(t, doc, "<title>", tag("title"))
	mustFind(t, doc, "header.top", and(tag("header"), hasClass("top")))
	mustFind(t, doc, "main#main", and(tag("main"), hasAttr("id", "main")))
}

// progressBar is the <progress> of the progress bar (div.progress) under
// root, or nil.
func progressBar(root *html.Node) *html.Node {
	return find(find(root, and(tag("div"), hasClass("progress"))), tag("progress"))
}

// mainText is the text of <main>.
func mainText(doc *html.Node) string {
	return text(find(doc, and(tag("main"), hasAttr("id", "main"))))
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
