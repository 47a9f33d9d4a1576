package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"fieldbook/store/storetest"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
)

// statusBlock checks the section#lesson-status of a neutral lesson page:
// the completion form names no learner and posts to the lesson, both
// buttons and every note are there, the progress bar carries the total
// only.
func statusBlock(t *testing.T, sec *goquery.Selection, lesson, course uuid.UUID, total int) {
	t.Helper()
	action := "/lessons/" + lesson.String() + "/complete"
	if got, _ := sec.Attr("data-lesson"); got != lesson.String() {
		t.Errorf("data-lesson = %q, want %q", got, lesson)
	}
	if got, _ := sec.Attr("data-course"); got != course.String() {
		t.Errorf("data-course = %q, want %q", got, course)
	}
	if got, _ := sec.Attr("data-total"); got != strconv.Itoa(total) {
		t.Errorf("data-total = %q, want %d", got, total)
	}
	if _, ok := sec.Attr("data-state"); ok {
		t.Error("the page carries a completion state")
	}
	form := mustSelect(t, sec, "form")
	if got, _ := form.Attr("action"); got != action {
		t.Errorf("form action = %q, want %q", got, action)
	}
	for _, in := range form.Find("input").EachIter() {
		if name, _ := in.Attr("name"); name != "course_id" {
			t.Errorf("the form carries an input %q: it may name the course only", name)
		}
	}
	buttons := form.Find("button")
	var got []string
	for _, b := range buttons.EachIter() {
		v, _ := b.Attr("value")
		got = append(got, textOf(b)+"="+v)
	}
	if strings.Join(got, ", ") != "Mark complete=true, Mark not complete=false" {
		t.Errorf("buttons = %v, want Mark complete=true and Mark not complete=false", got)
	}
	for _, cls := range []string{"done-note", "pending-note", "synced-note", "s-out"} {
		if sec.Find("."+cls).Length() == 0 {
			t.Errorf("no .%s variant in the status block", cls)
		}
	}
	p := progressOf(sec)
	if p == nil {
		t.Fatal("no progress bar in the lesson status")
	}
	if v, _ := p.Attr("value"); v != "0" {
		t.Errorf("the page carries progress %q", v)
	}
}

func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

// A completion asked for as JSON (app.js) answers who and what was
// recorded; a plain form post is redirected to the lesson. Either way the
// mark is stored for the session's learner.
func TestCompleteLesson(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	asJSON := http.Header{"Accept": {"application/json"}}

	steps := []struct {
		name       string
		lesson     int // index into w.Course.Lessons
		completed  string
		header     http.Header
		wantStatus int
		wantDone   bool // the stored mark afterwards
	}{
		{"form post completes", 0, "true", nil, http.StatusSeeOther, true},
		{"JSON completes", 1, "true", asJSON, http.StatusOK, true},
		{"JSON completes again (idempotent)", 1, "true", asJSON, http.StatusOK, true},
		{"JSON undoes", 1, "false", asJSON, http.StatusOK, false},
		{"form post undoes", 0, "false", nil, http.StatusSeeOther, false},
		{"htmx is a form post", 2, "true", htmxHeader(), http.StatusSeeOther, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			id := w.Course.Lessons[st.lesson]
			lessonPath := "/lessons/" + id.String()
			res := c.POST(lessonPath + "/complete").Form(url.Values{"completed": {st.completed}}).Headers(st.header).Send()
			if res.Status != st.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.Status, st.wantStatus, res.Body)
			}
			switch st.wantStatus {
			case http.StatusSeeOther:
				if loc := res.Header.Get("Location"); loc != lessonPath {
					t.Errorf("Location = %q, want %q", loc, lessonPath)
				}
			case http.StatusOK:
				var got map[string]any
				if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
					t.Fatalf("body is not JSON: %v\n%s", err, res.Body)
				}
				want := map[string]any{"user_id": w.Learner.ID().String(), "lesson_id": id.String(),
					"course_id": w.Course.ID.String(), "completed": st.wantDone}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("answer %v, want %v", got, want)
				}
				if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store", cc)
				}
			}
			if got := a.completedInDB(t, w.Learner.ID(), id); got == nil || *got != st.wantDone {
				t.Errorf("stored mark = %v, want %v", got, st.wantDone)
			}
		})
	}
	// A completion without a session, asked for as JSON, is a JSON 401.
	res := a.POST(t, "/lessons/"+w.Course.Lessons[0].String()+"/complete").Form(url.Values{"completed": {"true"}}).Headers(asJSON).Send()
	if res.Status != http.StatusUnauthorized || !strings.Contains(res.Body, `"error"`) {
		t.Errorf("anonymous JSON completion: %d %s, want a JSON 401", res.Status, res.Body)
	}
}

