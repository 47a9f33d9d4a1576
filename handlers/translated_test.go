package handlers_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/net/html"

	"fieldbook/internal/i18n"
	"fieldbook/internal/i18n/i18ntest"
	"fieldbook/store"
)

// The roles TestPagesTranslated renders pages as ("" is signed out).
const (
	asNobody    = ""
	asLearner   = "learner"
	asVolunteer = "volunteer"
	asAdmin     = "admin"
)

// translatedPage is one page, fragment, error or JSON answer that must be
// in the reader's language: what it is, who asks, and how.
type translatedPage struct {
	name   string
	as     string
	status int
	do     func(c *client) response
}

// seededContent are the course texts and names seedWorld and the test make:
// content, not interface text, the same in every language.
var seededContent = []string{
	"Basics of bookkeeping", "About Basics of bookkeeping", "Receipts", "Draft: ledgers", "Cash book",
	"Month end", "Allotment planning", "About Allotment planning", "Soil", "Seeds", "Unreleased course",
	"About Unreleased course", "Hidden lesson", "First paragraph.", "one", "two", "Old course", "Text", "notes.txt", "empty.png",
	"Which pot?", "Clay pot", "Steel pot",
	learnerName, learnerUser, "Victor Volunteer", "victor", "Ada Admin", "ada",
}

// translationWorld is what the pages of TestPagesTranslated need besides
// the usual world.
type translationWorld struct {
	world
	adminID     uuid.UUID
	inviteToken string
	resetToken  string
	// archived is an archived course of the volunteer's; the first
	// lesson of course was saved once more, so a form of its version 1
	// meets a conflict.
	archived uuid.UUID
	// question is a question of the second lesson's quiz, saved twice.
	question uuid.UUID
	// certCode is the learner's certificate of otherCourse; content
	// holds it and its address, which are no words either.
	certCode string
	content  []string
}

func get(path string) func(c *client) response {
	return func(c *client) response { return c.get(path, nil) }
}

func getHTMX(path string) func(c *client) response {
	return func(c *client) response { return c.get(path, htmxHeader()) }
}

func post(path string, form url.Values) func(c *client) response {
	return func(c *client) response { return c.postForm(path, form, nil) }
}

func postHTMX(path string, form url.Values) func(c *client) response {
	return func(c *client) response { return c.postForm(path, form, htmxHeader()) }
}

func postJSON(path, contentType, body string) func(c *client) response {
	return func(c *client) response {
		return c.do(http.MethodPost, path, strings.NewReader(body), http.Header{
			"Content-Type": {contentType}, "Accept": {"application/json"}})
	}
}

// translatedPages are every page and fragment of Fieldbook, by who sees
// them.
func translatedPages(w translationWorld) []translatedPage {
	var pages []translatedPage
	pages = append(pages, shellPages(w)...)
	pages = append(pages, accountPages(w)...)
	pages = append(pages, authoringPages(w)...)
	pages = append(pages, quizPages(w)...)
	pages = append(pages, learnerPages(w)...)
	pages = append(pages, dashboardPages(w)...)
	return pages
}

// learnerPages are what learners read: the course list, a course, its
// lessons, their progress, and the refusals of marking and syncing.
func learnerPages(w translationWorld) []translatedPage {
	course, first, quiz, last := w.course.String(), w.lessons[0].String(), w.lessons[1].String(), w.lessons[2].String()
	return []translatedPage{
		{"home", asNobody, 200, get("/")},
		{"home, learner", asLearner, 200, get("/")},
		{"course", asNobody, 200, get("/courses/" + course)},
		{"course, learner", asLearner, 200, get("/courses/" + course)},
		{"first lesson", asNobody, 200, get("/lessons/" + first)},
		{"quiz lesson", asLearner, 200, get("/lessons/" + quiz)},
		{"last lesson", asLearner, 200, get("/lessons/" + last)},
		{"my progress", asLearner, 200, get("/me/progress")},
		{"my progress, none", asAdmin, 200, get("/me/progress")},
		{"complete, no answer", asLearner, 400, post("/lessons/"+first+"/complete", url.Values{})},
		{"complete, not a yes or no", asLearner, 400, post("/lessons/"+first+"/complete", url.Values{"completed": {"maybe"}})},
		{"sync, not JSON", asLearner, 415, postJSON("/api/progress", "text/plain", "{}")},
		{"sync, bad body", asLearner, 400, postJSON("/api/progress", "application/json", "[")},
		{"sync, nothing to sync", asLearner, 400, postJSON("/api/progress", "application/json", "{}")},
	}
}

