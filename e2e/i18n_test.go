package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"fieldbook/internal/i18n"
	"fieldbook/internal/i18n/i18ntest"
)

// phone is another phone in the same Chromium: a browser context of its own
// (cookies, storage, service worker), so the language tests share one
// browser process and one server.
func (b *browser) phone(t *testing.T) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("new browser context: %v", err)
	}
	p := &browser{ctx: ctx, cancel: cancel}
	t.Cleanup(p.Close)
	return p
}

// pickLanguage chooses lang in the page's language picker (a plain form)
// and waits for the page to come back in it.
func pickLanguage(t *testing.T, b *browser, lang string) {
	t.Helper()
	b.do(t,
		chromedp.WaitReady(chromedp.CSS("#pick-lang")),
		chromedp.SetValue(chromedp.CSS("#pick-lang"), lang),
		chromedp.Submit(chromedp.CSS("footer form")),
		chromedp.WaitReady(chromedp.CSS(`html[lang="`+lang+`"] footer`)),
	)
}

// openDrawn opens path and waits until the page is drawn for whoever uses
// the phone (app.js sets data-who on a neutral page).
func openDrawn(t *testing.T, b *browser, url string) {
	t.Helper()
	b.do(t, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("html[data-who] footer, body[data-offline] main")))
}

// catalogue is a message of the catalogues in lang: its text, or its form
// for count (1 is "one" in every language that has the form).
func catalogue(t *testing.T, lang, key string) string {
	t.Helper()
	forms, ok := i18n.Default().Forms(lang, key)
	if !ok {
		t.Fatalf("the %s catalogue has no %s", lang, key)
	}
	if s, ok := forms["one"]; ok {
		return s
	}
	return forms["other"]
}

