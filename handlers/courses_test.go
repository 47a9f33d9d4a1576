package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"fieldbook/handlers"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

func TestCourseProgressJSON(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	vol := a.seed.User(t, store.RoleVolunteer, "vera", "Vera", "volunteer password")
	empty := a.seed.Course(t, vol.Caller, "Empty course", true).ID
	mallory := a.seed.User(t, store.RoleLearner, "mallory", "Mallory", "mallory password").ID()

	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	for _, id := range []uuid.UUID{w.Course.Lessons[0], w.Course.Lessons[2]} {
		if res := learner.POST("/lessons/" + id.String() + "/complete").Form(url.Values{"completed": {"true"}}).Send(); res.Status != http.StatusSeeOther {
			t.Fatalf("complete lesson: status %d", res.Status)
		}
	}
	// A mark on a lesson that is (now) unpublished never counts, nor do
	// another learner's marks.
	if _, err := a.owner.Exec(context.Background(), `
		INSERT INTO student_progress (student_id, lesson_id, completed, completed_at)
		VALUES ($1, $2, true, now()), ($3, $4, true, now()), ($3, $5, true, now())`,
		w.Learner.ID(), w.DraftLesson(), mallory, w.Course.Lessons[1], w.OtherCourse.Lessons[0]); err != nil {
		t.Fatal(err)
	}

	type body struct {
		CourseID   string  `json:"course_id"`
		Total      int     `json:"total"`
		Completed  int     `json:"completed"`
		Percentage float64 `json:"percentage"`
	}
	tests := []struct {
		name       string
		client     *client
		id         string
		wantStatus int
		want       body   // for 200
		wantError  string // for errors
	}{
		{"two of three, draft and never-opened lessons", learner, w.Course.ID.String(), http.StatusOK,
			body{w.Course.ID.String(), 3, 2, 66.7}, ""},
		{"none of two, another learner's marks", learner, w.OtherCourse.ID.String(), http.StatusOK,
			body{w.OtherCourse.ID.String(), 2, 0, 0}, ""},
		{"course without lessons", learner, empty.String(), http.StatusOK,
			body{empty.String(), 0, 0, 0}, ""},
		{"upper-case id", learner, strings.ToUpper(w.Course.ID.String()), http.StatusOK,
			body{w.Course.ID.String(), 3, 2, 66.7}, ""},
		{"malformed id", learner, "not-a-uuid", http.StatusBadRequest, body{}, "That address has a malformed id."},
		{"nil id", learner, uuid.Nil.String(), http.StatusBadRequest, body{}, "That address has a malformed id."},
		{"unknown course", learner, uuid.NewString(), http.StatusNotFound, body{}, "No published course has that id."},
		{"unpublished course", learner, w.DraftCourse.ID.String(), http.StatusNotFound, body{}, "No published course has that id."},
		{"not signed in", a.newClient(t), w.Course.ID.String(), http.StatusUnauthorized, body{}, "Sign in first."},
		{"not signed in, malformed id", a.newClient(t), "x", http.StatusUnauthorized, body{}, "Sign in first."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.client.GET("/api/courses/" + tt.id + "/progress").Send()
			if res.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.Status, tt.wantStatus, res.Body)
			}
			if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
			}
			checkNoLeak(t, res.Body)
			var keys map[string]json.RawMessage
			if err := json.Unmarshal([]byte(res.Body), &keys); err != nil {
				t.Fatalf("body is not a JSON object: %v\n%s", err, res.Body)
			}
			if tt.wantStatus != http.StatusOK {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(res.Body), &e); err != nil || e.Error != tt.wantError || len(keys) != 1 {
					t.Errorf("error body = %s, want {\"error\": %q}", res.Body, tt.wantError)
				}
				return
			}
			for _, k := range []string{"course_id", "total", "completed", "percentage"} {
				if _, ok := keys[k]; !ok {
					t.Errorf("no %q in %s", k, res.Body)
				}
			}
			if len(keys) != 4 {
				t.Errorf("keys of %s, want exactly course_id, total, completed, percentage", res.Body)
			}
			var got body
			dec := json.NewDecoder(bytes.NewReader([]byte(res.Body)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("decode %s: %v", res.Body, err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control = %q, want no-store for per-user data", cc)
			}
		})
	}
}