// dashboardPages are a course's dashboard (with and without quizzes), its
// live block as htmx re-reads it, a learner's page, and their refusals.
func dashboardPages(w translationWorld) []translatedPage {
	course, other := "/courses/"+w.course.String()+"/dashboard", "/courses/"+w.otherCourse.String()+"/dashboard"
	live := func(c *client) response {
		return c.get(other, http.Header{"HX-Request": {"true"}, "HX-Target": {"dash-live"}})
	}
	return []translatedPage{
		{"dashboard", asVolunteer, 200, get(other)},
		{"dashboard with a quiz", asVolunteer, 200, get(course)},
		{"dashboard, live block", asVolunteer, 200, live},
		{"dashboard, search", asVolunteer, 200, get(other + "?q=Lena&sort=progress")},
		{"dashboard, no match", asVolunteer, 200, get(other + "?q=nobody")},
		{"dashboard, empty course", asVolunteer, 200, get("/courses/" + w.archived.String() + "/dashboard")},
		{"dashboard, learner", asLearner, 403, get(other)},
		{"dashboard, no course", asVolunteer, 404, get("/courses/" + uuid.NewString() + "/dashboard")},
		{"dashboard, sort", asVolunteer, 400, get(other + "?sort=age")},
		{"dashboard, dir", asVolunteer, 400, get(other + "?dir=up")},
		{"dashboard, page", asVolunteer, 400, get(other + "?page=0")},
		{"dashboard, long search", asVolunteer, 400, get(other + "?q=" + strings.Repeat("x", 101))},
		{"learner's page", asVolunteer, 200, get(other + "/learners/" + w.learnerID.String())},
		{"learner's page, quiz", asVolunteer, 200, get(course + "/learners/" + w.learnerID.String())},
		{"learner's page, not started", asVolunteer, 404, get(other + "/learners/" + w.adminID.String())},
	}
}

func shellPages(translationWorld) []translatedPage {
	return []translatedPage{
		{"sign in", asNobody, 200, get("/login")},
		{"sign up", asNobody, 200, get("/signup")},
		{"sign-up errors", asNobody, 422, post("/signup", url.Values{"username": {"x"}, "password": {"password"}})},
		{"sign-in errors", asNobody, 422, post("/login", url.Values{})},
		{"offline", asNobody, 200, get("/offline")},
		{"not found", asNobody, 404, get("/no/such/page")},
		{"unknown language", asNobody, 400, post("/language", url.Values{"lang": {"xx"}})},
		// Error pages inside the signed-in layout (a course that is not there).
		{"not found, learner", asLearner, 404, get("/courses/" + uuid.NewString())},
		{"not found, volunteer", asVolunteer, 404, get("/courses/" + uuid.NewString())},
		{"not found, admin", asAdmin, 404, get("/courses/" + uuid.NewString())},
		{"who is learning", asNobody, 200, get("/phone")},
		{"malformed id", asLearner, 400, get("/courses/not-an-id")},
		{"progress, malformed id", asLearner, 400, get("/api/courses/not-an-id/progress")},
		{"progress of no course", asLearner, 404, get("/api/courses/" + uuid.NewString() + "/progress")},
		{"my progress, two courses", asLearner, 400, get("/api/me/progress?course=x&course=y")},
		{"me, signed out", asNobody, 401, get("/api/me")},
	}
}