func TestCompleteLessonAnonymous(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	lessonPath := "/lessons/" + w.Course.Lessons[0].String()

	tests := []struct {
		name         string
		header       http.Header
		wantStatus   int
		locHeader    string // which header carries the sign-in address
		wantNext     string
		wantBodyNode bool
	}{
		{"form post from the lesson page", http.Header{"Referer": {a.URL + lessonPath}},
			http.StatusSeeOther, "Location", lessonPath, false},
		{"form post without a Referer", nil, http.StatusSeeOther, "Location", "/", false},
		{"form post with a foreign Referer", http.Header{"Referer": {"https://evil.example//evil.example/x"}},
			http.StatusSeeOther, "Location", "/", false},
		{"htmx", http.Header{"HX-Request": {"true"}, "Referer": {a.URL + lessonPath}},
			http.StatusUnauthorized, "HX-Redirect", lessonPath, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.snapshot(t)
			res := a.POST(t, lessonPath+"/complete").Form(url.Values{"completed": {"true"}}).Headers(tt.header).Send()
			if res.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.Status, tt.wantStatus, res.Body)
			}
			target, err := url.Parse(res.Header.Get(tt.locHeader))
			if err != nil || target.Path != "/login" || target.Host != "" {
				t.Fatalf("%s = %q, want the sign-in page", tt.locHeader, res.Header.Get(tt.locHeader))
			}
			if got := target.Query().Get("next"); got != tt.wantNext {
				t.Errorf("next = %q, want %q", got, tt.wantNext)
			}
			if a.snapshot(t) != before {
				t.Error("an anonymous completion changed the database")
			}
			if n := a.count(t, `SELECT count(*) FROM student_progress`); n != 0 {
				t.Errorf("progress rows = %d, want 0", n)
			}
		})
	}
}

func TestShowLesson(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	callers := callersWithProgress(t, a, w)
	lp := func(i int) string { return "/lessons/" + w.Course.Lessons[i].String() }

	tests := []struct {
		name     string
		lesson   int
		wantPrev string // "" when none
		wantNext string // "" when none
	}{
		{"first lesson", 0, "", lp(1)},
		// The draft lesson between the first two is skipped both ways.
		{"second lesson", 1, lp(0), lp(2)},
		{"last lesson", 2, lp(1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := neutralBodies(t, a, callers, lp(tt.lesson))
			pager := mustSelect(t, doc, "nav.pager")
			prev, _ := pager.Find("a[rel=\"prev\"]").First().Attr("href")
			next, _ := pager.Find("a[rel=\"next\"]").First().Attr("href")
			if prev != tt.wantPrev || next != tt.wantNext {
				t.Errorf("prev/next = %q/%q, want %q/%q", prev, next, tt.wantPrev, tt.wantNext)
			}
			sec := mustSelect(t, doc, "section[id=\"lesson-status\"]")
			statusBlock(t, sec, w.Course.Lessons[tt.lesson], w.Course.ID, 3)
			link := mustSelect(t, sec, "a[href^=\"/login\"]")
			href, _ := link.Attr("href")
			u, err := url.Parse(href)
			if err != nil || u.Path != "/login" || u.Query().Get("next") != lp(tt.lesson) {
				t.Errorf("sign-in link = %q, want /login?next=%s", href, lp(tt.lesson))
			}
		})
	}
}