// neutralBodies fetches path as every kind of caller (anonymous, the
// learner who has progress, a volunteer, an admin) and fails unless all get
// the same bytes: a page the worker caches never differs by who fetched it.
func neutralBodies(t *testing.T, a *testApp, callers []*client, path string) *goquery.Selection {
	t.Helper()
	var first string
	for i, c := range callers {
		res := c.GET(path).Send()
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s as caller %d: status %d", path, i, res.Status)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want private, no-cache", path, cc)
		}
		if !varies(res.Header, "HX-Request") {
			t.Errorf("GET %s: Vary = %q, want it to name HX-Request", path, res.Header.Values("Vary"))
		}
		if i == 0 {
			first = res.Body
		} else if res.Body != first {
			t.Fatalf("GET %s differs between callers 0 and %d: a neutral page must not depend on who asks", path, i)
		}
	}
	doc := htmlDoc(t, first)
	checkPage(t, doc)
	html := mustSelect(t, doc, "html")
	if _, ok := html.Attr("data-who"); ok {
		t.Errorf("GET %s: <html> carries data-who: app.js draws who is there", path)
	}
	for _, n := range doc.Find("link").EachIter() {
		if href, _ := n.Attr("href"); strings.HasSuffix(href, "/studio.css") {
			t.Errorf("GET %s links the staff styles", path)
		}
	}
	return doc
}

// callersWithProgress are an anonymous visitor, the learner (with
// lessons[1] and lessons[2] completed), a volunteer and an admin.
func callersWithProgress(t *testing.T, a *testApp, w *storetest.World) []*client {
	t.Helper()
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	for _, l := range []uuid.UUID{w.Course.Lessons[1], w.Course.Lessons[2]} {
		if res := learner.POST("/lessons/" + l.String() + "/complete").Form(url.Values{"completed": {"true"}}).Send(); res.Status != http.StatusSeeOther {
			t.Fatalf("complete lesson: status %d", res.Status)
		}
	}
	vol := a.newClient(t)
	vol.signIn("victor", "volunteer password")
	a.seed.User(t, store.RoleAdmin, adminUser, "Ada Admin", adminPass)
	admin := a.newClient(t)
	admin.signIn(adminUser, adminPass)
	return []*client{a.newClient(t), learner, vol, admin}
}

func TestHomePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	doc := neutralBodies(t, a, callersWithProgress(t, a, w), "/")
	type card struct{ title, href, id, count, total string }
	want := []card{
		{"Allotment planning", "/courses/" + w.OtherCourse.ID.String(), w.OtherCourse.ID.String(), "2 lessons", "2"},
		{"Basics of bookkeeping", "/courses/" + w.Course.ID.String(), w.Course.ID.String(), "3 lessons", "3"},
		{"Cold chain", "/courses/" + w.QuizCourse.ID.String(), w.QuizCourse.ID.String(), "2 lessons", "2"},
	}
	cards := doc.Find("li.card")
	if cards.Length() != len(want) {
		t.Fatalf("%d course cards, want %d (published, unarchived courses only)", cards.Length(), len(want))
	}
	for i, want := range want {
		c := cards.Eq(i)
		link := mustSelect(t, c, "h2").Find("a").First()
		href, _ := link.Attr("href")
		if textOf(link) != want.title || href != want.href {
			t.Errorf("card %d = %q → %q, want %q → %q", i, textOf(link), href, want.title, want.href)
		}
		if id, _ := c.Attr("data-course"); id != want.id {
			t.Errorf("card %q: data-course %q, want %q", want.title, id, want.id)
		}
		if got := textOf(c.Find("p.meta").First()); got != want.count {
			t.Errorf("card %q: %q, want %q", want.title, got, want.count)
		}
		bar := mustSelect(t, c, "div.progress")
		if total, _ := bar.Attr("data-total"); total != want.total {
			t.Errorf("card %q: bar data-total %q, want %q", want.title, total, want.total)
		}
		if v, _ := progressOf(c).Attr("value"); v != "0" {
			t.Errorf("card %q: the page carries progress %q", want.title, v)
		}
		if got := textOf(c.Find(".progress-text").First()); got != "" {
			t.Errorf("card %q: the page carries progress text %q", want.title, got)
		}
	}
	if strings.Contains(mainTextOf(doc), "Unreleased course") {
		t.Error("the unpublished course is listed")
	}
	mustSelect(t, doc, "p.hint.if-out")
	if doc.Find(".pager").Length() != 0 {
		t.Error("a list shorter than a page links other pages")
	}
}