func accountPages(w translationWorld) []translatedPage {
	pages := []translatedPage{
		{"account, password error", asLearner, 422, post("/account/password", url.Values{"new_password": {"short"}})},
		{"account, wrong password", asLearner, 422, post("/account/password", url.Values{
			"current_password": {"not my password"}, "new_password": {"a brand new long password"}})},
		{"phone key, wrong type", asLearner, 415, postJSON("/api/phones", "text/plain", "{}")},
		{"phone key, bad body", asLearner, 400, postJSON("/api/phones", "application/json", "[")},
		{"phone key, not a key", asLearner, 422, postJSON("/api/phones", "application/json", `{"public_key": 1}`)},
		{"forget an unknown phone", asLearner, 404, postJSON("/api/phones/"+uuid.NewString()+"/forget", "application/json", "")},
		{"admin only", asVolunteer, 403, get("/admin/users")},
		{"users", asAdmin, 200, get("/admin/users")},
		{"own role", asAdmin, 400, post("/admin/users/"+w.adminID.String()+"/role", url.Values{"role": {"learner"}})},
		{"no such role", asAdmin, 400, post("/admin/users/"+w.learnerID.String()+"/role", url.Values{"role": {"king"}})},
		{"invites", asAdmin, 200, get("/admin/invites")},
		{"invite days wrong", asAdmin, 422, post("/admin/invites", url.Values{"days": {"99"}})},
		{"invite made", asAdmin, 200, post("/admin/invites", url.Values{"days": {"3"}})},
		{"reset link made", asAdmin, 200, post("/admin/users/"+w.learnerID.String()+"/reset", nil)},
		{"accept invite", asNobody, 200, get("/invite/" + w.inviteToken)},
		{"accept invite, errors", asNobody, 422, post("/invite/"+w.inviteToken, url.Values{"username": {"x"}})},
		{"unknown invite", asNobody, 404, get("/invite/no-such-token")},
		{"accept reset", asNobody, 200, get("/reset/" + w.resetToken)},
		{"accept reset, errors", asNobody, 422, post("/reset/"+w.resetToken, url.Values{"password": {"short"}})},
		{"unknown reset", asNobody, 404, get("/reset/no-such-token")},
	}
	for _, done := range []string{"", "password", "sessions", "phone"} {
		pages = append(pages, translatedPage{"account " + done, asLearner, 200, get("/account?done=" + done)})
	}
	for _, done := range []string{"role", "disable", "enable"} {
		pages = append(pages, translatedPage{"users " + done, asAdmin, 200, get("/admin/users?done=" + done)})
	}
	return pages
}

func authoringPages(w translationWorld) []translatedPage {
	course, lesson := w.course.String(), w.lessons[0].String()
	lessonForm := func(version string) url.Values {
		return url.Values{"version": {version}, "title": {"Receipts"}, "body": {"Text"}, "duration_minutes": {"5"}}
	}
	upload := func(name string, data []byte, header http.Header) func(c *client) response {
		return func(c *client) response {
			return c.upload("/lessons/"+lesson+"/media", lessonForm("2"), name, "application/octet-stream", data, header)
		}
	}
	return []translatedPage{
		{"studio", asVolunteer, 200, get("/studio")},
		{"studio, learner", asLearner, 403, get("/studio")},
		{"new course", asVolunteer, 200, get("/courses/new")},
		{"new course, errors", asVolunteer, 422, post("/courses", url.Values{"title": {""}})},
		{"new course, errors, htmx", asVolunteer, 422, postHTMX("/courses", url.Values{"title": {strings.Repeat("x", 201)}})},
		{"edit course", asVolunteer, 200, get("/courses/" + course + "/edit")},
		{"edit archived course", asVolunteer, 200, get("/courses/" + w.archived.String() + "/edit")},
		{"change archived course", asVolunteer, 409, post("/courses/"+w.archived.String(), url.Values{"version": {"1"}, "title": {"x"}})},
		{"edit course, no version", asVolunteer, 400, post("/courses/"+course, url.Values{"title": {"x"}})},
		{"edit course, errors, htmx", asVolunteer, 422, postHTMX("/courses/"+course, url.Values{"version": {"1"}, "title": {""}})},
		{"add editor, errors", asVolunteer, 422, post("/courses/"+course+"/editors", url.Values{"username": {"nobody"}})},
		{"add editor, again", asVolunteer, 422, post("/courses/"+course+"/editors", url.Values{"username": {"victor"}})},
		{"delete course?", asVolunteer, 200, get("/courses/" + course + "/delete")},
		{"new lesson, errors", asVolunteer, 422, post("/courses/"+course+"/lessons", url.Values{"title": {""}, "duration_minutes": {"9999"}})},
		{"edit lesson", asVolunteer, 200, get("/lessons/" + lesson + "/edit")},
		{"edit lesson, conflict", asVolunteer, 409, post("/lessons/"+lesson, lessonForm("1"))},
		{"edit lesson, errors, htmx", asVolunteer, 422, postHTMX("/lessons/"+lesson, url.Values{"version": {"2"},
			"body": {strings.Repeat("1", 30001)}, "content_url": {"ftp://x"}})},
		{"move lesson, no way", asVolunteer, 400, post("/lessons/"+lesson+"/move", nil)},
		{"preview", asVolunteer, 200, post("/lessons/preview", url.Values{"lesson_id": {lesson}, "body": {"**Text**"}})},
		{"preview, htmx", asVolunteer, 200, postHTMX("/lessons/preview", url.Values{"lesson_id": {lesson}, "body": {"**Text**"}})},
		{"preview of nothing", asVolunteer, 400, post("/lessons/preview", url.Values{"body": {"x"}})},
		{"upload, no file, htmx", asVolunteer, 422, upload("", nil, htmxHeader())},
		{"upload, not a file kind", asVolunteer, 415, upload("notes.txt", []byte("plain words"), nil)},
		{"upload, not a file kind, htmx", asVolunteer, 422, upload("notes.txt", []byte("plain words"), htmxHeader())},
		{"upload, empty", asVolunteer, 422, upload("empty.png", nil, nil)},
		{"no such file", asVolunteer, 404, get("/media/" + strings.Repeat("0", 64) + "/x.png")},
		{"dashboard events, since when?", asVolunteer, 400, get("/courses/" + course + "/dashboard/events?since=x")},
	}
}

