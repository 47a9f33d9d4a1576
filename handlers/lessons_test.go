package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/net/html"
)

// statusBlock checks a section#lesson-status for a signed-in learner and
// returns its button text, the completed value it would post next, and its
// <progress> value and max.
func statusBlock(t *testing.T, sec *html.Node, lesson uuid.UUID) (button, next string, value, maxv int) {
	t.Helper()
	action := "/lessons/" + lesson.String() + "/complete"
	form := mustFind(t, sec, "the completion form", tag("form"))
	if got, _ := attr(form, "action"); got != action {
		t.Errorf("form action = %q, want %q", got, action)
	}
	if got, _ := attr(form, "hx-post"); got != action {
		t.Errorf("form hx-post = %q, want %q", got, action)
	}
	if got, _ := attr(form, "hx-target"); got != "#lesson-status" {
		t.Errorf("form hx-target = %q, want #lesson-status", got)
	}
	next, _ = inputValue(form, "completed")
	button = text(mustFind(t, form, "a submit button", tag("button")))
	p := progressBar(sec)
	if p == nil {
		t.Fatal("no progress bar in the lesson status")
	}
	vs, _ := attr(p, "value")
	ms, _ := attr(p, "max")
	var err error
	if value, err = strconv.Atoi(vs); err != nil {
		t.Errorf("progress value %q: %v", vs, err)
	}
	if maxv, err = strconv.Atoi(ms); err != nil {
		t.Errorf("progress max %q: %v", ms, err)
	}
	return button, next, value, maxv
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

func TestCompleteLesson(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(learnerUser, learnerPass)

	// The steps run in order against the same learner: each one's progress
	// count builds on the ones before.
	steps := []struct {
		name       string
		lesson     int // index into w.lessons
		completed  string
		header     http.Header
		wantStatus int
		wantDone   bool // the stored mark afterwards
		wantButton string
		wantValue  int // completed lessons of 3
	}{
		{"form post completes", 0, "true", nil, http.StatusSeeOther, true, "Mark not complete", 1},
		{"htmx completes", 1, "true", htmxHeader(), http.StatusOK, true, "Mark not complete", 2},
		{"htmx completes again (idempotent)", 1, "true", htmxHeader(), http.StatusOK, true, "Mark not complete", 2},
		{"htmx undoes", 1, "false", htmxHeader(), http.StatusOK, false, "Mark complete", 1},
		{"form post undoes", 0, "false", nil, http.StatusSeeOther, false, "Mark complete", 0},
		{"boosted htmx is a form post", 2, "true", http.Header{"HX-Request": {"true"}, "HX-Boosted": {"true"}},
			http.StatusSeeOther, true, "Mark not complete", 1},
		{"htmx completes the last open lesson", 0, "true", htmxHeader(), http.StatusOK, true, "Mark not complete", 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			id := w.lessons[st.lesson]
			lessonPath := "/lessons/" + id.String()
			res := c.postForm(lessonPath+"/complete", url.Values{"completed": {st.completed}}, st.header)
			if res.Status != st.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.Status, st.wantStatus, res.Body)
			}
			var sec *html.Node
			switch st.wantStatus {
			case http.StatusSeeOther:
				if loc := res.Header.Get("Location"); loc != lessonPath {
					t.Errorf("Location = %q, want %q", loc, lessonPath)
				}
				page := c.get(lessonPath, nil)
				if page.Status != http.StatusOK {
					t.Fatalf("GET %s: status %d", lessonPath, page.Status)
				}
				doc := parseDoc(t, page.Body)
				checkLayout(t, doc)
				sec = mustFind(t, doc, "section#lesson-status", and(tag("section"), hasAttr("id", "lesson-status")))
			case http.StatusOK:
				tags := startTags(res.Body)
				if len(tags) == 0 || tags[0] != "section" {
					t.Fatalf("fragment starts with %v, want <section>", tags)
				}
				for _, tg := range tags {
					if tg == "html" || tg == "head" || tg == "body" || tg == "!doctype" || tg == "header" {
						t.Errorf("the htmx fragment contains <%s>", tg)
					}
				}
				nodes := parseFragment(t, res.Body)
				if len(nodes) != 1 {
					t.Fatalf("fragment has %d top-level nodes, want 1", len(nodes))
				}
				sec = nodes[0]
				if sec.Type != html.ElementNode || sec.Data != "section" {
					t.Fatalf("fragment root is %q, want <section>", sec.Data)
				}
				if got, _ := attr(sec, "id"); got != "lesson-status" {
					t.Errorf("fragment root id = %q, want lesson-status", got)
				}
				if !varies(res.Header, "HX-Request") {
					t.Errorf("Vary = %q, want it to name HX-Request", res.Header.Values("Vary"))
				}
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type = %q, want text/html", ct)
				}
			}
			button, next, value, maxv := statusBlock(t, sec, id)
			if button != st.wantButton {
				t.Errorf("button = %q, want %q", button, st.wantButton)
			}
			if wantNext := strconv.FormatBool(!st.wantDone); next != wantNext {
				t.Errorf("the form would post completed=%q, want %q", next, wantNext)
			}
			if value != st.wantValue || maxv != len(w.lessons) {
				t.Errorf("progress value/max = %d/%d, want %d/%d", value, maxv, st.wantValue, len(w.lessons))
			}
			wantText := strconv.Itoa(st.wantValue) + " of 3 lessons done"
			if got := text(find(sec, hasClass("progress-text"))); !strings.HasPrefix(got, wantText) {
				t.Errorf("progress text = %q, want it to start with %q", got, wantText)
			}
			if got := a.completedInDB(t, w.learnerID, id); got == nil || *got != st.wantDone {
				t.Errorf("stored mark = %v, want %v", got, st.wantDone)
			}
		})
	}
}

