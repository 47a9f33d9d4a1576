package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
	"golang.org/x/net/html"

	"fieldbook/internal/markdown"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// authoringFixture is the usual world plus a volunteer who edits none of
// its courses, each signed in on a client of their own.
type authoringFixture struct {
	a                         *testApp
	w                         *storetest.World
	victor, nora, learner     *client
	victorID, noraID          uuid.UUID
	courseEdit, draftEdit     string
	lessonEdit, draftLessonEd string
}

func newAuthoringFixture(t *testing.T) *authoringFixture {
	t.Helper()
	a := newTestApp(t)
	f := &authoringFixture{a: a, w: a.seedWorld(t)}
	f.noraID = f.w.OtherVolunteer.ID()
	f.victorID = f.w.Volunteer.ID()
	f.victor, f.nora, f.learner = a.newClient(t), a.newClient(t), a.newClient(t)
	f.victor.signIn(storetest.VolunteerUser, storetest.VolunteerPass)
	f.nora.signIn(storetest.OtherVolunteerUser, storetest.OtherVolunteerPass)
	f.learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	f.courseEdit = "/courses/" + f.w.Course.ID.String()
	f.draftEdit = "/courses/" + f.w.DraftCourse.ID.String()
	f.lessonEdit = "/lessons/" + f.w.Course.Lessons[0].String()
	f.draftLessonEd = "/lessons/" + f.w.DraftLesson().String()
	return f
}

// version is the hidden version input of a page's form.
func version(t *testing.T, doc *goquery.Selection) string {
	t.Helper()
	v, ok := formValue(doc, "version")
	if !ok {
		t.Fatal("the form has no version input")
	}
	return v
}

// lessonOrder is a course's lesson titles in order, with (draft) after the
// unpublished ones, read from the database.
func (a *testApp) lessonOrder(t *testing.T, course uuid.UUID) []string {
	t.Helper()
	rows, err := a.owner.Query(context.Background(),
		`SELECT title, published, position FROM lessons WHERE course_id = $1 ORDER BY position`, course)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for i := 1; rows.Next(); i++ {
		var title string
		var published bool
		var pos int
		if err := rows.Scan(&title, &published, &pos); err != nil {
			t.Fatal(err)
		}
		if pos != i {
			t.Errorf("positions are not 1…n: lesson %q at %d, want %d", title, pos, i)
		}
		if !published {
			title += " (draft)"
		}
		out = append(out, title)
	}
	return out
}

// learnerLessons is what a learner's course page lists, in order.
func learnerLessons(t *testing.T, c *client, course uuid.UUID) (int, []string) {
	t.Helper()
	res := c.GET("/courses/" + course.String()).Send()
	if res.Status != http.StatusOK {
		return res.Status, nil
	}
	doc := res.Doc()
	var titles []string
	for _, li := range doc.Find("ol.lessons").First().Find("li").EachIter() {
		titles = append(titles, textOf(li.Find("a").First()))
	}
	return res.Status, titles
}

// TestAuthoringRoutesRefused sends every authoring route from anonymous (to
// sign in), a learner (403) and a volunteer who does not edit the course
// (403), and checks that the database did not change.
func TestAuthoringRoutesRefused(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	a := f.a
	lessonForm := url.Values{"title": {"Hijacked"}, "body": {"x"}, "version": {"1"}, "published": {"true"}}
	type route struct {
		method, path string
		form         url.Values
		anyStaff     bool // open to every volunteer (not course-specific)
	}
	var routes []route
	for _, course := range []string{f.courseEdit, f.draftEdit} {
		routes = append(routes,
			route{"GET", course + "/edit", nil, false},
			route{"POST", course, url.Values{"title": {"Hijacked"}, "version": {"1"}}, false},
			route{"POST", course, url.Values{"title": {""}, "version": {"1"}}, false}, // invalid: still 403, not 422
			route{"GET", course + "/delete", nil, false},
			route{"POST", course + "/delete", nil, false},
			route{"POST", course + "/publish", nil, false},
			route{"POST", course + "/unpublish", nil, false},
			route{"POST", course + "/archive", nil, false},
			route{"POST", course + "/restore", nil, false},
			route{"POST", course + "/lessons", url.Values{"title": {"Injected"}}, false},
			route{"POST", course + "/editors", url.Values{"username": {storetest.OtherVolunteerUser}}, false},
		)
	}
	for _, lesson := range []string{f.lessonEdit, f.draftLessonEd} {
		routes = append(routes,
			route{"GET", lesson + "/edit", nil, false},
			route{"POST", lesson, lessonForm, false},
			route{"POST", lesson + "/delete", nil, false},
			route{"POST", lesson + "/move", url.Values{"direction": {"down"}}, false},
			route{"POST", lesson + "/move", url.Values{"direction": {"up"}}, false},
		)
	}
	routes = append(routes,
		route{"POST", "/lessons/preview", url.Values{"body": {"x"}, "lesson_id": {f.w.Course.Lessons[0].String()}}, false},
		route{"GET", "/studio", nil, true},
		route{"GET", "/courses/new", nil, true},
		route{"POST", "/courses", url.Values{"title": {"New"}}, true},
	)
	callers := []struct {
		name   string
		client func() *client
		want   int
	}{
		{"anonymous", func() *client { return a.newClient(t) }, http.StatusSeeOther},
		{"learner", func() *client { return f.learner }, http.StatusForbidden},
		{"volunteer who is not an editor", func() *client { return f.nora }, http.StatusForbidden},
	}
	for _, cl := range callers {
		for _, r := range routes {
			if r.anyStaff && cl.name == "volunteer who is not an editor" {
				continue
			}
			name := cl.name + " " + r.method + " " + r.path
			if r.form != nil {
				name += "?" + r.form.Encode()
			}
			t.Run(name, func(t *testing.T) {
				before, editors := a.snapshot(t), a.count(t, `SELECT count(*) FROM course_editors`)
				c := cl.client()
				var res response
				if r.method == "GET" {
					res = c.GET(r.path).Send()
				} else {
					res = c.POST(r.path).Form(r.form).Send()
				}
				if res.Status != cl.want {
					t.Fatalf("status %d, want %d\n%.400s", res.Status, cl.want, res.Body)
				}
				if cl.want == http.StatusSeeOther {
					if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
						t.Errorf("Location %q, want the sign-in page", loc)
					}
				} else {
					_, msg := errorSection(t, res.Body, false)
					if msg == "" {
						t.Error("no message on the 403 page")
					}
					checkNoLeak(t, res.Body)
				}
				if after := a.snapshot(t); after != before || a.count(t, `SELECT count(*) FROM course_editors`) != editors {
					t.Error("the database changed")
				}
			})
		}
	}
}