func quizPages(w translationWorld) []translatedPage {
	lesson, q := w.lessons[1].String(), w.question.String()
	question := func(kind, version, answer string) url.Values {
		return url.Values{"version": {version}, "kind": {kind}, "prompt": {"Which pot?"}, "choices": {"Clay pot\nSteel pot"},
			"answer": {answer}, "tolerance": {"-1"}, "lesson_id": {lesson}, "question_id": {q}}
	}
	return []translatedPage{
		{"lesson with a quiz", asVolunteer, 200, get("/lessons/" + lesson + "/edit")},
		{"question", asVolunteer, 200, get("/questions/" + q + "/edit")},
		{"question, conflict", asVolunteer, 409, post("/questions/"+q, question("single", "1", "1"))},
		{"question, errors, htmx", asVolunteer, 422, postHTMX("/questions/"+q, question("number", "2", "?"))},
		{"new question, errors", asVolunteer, 422, post("/lessons/"+lesson+"/questions", question("multiple", "", "1, 1"))},
		{"preview, choices", asVolunteer, 200, post("/questions/preview", question("multiple", "2", "1, 2"))},
		{"preview, true or false, htmx", asVolunteer, 200, postHTMX("/questions/preview", question("truefalse", "2", "true"))},
		{"preview, words, htmx", asVolunteer, 200, postHTMX("/questions/preview", question("text", "2", "one\ntwo"))},
		{"quiz settings, errors", asVolunteer, 422, post("/lessons/"+lesson+"/quiz", url.Values{"mode": {"check"}, "pass_mark": {"0"}})},
		{"quiz settings, no mode", asVolunteer, 400, post("/lessons/"+lesson+"/quiz", url.Values{"mode": {"exam"}})},
		{"move question, no way", asVolunteer, 400, post("/questions/"+q+"/move", nil)},
		{"complete a quiz lesson", asLearner, 409, post("/lessons/"+lesson+"/complete", url.Values{"completed": {"true"}})},
		{"quiz of a lesson without one", asNobody, 404, func(c *client) response {
			return c.get("/api/lessons/"+w.lessons[0].String()+"/quiz", http.Header{"Accept": {"application/json"}})
		}},
		{"certificate", asLearner, 200, get("/courses/" + w.otherCourse.String() + "/certificate")},
		{"no certificate yet", asLearner, 404, get("/courses/" + w.course.String() + "/certificate")},
		{"verify", asNobody, 200, get("/verify/" + w.certCode)},
		{"verify, unknown", asNobody, 404, get("/verify/AAAABBBBCCCCD")},
	}
}