// jsText is a text of the phone's JavaScript in lang as the catalogue gives
// it (its "js." key), its {placeholders} filled, in the form for 1.
func jsText(t *testing.T, lang, name string, vars map[string]string) string {
	t.Helper()
	var table map[string]json.RawMessage
	if err := json.Unmarshal(i18n.Default().JSTable(lang), &table); err != nil {
		t.Fatal(err)
	}
	raw, ok := table[name]
	if !ok {
		t.Fatalf("the phone's texts in %s have no %q (the catalogues' js.%s)", lang, name, name)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var forms map[string]string
		if err := json.Unmarshal(raw, &forms); err != nil {
			t.Fatal(err)
		}
		s = forms["one"]
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// domHTML is the page as drawn now (app.js's texts included).
func domHTML(t *testing.T, b *browser) string {
	t.Helper()
	return eval[string](t, b, `document.documentElement.outerHTML`)
}

// untranslated lists the visible texts page shares with the same page in
// English (i18ntest.Untranslated), but for the page titles of course
// content ("Basic first aid · Fieldbook": a <title> cannot carry the
// content's lang).
func untranslated(t *testing.T, english, page, lang string, content ...string) []string {
	t.Helper()
	got, err := i18ntest.Untranslated(strings.NewReader(english), strings.NewReader(page), lang)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, s := range got {
		if !slices.ContainsFunc(content, func(c string) bool { return strings.HasPrefix(s, c+" · ") }) {
			left = append(left, s)
		}
	}
	return left
}

// luminance is the brightness (0–255) of the pixel at x (a fraction of the
// width) on the middle row of a PNG.
func luminance(t *testing.T, shot []byte, x float64) float64 {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	p := image.Pt(b.Min.X+int(float64(b.Dx()-1)*x), b.Min.Y+b.Dy()/2)
	r, g, bl, _ := img.At(p.X, p.Y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
}

// TestLanguages is issue 13 in a real browser: Arabic mirrored, a French
// learner offline, the preference following the learner, every language
// fitting a 360 px phone, and the Swahili acceptance. One server and one
// Chromium; each subtest is a phone of its own (a browser context).
func TestLanguages(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	courseID, lessons := lessonsOf(t, srv, "Basic first aid")
	course := srv.URL + "/courses/" + courseID
	lesson := func(i int) string { return srv.URL + "/lessons/" + lessons[i].ID }

	t.Run("ArabicLessonMirrored", func(t *testing.T) {
		p := b.phone(t)
		signUp(t, p, srv, "layla", "Layla Haddad", "arabic lessons 2026")
		openDrawn(t, p, lesson(1))
		p.do(t, chromedp.Click(chromedp.CSS("#lesson-status button.do")),
			chromedp.WaitVisible(chromedp.CSS("#lesson-status .done-note")))
		// In English the bar fills from the left and "Next" is on the right.
		bar := chromedp.CSS("#lesson-status progress")
		shot := get(t, p, chromedp.Screenshot(bar))
		if l, r := luminance(t, shot, 0.03), luminance(t, shot, 0.97); l > r-40 {
			t.Fatalf("English: the bar at 1 of %d is not filled on the left (left %.0f, right %.0f)", len(lessons), l, r)
		}
		pickLanguage(t, p, "ar")
		openDrawn(t, p, lesson(1))
		if d := eval[string](t, p, `document.documentElement.dir`); d != "rtl" {
			t.Fatalf("the Arabic lesson page has dir=%q", d)
		}
		p.do(t, chromedp.WaitVisible(chromedp.CSS("#lesson-status .done-note")))
		shot = get(t, p, chromedp.Screenshot(bar))
		if l, r := luminance(t, shot, 0.03), luminance(t, shot, 0.97); r > l-40 {
			t.Errorf("Arabic: the progress bar does not fill from the right (left %.0f, right %.0f)", l, r)
		}
		pos := eval[map[string]float64](t, p, `(() => {
			const x = (s) => document.querySelector(s).getBoundingClientRect();
			return {next: x('a[rel=next]').left, prev: x('a[rel=prev]').left,
				brand: x('header .brand').left, menu: x('header .menu').left, h1: x('main h1').right, w: innerWidth};
		})()`)
		if pos["next"] >= pos["prev"] {
			t.Errorf("Arabic: Next is at x=%.0f, Previous at x=%.0f: Next must be on the left", pos["next"], pos["prev"])
		}
		if pos["brand"] <= pos["menu"] {
			t.Errorf("Arabic: the header is not mirrored (brand at x=%.0f, menu at x=%.0f)", pos["brand"], pos["menu"])
		}
		if pos["w"]-pos["h1"] > 40 {
			t.Errorf("Arabic: the heading does not start at the right (its right edge at %.0f of %.0f)", pos["h1"], pos["w"])
		}
	})

	t.Run("FrenchLearnerOffline", func(t *testing.T) {
		p := b.phone(t)
		p.do(t, chromedp.Navigate(srv.URL+"/signup"))
		pickLanguage(t, p, "fr")
		signUp(t, p, srv, "fleur", "Fleur Martin", "premiers secours 2026")
		if l := eval[string](t, p, `document.documentElement.lang`); l != "fr" {
			t.Fatalf("after signing up on the French page the home page is in %q", l)
		}
		openDrawn(t, p, course)
		waitControlled(t, p)
		// "Save this course" saves it in her language.
		p.do(t, chromedp.WaitVisible(chromedp.CSS("#save-course")), chromedp.Click(chromedp.CSS("#save-course")),
			chromedp.WaitReady(chromedp.CSS(`#offline-save[data-saved="1"]`)))
		for _, l := range lessons {
			if !eval[bool](t, p, `caches.match("/lessons/`+l.ID+`?copy=fr", {cacheName: "fieldbook-pages"}).then(r => !!r)`) {
				t.Fatalf("lesson %q is not saved in French", l.Title)
			}
		}
		poll(t, 20*time.Second, "the French offline page in the worker's shell", func() bool {
			return eval[bool](t, p, `caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.match("/offline?lang=fr"))))).then(rs => rs.some(Boolean))`)
		})
		srv.Stop()
		defer srv.Start()
		// A page the phone never saw: the offline page, in French.
		openDrawn(t, p, srv.URL+"/courses/"+courseOf(t, srv, "Safe drinking water"))
		if h := p.text(t, "main h1"); h != catalogue(t, "fr", "offline.title") {
			t.Errorf("the offline page says %q, want %q", h, catalogue(t, "fr", "offline.title"))
		}
		if l := eval[string](t, p, `document.documentElement.lang`); l != "fr" {
			t.Errorf("the offline page is in %q", l)
		}
		// A lesson saved with the course, never opened: the French copy;
		// marked complete offline, what waits to sync is said in French.
		openDrawn(t, p, lesson(2))
		if l := eval[string](t, p, `document.documentElement.lang`); l != "fr" {
			t.Errorf("the saved lesson is in %q offline", l)
		}
		p.do(t, chromedp.Click(chromedp.CSS("#lesson-status button.do")),
			chromedp.WaitVisible(chromedp.CSS("#lesson-status .pending-note")))
		waitText(t, p, "#sync-count", jsText(t, "fr", "waiting", map[string]string{"count": "1"}))
		waitText(t, p, "#offline-banner", catalogue(t, "fr", "layout.offline_banner"))
	})

	t.Run("OfflineCopyPerLanguage", func(t *testing.T) {
		// A phone used in English then in Portuguese, nobody signed in:
		// offline it shows the copy in the phone's language where it has
		// one, else whichever copy it has.
		p := b.phone(t)
		openDrawn(t, p, lesson(1))
		waitControlled(t, p)
		openDrawn(t, p, lesson(1))
		openDrawn(t, p, lesson(0))
		pickLanguage(t, p, "pt") // back on lesson 0, in Portuguese
		srv.Stop()
		defer srv.Start()
		openDrawn(t, p, lesson(0))
		if l := eval[string](t, p, `document.documentElement.lang`); l != "pt" {
			t.Errorf("offline, the lesson cached in English and Portuguese shows in %q, want pt", l)
		}
		openDrawn(t, p, lesson(1))
		if l := eval[string](t, p, `document.documentElement.lang`); l != "en" {
			t.Errorf("offline, the lesson cached in English only shows in %q, want that copy", l)
		}
		if h := p.text(t, "main h1"); h != lessons[1].Title {
			t.Errorf("offline, the lesson cached in English shows %q", h)
		}
	})

	t.Run("PreferenceFollowsLearner", func(t *testing.T) {
		first := b.phone(t)
		signUp(t, first, srv, "paulo", "Paulo Silva", "segue comigo 2026")
		pickLanguage(t, first, "pt")
		// A phone that never saw him, in English.
		second := b.phone(t)
		openDrawn(t, second, srv.URL+"/")
		if l := eval[string](t, second, `document.documentElement.lang`); l != "en" {
			t.Fatalf("the fresh phone starts in %q", l)
		}
		signIn(t, second, srv, "paulo", "segue comigo 2026")
		for _, u := range []string{srv.URL + "/", lesson(0), srv.URL + "/me/progress"} {
			openDrawn(t, second, u)
			if l := eval[string](t, second, `document.documentElement.lang`); l != "pt" {
				t.Errorf("%s on his new phone is in %q, want pt", u, l)
			}
		}
		// The worker learns his language too: his offline page is there.
		waitControlled(t, second)
		poll(t, 20*time.Second, "the Portuguese offline page in the new phone's worker", func() bool {
			return eval[bool](t, second, `caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.match("/offline?lang=pt"))))).then(rs => rs.some(Boolean))`)
		})
	})

	t.Run("PhoneLayout", func(t *testing.T) { phoneLayout(t, b, srv, courseID, lessons) })

	t.Run("SwahiliSignUp", func(t *testing.T) { swahiliAcceptance(t, b, srv, courseID, lessons) })
}

// courseOf is a demo course's id by title.
func courseOf(t *testing.T, srv *server, title string) string {
	t.Helper()
	id, _ := lessonsOf(t, srv, title)
	return id
}

// layoutJS measures the page at the phone's width: the document's width,
// the header's height and whether everything in it is on one line (every
// shown item overlaps one horizontal line), and the open menu's edges.
const layoutJS = `(() => {
	const h = document.querySelector("header.top");
	const shown = Array.from(h.children).filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden");
	const rects = shown.map(e => e.getBoundingClientRect());
	const oneLine = Math.max(...rects.map(r => r.top)) < Math.min(...rects.map(r => r.bottom));
	const tallest = Math.max(...rects.map(r => r.height));
	const menu = h.querySelector("details.menu");
	menu.open = true;
	const nav = menu.querySelector("nav").getBoundingClientRect();
	const out = {doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: innerWidth,
		header: h.getBoundingClientRect().height, tallest, oneLine, menuLeft: nav.left, menuRight: nav.right,
		docOpen: document.documentElement.scrollWidth};
	menu.open = false;
	return out;
})()`

type layout struct {
	Doc, Body, View, Header, Tallest, MenuLeft, MenuRight, DocOpen float64
	OneLine                                                        bool
}

// phoneLayout: at 360 px, in every language, for a learner and a volunteer,
// a few pages each: no page wider than the phone, the header one line high,
// the open menu inside the screen. It logs the widest page and the header's
// height per language and role.
func phoneLayout(t *testing.T, b *browser, srv *server, courseID string, lessons []lesson) {
	learner, volunteer := b.phone(t), b.phone(t)
	signUp(t, learner, srv, "lina", "Lina Rasmussen-Oyelaran", "a long name 2026")
	signIn(t, volunteer, srv, "demo-volunteer", srv.Passwords["demo-volunteer"])
	pages := map[*browser][]string{
		learner: {"/", "/courses/" + courseID, "/lessons/" + lessons[1].ID},
		volunteer: {"/studio", "/courses/" + courseID + "/edit", "/lessons/" + lessons[1].ID + "/edit",
			"/courses/" + courseID + "/dashboard"},
	}
	role := map[*browser]string{learner: "learner", volunteer: "volunteer"}
	for _, p := range []*browser{learner, volunteer} {
		p.do(t, chromedp.EmulateViewport(360, 740))
	}
	for _, l := range i18n.Languages() {
		for _, p := range []*browser{learner, volunteer} {
			openDrawn(t, p, srv.URL+pages[p][0])
			pickLanguage(t, p, l.Tag)
			widest, header := 0.0, 0.0
			for _, path := range pages[p] {
				openDrawn(t, p, srv.URL+path)
				m := eval[layout](t, p, layoutJS)
				what := fmt.Sprintf("%s, %s, %s", l.Tag, role[p], path)
				if m.Doc > m.View || m.Body > m.View || m.DocOpen > m.View {
					t.Errorf("%s: the page is %.0f px wide (body %.0f, menu open %.0f) in a %.0f px screen", what, m.Doc, m.Body, m.DocOpen, m.View)
				}
				if !m.OneLine || m.Header >= 2*m.Tallest {
					t.Errorf("%s: the header is not one line (height %.0f, tallest item %.0f, one line %v)", what, m.Header, m.Tallest, m.OneLine)
				}
				if m.MenuLeft < 0 || m.MenuRight > m.View+0.5 {
					t.Errorf("%s: the open menu reaches from %.0f to %.0f, outside the %.0f px screen", what, m.MenuLeft, m.MenuRight, m.View)
				}
				widest, header = max(widest, m.Doc), max(header, m.Header)
			}
			t.Logf("360 px, %s, %s: widest page %.0f px, header %.0f px high", l.Tag, role[p], widest, header)
		}
	}
}

// swahiliAcceptance is issue 13's acceptance: a new user picks Kiswahili on
// the sign-in page, signs up, and everything they see from then on is in
// Swahili, online and offline. Each page is compared with the same page in
// English (i18ntest.Untranslated: no visible text in common but course
// content, names and the reviewed allowlist).
func swahiliAcceptance(t *testing.T, b *browser, srv *server, courseID string, lessons []lesson) {
	sw, en := b.phone(t), b.phone(t)
	signUp(t, en, srv, "ellen", "Ellen English", "the english reference")
	sw.do(t, chromedp.Navigate(srv.URL+"/login"))
	pickLanguage(t, sw, "sw")
	sw.do(t, chromedp.Click(chromedp.CSS(`main a[href="/signup"]`)), chromedp.WaitVisible(chromedp.CSS("#signup-form")))
	signUp(t, sw, srv, "neema", "Neema Mushi", "kunawa mikono 2026")
	pages := []string{"/", "/courses/" + courseID, "/lessons/" + lessons[0].ID, "/me/progress", "/account", "/phone"}
	content := []string{"Basic first aid"}
	for _, l := range lessons {
		content = append(content, l.Title)
	}
	for _, path := range pages {
		openDrawn(t, en, srv.URL+path)
		english := domHTML(t, en)
		openDrawn(t, sw, srv.URL+path)
		if l := eval[string](t, sw, `document.documentElement.lang`); l != "sw" {
			t.Errorf("%s is in %q, want sw", path, l)
		}
		if left := untranslated(t, english, domHTML(t, sw), "sw", content...); len(left) > 0 {
			t.Errorf("%s: English left on the Swahili page: %q", path, left)
		}
	}
	waitControlled(t, sw)
	poll(t, 20*time.Second, "the Swahili offline page in the worker's shell", func() bool {
		return eval[bool](t, sw, `caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.match("/offline?lang=sw"))))).then(rs => rs.some(Boolean))`)
	})
	openDrawn(t, en, srv.URL+"/lessons/"+lessons[0].ID)
	englishLesson := domHTML(t, en)
	resp, err := http.Get(srv.URL + "/offline?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	var englishOffline bytes.Buffer
	_, _ = englishOffline.ReadFrom(resp.Body)
	resp.Body.Close()

	srv.Stop()
	defer srv.Start()
	openDrawn(t, sw, srv.URL+"/lessons/"+lessons[2].ID) // never opened: the offline page
	if l := eval[string](t, sw, `document.documentElement.lang`); l != "sw" {
		t.Errorf("offline, the offline page is in %q, want sw", l)
	}
	if left := untranslated(t, englishOffline.String(), domHTML(t, sw), "sw"); len(left) > 0 {
		t.Errorf("offline page: English left: %q", left)
	}
	openDrawn(t, sw, srv.URL+"/lessons/"+lessons[0].ID)
	sw.do(t, chromedp.Click(chromedp.CSS("#lesson-status button.do")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status .pending-note")))
	waitText(t, sw, "#sync-count", jsText(t, "sw", "waiting", map[string]string{"count": "1"}))
	if left := untranslated(t, englishLesson, domHTML(t, sw), "sw", content...); len(left) > 0 {
		t.Errorf("offline lesson with a change waiting: English left: %q", left)
	}
}