// TestAuthoringHappyPath walks every form as a volunteer would, without
// JavaScript: create a course, edit it, add three lessons, write one,
// reorder, publish, add an editor, delete a lesson, archive, restore,
// confirm and delete. The learner's view is checked along the way.
func TestAuthoringHappyPath(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	a, v := f.a, f.victor

	if res := v.GET("/courses/new").Send(); res.Status != http.StatusOK {
		t.Fatalf("GET /courses/new: %d", res.Status)
	} else if _, ok := formValue(res.Doc(), "title"); !ok {
		t.Fatal("the new-course page has no title field")
	}
	res := v.POST("/courses").Form(url.Values{"title": {"  Water safety  "}, "description": {"Clean water at home."}}).Expect(http.StatusSeeOther)
	m := regexp.MustCompile(`^/courses/([0-9a-f-]{36})/edit$`).FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("POST /courses redirected to %q", res.Header.Get("Location"))
	}
	id := uuid.MustParse(m[1])
	base := "/courses/" + id.String()
	if n := a.count(t, `SELECT count(*) FROM courses WHERE id = $1 AND title = 'Water safety' AND NOT published AND created_by = $2`, id, f.victorID); n != 1 {
		t.Fatal("the course was not stored as a draft by victor with a trimmed title")
	}
	if n := a.count(t, `SELECT count(*) FROM course_editors WHERE course_id = $1 AND user_id = $2`, id, f.victorID); n != 1 {
		t.Fatal("the creator is not an editor")
	}

	doc := v.GET(base + "/edit").Send().Doc()
	checkPage(t, doc)
	if mark := textOf(doc.Find("span.draft").First()); mark != "Draft" {
		t.Errorf("draft mark %q, want Draft", mark)
	}
	if audit := textOf(doc.Find("p.audit").First()); !strings.Contains(audit, "Created by Victor Volunteer") || !strings.Contains(audit, "last edited by Victor Volunteer") {
		t.Errorf("audit line %q", audit)
	}
	if got := version(t, doc); got != "1" {
		t.Errorf("version %s, want 1", got)
	}
	steps := []struct {
		name string
		path string
		form url.Values
		want string // Location
	}{
		{"edit course", base, url.Values{"title": {"Safe water"}, "description": {"Boil it."}, "version": {"1"}}, base + "/edit"},
		{"add lesson 1", base + "/lessons", url.Values{"title": {"Boiling"}}, ""},
		{"add lesson 2", base + "/lessons", url.Values{"title": {"Filtering"}}, ""},
		{"add lesson 3", base + "/lessons", url.Values{"title": {"Storing"}}, ""},
	}
	var lessonIDs []uuid.UUID
	for _, s := range steps {
		res := v.POST(s.path).Form(s.form).Send()
		if res.Status != http.StatusSeeOther {
			t.Fatalf("%s: status %d\n%s", s.name, res.Status, res.Body)
		}
		loc := res.Header.Get("Location")
		if s.want != "" && loc != s.want {
			t.Errorf("%s: Location %q, want %q", s.name, loc, s.want)
		}
		if s.want == "" {
			lm := regexp.MustCompile(`^/lessons/([0-9a-f-]{36})/edit$`).FindStringSubmatch(loc)
			if lm == nil {
				t.Fatalf("%s: Location %q, want the lesson's edit page", s.name, loc)
			}
			lessonIDs = append(lessonIDs, uuid.MustParse(lm[1]))
		}
	}
	if n := a.count(t, `SELECT count(*) FROM courses WHERE id = $1 AND title = 'Safe water' AND description = 'Boil it.' AND version = 2`, id); n != 1 {
		t.Error("the course edit was not saved at version 2")
	}
	if got, want := a.lessonOrder(t, id), []string{"Boiling (draft)", "Filtering (draft)", "Storing (draft)"}; !slices.Equal(got, want) {
		t.Fatalf("lessons %v, want %v", got, want)
	}

	// Write and publish each lesson through its form.
	for i, lid := range lessonIDs {
		page := v.GET("/lessons/" + lid.String() + "/edit").Send().Doc()
		title, _ := formValue(page, "title")
		res := v.POST("/lessons/" + lid.String()).Form(url.Values{
			"title": {title}, "body": {"Step one.\n\n- **boil** for one minute\n- let it cool"},
			"content_url": {"https://www.who.int/"}, "duration_minutes": {strconv.Itoa(5 + i)},
			"published": {"true"}, "version": {version(t, page)},
		}).Send()
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != base+"/edit#lessons" {
			t.Fatalf("save lesson %d: %d %q\n%s", i, res.Status, res.Header.Get("Location"), res.Body)
		}
	}
	if n := a.count(t, `SELECT count(*) FROM lessons WHERE course_id = $1 AND version = 2 AND published
		AND body_html = '<p>Step one.</p>
<ul>
<li><strong>boil</strong> for one minute</li>
<li>let it cool</li>
</ul>
'`, id); n != 3 {
		t.Errorf("%d lessons saved with rendered Markdown at version 2, want 3", n)
	}

	// Reorder: Storing to the top, Boiling down.
	for _, mv := range []struct {
		lesson uuid.UUID
		dir    string
	}{{lessonIDs[2], "up"}, {lessonIDs[2], "up"}, {lessonIDs[0], "down"}} {
		res := v.POST("/lessons/" + mv.lesson.String() + "/move").Form(url.Values{"direction": {mv.dir}}).Send()
		if res.Status != http.StatusSeeOther {
			t.Fatalf("move: %d", res.Status)
		}
	}
	if got, want := a.lessonOrder(t, id), []string{"Storing", "Filtering", "Boiling"}; !slices.Equal(got, want) {
		t.Fatalf("after moves %v, want %v", got, want)
	}
	// Draft lesson, then publish the course: the learner sees exactly the
	// published lessons, in order.
	v.POST(base + "/lessons").Form(url.Values{"title": {"Unfinished"}}).Expect(http.StatusSeeOther)
	if st, _ := learnerLessons(t, f.learner, id); st != http.StatusNotFound {
		t.Errorf("learner sees the draft course: %d", st)
	}
	if res := v.POST(base + "/publish").Send(); res.Status != http.StatusSeeOther || res.Header.Get("Location") != base+"/edit" {
		t.Fatalf("publish: %d %q", res.Status, res.Header.Get("Location"))
	}
	if st, got := learnerLessons(t, f.learner, id); st != http.StatusOK || !slices.Equal(got, []string{"Storing", "Filtering", "Boiling"}) {
		t.Fatalf("learner sees %d %v, want the three published lessons in order", st, got)
	}
	// Unpublish hides it again; publish brings it back.
	for _, step := range []struct {
		action string
		want   int
	}{{"unpublish", http.StatusNotFound}, {"publish", http.StatusOK}} {
		if res := v.POST(base + "/" + step.action).Send(); res.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d", step.action, res.Status)
		}
		if st, _ := learnerLessons(t, f.learner, id); st != step.want {
			t.Fatalf("after %s the learner gets %d, want %d", step.action, st, step.want)
		}
	}
	lesson := f.learner.GET("/lessons/" + lessonIDs[0].String()).Send().Doc()
	if b := lesson.Find("div.body").First(); b.Find("strong").Length() == 0 || b.Find("li").Length() != 2 {
		t.Errorf("the learner's lesson page does not show the rendered Markdown: %q", textOf(b))
	}
	// The learner completes one lesson: progress that deleting would take.
	f.learner.POST("/lessons/" + lessonIDs[0].String() + "/complete").Form(url.Values{"completed": {"true"}}).Expect(http.StatusSeeOther)

	// Editors: add nora, who can then open the edit page.
	f.nora.GET(base + "/edit").Expect(http.StatusForbidden)
	v.POST(base + "/editors").Form(url.Values{"username": {" NORA "}}).Expect(http.StatusSeeOther)
	ndoc := f.nora.GET(base + "/edit").Send().Doc()
	if eds := textOf(ndoc.Find("ul.editors").First()); !strings.Contains(eds, "Victor Volunteer") || !strings.Contains(eds, "Nora Stranger") {
		t.Errorf("editors list %q", eds)
	}

	// Delete the draft lesson: positions close up.
	unfinished := a.userLessonID(t, id, "Unfinished")
	v.POST("/lessons/" + unfinished.String() + "/delete").Expect(http.StatusSeeOther)
	if got := a.lessonOrder(t, id); len(got) != 3 {
		t.Fatalf("after delete %v", got)
	}

	// Archive: gone from the learner's list, read-only, progress kept.
	v.POST(base + "/archive").Expect(http.StatusSeeOther)
	if st, _ := learnerLessons(t, f.learner, id); st != http.StatusNotFound {
		t.Errorf("learner opens the archived course: %d, want 404", st)
	}
	if home := mainTextOf(f.learner.GET("/").Send().Doc()); strings.Contains(home, "Safe water") {
		t.Error("the archived course is still on the learner's home page")
	}
	arch := v.POST(base).Form(url.Values{"title": {"Changed"}, "version": {"2"}}).Send()
	if arch.Status != http.StatusConflict {
		t.Errorf("editing an archived course: %d, want 409", arch.Status)
	}
	if notice := textOf(v.GET(base + "/edit").Send().Doc().Find("p.archived-note").First()); !strings.Contains(notice, "archived") {
		t.Errorf("the edit page of an archived course says %q", notice)
	}
	v.POST(base + "/restore").Expect(http.StatusSeeOther)
	if st, got := learnerLessons(t, f.learner, id); st != http.StatusOK || len(got) != 3 {
		t.Errorf("after restore the learner sees %d %v", st, got)
	}

	// Studio lists it for both editors, not for others.
	sdoc := v.GET("/studio").Send().Doc()
	if sdoc.Find("a"+attrIs("href", base+"/edit")).Length() == 0 {
		t.Error("the studio has no edit link for the course")
	}
	if sdoc.Find("a[href=\"/studio\"]").Length() == 0 {
		t.Error("no 'Your courses' link in a volunteer's header")
	}
	if f.learner.GET(personalPage).Send().Doc().Find("a[href=\"/studio\"]").Length() > 0 {
		t.Error("a learner's header links to the studio")
	}

	// Delete with confirmation.
	cdoc := v.GET(base + "/delete").Send().Doc()
	if impact := textOf(cdoc.Find("p[id=\"delete-impact\"]").First()); !strings.Contains(impact, "3 lessons and 1 progress record of learners") {
		t.Errorf("confirmation says %q, want 3 lessons and 1 progress record", impact)
	}
	if a.count(t, `SELECT count(*) FROM courses WHERE id = $1`, id) != 1 {
		t.Fatal("the confirmation page deleted the course")
	}
	if res := v.POST(base + "/delete").Send(); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/studio" {
		t.Fatalf("delete: %d %q", res.Status, res.Header.Get("Location"))
	}
	if a.count(t, `SELECT count(*) FROM courses WHERE id = $1`, id)+a.count(t, `SELECT count(*) FROM lessons WHERE course_id = $1`, id) != 0 {
		t.Error("the course or its lessons survived deletion")
	}
}