func TestCompleteLessonAnonymous(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	lessonPath := "/lessons/" + w.lessons[0].String()

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
			res := a.newClient(t).postForm(lessonPath+"/complete", url.Values{"completed": {"true"}}, tt.header)
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
	learner := a.newClient(t)
	learner.signIn(learnerUser, learnerPass)
	lp := func(i int) string { return "/lessons/" + w.lessons[i].String() }

	tests := []struct {
		name     string
		client   *client
		lesson   int
		wantPrev string // "" when none
		wantNext string // "" when none
		signedIn bool
	}{
		{"first lesson, anonymous", a.newClient(t), 0, "", lp(1), false},
		// The draft lesson between the first two is skipped both ways.
		{"second lesson, anonymous", a.newClient(t), 1, lp(0), lp(2), false},
		{"last lesson, learner", learner, 2, lp(1), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.client.get(lp(tt.lesson), nil)
			if res.Status != http.StatusOK {
				t.Fatalf("status %d", res.Status)
			}
			if !varies(res.Header, "HX-Request") {
				t.Errorf("Vary = %q, want it to name HX-Request", res.Header.Values("Vary"))
			}
			doc := parseDoc(t, res.Body)
			checkLayout(t, doc)
			pager := mustFind(t, doc, "nav.pager", and(tag("nav"), hasClass("pager")))
			prev, _ := attr(find(pager, and(tag("a"), hasAttr("rel", "prev"))), "href")
			next, _ := attr(find(pager, and(tag("a"), hasAttr("rel", "next"))), "href")
			if prev != tt.wantPrev || next != tt.wantNext {
				t.Errorf("prev/next = %q/%q, want %q/%q", prev, next, tt.wantPrev, tt.wantNext)
			}
			sec := mustFind(t, doc, "section#lesson-status", and(tag("section"), hasAttr("id", "lesson-status")))
			if tt.signedIn {
				button, _, value, maxv := statusBlock(t, sec, w.lessons[tt.lesson])
				if button != "Mark complete" || value != 0 || maxv != 3 {
					t.Errorf("status = %q %d/%d, want \"Mark complete\" 0/3", button, value, maxv)
				}
				return
			}
			if find(sec, tag("form")) != nil {
				t.Error("an anonymous visitor is offered the completion form")
			}
			link := mustFind(t, sec, "a sign-in link", tag("a"))
			href, _ := attr(link, "href")
			u, err := url.Parse(href)
			if err != nil || u.Path != "/login" || u.Query().Get("next") != lp(tt.lesson) {
				t.Errorf("sign-in link = %q, want /login?next=%s", href, lp(tt.lesson))
			}
		})
	}
}
