package handlers_test

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fieldbook/store/storetest"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
)

// errorSection finds the error page's section.error, in a whole page or in
// an htmx fragment, and returns its heading and message.
func errorSection(t *testing.T, body string, fragment bool) (title, msg string) {
	t.Helper()
	var sec *goquery.Selection
	if fragment {
		nodes := parseHTMLFragment(t, body)
		if nodes.Length() != 1 || !nodes.Eq(0).Is("section.error") {
			t.Fatalf("htmx error is not a lone section.error fragment:\n%s", body)
		}
		sec = nodes.Eq(0)
	} else {
		doc := htmlDoc(t, body)
		checkPage(t, doc)
		sec = mustSelect(t, doc, "section.error")
	}
	return textOf(sec.Find("h1").First()), textOf(sec.Find("p").First())
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	anon := a.newClient(t)

	const (
		malformed  = "That address has a malformed id."
		nothing    = "There is nothing at this address."
		sayWhether = "Say whether the lesson is complete: completed=true or completed=false."
		trueFalse  = "completed must be true or false."
	)
	l0 := w.Course.Lessons[0].String()
	tests := []struct {
		name       string
		client     *client
		method     string
		path       string
		form       url.Values // POST body
		htmx       bool
		wantStatus int
		wantMsg    string
	}{
		{"malformed course id", anon, "GET", "/courses/x", nil, false, 400, malformed},
		{"malformed course id, signed in", learner, "GET", "/courses/x", nil, false, 400, malformed},
		{"course id with SQL", learner, "GET", "/courses/" + url.PathEscape("1' OR '1'='1"), nil, false, 400, malformed},
		{"nil course id", anon, "GET", "/courses/" + uuid.Nil.String(), nil, false, 400, malformed},
		{"malformed lesson id", learner, "GET", "/lessons/x", nil, false, 400, malformed},
		{"truncated lesson id", anon, "GET", "/lessons/" + l0[:30], nil, false, 400, malformed},
		{"malformed lesson id on complete", learner, "POST", "/lessons/x/complete", url.Values{"completed": {"true"}}, false, 400, malformed},
		{"malformed lesson id on complete, htmx", learner, "POST", "/lessons/x/complete", url.Values{"completed": {"true"}}, true, 400, malformed},
		{"unknown course", learner, "GET", "/courses/" + uuid.NewString(), nil, false, 404, nothing},
		{"unpublished course", learner, "GET", "/courses/" + w.DraftCourse.ID.String(), nil, false, 404, nothing},
		{"unknown lesson", anon, "GET", "/lessons/" + uuid.NewString(), nil, false, 404, nothing},
		{"unpublished lesson", learner, "GET", "/lessons/" + w.DraftLesson().String(), nil, false, 404, nothing},
		{"lesson of an unpublished course", learner, "GET", "/lessons/" + w.DraftCourseLesson().String(), nil, false, 404, nothing},
		{"complete an unknown lesson", learner, "POST", "/lessons/" + uuid.NewString() + "/complete", url.Values{"completed": {"true"}}, false, 404, nothing},
		{"complete an unknown lesson, htmx", learner, "POST", "/lessons/" + uuid.NewString() + "/complete", url.Values{"completed": {"true"}}, true, 404, nothing},
		{"complete an unpublished lesson", learner, "POST", "/lessons/" + w.DraftLesson().String() + "/complete", url.Values{"completed": {"true"}}, false, 404, nothing},
		{"complete a lesson of an unpublished course", learner, "POST", "/lessons/" + w.DraftCourseLesson().String() + "/complete", url.Values{"completed": {"true"}}, false, 404, nothing},
		{"completed missing", learner, "POST", "/lessons/" + l0 + "/complete", url.Values{}, false, 400, sayWhether},
		{"completed empty", learner, "POST", "/lessons/" + l0 + "/complete", url.Values{"completed": {""}}, false, 400, sayWhether},
		{"completed maybe", learner, "POST", "/lessons/" + l0 + "/complete", url.Values{"completed": {"maybe"}}, false, 400, trueFalse},
		{"completed maybe, htmx", learner, "POST", "/lessons/" + l0 + "/complete", url.Values{"completed": {"maybe"}}, true, 400, trueFalse},
		{"completed 1", learner, "POST", "/lessons/" + l0 + "/complete", url.Values{"completed": {"1"}}, false, 400, trueFalse},
		{"unknown route", anon, "GET", "/no/such/page", nil, false, 404, nothing},
		{"unknown route, signed in", learner, "GET", "/no/such/page", nil, false, 404, nothing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.snapshot(t)
			h := http.Header{}
			if tt.htmx {
				h = htmxHeader()
			}
			var res response
			if tt.form != nil {
				res = tt.client.POST(tt.path).Form(tt.form).Headers(h).Send()
			} else {
				res = tt.client.Request(tt.method, tt.path).Headers(h).Send()
			}
			if res.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.Status, tt.wantStatus, res.Body)
			}
			if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "text/html" {
				t.Errorf("Content-Type = %q, want text/html", res.Header.Get("Content-Type"))
			}
			title, msg := errorSection(t, res.Body, tt.htmx)
			if title != http.StatusText(tt.wantStatus) {
				t.Errorf("heading = %q, want %q", title, http.StatusText(tt.wantStatus))
			}
			if msg != tt.wantMsg {
				t.Errorf("message = %q, want %q", msg, tt.wantMsg)
			}
			checkNoLeak(t, res.Body)
			if a.snapshot(t) != before {
				t.Error("the database changed")
			}
		})
	}
	if n := a.count(t, `SELECT count(*) FROM student_progress`); n != 0 {
		t.Errorf("progress rows = %d, want 0", n)
	}
}

