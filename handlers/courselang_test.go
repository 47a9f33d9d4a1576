package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"fieldbook/store/storetest"
)

// courseLang is a course's stored content language and version.
func (a *testApp) courseLang(t *testing.T, id uuid.UUID) (lang string, version int) {
	t.Helper()
	if err := a.owner.QueryRow(context.Background(), `SELECT lang, version FROM courses WHERE id = $1`, id).
		Scan(&lang, &version); err != nil {
		t.Fatal(err)
	}
	return lang, version
}

func (a *testApp) setCourseLang(t *testing.T, id uuid.UUID, lang string) {
	t.Helper()
	if _, err := a.owner.Exec(context.Background(), `UPDATE courses SET lang = $2 WHERE id = $1`, id, lang); err != nil {
		t.Fatal(err)
	}
}

// selectedLang is the language chosen in the course form's select.
func selectedLang(t *testing.T, root *goquery.Selection) string {
	t.Helper()
	sel := mustSelect(t, root, `select[name="lang"]`)
	var got []string
	for _, o := range sel.Find("option[selected]").EachIter() {
		v, _ := o.Attr("value")
		got = append(got, v)
	}
	if len(got) != 1 {
		t.Fatalf("%d languages selected in the course form: %v", len(got), got)
	}
	return got[0]
}

// TestCourseLanguageForm: the course form chooses the content language, with
// and without htmx; a new course starts in the author's language; a form
// without the field keeps the stored one; an unknown language is a 422 that
// changes nothing; another editor's change of language is a conflict.
func TestCourseLanguageForm(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	a := f.a
	french := http.Header{"Accept-Language": {"fr-FR,fr;q=0.9"}}

	if got := selectedLang(t, f.victor.GET("/courses/new").Headers(french).Send().Doc()); got != "fr" {
		t.Errorf("new course form in French preselects %q, want fr (the author's language)", got)
	}
	if got := selectedLang(t, f.victor.GET("/courses/new").Send().Doc()); got != "en" {
		t.Errorf("new course form in English preselects %q, want en", got)
	}

	// Without JavaScript: a plain form post.
	res := f.victor.POST("/courses").Form(url.Values{"title": {"Kunawa mikono"}, "lang": {"sw"}}).Send()
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create: status %d\n%.300s", res.Status, res.Body)
	}
	id := uuid.MustParse(strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/courses/"), "/edit"))
	if lang, _ := a.courseLang(t, id); lang != "sw" {
		t.Errorf("created in %q, want sw", lang)
	}
	edit := "/courses/" + id.String()
	if got := selectedLang(t, f.victor.GET(edit+"/edit").Send().Doc()); got != "sw" {
		t.Errorf("edit form shows %q, want sw", got)
	}
	// A form with no language field (from a page older than the field).
	res = f.victor.POST("/courses").Form(url.Values{"title": {"Premiers secours"}}).Headers(french).Send()
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create without a language: status %d", res.Status)
	}
	noField := uuid.MustParse(strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/courses/"), "/edit"))
	if lang, _ := a.courseLang(t, noField); lang != "fr" {
		t.Errorf("a course made without a language is in %q, want the author's fr", lang)
	}

	// With htmx, and a form that names no language: kept.
	res = f.victor.POST(edit).Form(url.Values{"title": {"Kunawa mikono vizuri"}, "version": {"1"}}).HTMX().Send()
	if res.Status != http.StatusNoContent {
		t.Fatalf("update without a language: status %d\n%.300s", res.Status, res.Body)
	}
	if lang, v := a.courseLang(t, id); lang != "sw" || v != 2 {
		t.Errorf("after an update naming no language: %q version %d, want sw version 2", lang, v)
	}
	res = f.victor.POST(edit).Form(url.Values{"title": {"Kunawa mikono vizuri"}, "lang": {"ar"}, "version": {"2"}}).HTMX().Send()
	if res.Status != http.StatusNoContent {
		t.Fatalf("update to Arabic: status %d\n%.300s", res.Status, res.Body)
	}
	if lang, v := a.courseLang(t, id); lang != "ar" || v != 3 {
		t.Errorf("after changing the language: %q version %d, want ar version 3", lang, v)
	}

	// An unknown language: 422, the form again with what was typed, nothing saved.
	for _, htmx := range []bool{false, true} {
		var h http.Header
		if htmx {
			h = htmxHeader()
		}
		before := a.snapshot(t)
		for path, form := range map[string]url.Values{
			"/courses": {"title": {"Nouveau"}, "lang": {"xx"}},
			edit:       {"title": {"Changed"}, "lang": {"fr-CA"}, "version": {"3"}},
		} {
			res := f.victor.POST(path).Form(form).Headers(h).Send()
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s lang=%s (htmx %v): status %d, want 422", path, form.Get("lang"), htmx, res.Status)
			}
			var root *goquery.Selection
			if htmx {
				root = formFragment(t, res.Body, "course-editor")
			} else {
				root = res.Doc()
			}
			if got := textOf(root.Find("p#lang-error")); got != "Choose a language from the list." {
				t.Errorf("POST %s: language error %q", path, got)
			}
			if v, _ := root.Find(`select[name="lang"]`).Attr("aria-describedby"); v != "lang-error" {
				t.Errorf("POST %s: the select is not described by its error (%q)", path, v)
			}
		}
		if a.snapshot(t) != before {
			t.Error("an unknown language changed the database")
		}
	}

	// Someone else changed the language since this form was loaded.
	res = f.victor.POST(edit).Form(url.Values{"title": {"Kunawa mikono vizuri"}, "lang": {"sw"}, "version": {"2"}}).Send()
	if res.Status != http.StatusConflict {
		t.Fatalf("stale form: status %d, want 409", res.Status)
	}
	theirs := res.Doc().Find("section.theirs")
	if !strings.Contains(textOf(theirs), "العربية") {
		t.Errorf("the conflict does not show the saved language: %q", textOf(theirs))
	}
	if lang, _ := a.courseLang(t, id); lang != "ar" {
		t.Errorf("a stale form changed the language to %q", lang)
	}
}