// setupQuizWorld gives the second lesson a quiz question, saved twice, and
// the learner a certificate of otherCourse.
func setupQuizWorld(t *testing.T, w *translationWorld, volunteer, learner *client) {
	t.Helper()
	lesson := w.lessons[1].String()
	form := url.Values{"kind": {"single"}, "prompt": {"Which pot?"}, "choices": {"Clay pot\nSteel pot"}, "answer": {"1"}}
	if res := volunteer.postForm("/lessons/"+lesson+"/questions", form, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("add question: %d", res.Status)
	}
	edit := find(parseDoc(t, volunteer.get("/lessons/"+lesson+"/edit", nil).Body), hasAttrPrefix("href", "/questions/"))
	href, _ := attr(edit, "href")
	id, err := uuid.Parse(strings.TrimSuffix(strings.TrimPrefix(href, "/questions/"), "/edit"))
	if err != nil {
		t.Fatalf("question link %q", href)
	}
	w.question = id
	form.Set("version", "1")
	if res := volunteer.postForm("/questions/"+id.String(), form, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("save question: %d", res.Status)
	}
	learner.signIn(learnerUser, learnerPass)
	for _, l := range w.otherLessons {
		if res := learner.postForm("/lessons/"+l.String()+"/complete", url.Values{"completed": {"true"}}, nil); res.Status != http.StatusSeeOther {
			t.Fatalf("complete: %d", res.Status)
		}
	}
	if res := learner.postForm("/lessons/"+w.lessons[0].String()+"/complete", url.Values{"completed": {"true"}}, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("complete: %d", res.Status)
	}
	cert := parseDoc(t, learner.get("/courses/"+w.otherCourse.String()+"/certificate", nil).Body)
	link := mustFind(t, cert, "the verification link", hasAttrPrefix("href", "/verify/"))
	href, _ = attr(link, "href")
	w.certCode = strings.TrimPrefix(href, "/verify/")
	w.content = append(w.content, text(link), text(find(cert, tag("strong"))), w.certCode)
}

