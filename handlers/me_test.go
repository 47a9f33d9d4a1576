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

	"fieldbook/store/storetest"
)

// getJSON fetches path and decodes a 200 JSON answer into v, checking that
// it is never to be stored.
func (c *client) getJSON(path string, v any) response {
	c.t.Helper()
	res := c.GET(path).Send()
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

	anon := a.newClient(t)
	var me meAnswer
	checkAPIError(t, anon.getJSON("/api/me", &me), http.StatusUnauthorized)

	for _, tt := range []struct {
		user, pass, name, role string
		id                     uuid.UUID
	}{
		{storetest.LearnerUser, storetest.LearnerPass, storetest.LearnerName, "learner", w.Learner.ID()},
		{storetest.VolunteerUser, storetest.VolunteerPass, storetest.VolunteerName, "volunteer", w.Volunteer.ID()},
		{storetest.AdminUser, storetest.AdminPass, storetest.AdminName, "admin", w.Admin.ID()},
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
			if res := c.POST("/logout").Send(); res.Status != http.StatusSeeOther {
				t.Fatalf("sign out: %d", res.Status)
			}
			checkAPIError(t, c.getJSON("/api/me", &me), http.StatusUnauthorized)
		})
	}

	// The learner's chosen language follows them; without one, the phone's.
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	if r := c.GET("/api/me").Headers(http.Header{"Accept-Language": {"sw"}}).Send(); !strings.Contains(r.Body, `"lang":"sw"`) {
		t.Errorf("no stored language, phone asks for Swahili: %s", r.Body)
	}
	c.POST("/language").Form(url.Values{"lang": {"fr"}, "next": {"/"}}).Expect(http.StatusSeeOther)
	c.getJSON("/api/me", &me)
	if me.Lang != "fr" || me.UserID != w.Learner.ID().String() {
		t.Errorf("after choosing French: %+v", me)
	}
}

func TestAPIMeProgress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	other := w.OtherLearner.ID()
	// An empty published course still appears, with nothing to do.
	empty := a.seed.Course(t, w.Volunteer.Caller, "Coming soon", true).ID
	// Lena did lessons 1 and 3 of the first course; a completion of a
	// lesson later unpublished counts nowhere; Kwame did one of the other
	// course.
	a.complete(t, w.Learner.ID(), w.Course.Lessons[2], true)
	a.complete(t, w.Learner.ID(), w.Course.Lessons[0], true)
	a.complete(t, other, w.OtherCourse.Lessons[1], true)
	a.complete(t, other, w.Course.Lessons[1], true)
	if _, err := a.owner.Exec(t.Context(), `
		INSERT INTO student_progress (student_id, lesson_id, completed, completed_at) VALUES ($1, $2, true, now())`,
		w.Learner.ID(), w.DraftLesson()); err != nil {
		t.Fatal(err)
	}

	c := a.newClient(t)
	var got myProgress
	checkAPIError(t, c.getJSON("/api/me/progress", &got), http.StatusUnauthorized)
	checkAPIError(t, c.getJSON("/api/me/progress?course="+w.Course.ID.String(), &got), http.StatusUnauthorized)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	c.getJSON("/api/me/progress", &got)

	// Ordered by title: Allotment planning, Basics of bookkeeping, Cold
	// chain, Coming soon (not the draft or the archived course).
	want := myProgress{UserID: w.Learner.ID().String(), Courses: []courseDone{
		{CourseID: w.OtherCourse.ID.String(), Total: 2, Completed: 0, Done: []string{}},
		{CourseID: w.Course.ID.String(), Total: 3, Completed: 2, Done: []string{w.Course.Lessons[0].String(), w.Course.Lessons[2].String()}},
		{CourseID: w.QuizCourse.ID.String(), Total: 2, Completed: 0, Done: []string{}},
		{CourseID: empty.String(), Total: 0, Completed: 0, Done: []string{}},
	}}
	checkProgress(t, got, want)
	if strings.Contains(c.GET("/api/me/progress").Send().Body, `"done":null`) {
		t.Error("a course with nothing done has done: null, want []")
	}

	// One course: the same shape, one entry.
	c.getJSON("/api/me/progress?course="+w.Course.ID.String(), &got)
	checkProgress(t, got, myProgress{UserID: w.Learner.ID().String(), Courses: want.Courses[1:2]})
	c.getJSON("/api/me/progress?course="+w.OtherCourse.ID.String(), &got)
	checkProgress(t, got, myProgress{UserID: w.Learner.ID().String(), Courses: want.Courses[0:1]})

	for _, q := range []string{w.DraftCourse.ID.String(), uuid.NewString()} {
		checkAPIError(t, c.getJSON("/api/me/progress?course="+q, &got), http.StatusNotFound)
	}
	for _, q := range []string{"", "nope", uuid.Nil.String(), w.Course.ID.String() + "&course=" + w.Course.ID.String()} {
		checkAPIError(t, c.getJSON("/api/me/progress?course="+q, &got), http.StatusBadRequest)
	}

	// Kwame sees his own, never Lena's.
	o := a.newClient(t)
	o.signIn(storetest.OtherLearnerUser, storetest.OtherLearnerPass)
	o.getJSON("/api/me/progress", &got)
	checkProgress(t, got, myProgress{UserID: other.String(), Courses: []courseDone{
		{CourseID: w.OtherCourse.ID.String(), Total: 2, Completed: 1, Done: []string{w.OtherCourse.Lessons[1].String()}},
		{CourseID: w.Course.ID.String(), Total: 3, Completed: 1, Done: []string{w.Course.Lessons[1].String()}},
		{CourseID: w.QuizCourse.ID.String(), Total: 2, Completed: 0, Done: []string{}},
		{CourseID: empty.String(), Total: 0, Completed: 0, Done: []string{}},
	}})

	// Kwame completes the other course: he has its certificate, Lena not.
	a.complete(t, other, w.OtherCourse.Lessons[0], true)
	o.getJSON("/api/me/progress?course="+w.OtherCourse.ID.String(), &got)
	checkProgress(t, got, myProgress{UserID: other.String(), Courses: []courseDone{{CourseID: w.OtherCourse.ID.String(), Total: 2,
		Completed: 2, Done: []string{w.OtherCourse.Lessons[0].String(), w.OtherCourse.Lessons[1].String()}, Certificate: true}}})
	c.getJSON("/api/me/progress?course="+w.OtherCourse.ID.String(), &got)
	if got.Courses[0].Certificate {
		t.Error("Lena is told she has Kwame's certificate")
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