func (a *testApp) userLessonID(t *testing.T, course uuid.UUID, title string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := a.owner.QueryRow(context.Background(), `SELECT id FROM lessons WHERE course_id = $1 AND title = $2`, course, title).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAddEditorForm: the add-editor form refuses anyone who is not a
// volunteer or admin, and someone already an editor, with a 422 and the
// typed username kept.
func TestAddEditorForm(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	f.a.seed.User(t, store.RoleAdmin, "ada", "Ada Admin", "admin password 1")
	tests := []struct {
		name     string
		username string
		status   int
		wantMsg  string
	}{
		{"empty", "  ", http.StatusUnprocessableEntity, "Enter the username of a volunteer."},
		{"unknown", "nobody", http.StatusUnprocessableEntity, "No volunteer or admin has that username."},
		{"a learner", storetest.LearnerUser, http.StatusUnprocessableEntity, "No volunteer or admin has that username."},
		{"self", storetest.VolunteerUser, http.StatusUnprocessableEntity, "victor is already an editor of this course."},
		{"a volunteer", storetest.OtherVolunteerUser, http.StatusSeeOther, ""},
		{"the same volunteer again", storetest.OtherVolunteerUser, http.StatusUnprocessableEntity, "nora is already an editor of this course."},
		{"an admin", "ADA", http.StatusSeeOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.a.count(t, `SELECT count(*) FROM course_editors WHERE course_id = $1`, f.w.Course.ID)
			res := f.victor.POST(f.courseEdit + "/editors").Form(url.Values{"username": {tt.username}}).Send()
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d\n%.300s", res.Status, tt.status, res.Body)
			}
			after := f.a.count(t, `SELECT count(*) FROM course_editors WHERE course_id = $1`, f.w.Course.ID)
			if tt.status == http.StatusSeeOther {
				if after != before+1 {
					t.Errorf("%d editors, want %d", after, before+1)
				}
				return
			}
			if after != before {
				t.Error("the editors changed")
			}
			doc := res.Doc()
			if got := fieldMessage(t, doc, "username"); got != tt.wantMsg {
				t.Errorf("message %q, want %q", got, tt.wantMsg)
			}
			if got, _ := formValue(doc, "username"); got != strings.ToLower(strings.TrimSpace(tt.username)) {
				t.Errorf("username field %q, want what was typed", got)
			}
		})
	}
}

