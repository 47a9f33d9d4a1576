package handlers_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/internal/i18n"
	"fieldbook/internal/i18n/i18ntest"
	"fieldbook/store/storetest"
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
	"About Unreleased course", "Hidden lesson", "Retired course", "About Retired course", "Old lesson",
	"Cold chain", "About Cold chain", "Thermometers", "Ice packs", "Draft: generators", "Read it twice a day?",
	"Refreeze a thawed pack?", "Fuel kept dry?", "First paragraph.", "one", "two", "Empty course", "Text",
	"notes.txt", "empty.png", "Which pot?", "Clay pot", "Steel pot",
	storetest.LearnerName, storetest.LearnerUser, storetest.OtherLearnerName, storetest.OtherLearnerUser,
	storetest.VolunteerName, storetest.VolunteerUser, storetest.OtherVolunteerName, storetest.OtherVolunteerUser,
	storetest.AdminName, storetest.AdminUser,
}

// translationWorld is what the pages of TestPagesTranslated need besides
// the usual world.
type translationWorld struct {
	*storetest.World
	inviteToken string
	resetToken  string
	// empty is a course of the volunteer's without lessons; the first
	// lesson of Course was saved once more, so a form of its version 1
	// meets a conflict.
	empty uuid.UUID
	// question is a question of the second lesson's quiz, saved twice.
	question uuid.UUID
	// certCode is the learner's certificate of otherCourse; content
	// holds it and its address, which are no words either.
	certCode string
	content  []string
}

func get(path string) func(c *client) response {
	return func(c *client) response { return c.GET(path).Send() }
}

func post(path string, form url.Values) func(c *client) response {
	return func(c *client) response { return c.POST(path).Form(form).Send() }
}

func postHTMX(path string, form url.Values) func(c *client) response {
	return func(c *client) response { return c.POST(path).Form(form).HTMX().Send() }
}

