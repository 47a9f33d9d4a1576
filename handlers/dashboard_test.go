package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/handlers"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// dashApp is a testApp whose event streams are fed by a real LISTEN
// connection, as `fieldbook serve` wires it.
type dashApp struct {
	*testApp
	db  storetest.DB
	hub *handlers.Hub
}

// newDashApp starts the app with a hub and a ProgressListener on the test's
// database; the listener stops with the test.
func newDashApp(t *testing.T, heartbeat time.Duration) *dashApp {
	t.Helper()
	ctx := context.Background()
	hub := handlers.NewHub(testStreamsPerUser, testStreamBuffer)
	app, db := startApp(t, handlers.Options{Hub: hub, SSEHeartbeat: heartbeat})
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	l := &store.ProgressListener{
		URL:            db.AppURL,
		OnEvent:        hub.Publish,
		ReconnectDelay: 200 * time.Millisecond,
		// Connection errors while PostgreSQL restarts are expected here.
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError})),
	}
	connected := make(chan struct{}, 1)
	l.OnConnect = func(first bool) {
		select {
		case connected <- struct{}{}:
		default:
		}
		if !first {
			hub.Resync()
		}
	}
	go func() { defer close(done); _ = l.Run(lctx) }()
	t.Cleanup(func() { stop(); <-done })
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not connect")
	}
	return &dashApp{testApp: app, db: db, hub: hub}
}

// complete marks a lesson done (or not) as a learner, through the store, the
// way the lesson handler does.
func (a *testApp) complete(t testing.TB, learner, lesson uuid.UUID, done bool) {
	t.Helper()
	ctx := context.Background()
	err := a.st.InTx(ctx, store.Caller{UserID: learner, Role: store.RoleLearner}, func(tx *store.Tx) error {
		_, err := tx.SetLessonCompleted(ctx, lesson, done, time.Now())
		return err
	})
	if err != nil {
		t.Fatalf("complete lesson: %v", err)
	}
}

// dashNumbers is what the dashboard shows, read from its HTML.
type dashNumbers struct {
	started, finished, median int
	chart                     map[string][2]int // lesson label → completed, percent
	learners                  []learnerLine
}

type learnerLine struct {
	name     string
	progress string // "3/4 (75%)"
}

func readDashboard(t *testing.T, body string) dashNumbers {
	t.Helper()
	doc := htmlDoc(t, body)
	num := func(id string) int {
		s := strings.TrimSuffix(textOf(mustSelect(t, doc, attrIs("id", id))), "%")
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("#%s = %q", id, s)
		}
		return n
	}
	d := dashNumbers{started: num("total-started"), finished: num("total-finished"), median: num("total-median"),
		chart: map[string][2]int{}}
	table := doc.Find("details.chart-table").First().Find("tbody").First()
	for _, tr := range table.Find("tr").EachIter() {
		tds := tr.Find("td")
		done, _ := strconv.Atoi(textOf(tds.Eq(1)))
		pct, _ := strconv.Atoi(strings.TrimSuffix(textOf(tds.Eq(2)), "%"))
		d.chart[textOf(tds.Eq(0))] = [2]int{done, pct}
	}
	lt := doc.Find("table.learners").First().Find("tbody").First()
	for _, tr := range lt.Find("tr").EachIter() {
		tds := tr.Find("td")
		d.learners = append(d.learners, learnerLine{name: textOf(tds.Eq(0)), progress: textOf(tds.Eq(1).Find(".num").First())})
	}
	return d
}