// formFragment checks an htmx answer is just the editor box, and returns it.
func formFragment(t *testing.T, body, id string) *goquery.Selection {
	t.Helper()
	nodes := parseHTMLFragment(t, body)
	if nodes.Length() != 1 || !nodes.Eq(0).Is("div"+attrIs("id", id)) {
		t.Fatalf("htmx answer is not a lone div#%s:\n%.300s", id, body)
	}
	return nodes.Eq(0)
}

// TestCourseFormValidation: a bad save is a 422 with the typed values back
// and a message at the field; htmx gets just the form; nothing is stored.
func TestCourseFormValidation(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	long := strings.Repeat("é", 201)
	tests := []struct {
		name      string
		path      string
		form      url.Values
		wantField string
		wantMsg   string
	}{
		{"new, no title", "/courses", url.Values{"title": {"   "}, "description": {"kept"}}, "title", "Enter a title."},
		{"new, title too long", "/courses", url.Values{"title": {long}}, "title", "Use at most 200 characters (this has 201)."},
		{"new, description too long", "/courses", url.Values{"title": {"ok"}, "description": {strings.Repeat("d", 2001)}}, "description", "Use at most 2,000 characters (this has 2,001)."},
		{"edit, no title", f.courseEdit, url.Values{"title": {""}, "description": {"kept"}, "version": {"1"}}, "title", "Enter a title."},
		{"edit, title too long", f.courseEdit, url.Values{"title": {long}, "version": {"1"}}, "title", "Use at most 200 characters (this has 201)."},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{true: " (htmx)"}[htmx], func(t *testing.T) {
				before := f.a.snapshot(t)
				var h http.Header
				if htmx {
					h = htmxHeader()
				}
				res := f.victor.POST(tt.path).Form(tt.form).Headers(h).Send()
				if res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422\n%.300s", res.Status, res.Body)
				}
				var root *goquery.Selection
				if htmx {
					root = formFragment(t, res.Body, "course-editor")
				} else {
					root = res.Doc()
					checkPage(t, root)
				}
				if tt.wantField == "title" {
					if got := fieldMessage(t, root, "title"); got != tt.wantMsg {
						t.Errorf("title error %q, want %q", got, tt.wantMsg)
					}
				} else if got := textOf(root.Find("p" + attrIs("id", tt.wantField+"-error")).First()); got != tt.wantMsg {
					t.Errorf("%s error %q, want %q", tt.wantField, got, tt.wantMsg)
				}
				if got, _ := formValue(root, "title"); got != strings.TrimSpace(tt.form.Get("title")) {
					t.Errorf("title value %q, want what was typed", got)
				}
				if got := textOf(root.Find("textarea[name=\"description\"]").First()); got != strings.TrimSpace(tt.form.Get("description")) {
					t.Errorf("description %q, want what was typed", got)
				}
				if after := f.a.snapshot(t); after != before {
					t.Error("the database changed")
				}
			})
		}
	}
}

