package handlers_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
)

// getJSON fetches path and decodes a 200 JSON answer into v, checking that
// it is never to be stored.
func (c *client) getJSON(path string, v any) response {
	c.t.Helper()
	res := c.get(path, nil)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		c.t.Errorf("GET %s: Cache-Control = %q, want no-store", path, cc)
	}
	if res.Status != http.StatusOK {
		return res
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		c.t.Errorf("GET %s: Content-Type = %q", path, res.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(strings.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		c.t.Fatalf("GET %s: %v\n%s", path, err, res.Body)
	}
	return res
}

type meAnswer struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Lang   string `json:"lang"`
	Role   string `json:"role"`
}

type courseDone struct {
	CourseID  string   `json:"course_id"`
	Total     int      `json:"total"`
	Completed int      `json:"completed"`
	Done      []string `json:"done"`
	// Certificate: the learner has the course's certificate.
	Certificate bool `json:"certificate"`
}

type myProgress struct {
	UserID  string       `json:"user_id"`
	Courses []courseDone `json:"courses"`
}

func TestAPIMe(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	adminID := a.createUser(t, store.RoleAdmin, "ada", "Ada Admin", "admin password 1")

	anon := a.newClient(t)
	var me meAnswer
	checkAPIError(t, anon.getJSON("/api/me", &me), http.StatusUnauthorized)

	for _, tt := range []struct {
		user, pass, name, role string
		id                     uuid.UUID
	}{
		{learnerUser, learnerPass, learnerName, "learner", w.learnerID},
		{"victor", "volunteer password", "Victor Volunteer", "volunteer", a.userID(t, "victor")},
		{"ada", "admin password 1", "Ada Admin", "admin", adminID},
	} {
		t.Run(tt.role, func(t *testing.T) {
			c := a.newClient(t)
			c.signIn(tt.user, tt.pass)
			var me meAnswer
			c.getJSON("/api/me", &me)
			want := meAnswer{UserID: tt.id.String(), Name: tt.name, Lang: "en", Role: tt.role}
			if me != want {
				t.Errorf("/api/me = %+v, want %+v", me, want)
			}
			// Signed out, the same browser is nobody again.
			if res := c.postForm("/logout", nil, nil); res.Status != http.StatusSeeOther {
				t.Fatalf("sign out: %d", res.Status)
			}
			checkAPIError(t, c.getJSON("/api/me", &me), http.StatusUnauthorized)
		})
	}

	// The learner's chosen language follows them; without one, the phone's.
	c := a.newClient(t)
	c.signIn(learnerUser, learnerPass)
	if r := c.get("/api/me", http.Header{"Accept-Language": {"sw"}}); !strings.Contains(r.Body, `"lang":"sw"`) {
		t.Errorf("no stored language, phone asks for Swahili: %s", r.Body)
	}
	if r := c.postForm("/language", url.Values{"lang": {"fr"}, "next": {"/"}}, nil); r.Status != http.StatusSeeOther {
		t.Fatalf("choose French: %d", r.Status)
	}
	c.getJSON("/api/me", &me)
	if me.Lang != "fr" || me.UserID != w.learnerID.String() {
		t.Errorf("after choosing French: %+v", me)
	}
}