// setupTranslationWorld seeds the usual world, an admin, the one-time links
// the pages follow, an archived course, and a lesson saved once more.
func setupTranslationWorld(t *testing.T, a *testApp, admin, volunteer *client) translationWorld {
	t.Helper()
	w := translationWorld{world: a.seedWorld(t)}
	w.adminID = a.createUser(t, store.RoleAdmin, "ada", "Ada Admin", "admin password long")
	admin.signIn("ada", "admin password long")
	volunteer.signIn("victor", "volunteer password")
	res := volunteer.postForm("/courses", url.Values{"title": {"Old course"}}, nil)
	id, err := uuid.Parse(strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/courses/"), "/edit"))
	if err != nil {
		t.Fatalf("new course: %d %q", res.Status, res.Header.Get("Location"))
	}
	w.archived = id
	if res := volunteer.postForm("/courses/"+id.String()+"/archive", nil, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("archive: %d", res.Status)
	}
	if res := volunteer.postForm("/lessons/"+w.lessons[0].String(), url.Values{"version": {"1"}, "title": {"Receipts"},
		"body": {"First paragraph."}, "duration_minutes": {"5"}, "published": {"true"}}, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("save lesson: %d", res.Status)
	}
	link := func(res response, id string) string {
		v, _ := attr(mustFind(t, parseDoc(t, res.Body), id, hasAttr("id", id)), "value")
		u, err := url.Parse(v)
		if err != nil || v == "" {
			t.Fatalf("no %s on the page: %q", id, v)
		}
		return u.Path[strings.LastIndex(u.Path, "/")+1:]
	}
	w.inviteToken = link(admin.postForm("/admin/invites", url.Values{"days": {"7"}}, nil), "invite-link")
	w.resetToken = link(admin.postForm("/admin/users/"+w.learnerID.String()+"/reset", nil, nil), "reset-link")
	return w
}

// TestPagesTranslated renders every page and fragment (htmx ones with
// HX-Request), error page and JSON error, signed out and as each role, in
// English and in every other language, and finds no English left: the
// visible texts of a translated page share nothing with the English page
// but course content, names and the reviewed allowlist
// (i18ntest.UntranslatedExcept); a JSON error's message differs.
func TestPagesTranslated(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	clients := map[string]*client{asNobody: a.newClient(t), asLearner: a.newClient(t), asVolunteer: a.newClient(t),
		asAdmin: a.newClient(t)}
	w := setupTranslationWorld(t, a, clients[asAdmin], clients[asVolunteer])
	setupQuizWorld(t, &w, clients[asVolunteer], clients[asLearner])
	pages := translatedPages(w)
	bodies := map[string]map[string]response{}
	for _, l := range i18n.Languages() {
		for as, c := range clients {
			if as == asNobody {
				c.setLang(l.Tag)
			} else if res := c.postForm("/language", url.Values{"lang": {l.Tag}, "next": {"/"}}, nil); res.Status != http.StatusSeeOther {
				t.Fatalf("%s: choosing %s: status %d", as, l.Tag, res.Status)
			}
		}
		for _, p := range pages {
			if bodies[p.name] == nil {
				bodies[p.name] = map[string]response{}
			}
			bodies[p.name][l.Tag] = p.do(clients[p.as])
		}
	}
	for _, p := range pages {
		english := bodies[p.name][i18n.Source]
		if english.Status != p.status {
			t.Errorf("%s: status %d, want %d", p.name, english.Status, p.status)
		}
		for _, l := range i18n.Languages()[1:] {
			res := bodies[p.name][l.Tag]
			if got := res.Header.Get("Content-Language"); got != l.Tag {
				t.Errorf("%s, %s: Content-Language %q (status %d)", p.name, l.Tag, got, res.Status)
			}
			if left := untranslated(t, english, res, l.Tag, w.content); len(left) > 0 {
				for i, s := range left {
					if r := []rune(s); len(r) > 120 {
						left[i] = string(r[:120]) + "…"
					}
				}
				t.Errorf("%s, %s: English left: %q", p.name, l.Tag, left)
			}
		}
	}
}

// untranslated is the English left in res, a page or a JSON error in lang,
// against the same answer in English.
func untranslated(t *testing.T, english, res response, lang string, content []string) []string {
	t.Helper()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		var en, tr struct{ Error string }
		if err := json.Unmarshal([]byte(english.Body), &en); err != nil || en.Error == "" {
			t.Fatalf("no JSON error in %q", english.Body)
		}
		_ = json.Unmarshal([]byte(res.Body), &tr)
		if tr.Error == en.Error {
			return []string{tr.Error}
		}
		return nil
	}
	left, err := i18ntest.UntranslatedExcept(strings.NewReader(english.Body), strings.NewReader(res.Body), lang, append(content, seededContent...))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// scriptConst is the JSON value of `const name = …;` at the start of a
// line of a script the server prepends constants to.
func scriptConst(t *testing.T, script, name string) json.RawMessage {
	t.Helper()
	for _, line := range strings.Split(script, "\n") {
		if v, ok := strings.CutPrefix(line, "const "+name+" = "); ok {
			return json.RawMessage(strings.TrimSuffix(v, ";"))
		}
	}
	t.Fatalf("the script has no const %s", name)
	return nil
}

// untranslatedTexts are the texts of a JavaScript table (or of one plural
// message's forms) that are still the English ones, by key.
func untranslatedTexts(en, tr map[string]any, lang string) []string {
	var out []string
	for key, e := range en {
		switch e := e.(type) {
		case string:
			if s, _ := tr[key].(string); s == e && !slices.Contains(i18ntest.Allowed[lang], s) {
				out = append(out, key)
			}
		case map[string]any:
			forms, _ := tr[key].(map[string]any)
			for _, left := range untranslatedTexts(e, forms, lang) {
				out = append(out, key+"."+left)
			}
		}
	}
	return out
}

// TestScriptTextsPerLanguage: a page loads the page script of its own
// language, which starts with that language's JavaScript table (TEXT, all
// of it translated) and its locale (LANG, for Intl: Latin digits in
// Arabic); the worker carries its own few texts in every language (TEXTS).
func TestScriptTextsPerLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)
	scripts := map[string]map[string]any{}
	for _, l := range i18n.Languages() {
		c.setLang(l.Tag)
		doc := parseDoc(t, c.get("/", nil).Body)
		src, _ := attr(mustFind(t, doc, "the page script", and(tag("script"), hasAttrPrefix("src", "/static/"),
			func(n *html.Node) bool { s, _ := attr(n, "src"); return strings.HasSuffix(s, "/app."+l.Tag+".js") })), "src")
		script := c.get(src, nil)
		if script.Status != http.StatusOK {
			t.Fatalf("%s: GET %s: %d", l.Tag, src, script.Status)
		}
		var lang string
		if err := json.Unmarshal(scriptConst(t, script.Body, "LANG"), &lang); err != nil || lang != l.Locale() {
			t.Errorf("%s: LANG = %q (%v), want %q", l.Tag, lang, err, l.Locale())
		}
		text := scriptConst(t, script.Body, "TEXT")
		if !bytes.Equal(text, i18n.Default().JSTable(l.Tag)) {
			t.Errorf("%s: TEXT is not the catalogue's JavaScript table", l.Tag)
		}
		var table map[string]any
		if err := json.Unmarshal(text, &table); err != nil || table["waiting"] == nil {
			t.Fatalf("%s: TEXT %s: %v", l.Tag, text, err)
		}
		scripts[l.Tag] = table
	}
	for _, l := range i18n.Languages()[1:] {
		if left := untranslatedTexts(scripts[i18n.Source], scripts[l.Tag], l.Tag); len(left) > 0 {
			t.Errorf("%s: the page script's texts still English: %v", l.Tag, left)
		}
	}
	var texts map[string]map[string]string
	if err := json.Unmarshal(scriptConst(t, c.get("/sw.js", nil).Body, "TEXTS"), &texts); err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Languages() {
		for key, s := range texts[i18n.Source] {
			if got := texts[l.Tag][key]; got == "" || got != scripts[l.Tag][key] || (l.Tag != i18n.Source && got == s) {
				t.Errorf("the worker's %s in %s is %q; the page script's is %q", key, l.Tag, got, scripts[l.Tag][key])
			}
		}
	}
}