// TestLessonFormValidation: every rule of the lesson form, each with the
// typed values kept, through the edit and the new-lesson routes.
func TestLessonFormValidation(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	valid := func(change func(url.Values)) url.Values {
		v := url.Values{"title": {"A lesson"}, "body": {"Some *text*."}, "content_url": {"https://example.org/x"},
			"duration_minutes": {"10"}, "published": {"true"}, "version": {"1"}}
		change(v)
		return v
	}
	tests := []struct {
		name    string
		form    url.Values
		field   string
		wantMsg string
	}{
		{"no title", valid(func(v url.Values) { v.Set("title", " ") }), "title", "Enter a title."},
		{"title of 201", valid(func(v url.Values) { v.Set("title", strings.Repeat("x", 201)) }), "title", "Use at most 200 characters (this has 201)."},
		{"javascript: link", valid(func(v url.Values) { v.Set("content_url", "javascript:alert(1)") }), "content_url", "Use a web link that starts with http:// or https://."},
		{"JAVASCRIPT: with slashes", valid(func(v url.Values) { v.Set("content_url", "JavaScript://x.example/%0aalert(1)") }), "content_url", "Use a web link that starts with http:// or https://."},
		{"ftp link", valid(func(v url.Values) { v.Set("content_url", "ftp://example.org/file") }), "content_url", "Use a web link that starts with http:// or https://."},
		{"data link", valid(func(v url.Values) { v.Set("content_url", "data:text/html,<b>x</b>") }), "content_url", "Use a web link that starts with http:// or https://."},
		{"no scheme", valid(func(v url.Values) { v.Set("content_url", "example.org") }), "content_url", "Use a web link that starts with http:// or https://."},
		{"no host", valid(func(v url.Values) { v.Set("content_url", "https://") }), "content_url", "Use a web link that starts with http:// or https://."},
		{"duration -1", valid(func(v url.Values) { v.Set("duration_minutes", "-1") }), "duration_minutes", "Use 0 to 1440 minutes (one day)."},
		{"duration 1441", valid(func(v url.Values) { v.Set("duration_minutes", "1441") }), "duration_minutes", "Use 0 to 1440 minutes (one day)."},
		{"duration words", valid(func(v url.Values) { v.Set("duration_minutes", "ten") }), "duration_minutes", "Enter a whole number of minutes, from 0 to 1440."},
		{"duration fraction", valid(func(v url.Values) { v.Set("duration_minutes", "1.5") }), "duration_minutes", "Enter a whole number of minutes, from 0 to 1440."},
		{"body too long", valid(func(v url.Values) { v.Set("body", strings.Repeat("b", 30001)) }), "body", "Use at most 30,000 characters (this has 30,001). Split the lesson in two."},
	}
	for _, tt := range tests {
		for _, target := range []string{f.lessonEdit, f.courseEdit + "/lessons"} {
			t.Run(tt.name+" "+target, func(t *testing.T) {
				before := f.a.snapshot(t)
				res := f.victor.POST(target).Form(tt.form).Send()
				if res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422\n%.300s", res.Status, res.Body)
				}
				doc := res.Doc()
				checkPage(t, doc)
				form := mustSelect(t, doc, "form[id=\"lesson-form\"]")
				if tt.field == "body" {
					if got := textOf(form.Find("p[id=\"body-error\"]").First()); got != tt.wantMsg {
						t.Errorf("body error %q, want %q", got, tt.wantMsg)
					}
				} else if got := fieldMessage(t, form, tt.field); got != tt.wantMsg {
					t.Errorf("%s error %q, want %q", tt.field, got, tt.wantMsg)
				}
				for _, name := range []string{"title", "content_url", "duration_minutes"} {
					if got, _ := formValue(form, name); got != strings.TrimSpace(tt.form.Get(name)) {
						t.Errorf("%s value %q, want %q as typed", name, got, tt.form.Get(name))
					}
				}
				if got := form.Find("textarea[name=\"body\"]").First(); got.Length() == 0 || got.Text() != tt.form.Get("body") {
					t.Error("the body was not kept as typed")
				}
				if _, checked := form.Find("input[name=\"published\"]").First().Attr("checked"); !checked {
					t.Error("the published box was not kept ticked")
				}
				if after := f.a.snapshot(t); after != before {
					t.Error("the database changed")
				}
			})
		}
	}
	// The one-field form on the course page, left empty.
	res := f.victor.POST(f.courseEdit + "/lessons").Form(url.Values{"title": {""}}).HTMX().Expect(http.StatusUnprocessableEntity)
	if got := fieldMessage(t, formFragment(t, res.Body, "lesson-editor"), "title"); got != "Enter a title." {
		t.Errorf("empty new lesson: %q", got)
	}
	// A move in no direction is a 400.
	if res := f.victor.POST(f.lessonEdit + "/move").Form(url.Values{"direction": {"sideways"}}).Send(); res.Status != http.StatusBadRequest {
		t.Errorf("move sideways: %d, want 400", res.Status)
	}
	// A save without a version is a 400, not a blind overwrite.
	if res := f.victor.POST(f.lessonEdit).Form(url.Values{"title": {"x"}}).Send(); res.Status != http.StatusBadRequest {
		t.Errorf("save without version: %d, want 400", res.Status)
	}
}