func postJSON(path, contentType, body string) func(c *client) response {
	return func(c *client) response {
		return c.POST(path).Bytes(contentType, []byte(body)).Header("Accept", "application/json").Send()
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
	course, first, quiz, last := w.Course.ID.String(), w.Course.Lessons[0].String(), w.Course.Lessons[1].String(), w.Course.Lessons[2].String()
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
	course, other := "/courses/"+w.Course.ID.String()+"/dashboard", "/courses/"+w.OtherCourse.ID.String()+"/dashboard"
	live := func(c *client) response {
		return c.GET(other).HTMX().Header("HX-Target", "dash-live").Send()
	}
	return []translatedPage{
		{"dashboard", asVolunteer, 200, get(other)},
		{"dashboard with a quiz", asVolunteer, 200, get(course)},
		{"dashboard, second page", asVolunteer, 200, get(course + "?page=2")},
		{"dashboard, live block", asVolunteer, 200, live},
		{"dashboard, search", asVolunteer, 200, get(other + "?q=Lena&sort=progress")},
		{"dashboard, no match", asVolunteer, 200, get(other + "?q=nobody")},
		{"dashboard, empty course", asVolunteer, 200, get("/courses/" + w.empty.String() + "/dashboard")},
		{"dashboard, learner", asLearner, 403, get(other)},
		{"dashboard, no course", asVolunteer, 404, get("/courses/" + uuid.NewString() + "/dashboard")},
		{"dashboard, sort", asVolunteer, 400, get(other + "?sort=age")},
		{"dashboard, dir", asVolunteer, 400, get(other + "?dir=up")},
		{"dashboard, page", asVolunteer, 400, get(other + "?page=0")},
		{"dashboard, long search", asVolunteer, 400, get(other + "?q=" + strings.Repeat("x", 101))},
		{"learner's page", asVolunteer, 200, get(other + "/learners/" + w.Learner.ID().String())},
		{"learner's page, quiz", asVolunteer, 200, get(course + "/learners/" + w.Learner.ID().String())},
		{"learner's page, not started", asVolunteer, 404, get(other + "/learners/" + w.Admin.ID().String())},
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
		{"own role", asAdmin, 400, post("/admin/users/"+w.Admin.ID().String()+"/role", url.Values{"role": {"learner"}})},
		{"no such role", asAdmin, 400, post("/admin/users/"+w.Learner.ID().String()+"/role", url.Values{"role": {"king"}})},
		{"invites", asAdmin, 200, get("/admin/invites")},
		{"invite days wrong", asAdmin, 422, post("/admin/invites", url.Values{"days": {"99"}})},
		{"invite made", asAdmin, 200, post("/admin/invites", url.Values{"days": {"3"}})},
		{"reset link made", asAdmin, 200, post("/admin/users/"+w.Learner.ID().String()+"/reset", nil)},
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
	course, lesson := w.Course.ID.String(), w.Course.Lessons[0].String()
	lessonForm := func(version string) url.Values {
		return url.Values{"version": {version}, "title": {"Receipts"}, "body": {"Text"}, "duration_minutes": {"5"}}
	}
	upload := func(name string, data []byte, header http.Header) func(c *client) response {
		return func(c *client) response {
			return c.POST("/lessons/"+lesson+"/media").File(lessonForm("2"), name, "application/octet-stream", data).Headers(header).Send()
		}
	}
	return []translatedPage{
		{"studio", asVolunteer, 200, get("/studio")},
		{"studio, learner", asLearner, 403, get("/studio")},
		{"new course", asVolunteer, 200, get("/courses/new")},
		{"new course, errors", asVolunteer, 422, post("/courses", url.Values{"title": {""}})},
		{"new course, errors, htmx", asVolunteer, 422, postHTMX("/courses", url.Values{"title": {strings.Repeat("x", 201)}})},
		{"edit course", asVolunteer, 200, get("/courses/" + course + "/edit")},
		{"edit archived course", asVolunteer, 200, get("/courses/" + w.ArchivedCourse.ID.String() + "/edit")},
		{"change archived course", asVolunteer, 409, post("/courses/"+w.ArchivedCourse.ID.String(), url.Values{"version": {"1"}, "title": {"x"}})},
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
	lesson, q := w.Course.Lessons[1].String(), w.question.String()
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
			return c.GET("/api/lessons/"+w.Course.Lessons[0].String()+"/quiz").Header("Accept", "application/json").Send()
		}},
		{"certificate", asLearner, 200, get("/courses/" + w.OtherCourse.ID.String() + "/certificate")},
		{"no certificate yet", asLearner, 404, get("/courses/" + w.Course.ID.String() + "/certificate")},
		{"verify", asNobody, 200, get("/verify/" + w.certCode)},
		{"verify, unknown", asNobody, 404, get("/verify/AAAABBBBCCCCD")},
	}
}

// setupQuizWorld gives the second lesson a quiz question, saved twice, and
// the learner a certificate of OtherCourse and a start in Course.
func setupQuizWorld(t *testing.T, w *translationWorld, volunteer, learner *client) {
	t.Helper()
	lesson := w.Course.Lessons[1].String()
	form := url.Values{"kind": {"single"}, "prompt": {"Which pot?"}, "choices": {"Clay pot\nSteel pot"}, "answer": {"1"}}
	volunteer.POST("/lessons/" + lesson + "/questions").Form(form).Expect(http.StatusSeeOther)
	href, _ := mustSelect(t, volunteer.GET("/lessons/"+lesson+"/edit").Send().Doc(), `a[href^="/questions/"]`).Attr("href")
	id, err := uuid.Parse(strings.TrimSuffix(strings.TrimPrefix(href, "/questions/"), "/edit"))
	if err != nil {
		t.Fatalf("question link %q", href)
	}
	w.question = id
	form.Set("version", "1")
	volunteer.POST("/questions/" + id.String()).Form(form).Expect(http.StatusSeeOther)
	learner.signIn(w.Learner.Username, w.Learner.Password)
	for _, l := range append(slices.Clone(w.OtherCourse.Lessons), w.Course.Lessons[0]) {
		learner.POST("/lessons/" + l.String() + "/complete").Form(url.Values{"completed": {"true"}}).Expect(http.StatusSeeOther)
	}
	cert := learner.GET("/courses/" + w.OtherCourse.ID.String() + "/certificate").Expect(http.StatusOK).Doc()
	link := mustSelect(t, cert, `a[href^="/verify/"]`)
	href, _ = link.Attr("href")
	w.certCode = strings.TrimPrefix(href, "/verify/")
	w.content = append(w.content, textOf(link), textOf(cert.Find("strong").First()), w.certCode)
}