// TestDashboardNumbersMatchSQL seeds a course with learners who complete,
// un-complete and complete lessons (some on a draft lesson, one lesson later
// unpublished), then checks every number on the dashboard against the same
// numbers computed straight from student_progress.
func TestDashboardNumbersMatchSQL(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	volunteer := a.seed.User(t, store.RoleVolunteer, "victor", "Victor Volunteer", "volunteer password")
	vol := volunteer.ID()
	water := a.seed.Course(t, volunteer.Caller, "Water point repair", true,
		storetest.Published("Pumps"), storetest.Published("Pipes"), storetest.Draft("Draft: tools"),
		storetest.Published("Seals"), storetest.Published("Testing"), storetest.Published("Records"))
	elsewhere := a.seed.Course(t, volunteer.Caller, "Other course", true, storetest.Published("Elsewhere"))
	course, lessons, other, otherLessons := water.ID, water.All, elsewhere.ID, elsewhere.All
	rng := rand.New(rand.NewPCG(4, 2))
	var learners []uuid.UUID
	for i := range 23 {
		id := a.seed.User(t, store.RoleLearner, fmt.Sprintf("learner%02d", i), fmt.Sprintf("Learner %02d", i), "learner password").ID()
		learners = append(learners, id)
		for _, l := range lessons {
			if l == lessons[2] || rng.IntN(3) == 0 {
				continue
			}
			a.complete(t, id, l, true)
			if rng.IntN(5) == 0 {
				a.complete(t, id, l, false)
			}
		}
		if i%4 == 0 {
			a.complete(t, id, otherLessons[0], true)
		}
	}
	// Two learners finish everything; one has a mark on the draft lesson.
	for _, id := range learners[:2] {
		for _, l := range lessons {
			if l != lessons[2] {
				a.complete(t, id, l, true)
			}
		}
	}
	if _, err := a.owner.Exec(ctx, `INSERT INTO student_progress (student_id, lesson_id, completed, completed_at)
		VALUES ($1, $2, true, now())`, learners[3], lessons[2]); err != nil {
		t.Fatal(err)
	}
	// Unpublishing a lesson changes what "finished" means: counters recount.
	if _, err := a.owner.Exec(ctx, `UPDATE lessons SET published = false WHERE id = $1`, lessons[5]); err != nil {
		t.Fatal(err)
	}

	// The independent computation: published lessons LEFT JOIN progress.
	var wantStarted, wantFinished int
	var wantMedian float64
	if err := a.owner.QueryRow(ctx, `
		WITH pub AS (SELECT id FROM lessons WHERE course_id = $1 AND published),
		per AS (
			SELECT sp.student_id,
			       count(*) FILTER (WHERE sp.completed AND sp.lesson_id IN (SELECT id FROM pub)) AS done
			FROM student_progress sp JOIN lessons l ON l.id = sp.lesson_id
			WHERE l.course_id = $1 GROUP BY sp.student_id)
		SELECT count(*), count(*) FILTER (WHERE done = (SELECT count(*) FROM pub)),
		       percentile_cont(0.5) WITHIN GROUP (ORDER BY done::float8 * 100 / (SELECT count(*) FROM pub))
		FROM per`, course).Scan(&wantStarted, &wantFinished, &wantMedian); err != nil {
		t.Fatal(err)
	}
	wantChart := map[string][2]int{}
	rows, err := a.owner.Query(ctx, `
		SELECT row_number() OVER (ORDER BY l.position) || '. ' || l.title,
		       count(sp.id) FILTER (WHERE sp.completed)
		FROM lessons l LEFT JOIN student_progress sp ON sp.lesson_id = l.id
		WHERE l.course_id = $1 AND l.published GROUP BY l.id ORDER BY l.position`, course)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var label string
		var n int
		if err := rows.Scan(&label, &n); err != nil {
			t.Fatal(err)
		}
		wantChart[label] = [2]int{n, n * 100 / wantStarted}
	}
	rows.Close()
	type lp struct {
		name string
		done int
	}
	var wantLearners []lp
	rows, err = a.owner.Query(ctx, `
		SELECT u.display_name, count(*) FILTER (WHERE sp.completed AND l.published)
		FROM student_progress sp JOIN lessons l ON l.id = sp.lesson_id JOIN users u ON u.id = sp.student_id
		WHERE l.course_id = $1 GROUP BY u.id ORDER BY lower(u.display_name), u.id`, course)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var x lp
		if err := rows.Scan(&x.name, &x.done); err != nil {
			t.Fatal(err)
		}
		wantLearners = append(wantLearners, x)
	}
	rows.Close()
	if wantStarted < 10 || wantFinished < 2 {
		t.Fatalf("seed too thin: started %d finished %d", wantStarted, wantFinished)
	}

	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	res := editor.GET("/courses/" + course.String() + "/dashboard").Expect(http.StatusOK)
	got := readDashboard(t, res.Body)
	if got.started != wantStarted || got.finished != wantFinished || got.median != int(math.Round(wantMedian)) {
		t.Errorf("totals: started %d finished %d median %d%%; SQL says %d, %d, %.1f%%",
			got.started, got.finished, got.median, wantStarted, wantFinished, wantMedian)
	}
	if len(got.chart) != 4 || fmt.Sprint(got.chart) != fmt.Sprint(wantChart) {
		t.Errorf("chart:\n got %v\nwant %v", got.chart, wantChart)
	}
	if len(got.learners) != len(wantLearners) {
		t.Fatalf("learners: got %d rows, want %d", len(got.learners), len(wantLearners))
	}
	for i, w := range wantLearners {
		want := fmt.Sprintf("%d/4 (%d%%)", w.done, w.done*100/4)
		if got.learners[i].name != w.name || got.learners[i].progress != want {
			t.Errorf("learner %d: %+v, want %s %s", i, got.learners[i], w.name, want)
		}
	}
	// Sorted by progress, most first; then by last activity.
	res = editor.GET("/courses/" + course.String() + "/dashboard?sort=progress").Send()
	byProgress := readDashboard(t, res.Body).learners
	sort.SliceStable(wantLearners, func(i, j int) bool { return wantLearners[i].done > wantLearners[j].done })
	for i, w := range wantLearners {
		if !strings.HasPrefix(byProgress[i].progress, strconv.Itoa(w.done)+"/") {
			t.Errorf("sort=progress row %d: %+v, want %d done", i, byProgress[i], w.done)
		}
	}
	// Search by name, case-insensitively; LIKE wildcards are literal.
	wantZero := 0
	for _, w := range wantLearners {
		if strings.HasPrefix(w.name, "Learner 0") {
			wantZero++
		}
	}
	res = editor.GET("/courses/" + course.String() + "/dashboard?q=LEARNER+0").Send()
	if n := len(readDashboard(t, res.Body).learners); n != wantZero || n == 0 {
		t.Errorf("q=LEARNER 0: %d rows, want %d", n, wantZero)
	}
	res = editor.GET("/courses/" + course.String() + "/dashboard?q=%25").Send()
	if n := len(readDashboard(t, res.Body).learners); n != 0 {
		t.Errorf("q=%%: %d rows, want 0 (a literal percent sign)", n)
	}
	// The other course's dashboard knows only its own learners.
	res = editor.GET("/courses/" + other.String() + "/dashboard").Send()
	if got := readDashboard(t, res.Body); got.started != 6 {
		t.Errorf("other course: started %d, want 6", got.started)
	}

	// The learner detail lists each published lesson with its time.
	res = editor.GET("/courses/" + course.String() + "/dashboard/learners/" + learners[0].String()).Expect(http.StatusOK)
	doc := res.Doc()
	times := doc.Find("table.learners").First().Find("time")
	if times.Length() != 4 {
		t.Errorf("learner detail: %d completion times, want 4", times.Length())
	}
	if res := editor.GET("/courses/" + course.String() + "/dashboard/learners/" + vol.String()).Send(); res.Status != http.StatusNotFound {
		t.Errorf("learner who never started: status %d, want 404", res.Status)
	}
}