// TestEditConflict: two editors open the same course and lesson; the first
// save wins, the second gets a 409 with both versions and nothing is
// overwritten; saving again from the conflict page works.
func TestEditConflict(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	a := f.a
	f.victor.POST(f.courseEdit + "/editors").Form(url.Values{"username": {storetest.OtherVolunteerUser}}).Expect(http.StatusSeeOther)
	tests := []struct {
		name        string
		path        string
		table       string
		id          uuid.UUID
		editorID    string
		first, mine url.Values
	}{
		{"course", f.courseEdit, "courses", f.w.Course.ID, "course-editor",
			url.Values{"title": {"Victor's title"}, "description": {"Victor's words"}},
			url.Values{"title": {"Nora's title"}, "description": {"Nora's words"}}},
		{"lesson", f.lessonEdit, "lessons", f.w.Course.Lessons[0], "lesson-editor",
			url.Values{"title": {"Victor's lesson"}, "body": {"Victor's body"}, "duration_minutes": {"7"}, "published": {"true"}},
			url.Values{"title": {"Nora's lesson"}, "body": {"Nora's body"}, "duration_minutes": {"9"}, "published": {"true"}}},
	}
	for _, tt := range tests {
		for _, htmx := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{true: " (htmx)"}[htmx], func(t *testing.T) {
				vDoc := f.victor.GET(tt.path + "/edit").Send().Doc()
				nDoc := f.nora.GET(tt.path + "/edit").Send().Doc()
				loaded := version(t, nDoc)
				if version(t, vDoc) != loaded {
					t.Fatal("the two editors loaded different versions")
				}
				first := url.Values{"version": {loaded}}
				for k, v := range tt.first {
					first[k] = v
				}
				if res := f.victor.POST(tt.path).Form(first).Send(); res.Status != http.StatusSeeOther {
					t.Fatalf("first save: %d\n%s", res.Status, res.Body)
				}
				mine := url.Values{"version": {loaded}}
				for k, v := range tt.mine {
					mine[k] = v
				}
				var h http.Header
				if htmx {
					h = htmxHeader()
				}
				res := f.nora.POST(tt.path).Form(mine).Headers(h).Send()
				if res.Status != http.StatusConflict {
					t.Fatalf("second save: %d, want 409\n%.400s", res.Status, res.Body)
				}
				var root *goquery.Selection
				if htmx {
					root = formFragment(t, res.Body, tt.editorID)
				} else {
					root = res.Doc()
					checkPage(t, root)
				}
				theirs := textOf(root.Find("section.theirs").First())
				yours := textOf(root.Find("section.yours").First())
				if !strings.Contains(theirs, tt.first.Get("title")) || !strings.Contains(yours, tt.mine.Get("title")) {
					t.Errorf("conflict shows theirs %q and yours %q", theirs, yours)
				}
				if msg := textOf(root.Find("section.conflict").First()); !strings.Contains(msg, "Victor Volunteer saved this") {
					t.Errorf("conflict message %q does not say who saved", msg)
				}
				if got, _ := formValue(root, "title"); got != tt.mine.Get("title") {
					t.Errorf("form title %q, want Nora's typing kept", got)
				}
				var stored string
				if err := a.owner.QueryRow(context.Background(), `SELECT title FROM `+tt.table+` WHERE id = $1`, tt.id).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				if stored != tt.first.Get("title") {
					t.Fatalf("stored title %q: the conflicting save overwrote the first", stored)
				}
				// Merge and save again with the version the 409 carried.
				mine.Set("version", version(t, root))
				if mine.Get("version") == loaded {
					t.Fatal("the conflict form still carries the stale version")
				}
				if res := f.nora.POST(tt.path).Form(mine).Send(); res.Status != http.StatusSeeOther {
					t.Fatalf("save after merging: %d\n%.300s", res.Status, res.Body)
				}
				if err := a.owner.QueryRow(context.Background(), `SELECT title FROM `+tt.table+` WHERE id = $1`, tt.id).Scan(&stored); err != nil || stored != tt.mine.Get("title") {
					t.Errorf("after merging the title is %q (%v)", stored, err)
				}
			})
		}
	}
}