// TestCourseContentMarked: course and lesson pages mark the course's
// content with its language, and with its direction when it differs from
// the page's; the interface around it keeps the page's.
func TestCourseContentMarked(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	a.setCourseLang(t, w.Course.ID, "ar")
	c := a.newClient(t)
	tests := []struct {
		page, course, wantLang, wantDir string
	}{
		{"en", "ar", "ar", "rtl"},
		{"ar", "ar", "ar", ""},
		{"ar", "fr", "fr", "ltr"},
		{"fr", "fr", "fr", ""},
	}
	for _, tt := range tests {
		a.setCourseLang(t, w.Course.ID, tt.course)
		for _, path := range []string{"/courses/" + w.Course.ID.String(), "/lessons/" + w.Course.Lessons[1].String()} {
			doc := c.GET(path).Header("Accept-Language", tt.page).Send().Doc()
			mustSelect(t, doc, "html"+attrIs("lang", tt.page))
			h1 := mustSelect(t, doc, "h1")
			if got, _ := h1.Attr("lang"); got != tt.wantLang {
				t.Errorf("%s (page %s, course %s): h1 lang=%q, want %q", path, tt.page, tt.course, got, tt.wantLang)
			}
			if got, _ := h1.Attr("dir"); got != tt.wantDir {
				t.Errorf("%s (page %s, course %s): h1 dir=%q, want %q", path, tt.page, tt.course, got, tt.wantDir)
			}
			if strings.HasPrefix(path, "/lessons/") {
				if got, _ := mustSelect(t, doc, "div.body").Attr("lang"); got != tt.wantLang {
					t.Errorf("lesson body lang=%q, want %q", got, tt.wantLang)
				}
				// The interface around the content is the page's.
				for _, n := range doc.Find("p.meta[lang]").EachIter() {
					t.Errorf("interface text marked as content: %q", textOf(n))
				}
			}
		}
	}
}

