package handlers_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/store"
	"fieldbook/store/benchdata"
	"fieldbook/store/storetest"
)

// sseEvent is one message read off an event stream.
type sseEvent struct {
	name, data string
	comment    bool
}

// openStream opens an event stream as the client and returns its messages
// on a channel, read by a real HTTP client in the background.
func openStream(t *testing.T, a *testApp, c *client, path string) (<-chan sseEvent, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	u, _ := url.Parse(a.URL)
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	tr := &http.Transport{}
	res, err := tr.RoundTrip(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream: %v", err)
	}
	t.Cleanup(func() { cancel(); res.Body.Close(); tr.CloseIdleConnections() })
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("open stream: status %d\n%s", res.StatusCode, b)
	}
	out := make(chan sseEvent, 100)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" || ev.data != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				out <- sseEvent{comment: true, data: strings.TrimSpace(line[1:])}
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[len("data: "):]
			}
		}
	}()
	return out, res
}

// waitEvent waits for a message named name (skipping others) and returns it.
func waitEvent(t *testing.T, ch <-chan sseEvent, name string, within time.Duration) sseEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended while waiting for %q", name)
			}
			if !ev.comment && ev.name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within %v", name, within)
		}
	}
}

// TestDashboardEventsSurviveRestart reads a dashboard's event stream with a
// real HTTP client: a completion posted through the lesson form arrives as
// an event within a second; heartbeats flow; then PostgreSQL restarts, the
// listener reconnects by itself, the stream tells the page to re-read, and
// the next completion arrives again. Not parallel: it restarts the test
// cluster every test of this binary shares.
func TestDashboardEventsSurviveRestart(t *testing.T) {
	a := newDashApp(t, 300*time.Millisecond)
	w := a.seedWorld(t)
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)

	since := strconv.FormatInt(time.Now().UnixMilli(), 10)
	events, res := openStream(t, a.testApp, editor, "/courses/"+w.Course.ID.String()+"/dashboard/events?since="+since)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type = %q", ct)
	}
	// Heartbeats keep proxies from closing the idle stream.
	beat := time.After(3 * time.Second)
	for got := false; !got; {
		select {
		case ev := <-events:
			got = ev.comment && ev.data == "ping"
		case <-beat:
			t.Fatal("no heartbeat")
		}
	}

	complete := func(lesson uuid.UUID) time.Time {
		t.Helper()
		// Right after a restart the pool may hand out a dead connection
		// once; a person would press the button again.
		for try := 0; ; try++ {
			r := learner.POST("/lessons/" + lesson.String() + "/complete").Form(url.Values{"completed": {"true"}}).Send()
			if r.Status == http.StatusSeeOther {
				return time.Now()
			}
			if try == 20 {
				t.Fatalf("complete lesson: status %d", r.Status)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	check := func(ev sseEvent, lesson uuid.UUID) {
		t.Helper()
		var got store.ProgressEvent
		if err := json.Unmarshal([]byte(ev.data), &got); err != nil {
			t.Fatalf("event data %q: %v", ev.data, err)
		}
		if got.CourseID != w.Course.ID || got.StudentID != w.Learner.ID() || got.LessonID != lesson {
			t.Errorf("event %+v, want course %s learner %s lesson %s", got, w.Course.ID, w.Learner.ID(), lesson)
		}
	}
	at := complete(w.Course.Lessons[0])
	check(waitEvent(t, events, "progress", 2*time.Second), w.Course.Lessons[0])
	// The 1 s goal is a measurement, not an assertion (waitEvent bounds it).
	t.Logf("event arrived %v after the completion", time.Since(at))
	// Another course's completion is not this dashboard's business.
	complete(w.OtherCourse.Lessons[0])

	if err := storetest.Shared().Restart(500 * time.Millisecond); err != nil {
		t.Fatalf("restart PostgreSQL: %v", err)
	}
	// The listener is back: every open stream is told to re-read.
	ev := waitEvent(t, events, "refresh", 15*time.Second)
	if ev.data != "resync" {
		t.Errorf("refresh after reconnect: data %q", ev.data)
	}
	complete(w.Course.Lessons[1])
	ev = waitEvent(t, events, "progress", 3*time.Second)
	check(ev, w.Course.Lessons[1])
	if strings.Contains(ev.data, w.OtherCourse.Lessons[0].String()) {
		t.Errorf("an event of another course reached this stream")
	}

	// A page read long ago is told at once to re-read; one read just now is
	// not.
	stale, _ := openStream(t, a.testApp, editor, "/courses/"+w.Course.ID.String()+"/dashboard/events?since=1")
	if ev := waitEvent(t, stale, "refresh", 2*time.Second); ev.data != "stale" {
		t.Errorf("stale page: refresh data %q", ev.data)
	}
	time.Sleep(staleWait)
	fresh, _ := openStream(t, a.testApp, editor,
		"/courses/"+w.Course.ID.String()+"/dashboard/events?since="+strconv.FormatInt(time.Now().UnixMilli(), 10))
	deadline := time.After(time.Second)
	for done := false; !done; {
		select {
		case ev := <-fresh:
			if ev.name == "refresh" {
				t.Errorf("a fresh page was told to re-read")
			}
		case <-deadline:
			done = true
		}
	}
}

// staleWait outlasts the stream's slack for changes still committing when
// a page was read.
const staleWait = 5100 * time.Millisecond

// TestDashboardStreamLimit: a user's open streams are limited; closing one
// frees its place.
func TestDashboardStreamLimit(t *testing.T) {
	t.Parallel()
	a := newDashApp(t, time.Minute)
	w := a.seedWorld(t)
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	path := "/courses/" + w.Course.ID.String() + "/dashboard/events?since=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	var first *http.Response
	for i := range 4 {
		_, res := openStream(t, a.testApp, editor, path)
		if i == 0 {
			first = res
		}
	}
	editor.GET(path).Expect(http.StatusTooManyRequests)
	first.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for a.hub.Streams() > 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	openStream(t, a.testApp, editor, path) // fails the test unless 200
}

// TestDashboardCSV: quoting, formula neutralisation, one row per learner
// with each lesson's completion time, and the totals row.
func TestDashboardCSV(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	vol := a.seed.User(t, store.RoleVolunteer, "victor", "Victor Volunteer", "volunteer password")
	c := a.seed.Course(t, vol.Caller, "Money, \"basics\"", true,
		storetest.Published("=1+1"), storetest.Published("Counting, carefully"))
	course, lessons := c.ID, c.All
	names := []string{`=HYPERLINK("http://evil.example","x")`, "+254 700 000", "-1", "@SUM(A1)",
		`Jo "JJ" Smith, Jr.`, "Plain Name"}
	ids := map[string]uuid.UUID{}
	for i, n := range names {
		id := a.seed.User(t, store.RoleLearner, fmt.Sprintf("csv%d", i), n, "learner password").ID()
		ids[n] = id
		a.complete(t, id, lessons[0], true)
		if i%2 == 0 {
			a.complete(t, id, lessons[1], true)
		}
	}
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	res := editor.GET("/courses/" + course.String() + "/dashboard.csv").Expect(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="fieldbook-money-basics-`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	body := strings.TrimPrefix(res.Body, "\uFEFF")
	if !strings.Contains(body, "\r\n") {
		t.Errorf("rows must end in CRLF")
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v\n%s", err, body)
	}
	wantHeader := []string{"Learner", "Lessons completed", "Lessons", "Percent", "Last activity", "1. =1+1", "2. Counting, carefully"}
	if fmt.Sprint(recs[0]) != fmt.Sprint(wantHeader) {
		t.Errorf("header %q", recs[0])
	}
	got := map[string][]string{}
	for _, r := range recs[1 : len(recs)-1] {
		got[r[0]] = r
	}
	for i, n := range names {
		want := n
		if strings.ContainsAny(n[:1], "=+-@") {
			want = "'" + n
		}
		r, ok := got[want]
		if !ok {
			t.Errorf("no row for %q (neutralised %q); rows %q", n, want, recs)
			continue
		}
		done := 1 + (1 - i%2)
		if r[1] != strconv.Itoa(done) || r[2] != "2" || r[3] != strconv.Itoa(done*50) {
			t.Errorf("%q: %q", n, r)
		}
		if _, err := time.Parse(time.RFC3339, r[5]); err != nil {
			t.Errorf("%q lesson 1 time %q", n, r[5])
		}
		if (r[6] == "") != (i%2 == 1) {
			t.Errorf("%q lesson 2 time %q", n, r[6])
		}
	}
	// The raw text: a quote inside a name is doubled, inside quotes.
	if !strings.Contains(body, `"Jo ""JJ"" Smith, Jr."`) {
		t.Errorf("name with quotes and a comma is not quoted properly:\n%s", body)
	}
	if last := recs[len(recs)-1]; last[0] != "Completions per lesson" || last[5] != "6" || last[6] != "3" {
		t.Errorf("totals row %q", last)
	}
}

// TestDashboardCSVStreamsWithBoundedMemory exports 20,000 learners by 40
// lessons (about 19 MB of CSV) while sampling the process's live heap: it
// must grow by less than a third of that (6 MB), since rows go out as the
// database sends them.
// Not parallel, so that no other test's allocations are in the samples.
func TestDashboardCSVStreamsWithBoundedMemory(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	vol := a.seed.User(t, store.RoleVolunteer, "victor", "Victor Volunteer", "volunteer password")
	specs := make([]storetest.LessonSpec, 40)
	for i := range specs {
		specs[i] = storetest.Published(fmt.Sprintf("Lesson %d", i+1))
	}
	course := a.seed.Course(t, vol.Caller, "Big course", true, specs...).ID
	// Bulk rows as bench-data loads them: trigger off, counters rebuilt.
	conn, err := a.owner.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `ALTER TABLE student_progress DISABLE TRIGGER USER`)
	if err == nil {
		_, err = conn.Exec(ctx, `
		WITH u AS (
			INSERT INTO users (username, display_name, password_hash)
			SELECT 'big' || i, 'Learner number ' || i || ' of the big course, ' || repeat('with a long name ', 3), '!'
			FROM generate_series(1, 20000) i
			RETURNING id)
		INSERT INTO student_progress (student_id, lesson_id, completed, completed_at)
		SELECT u.id, l.id, true, now() - (random() * interval '30 days')
		FROM u CROSS JOIN lessons l WHERE l.course_id = $1`, course)
	}
	if err == nil {
		_, err = conn.Exec(ctx, `ALTER TABLE student_progress ENABLE TRIGGER USER`)
	}
	if err == nil {
		err = benchdata.RebuildDashboardCounters(ctx, conn.Conn())
	}
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/courses/"+course.String()+"/dashboard.csv", nil)
	u, _ := url.Parse(a.URL)
	for _, ck := range editor.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	res, err := a.transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	// Count rows and bytes without keeping them.
	br := bufio.NewReader(res.Body)
	rows, size := 0, 0
	for {
		line, err := br.ReadSlice('\n')
		size += len(line)
		if len(line) > 0 && line[len(line)-1] == '\n' {
			rows++
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			break
		}
	}
	res.Body.Close()
	close(stop)
	<-sampled
	growth := int64(peak.Load()) - int64(base)
	t.Logf("CSV: %d rows, %d bytes; live heap grew by at most %d KB", rows, size, growth/1024)
	if rows != 20002 {
		t.Errorf("rows = %d, want 20002 (header, learners, totals)", rows)
	}
	if size < 16<<20 {
		t.Errorf("export is only %d bytes: too small to show anything", size)
	}
	if growth > 6<<20 {
		t.Errorf("live heap grew by %d bytes while streaming %d bytes: the export is held in memory", growth, size)
	}
}