// setupTranslationWorld seeds the usual world, the one-time links the
// pages follow, a course without lessons, and a lesson saved once more.
func setupTranslationWorld(t *testing.T, a *testApp, admin, volunteer *client) translationWorld {
	t.Helper()
	w := translationWorld{World: a.seedWorld(t)}
	admin.signIn(w.Admin.Username, w.Admin.Password)
	volunteer.signIn(w.Volunteer.Username, w.Volunteer.Password)
	res := volunteer.POST("/courses").Form(url.Values{"title": {"Empty course"}}).Expect(http.StatusSeeOther)
	id, err := uuid.Parse(strings.TrimSuffix(strings.TrimPrefix(res.Location(), "/courses/"), "/edit"))
	if err != nil {
		t.Fatalf("new course: %q", res.Location())
	}
	w.empty = id
	// Enough learners in Course for the dashboard's pager (50 a page).
	w.Exec(t, `INSERT INTO users (username, display_name, password_hash)
		SELECT 'pupil' || i, 'Pupil ' || i, '!' FROM generate_series(1, 50) i`)
	w.Exec(t, `INSERT INTO student_progress (id, student_id, lesson_id, completed, completed_at)
		SELECT gen_random_uuid(), id, $1, true, now() FROM users WHERE username LIKE 'pupil%'`, w.Course.Lessons[0])
	for i := 1; i <= 50; i++ {
		w.content = append(w.content, "Pupil "+strconv.Itoa(i), "pupil"+strconv.Itoa(i))
	}
	volunteer.POST("/lessons/" + w.Course.Lessons[0].String()).Form(url.Values{"version": {"1"}, "title": {"Receipts"},
		"body": {"First paragraph."}, "duration_minutes": {"5"}, "published": {"true"}}).Expect(http.StatusSeeOther)
	link := func(res response, id string) string {
		v, _ := mustSelect(t, res.Doc(), attrIs("id", id)).Attr("value")
		u, err := url.Parse(v)
		if err != nil || v == "" {
			t.Fatalf("no %s on the page: %q", id, v)
		}
		return u.Path[strings.LastIndex(u.Path, "/")+1:]
	}
	w.inviteToken = link(admin.POST("/admin/invites").Form(url.Values{"days": {"7"}}).Send(), "invite-link")
	w.resetToken = link(admin.POST("/admin/users/"+w.Learner.ID().String()+"/reset").Send(), "reset-link")
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
			} else if res := c.POST("/language").Form(url.Values{"lang": {l.Tag}, "next": {"/"}}).Send(); res.Status != http.StatusSeeOther {
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
		src, _ := mustSelect(t, c.GET("/").Send().Doc(), `script[src^="/static/"][src$="/app.`+l.Tag+`.js"]`).Attr("src")
		script := c.GET(src).Send()
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
	if err := json.Unmarshal(scriptConst(t, c.GET("/sw.js").Send().Body, "TEXTS"), &texts); err != nil {
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
	a.complete(t, w.Learner.ID(), w.OtherCourse.Lessons[0], true)
	editor := a.newClient(t)
	editor.signIn(w.Volunteer.Username, w.Volunteer.Password)
	for _, lang := range []string{"fr", "ar"} {
		editor.POST("/language").Form(url.Values{"lang": {lang}, "next": {"/"}}).Expect(http.StatusSeeOther)
		res := editor.GET("/courses/" + w.OtherCourse.ID.String() + "/dashboard.csv").Send()
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
		if row[0] != w.Learner.Name || row[1] != "1" || row[2] != "2" || row[3] != "50" {
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