// TestCourseListByLanguage: / lists the courses in the reader's language
// first; ?lang= narrows the list to one language and links every language
// there is; an unknown or repeated ?lang= is a 400 naming the languages.
func TestCourseListByLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t) // "Basics of bookkeeping", "Allotment planning" and "Cold chain", in English
	a.setCourseLang(t, w.Course.ID, "sw")
	a.setCourseLang(t, w.OtherCourse.ID, "fr")
	english := a.seed.Course(t, w.Volunteer.Caller, "Zebra care", true, storetest.Published("Stripes")).ID
	c := a.newClient(t)
	cards := func(path string, h http.Header) []string {
		t.Helper()
		var ids []string
		for _, li := range c.GET(path).Headers(h).Expect(http.StatusOK).Doc().Find("li.card").EachIter() {
			id, _ := li.Attr("data-course")
			ids = append(ids, id)
		}
		return ids
	}
	ids := func(us ...uuid.UUID) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.String())
		}
		return out
	}
	for lang, want := range map[string][]string{
		// The reader's language first, then by title: "Cold chain" is
		// the world's quiz course, in English.
		"en": ids(w.QuizCourse.ID, english, w.OtherCourse.ID, w.Course.ID),
		"sw": ids(w.Course.ID, w.OtherCourse.ID, w.QuizCourse.ID, english),
		"fr": ids(w.OtherCourse.ID, w.Course.ID, w.QuizCourse.ID, english),
	} {
		if got := cards("/", http.Header{"Accept-Language": {lang}}); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("/ in %s lists %v, want %v", lang, got, want)
		}
	}
	if got := cards("/?lang=fr", nil); strings.Join(got, " ") != w.OtherCourse.ID.String() {
		t.Errorf("/?lang=fr lists %v, want only the French course", got)
	}
	if got := cards("/?lang=ar", nil); len(got) != 0 {
		t.Errorf("/?lang=ar lists %v, want none", got)
	}

	nav := mustSelect(t, c.GET("/?lang=sw").Send().Doc(), "nav.langs")
	var links []string
	for _, l := range nav.Find("a").EachIter() {
		href, _ := l.Attr("href")
		if _, cur := l.Attr("aria-current"); cur {
			href += " (current)"
		}
		links = append(links, href)
	}
	if got, want := strings.Join(links, ", "), "/?lang=en, /?lang=fr, /?lang=sw (current), /"; got != want {
		t.Errorf("language links %q, want %q", got, want)
	}

	for _, bad := range []string{"/?lang=xx", "/?lang=", "/?lang=fr-CA", "/?lang=fr&lang=sw"} {
		res := c.GET(bad).Send()
		if res.Status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", bad, res.Status)
			continue
		}
		if !strings.Contains(res.Body, "Kiswahili (sw)") {
			t.Errorf("GET %s: the error does not list the languages", bad)
		}
	}
}

// TestLanguageReachesOtherPhones: a learner signed in on two phones changes
// the language on one; the other follows at its next page, though its
// session (and this instance's cache of it) was made before the change.
func TestLanguageReachesOtherPhones(t *testing.T) {
	t.Parallel()
	a, phone1 := learnerApp(t)
	phone2 := a.newClient(t)
	phone2.signIn(storetest.LearnerUser, storetest.LearnerPass)
	// Both sessions are read, and cached, in English.
	pageLang(t, phone1.GET(personalPage).Send(), "en")
	pageLang(t, phone2.GET(personalPage).Send(), "en")
	phone1.POST("/language").Form(url.Values{"lang": {"sw"}, "next": {"/"}}).Expect(http.StatusSeeOther)
	pageLang(t, phone1.GET(personalPage).Send(), "sw")
	// The change reaches the other instance's cache by notification: a
	// moment, never a sign-in.
	deadline := time.Now().Add(10 * time.Second)
	for {
		lang, _ := phone2.GET(personalPage).Send().Doc().Find("html").Attr("lang")
		if lang == "sw" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other phone still shows %q after the learner chose Kiswahili", lang)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The neutral pages too: they are in the learner's language, not the
	// phone's cookie (which still says nothing).
	pageLang(t, phone2.GET("/").Send(), "sw")
}