// TestDashboardCSVInTheLanguage: the CSV's headers and totals row are in
// the language of the volunteer who exports it, its cells stay what a
// spreadsheet reads alike everywhere: ISO 8601 times and plain digits.
func TestDashboardCSVInTheLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	a.complete(t, w.learnerID, w.otherLessons[0], true)
	editor := a.newClient(t)
	editor.signIn("victor", "volunteer password")
	for _, lang := range []string{"fr", "ar"} {
		if res := editor.postForm("/language", url.Values{"lang": {lang}, "next": {"/"}}, nil); res.Status != http.StatusSeeOther {
			t.Fatalf("choosing %s: %d", lang, res.Status)
		}
		res := editor.get("/courses/"+w.otherCourse.String()+"/dashboard.csv", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: status %d", lang, res.Status)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
		if err != nil || len(recs) != 3 {
			t.Fatalf("%s: %d rows, %v\n%s", lang, len(recs), err, res.Body)
		}
		loc := i18n.Default().Localizer(lang)
		want := []string{loc.T("dashboard.csv.learner"), loc.T("dashboard.csv.completed"), loc.T("dashboard.csv.lessons"),
			loc.T("dashboard.csv.percent"), loc.T("dashboard.csv.last_activity"), "1. Soil", "2. Seeds"}
		if !slices.Equal(recs[0], want) {
			t.Errorf("%s: header %q, want %q", lang, recs[0], want)
		}
		if want[0] == "Learner" {
			t.Errorf("%s: the header is the English one", lang)
		}
		row := recs[1]
		if row[0] != learnerName || row[1] != "1" || row[2] != "2" || row[3] != "50" {
			t.Errorf("%s: learner row %q", lang, row)
		}
		for _, cell := range []string{row[4], row[5]} {
			if _, err := time.Parse(time.RFC3339, cell); err != nil {
				t.Errorf("%s: %q is not an ISO 8601 time", lang, cell)
			}
		}
		if total := recs[2]; total[0] != loc.T("dashboard.csv.per_lesson") || total[5] != "1" || total[6] != "0" {
			t.Errorf("%s: totals row %q", lang, total)
		}
	}
}