// TestDashboardPermissions: only the course's editors and admins see its
// dashboard, stream, export and learner pages.
func TestDashboardPermissions(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t) // victor creates (edits) every course
	a.seed.User(t, store.RoleVolunteer, "nadia", "Nadia Other", "volunteer password")
	a.seed.User(t, store.RoleAdmin, "ada", "Ada Admin", "admin password")
	a.complete(t, w.Learner.ID(), w.Course.Lessons[0], true)

	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	other := a.newClient(t)
	other.signIn("nadia", "volunteer password")
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	admin := a.newClient(t)
	admin.signIn("ada", "admin password")
	anon := a.newClient(t)

	base := "/courses/" + w.Course.ID.String() + "/dashboard"
	paths := []string{base, base + ".csv", base + "/events", base + "/learners/" + w.Learner.ID().String()}
	for _, p := range paths {
		for _, tc := range []struct {
			who    string
			c      *client
			status int
		}{{"learner", learner, 403}, {"non-editor volunteer", other, 403}, {"anonymous", anon, 303}} {
			res := tc.c.GET(p).Send()
			if res.Status != tc.status {
				t.Errorf("%s GET %s: status %d, want %d", tc.who, p, res.Status, tc.status)
			}
			checkNoLeak(t, res.Body)
		}
	}
	for _, c := range []*client{editor, admin} {
		for _, p := range []string{base, base + ".csv", base + "/learners/" + w.Learner.ID().String()} {
			if res := c.GET(p).Send(); res.Status != http.StatusOK {
				t.Errorf("GET %s: status %d, want 200", p, res.Status)
			}
		}
	}
	// An unpublished course the other volunteer cannot even read: 404.
	if res := other.GET("/courses/" + w.DraftCourse.ID.String() + "/dashboard").Send(); res.Status != http.StatusNotFound {
		t.Errorf("non-editor, draft course: status %d, want 404", res.Status)
	}

	// Through the store, under the database role: a non-editor volunteer
	// gets no progress at all, whatever the handlers do.
	ctx := context.Background()
	nadia := store.Caller{UserID: mustUserID(t, a, "nadia"), Role: store.RoleVolunteer}
	victor := store.Caller{UserID: mustUserID(t, a, "victor"), Role: store.RoleVolunteer}
	for _, tc := range []struct {
		caller  store.Caller
		started int
		rows    int
	}{{nadia, 0, 0}, {victor, 1, 1}} {
		err := a.st.ReadTx(ctx, tc.caller, func(tx *store.Tx) error {
			tot, err := tx.DashboardTotals(ctx, w.Course.ID, 3)
			if err != nil {
				return err
			}
			list, err := tx.DashboardLearners(ctx, w.Course.ID, store.LearnerQuery{Limit: 50})
			if err != nil {
				return err
			}
			lessons, err := tx.LearnerLessons(ctx, w.Course.ID, w.Learner.ID())
			if err != nil {
				return err
			}
			done := 0
			for _, l := range lessons {
				if l.CompletedAt != nil {
					done++
				}
			}
			stats, err := tx.DashboardLessons(ctx, w.Course.ID)
			if err != nil {
				return err
			}
			if tot.Started != tc.started || len(list) != tc.rows || done != tc.rows || stats[0].Completed != tc.rows {
				t.Errorf("caller %v: started %d, learners %d, completions %d, lesson count %d; want %d/%d",
					tc.caller.UserID, tot.Started, len(list), done, stats[0].Completed, tc.started, tc.rows)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func mustUserID(t *testing.T, a *testApp, username string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := a.owner.QueryRow(context.Background(), `SELECT id FROM users WHERE username = $1`, username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestDashboardBadInput: malformed and unknown ids, bad sort, dir, page and
// search are 4xx with a message; a page past the end is clamped.
func TestDashboardBadInput(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	for i := range 3 {
		id := a.seed.User(t, store.RoleLearner, fmt.Sprintf("pupil%d", i), fmt.Sprintf("Pupil %d", i), "learner password").ID()
		a.complete(t, id, w.Course.Lessons[0], true)
	}
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	base := "/courses/" + w.Course.ID.String() + "/dashboard"
	for _, tc := range []struct {
		path   string
		status int
		msg    string
	}{
		{"/courses/" + uuid.NewString() + "/dashboard", 404, "No course has that id."},
		{"/courses/" + uuid.NewString() + "/dashboard.csv", 404, "No course has that id."},
		{"/courses/" + uuid.NewString() + "/dashboard/events", 404, "No course has that id."},
		{"/courses/nope/dashboard", 400, "malformed id"},
		{base + "/learners/nope", 400, "malformed id"},
		{base + "/learners/" + uuid.NewString(), 404, "has not started"},
		{base + "?sort=salary", 400, "sort must be name, progress or activity."},
		{base + "?dir=up", 400, "dir must be asc or desc."},
		{base + "?page=0", 400, "page must be a whole number"},
		{base + "?page=-3", 400, "page must be a whole number"},
		{base + "?page=two", 400, "page must be a whole number"},
		{base + "?page=99999999999999999999", 400, "page must be a whole number"},
		{base + "?q=" + strings.Repeat("x", 101), 400, "at most 100"},
		{base + "/events?since=yesterday", 400, "since must be"},
		{base + "?page=999", 200, "Pupil"},
		{base + "?sort=activity&dir=asc&page=1&q=pupil", 200, "Pupil"},
	} {
		res := editor.GET(tc.path).Send()
		if res.Status != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, res.Status, tc.status)
			continue
		}
		checkNoLeak(t, res.Body)
		if !strings.Contains(mainTextOf(res.Doc()), tc.msg) {
			t.Errorf("GET %s: page does not say %q:\n%s", tc.path, tc.msg, mainTextOf(res.Doc()))
		}
	}
}

// TestDashboardPaging: 50 learners a page, the pager's links, a page past
// the end clamped to the last, and a page's weight kept small.
func TestDashboardPaging(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	ctx := context.Background()
	// 120 learners straight into the tables (the trigger keeps counters).
	if _, err := a.owner.Exec(ctx, `
		WITH u AS (
			INSERT INTO users (username, display_name, password_hash)
			SELECT 'bulk' || i, 'Bulk Learner ' || lpad(i::text, 3, '0'), '!' FROM generate_series(1, 120) i
			RETURNING id)
		INSERT INTO student_progress (student_id, lesson_id, completed, completed_at)
		SELECT u.id, $1, true, now() FROM u`, w.Course.Lessons[0]); err != nil {
		t.Fatal(err)
	}
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	base := "/courses/" + w.Course.ID.String() + "/dashboard"
	res := editor.GET(base).Send()
	doc := res.Doc()
	if n := len(readDashboard(t, res.Body).learners); n != handlers.LearnersPerPage {
		t.Fatalf("page 1: %d rows, want %d", n, handlers.LearnersPerPage)
	}
	next := mustSelect(t, doc, "a[rel=\"next\"]")
	if href, _ := next.Attr("href"); href != base+"?page=2" {
		t.Errorf("next: %q", href)
	}
	if !strings.Contains(mainTextOf(doc), "Page 1 of 3") {
		t.Errorf("pager text missing: %s", mainTextOf(doc))
	}
	last := readDashboard(t, editor.GET(base+"?page=3").Send().Body).learners
	clamped := readDashboard(t, editor.GET(base+"?page=40").Send().Body).learners
	if len(last) != 20 || fmt.Sprint(last) != fmt.Sprint(clamped) {
		t.Errorf("page 3: %d rows; page 40 should show the same: %d rows", len(last), len(clamped))
	}
	// The script for the stream is loaded here, and only here.
	var scripts []string
	for _, s := range doc.Find("script").EachIter() {
		src, _ := s.Attr("src")
		scripts = append(scripts, src)
	}
	if !strings.Contains(strings.Join(scripts, " "), "htmx-ext-sse-2.2.4.min.js") {
		t.Errorf("dashboard does not load the SSE extension: %v", scripts)
	}
	if strings.Contains(editor.GET("/").Send().Body, "htmx-ext-sse") {
		t.Errorf("the home page loads the SSE extension")
	}
	live := mustSelect(t, doc, "[id=\"dash-live\"]")
	if v, _ := live.Attr("sse-connect"); !strings.HasPrefix(v, base+"/events?since=") {
		t.Errorf("sse-connect = %q", v)
	}
	// The live block alone, for the htmx re-read.
	frag := editor.GET(base + "?page=2").Headers(http.Header{"HX-Request": {"true"}, "HX-Target": {"dash-live"}}).Send()
	if frag.Status != 200 || wholePage(frag.Body) || len(readDashboard(t, frag.Body).learners) != 50 {
		t.Errorf("live fragment: status %d, %d bytes", frag.Status, len(frag.Body))
	}
	// Page weight: 50 learners and the chart in well under 40 KB, about 6 KB
	// gzipped on the wire.
	if n := len(res.Body); n > 40_000 {
		t.Errorf("dashboard page is %d bytes", n)
	}
	gz := gzipSize(t, a, editor, base)
	if gz > 8_000 {
		t.Errorf("dashboard page is %d bytes gzipped", gz)
	}
	t.Logf("dashboard with 50 learners: %d bytes, %d gzipped", len(res.Body), gz)
}

// gzipSize is the size on the wire of a page fetched with gzip.
func gzipSize(t *testing.T, a *testApp, c *client, path string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	u, _ := url.Parse(a.URL)
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	res, err := a.transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("not gzipped")
	}
	n := 0
	buf := make([]byte, 32<<10)
	for {
		k, err := res.Body.Read(buf)
		n += k
		if err != nil {
			break
		}
	}
	return n
}

// TestMyProgress: a learner sees every course they started, with progress
// counted over published lessons, and none they did not start.
func TestMyProgress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	a.complete(t, w.Learner.ID(), w.Course.Lessons[0], true)
	a.complete(t, w.Learner.ID(), w.Course.Lessons[2], true)
	a.complete(t, w.Learner.ID(), w.OtherCourse.Lessons[1], true)
	a.complete(t, w.Learner.ID(), w.OtherCourse.Lessons[1], false)
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	res := learner.GET("/me/progress").Expect(http.StatusOK)
	doc := res.Doc()
	cards := doc.Find("li.card")
	got := map[string]string{}
	for _, c := range cards.EachIter() {
		got[textOf(c.Find("h2").First())] = textOf(c.Find(".progress-text").First())
	}
	want := map[string]string{
		"Basics of bookkeeping": "2 of 3 lessons done (66%)",
		"Allotment planning":    "0 of 2 lessons done (0%)",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("my progress:\n got %v\nwant %v", got, want)
	}
	if res := a.GET(t, "/me/progress").Send(); res.Status != http.StatusSeeOther {
		t.Errorf("anonymous: status %d, want 303", res.Status)
	}
}