func TestAPIMeProgress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	other := a.createUser(t, store.RoleLearner, "omar", "Omar", "omar password 1")
	// An empty published course still appears, with nothing to do.
	vol := a.userID(t, "victor")
	empty, _ := a.createCourse(t, vol, "Coming soon", true)
	// Lena did lessons 1 and 3 of the first course; a completion of a
	// lesson later unpublished counts nowhere; Omar did one of the other
	// course.
	a.complete(t, w.learnerID, w.lessons[2], true)
	a.complete(t, w.learnerID, w.lessons[0], true)
	a.complete(t, other, w.otherLessons[1], true)
	a.complete(t, other, w.lessons[1], true)
	if _, err := a.owner.Exec(t.Context(), `
		INSERT INTO student_progress (student_id, lesson_id, completed, completed_at) VALUES ($1, $2, true, now())`,
		w.learnerID, w.draftLesson); err != nil {
		t.Fatal(err)
	}

	c := a.newClient(t)
	var got myProgress
	checkAPIError(t, c.getJSON("/api/me/progress", &got), http.StatusUnauthorized)
	checkAPIError(t, c.getJSON("/api/me/progress?course="+w.course.String(), &got), http.StatusUnauthorized)
	c.signIn(learnerUser, learnerPass)
	c.getJSON("/api/me/progress", &got)

	// Ordered by title: Allotment planning, Basics of bookkeeping, Coming soon.
	want := myProgress{UserID: w.learnerID.String(), Courses: []courseDone{
		{CourseID: w.otherCourse.String(), Total: 2, Completed: 0, Done: []string{}},
		{CourseID: w.course.String(), Total: 3, Completed: 2, Done: []string{w.lessons[0].String(), w.lessons[2].String()}},
		{CourseID: empty.String(), Total: 0, Completed: 0, Done: []string{}},
	}}
	checkProgress(t, got, want)
	if strings.Contains(c.get("/api/me/progress", nil).Body, `"done":null`) {
		t.Error("a course with nothing done has done: null, want []")
	}

	// One course: the same shape, one entry.
	c.getJSON("/api/me/progress?course="+w.course.String(), &got)
	checkProgress(t, got, myProgress{UserID: w.learnerID.String(), Courses: want.Courses[1:2]})
	c.getJSON("/api/me/progress?course="+w.otherCourse.String(), &got)
	checkProgress(t, got, myProgress{UserID: w.learnerID.String(), Courses: want.Courses[0:1]})

	for _, q := range []string{w.draftCourse.String(), uuid.NewString()} {
		checkAPIError(t, c.getJSON("/api/me/progress?course="+q, &got), http.StatusNotFound)
	}
	for _, q := range []string{"", "nope", uuid.Nil.String(), w.course.String() + "&course=" + w.course.String()} {
		checkAPIError(t, c.getJSON("/api/me/progress?course="+q, &got), http.StatusBadRequest)
	}

	// Omar sees his own, never Lena's.
	o := a.newClient(t)
	o.signIn("omar", "omar password 1")
	o.getJSON("/api/me/progress", &got)
	checkProgress(t, got, myProgress{UserID: other.String(), Courses: []courseDone{
		{CourseID: w.otherCourse.String(), Total: 2, Completed: 1, Done: []string{w.otherLessons[1].String()}},
		{CourseID: w.course.String(), Total: 3, Completed: 1, Done: []string{w.lessons[1].String()}},
		{CourseID: empty.String(), Total: 0, Completed: 0, Done: []string{}},
	}})

	// Omar completes the other course: he has its certificate, Lena not.
	a.complete(t, other, w.otherLessons[0], true)
	o.getJSON("/api/me/progress?course="+w.otherCourse.String(), &got)
	checkProgress(t, got, myProgress{UserID: other.String(), Courses: []courseDone{{CourseID: w.otherCourse.String(), Total: 2,
		Completed: 2, Done: []string{w.otherLessons[0].String(), w.otherLessons[1].String()}, Certificate: true}}})
	c.getJSON("/api/me/progress?course="+w.otherCourse.String(), &got)
	if got.Courses[0].Certificate {
		t.Error("Lena is told she has Omar's certificate")
	}
}

func checkProgress(t *testing.T, got, want myProgress) {
	t.Helper()
	if got.UserID != want.UserID || len(got.Courses) != len(want.Courses) {
		t.Fatalf("progress = %+v, want %+v", got, want)
	}
	for i := range want.Courses {
		g, w := got.Courses[i], want.Courses[i]
		if g.CourseID != w.CourseID || g.Total != w.Total || g.Completed != w.Completed || !slices.Equal(g.Done, w.Done) || g.Done == nil ||
			g.Certificate != w.Certificate {
			t.Errorf("course %d = %+v, want %+v", i, g, w)
		}
	}
}