// The course list shows CoursesPerPage courses a page, by title, with
// links to the pages before and after; the pages are neutral like the
// first; a page past the end is a 404 and a malformed ?page= a 400.
func TestCourseListPages(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	// With the world's three: 27 published courses, "Allotment planning",
	// "Basics of bookkeeping", "Cold chain", then "Course 01" … "Course 24".
	for i := 1; i <= handlers.CoursesPerPage; i++ {
		a.seed.Course(t, w.Volunteer.Caller, fmt.Sprintf("Course %02d", i), true, storetest.Published("Only lesson"))
	}
	pager := func(doc *goquery.Selection) (prev, next string) {
		prev, _ = doc.Find("nav.pager a[rel=prev]").Attr("href")
		next, _ = doc.Find("nav.pager a[rel=next]").Attr("href")
		return prev, next
	}
	titles := func(doc *goquery.Selection) []string {
		var out []string
		doc.Find("li.card h2 a").Each(func(_ int, s *goquery.Selection) { out = append(out, textOf(s)) })
		return out
	}
	first := neutralBodies(t, a, callersWithProgress(t, a, w), "/")
	got := titles(first)
	if len(got) != handlers.CoursesPerPage || got[0] != "Allotment planning" || got[len(got)-1] != "Course 21" {
		t.Errorf("page 1 lists %d courses %q, want %d from Allotment planning to Course 21", len(got), got, handlers.CoursesPerPage)
	}
	if prev, next := pager(first); prev != "" || next != "/?page=2" {
		t.Errorf("page 1 links prev %q next %q, want none and /?page=2", prev, next)
	}
	second := neutralBodies(t, a, []*client{a.newClient(t)}, "/?page=2")
	if got := titles(second); strings.Join(got, ",") != "Course 22,Course 23,Course 24" {
		t.Errorf("page 2 lists %q, want Course 22, Course 23, Course 24", got)
	}
	if got := textOf(second.Find("li.card p.meta").First()); got != "1 lesson" {
		t.Errorf("page 2's first card counts %q, want 1 lesson", got)
	}
	if prev, next := pager(second); prev != "/" || next != "" {
		t.Errorf("page 2 links prev %q next %q, want / and none", prev, next)
	}
	// A language filter carries over to the neighbouring pages (every
	// course here is in English, the default).
	en := neutralBodies(t, a, []*client{a.newClient(t)}, "/?lang=en")
	if prev, next := pager(en); prev != "" || next != "/?lang=en&page=2" {
		t.Errorf("English page 1 links prev %q next %q, want none and /?lang=en&page=2", prev, next)
	}
	if prev, _ := pager(neutralBodies(t, a, []*client{a.newClient(t)}, "/?lang=en&page=2")); prev != "/?lang=en" {
		t.Errorf("English page 2 links prev %q, want /?lang=en", prev)
	}
	anon := a.newClient(t)
	for path, status := range map[string]int{
		"/?page=1": http.StatusOK, "/?page=3": http.StatusNotFound, "/?page=0": http.StatusBadRequest,
		"/?page=-1": http.StatusBadRequest, "/?page=two": http.StatusBadRequest, "/?page=": http.StatusBadRequest,
		"/?page=1&page=2": http.StatusBadRequest, "/?page=99999999999999999999": http.StatusBadRequest,
	} {
		if res := anon.GET(path).Send(); res.Status != status {
			t.Errorf("GET %s: status %d, want %d", path, res.Status, status)
		}
	}
}

func TestShowCourse(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	doc := neutralBodies(t, a, callersWithProgress(t, a, w), "/courses/"+w.Course.ID.String())
	if got := textOf(doc.Find("h1").First()); got != "Basics of bookkeeping" {
		t.Errorf("h1 = %q", got)
	}
	ol := mustSelect(t, doc, "ol.lessons")
	if id, _ := ol.Attr("data-course"); id != w.Course.ID.String() {
		t.Errorf("ol.lessons data-course = %q, want %q", id, w.Course.ID.String())
	}
	items := ol.Find("li")
	if items.Length() != len(w.Course.Lessons) {
		t.Fatalf("%d lessons listed, want %d (published only)", items.Length(), len(w.Course.Lessons))
	}
	for i, li := range items.EachIter() {
		href, _ := li.Find("a").First().Attr("href")
		if href != "/lessons/"+w.Course.Lessons[i].String() {
			t.Errorf("lesson %d links to %q, want %q", i, href, "/lessons/"+w.Course.Lessons[i].String())
		}
		if id, _ := li.Attr("data-lesson"); id != w.Course.Lessons[i].String() {
			t.Errorf("lesson %d: data-lesson %q", i, id)
		}
		if _, ok := li.Attr("data-state"); ok || li.HasClass("done") {
			t.Errorf("lesson %d carries a done state in the page", i)
		}
		// Every variant is in the page once; the stylesheet shows one.
		for _, cls := range []string{"mark", "pending-note", "synced-note"} {
			if n := li.Find("." + cls).Length(); n != 1 {
				t.Errorf("lesson %d has %d .%s, want 1", i, n, cls)
			}
		}
	}
	bar := mustSelect(t, doc, "div.progress")
	if total, _ := bar.Attr("data-total"); total != "3" {
		t.Errorf("course bar data-total %q, want 3", total)
	}
	if v, _ := progressOf(doc).Attr("value"); v != "0" {
		t.Errorf("the course page carries progress %q", v)
	}
}
