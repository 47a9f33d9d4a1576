package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
)

func TestCourseProgressJSON(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	vol := a.createUser(t, store.RoleVolunteer, "vera", "Vera", "volunteer password")
	empty, _ := a.createCourse(t, vol, "Empty course", true)
	mallory := a.createUser(t, store.RoleLearner, "mallory", "Mallory", "mallory password")

	learner := a.newClient(t)
	learner.signIn(learnerUser, learnerPass)
	for _, id := range []uuid.UUID{w.lessons[0], w.lessons[2]} {
		if res := learner.postForm("/lessons/"+id.String()+"/complete", url.Values{"completed": {"true"}}, nil); res.Status != http.StatusSeeOther {
			t.Fatalf("complete lesson: status %d", res.Status)
		}
	}
	// A mark on a lesson that is (now) unpublished never counts, nor do
	// another learner's marks.
	if _, err := a.owner.Exec(context.Background(), `
		INSERT INTO student_progress (student_id, lesson_id, completed, completed_at)
		VALUES ($1, $2, true, now()), ($3, $4, true, now()), ($3, $5, true, now())`,
		w.learnerID, w.draftLesson, mallory, w.lessons[1], w.otherLessons[0]); err != nil {
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
		{"two of three, draft and never-opened lessons", learner, w.course.String(), http.StatusOK,
			body{w.course.String(), 3, 2, 66.7}, ""},
		{"none of two, another learner's marks", learner, w.otherCourse.String(), http.StatusOK,
			body{w.otherCourse.String(), 2, 0, 0}, ""},
		{"course without lessons", learner, empty.String(), http.StatusOK,
			body{empty.String(), 0, 0, 0}, ""},
		{"upper-case id", learner, strings.ToUpper(w.course.String()), http.StatusOK,
			body{w.course.String(), 3, 2, 66.7}, ""},
		{"malformed id", learner, "not-a-uuid", http.StatusBadRequest, body{}, "That address has a malformed id."},
		{"nil id", learner, uuid.Nil.String(), http.StatusBadRequest, body{}, "That address has a malformed id."},
		{"unknown course", learner, uuid.NewString(), http.StatusNotFound, body{}, "No published course has that id."},
		{"unpublished course", learner, w.draftCourse.String(), http.StatusNotFound, body{}, "No published course has that id."},
		{"not signed in", a.newClient(t), w.course.String(), http.StatusUnauthorized, body{}, "Sign in first."},
		{"not signed in, malformed id", a.newClient(t), "x", http.StatusUnauthorized, body{}, "Sign in first."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.client.get("/api/courses/"+tt.id+"/progress", nil)
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

func TestHomePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(learnerUser, learnerPass)
	if res := learner.postForm("/lessons/"+w.lessons[1].String()+"/complete", url.Values{"completed": {"true"}}, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("complete lesson: status %d", res.Status)
	}

	type card struct {
		title, href string
		value, max  int    // the <progress>, learner only
		text        string // progress text (learner) or lesson count (anonymous)
	}
	tests := []struct {
		name     string
		client   *client
		signedIn bool
		want     []card
	}{
		{"learner", learner, true, []card{
			{"Allotment planning", "/courses/" + w.otherCourse.String(), 0, 2, "0 of 2 lessons done (0%)"},
			{"Basics of bookkeeping", "/courses/" + w.course.String(), 1, 3, "1 of 3 lessons done (33%)"},
		}},
		{"anonymous", a.newClient(t), false, []card{
			{"Allotment planning", "/courses/" + w.otherCourse.String(), 0, 0, "2 lessons"},
			{"Basics of bookkeeping", "/courses/" + w.course.String(), 0, 0, "3 lessons"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.client.get("/", nil)
			if res.Status != http.StatusOK {
				t.Fatalf("status %d", res.Status)
			}
			doc := parseDoc(t, res.Body)
			checkLayout(t, doc)
			cards := findAll(doc, and(tag("li"), hasClass("card")))
			if len(cards) != len(tt.want) {
				t.Fatalf("%d course cards, want %d (published courses only)", len(cards), len(tt.want))
			}
			for i, want := range tt.want {
				c := cards[i]
				link := find(mustFind(t, c, "<h2>", tag("h2")), tag("a"))
				href, _ := attr(link, "href")
				if text(link) != want.title || href != want.href {
					t.Errorf("card %d = %q → %q, want %q → %q", i, text(link), href, want.title, want.href)
				}
				p := progressBar(c)
				if !tt.signedIn {
					if p != nil {
						t.Errorf("card %q shows a <progress> to an anonymous visitor", want.title)
					}
					if got := text(find(c, and(tag("p"), hasClass("meta")))); got != want.text {
						t.Errorf("card %q: %q, want %q", want.title, got, want.text)
					}
					continue
				}
				if p == nil {
					t.Errorf("card %q has no <progress>", want.title)
					continue
				}
				v, _ := attr(p, "value")
				m, _ := attr(p, "max")
				if v != strconv.Itoa(want.value) || m != strconv.Itoa(want.max) {
					t.Errorf("card %q: progress %s/%s, want %d/%d", want.title, v, m, want.value, want.max)
				}
				if got := text(find(c, hasClass("progress-text"))); got != want.text {
					t.Errorf("card %q: progress text %q, want %q", want.title, got, want.text)
				}
			}
			if strings.Contains(mainText(doc), "Unreleased course") {
				t.Error("the unpublished course is listed")
			}
			hint := find(doc, and(tag("p"), hasClass("hint")))
			if (hint != nil) == tt.signedIn {
				t.Errorf("sign-up hint shown = %v, want %v", hint != nil, !tt.signedIn)
			}
		})
	}
}

func TestShowCourse(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(learnerUser, learnerPass)
	if res := learner.postForm("/lessons/"+w.lessons[2].String()+"/complete", url.Values{"completed": {"true"}}, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("complete lesson: status %d", res.Status)
	}
	tests := []struct {
		name     string
		client   *client
		wantDone []bool
	}{
		{"learner", learner, []bool{false, false, true}},
		{"anonymous", a.newClient(t), []bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.client.get("/courses/"+w.course.String(), nil)
			if res.Status != http.StatusOK {
				t.Fatalf("status %d", res.Status)
			}
			doc := parseDoc(t, res.Body)
			checkLayout(t, doc)
			if got := text(find(doc, tag("h1"))); got != "Basics of bookkeeping" {
				t.Errorf("h1 = %q", got)
			}
			items := findAll(mustFind(t, doc, "ol.lessons", and(tag("ol"), hasClass("lessons"))), tag("li"))
			if len(items) != len(w.lessons) {
				t.Fatalf("%d lessons listed, want %d (published only)", len(items), len(w.lessons))
			}
			for i, li := range items {
				href, _ := attr(find(li, tag("a")), "href")
				if href != "/lessons/"+w.lessons[i].String() {
					t.Errorf("lesson %d links to %q, want %q", i, href, "/lessons/"+w.lessons[i].String())
				}
				if done := hasClass("done")(li); done != tt.wantDone[i] {
					t.Errorf("lesson %d done = %v, want %v", i, done, tt.wantDone[i])
				}
			}
			p := progressBar(doc)
			if tt.client == learner {
				v, _ := attr(p, "value")
				m, _ := attr(p, "max")
				if p == nil || v != "1" || m != "3" {
					t.Errorf("course progress = %s/%s, want 1/3", v, m)
				}
			} else if p != nil {
				t.Error("an anonymous visitor sees a <progress>")
			}
		})
	}
}