// TestAuthoringHTMX: a good save answers htmx with HX-Redirect (so the page
// is not swapped into the form); the preview answers with just the preview.
func TestAuthoringHTMX(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	res := f.victor.POST("/courses").Form(url.Values{"title": {"By htmx"}}).HTMX().Send()
	if res.Status != http.StatusNoContent || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/courses/") {
		t.Fatalf("htmx create: %d HX-Redirect %q", res.Status, res.Header.Get("HX-Redirect"))
	}
	prev := f.victor.POST("/lessons/preview").Form(url.Values{"body": {"**Bold** and <script>alert(1)</script>"}}).HTMX().Expect(http.StatusOK)
	nodes := prev.Fragment()
	if nodes.Length() != 2 || goquery.NodeName(nodes.Eq(0)) != "h2" || nodes.Eq(1).Find("strong").Length() == 0 {
		t.Errorf("preview fragment:\n%s", prev.Body)
	}
	checkInert(t, nodes)
	if f.a.count(t, `SELECT count(*) FROM lessons WHERE body LIKE '%Bold%'`) != 0 {
		t.Error("the preview saved something")
	}
	// Without JavaScript the preview comes back inside the whole form, with
	// what was typed.
	nojs := f.victor.POST("/lessons/preview").Form(url.Values{
		"lesson_id": {f.w.Course.Lessons[1].String()}, "version": {"1"}, "title": {"Typed title"},
		"body": {"- one\n- two"}, "duration_minutes": {"3"},
	}).Send()
	if nojs.Status != http.StatusOK {
		t.Fatalf("no-JS preview: %d", nojs.Status)
	}
	doc := nojs.Doc()
	if got, _ := formValue(doc, "title"); got != "Typed title" {
		t.Errorf("no-JS preview lost the title: %q", got)
	}
	if action, _ := doc.Find("form[id=\"lesson-form\"]").First().Attr("action"); action != "/lessons/"+f.w.Course.Lessons[1].String() {
		t.Errorf("no-JS preview form posts to %q", action)
	}
	if n := doc.Find("div[id=\"preview\"]").First().Find("li").Length(); n != 2 {
		t.Errorf("no-JS preview shows %d list items, want 2", n)
	}
}

// executableAttr is true for attributes that run code or load it.
func executableAttr(a html.Attribute) bool {
	k := strings.ToLower(a.Key)
	if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" {
		return true
	}
	switch k {
	case "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite":
		v := strings.ToLower(strings.Map(func(r rune) rune {
			if r <= ' ' || r == 0x7f {
				return -1
			}
			return r
		}, a.Val))
		if i := strings.IndexByte(v, ':'); i >= 0 && !strings.ContainsAny(v[:i], "/?#") {
			switch v[:i] {
			case "http", "https", "mailto":
				return false
			}
			return true
		}
	}
	return false
}

// checkInert fails on anything in n that could run script, style the page,
// frame another page or send a form.
func checkInert(t *testing.T, n *goquery.Selection) {
	t.Helper()
	for _, el := range within(n, "*").EachIter() {
		name := goquery.NodeName(el)
		switch name {
		case "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link", "meta",
			"base", "form", "input", "button", "textarea", "select", "svg", "math", "template", "noscript":
			t.Errorf("<%s> survived", name)
		}
		for _, at := range el.Nodes[0].Attr {
			if executableAttr(at) {
				t.Errorf("<%s %s=%q> survived", name, at.Key, at.Val)
			}
		}
	}
}