// TestAPINotFound: unknown addresses under /api answer in JSON.
func TestAPINotFound(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	tests := []struct {
		name, path string
		status     int
	}{
		{"unknown API route", "/api/nothing", http.StatusNotFound},
		{"unknown API sub-route", "/api/courses/" + uuid.NewString(), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := learner.GET(tt.path).Send()
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d", res.Status, tt.status)
			}
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(res.Body), &e); err != nil || e.Error == "" {
				t.Errorf("body %q is not a JSON error", res.Body)
			}
			checkNoLeak(t, res.Body)
		})
	}
}

// hiddenLength hides a body's length, so it is sent chunked and only the
// bytes read can tell it is too large.
type hiddenLength struct{ io.Reader }

// TestUnreadableForms: a form body over the limit is a 413, with or without
// a Content-Length, and a malformed one a 400; never a form that silently
// looks empty.
func TestUnreadableForms(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	pad := strings.Repeat("a", 2<<20)
	// Each body is valid up to its padding: were the limit not enforced, the
	// request would change the database.
	signup := "username=bigbody&name=Big+Body&password=long+enough+pw&pad=" + pad
	complete := "completed=true&pad=" + pad
	completePath := "/lessons/" + w.Course.Lessons[0].String() + "/complete"
	const (
		tooLarge   = "What you sent is too large."
		unreadable = "The form could not be read. Please try again."
	)

	tests := []struct {
		name       string
		client     *client
		path       string
		body       string
		chunked    bool
		wantStatus int
		wantMsg    string
	}{
		{"2 MB sign-up", a.newClient(t), "/signup", signup, false, 413, tooLarge},
		{"2 MB sign-up, chunked", a.newClient(t), "/signup", signup, true, 413, tooLarge},
		{"2 MB sign-in, chunked", a.newClient(t), "/login", "username=lena&password=correct+horse+battery&pad=" + pad, true, 413, tooLarge},
		{"2 MB completion", learner, completePath, complete, false, 413, tooLarge},
		{"2 MB completion, chunked", learner, completePath, complete, true, 413, tooLarge},
		{"malformed sign-up", a.newClient(t), "/signup", "username=okname&name=Ok&password=long+enough+pw&x=%zz", false, 400, unreadable},
		{"malformed completion", learner, completePath, "completed=true&x=%zz", false, 400, unreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.snapshot(t)
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = hiddenLength{body}
			}
			res := tt.client.POST(tt.path).Stream("application/x-www-form-urlencoded", body).Send()
			if res.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%.500s", res.Status, tt.wantStatus, res.Body)
			}
			_, msg := errorSection(t, res.Body, false)
			if msg != tt.wantMsg {
				t.Errorf("message = %q, want %q", msg, tt.wantMsg)
			}
			checkNoLeak(t, res.Body)
			if a.snapshot(t) != before {
				t.Error("the database changed")
			}
			if res.cookie(sessionCookie) != nil && tt.client != learner {
				t.Error("a refused form started a session")
			}
		})
	}
}

func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.GET(t, "/no/such/page").Expect(http.StatusNotFound)
	doc := res.Doc()
	checkPage(t, doc)
	if got := textOf(doc.Find("title").First()); got != "Not Found · Fieldbook" {
		t.Errorf("title = %q", got)
	}
	sec := mustSelect(t, doc, "section.error")
	if href, _ := sec.Find("a").First().Attr("href"); href != "/" {
		t.Errorf("the error page links to %q, want /", href)
	}
	css := doc.Find("link[rel=\"stylesheet\"]").First()
	if href, _ := css.Attr("href"); !strings.HasPrefix(href, "/static/") {
		t.Errorf("the error page's stylesheet is %q, want a /static/ URL", href)
	}
}

func TestTrailingSlashRedirect(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	tests := []struct {
		path, want string
	}{
		{"/login/", "/login"},
		{"/signup/?x=1", "/signup?x=1"},
		{"//evil.example/", ""}, // must not leave the site
		{"/\\evil.example/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := a.GET(t, tt.path).Send()
			loc := res.Header.Get("Location")
			if tt.want != "" {
				if res.Status != http.StatusMovedPermanently || loc != tt.want {
					t.Errorf("status %d Location %q, want 301 to %q", res.Status, loc, tt.want)
				}
				return
			}
			u, err := url.Parse(loc)
			if err != nil || u.Host != "" || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
				t.Errorf("status %d Location %q leaves the site", res.Status, loc)
			}
		})
	}
}
