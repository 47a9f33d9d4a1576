package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

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