// xssCorpus is Markdown and HTML that tries to run script.
var xssCorpus = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://evil.example/x.js></SCRIPT>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="javascript:alert(1)">`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<object data="javascript:alert(1)"></object><embed src="https://evil.example/x.swf">`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`<a href="jav&#x09;ascript:alert(1)">x</a>`,
	`<div onclick="alert(1)">x</div>`,
	`<details open ontoggle=alert(1)>x</details>`,
	`<p style="background:url(javascript:alert(1))">x</p>`,
	`<style>body{display:none}</style>`,
	`<link rel=stylesheet href=https://evil.example/x.css>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<base href="https://evil.example/">`,
	`<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>`,
	`<!-- --><script>alert(1)</script><!-- -->`,
	`"><script>alert(1)</script>`,
	"[click](javascript:alert(1))",
	"[click](JaVaScRiPt:alert(1))",
	"[click]( javascript:alert(1) )",
	"[click](java&#x09;script:alert(1))",
	"[click](&#x6A;avascript:alert(1))",
	"[click](vbscript:msgbox(1))",
	"[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"![img](javascript:alert(1))",
	"![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
	"<javascript:alert(1)>",
	"[ref][1]\n\n[1]: javascript:alert(1)",
	`[x](https://ok.example/"onmouseover="alert(1))`,
	"[x](https://ok.example/ \"title\" onmouseover=alert(1))",
	"`<script>alert(1)</script>`",
	"```html\n<script>alert(1)</script>\n```",
	"> <script>alert(1)</script>",
	"- <img src=x onerror=alert(1)>",
	"# <svg onload=alert(1)>",
	"<div>\n\n[x](javascript:alert(1))\n\n</div>",
}

// TestMarkdownXSS sends the corpus through the renderer, then through the
// whole pipeline: saved by an editor, published, read by a learner, and
// previewed. Nothing executable survives; ordinary Markdown does.
func TestMarkdownXSS(t *testing.T) {
	t.Parallel()
	for _, src := range xssCorpus {
		t.Run("render "+src, func(t *testing.T) {
			out, err := markdown.Render(src)
			if err != nil {
				t.Fatal(err)
			}
			checkInert(t, parseHTMLFragment(t, out))
			if strings.Contains(strings.ToLower(out), "<script") {
				t.Errorf("output has a script tag: %s", out)
			}
		})
	}
	t.Run("ordinary Markdown", func(t *testing.T) {
		out, err := markdown.Render("# Title\n\nSome **bold** and [a link](https://example.org/a?b=1).\n\n- one\n- two\n\n1. first\n\n> quote\n\n`code`\n\n![alt](https://example.org/i.png)")
		if err != nil {
			t.Fatal(err)
		}
		root := parseHTMLFragment(t, out)
		for _, want := range []string{"h1", "strong", "ul", "ol", "blockquote", "code", "img"} {
			if within(root, want).Length() == 0 {
				t.Errorf("no <%s> in %s", want, out)
			}
		}
		link := within(root, "a").First()
		if href, _ := link.Attr("href"); href != "https://example.org/a?b=1" {
			t.Errorf("link href %q", href)
		}
		if rel, _ := link.Attr("rel"); !strings.Contains(rel, "nofollow") || !strings.Contains(rel, "noreferrer") {
			t.Errorf("link rel %q, want nofollow noreferrer", rel)
		}
	})

	// The whole pipeline: one lesson holding the whole corpus.
	f := newAuthoringFixture(t)
	body := strings.Join(xssCorpus, "\n\n")
	page := f.victor.GET(f.lessonEdit + "/edit").Send().Doc()
	f.victor.POST(f.lessonEdit).Form(url.Values{"title": {"XSS"}, "body": {body}, "published": {"true"}, "version": {version(t, page)}}).Expect(http.StatusSeeOther)
	lesson := f.learner.GET(f.lessonEdit).Expect(http.StatusOK)
	checkInert(t, mustSelect(t, lesson.Doc(), "div.body"))
	prev := f.victor.POST("/lessons/preview").Form(url.Values{"body": {body}}).HTMX().Send()
	checkInert(t, prev.Fragment())
	// The editor's textarea shows the source as text, not markup.
	edit := f.victor.GET(f.lessonEdit + "/edit").Send().Doc()
	if ta := edit.Find("textarea[name=\"body\"]").First(); ta.Length() == 0 || ta.Text() != body {
		t.Error("the edit form does not give the stored body back as text")
	}
}

// TestAuthoringPageSizes keeps the authoring pages small for phones on
// metered data.
func TestAuthoringPageSizes(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	for _, p := range []struct {
		path string
		max  int
	}{
		{"/studio", 8 << 10},
		{"/courses/new", 6 << 10},
		{f.courseEdit + "/edit", 16 << 10},
		{f.lessonEdit + "/edit", 10 << 10},
		{f.courseEdit + "/delete", 6 << 10},
	} {
		res := f.victor.GET(p.path).Send()
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d", p.path, res.Status)
		}
		t.Logf("%s: %d bytes", p.path, len(res.Body))
		if len(res.Body) > p.max {
			t.Errorf("%s is %d bytes, budget %d", p.path, len(res.Body), p.max)
		}
	}
}
