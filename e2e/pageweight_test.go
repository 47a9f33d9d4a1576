package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"fieldbook/internal/i18n"
)

// wireSize fetches path as a browser would (gzip accepted) and returns the
// bytes on the wire, without decompressing.
func wireSize(t *testing.T, srv *server, path string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return len(b), resp.Header.Get("Content-Encoding")
}

var assetRE = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// TestPageWeight enforces the byte budgets of demo lesson pages, a plain
// one and one with a quiz, gzip on the wire, in every interface language:
// first visit everything (HTML, CSS, scripts, icon, manifest, the service
// worker and what it keeps for the phone's language, the learner's personal
// part) ≤ 40 KB; HTML + CSS ≤ 14 KB (the first TCP round trip); a repeat
// visit, where the hashed files come from the cache (the HTML and the
// learner's progress in the course), ≤ 5 KB. Bytes are deterministic, so
// this is a real test. It logs what each language adds to English's.
func TestPageWeight(t *testing.T) {
	srv := startServer(t)
	_, lessons := lessonsOf(t, srv, "Basic first aid")
	_, water := lessonsOf(t, srv, "Safe drinking water")
	lessonWeight(t, srv, "lesson", "/lessons/"+lessons[0].ID)
	quiz := lessonWeight(t, srv, "quiz lesson", "/lessons/"+water[4].ID)
	if quiz.quizJS == 0 {
		t.Error("the quiz lesson loads no quiz.js")
	}
	// What the quiz adds: the same page with and without its section and
	// script tag, compressed alike.
	body := string(mustGet(t, srv.URL+"/lessons/"+water[4].ID))
	bare := regexp.MustCompile(`(?s)<section id="quiz".*?</section>|<script src="/static/[0-9a-f]+/quiz\.js" defer></script>`).ReplaceAllString(body, "")
	if bare == body {
		t.Fatal("no quiz section found")
	}
	with, without := gzipLen(t, body), gzipLen(t, bare)
	t.Logf("a 6-question quiz adds %d bytes gzip to its lesson page's HTML (%d → %d); quiz.js is %d bytes gzip, fetched once (the worker precaches it)",
		with-without, without, with, quiz.quizJS)
}

func gzipLen(t *testing.T, s string) int {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Len()
}

// weight is what pageWeight measured of a page in one language.
type weight struct{ first, repeat, quizJS int }

// lessonWeight measures one lesson page against the budgets in every
// language, logs what each adds to English and returns English's weight.
func lessonWeight(t *testing.T, srv *server, name, page string) weight {
	t.Helper()

	// Signed in, as learners are.
	form := strings.NewReader("username=demo-learner&password=" + srv.Passwords["demo-learner"])
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Transport{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "fieldbook_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("sign-in gave no session cookie")
	}
	weights := map[string]weight{}
	for _, l := range i18n.Languages() {
		t.Run(name+"/"+l.Tag, func(t *testing.T) {
			// The learner's language: stored, as the picker does.
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/language", strings.NewReader("lang="+l.Tag+"&next=/"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(session)
			resp, err := (&http.Transport{}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST /language: %d", resp.StatusCode)
			}
			weights[l.Tag] = pageWeight(t, srv, page, session, l.Tag)
		})
	}
	en := weights[i18n.Source]
	for _, l := range i18n.Languages()[1:] {
		t.Logf("%s (%s): %s adds %+d bytes to a first visit and %+d to a repeat visit (gzip, against English)",
			name, page, l.Tag, weights[l.Tag].first-en.first, weights[l.Tag].repeat-en.repeat)
	}
	return en
}

// pageWeight measures a first and a repeat visit of page in lang and checks
// the budgets.
func pageWeight(t *testing.T, srv *server, page string, session *http.Cookie, lang string) weight {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+page, nil)
	req.AddCookie(session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("Content-Language"); got != lang {
		t.Fatalf("the lesson page is in %q, want %q", got, lang)
	}
	assets := map[string]bool{}
	for _, m := range assetRE.FindAllStringSubmatch(string(body), -1) {
		assets[m[1]] = true
	}
	if len(assets) < 3 {
		t.Fatalf("found only %d static files on the page: %v", len(assets), assets)
	}

	html, enc := wireSize(t, srv, page, session)
	if enc != "gzip" {
		t.Fatalf("the lesson page is not gzipped (Content-Encoding %q)", enc)
	}
	sizes := map[string]int{page: html}
	css := 0
	for a := range assets {
		n, _ := wireSize(t, srv, a, nil)
		sizes[a] = n
		if strings.HasSuffix(a, ".css") {
			css += n
		}
	}
	// The browser also fetches the manifest and the worker; the worker keeps
	// the offline page (fetched in the phone's language), "Who is learning?"
	// in it and the install icon.
	for _, extra := range []string{"/manifest.webmanifest?lang=" + lang, "/sw.js", "/offline?lang=" + lang, "/phone?lang=" + lang} {
		n, _ := wireSize(t, srv, extra, session)
		sizes[extra] = n
	}
	worker := string(mustGet(t, srv.URL+"/sw.js"))
	icon := regexp.MustCompile(`/static/[0-9a-f]+/icon-192\.png`).FindString(worker)
	quizJS := regexp.MustCompile(`/static/[0-9a-f]+/quiz\.js`).FindString(worker)
	if icon == "" || quizJS == "" {
		t.Fatal("the worker precaches no 192 px icon or no quiz.js")
	}
	for _, f := range []string{icon, quizJS} {
		if _, ok := sizes[f]; !ok {
			sizes[f], _ = wireSize(t, srv, f, nil)
		}
	}
	// The page is the same for everyone; app.js asks for the learner's part:
	// their progress in this course. On the first visit on a phone (a new
	// learner for it) also who they are and their progress in every course.
	course := regexp.MustCompile(`data-course="([0-9a-f-]{36})"`).FindStringSubmatch(string(body))
	if course == nil {
		t.Fatal("the lesson page names no course")
	}
	personal, _ := wireSize(t, srv, "/api/me/progress?course="+course[1], session)
	me, _ := wireSize(t, srv, "/api/me", session)
	all, _ := wireSize(t, srv, "/api/me/progress", session)
	sizes["/api/me/progress?course="] = personal
	sizes["/api/me"] = me
	sizes["/api/me/progress"] = all
	total := 0
	for _, n := range sizes {
		total += n
	}
	t.Logf("%s %s wire bytes: HTML %d, HTML+CSS %d, first visit total %d (the personal part: %d); repeat visit HTML %d + personal %d; each: %v",
		page, lang, html, html+css, total, personal+me+all, html, personal, sizes)
	if total > 40*1024 {
		t.Errorf("lesson page first visit is %d bytes gzip, budget 40960: %v", total, sizes)
	}
	if html+css > 14*1024 {
		t.Errorf("lesson page HTML+CSS is %d bytes gzip (HTML %d, CSS %d), budget 14336", html+css, html, css)
	}
	if html+personal > 5*1024 {
		t.Errorf("lesson page repeat visit (HTML %d and the learner's progress %d) is %d bytes gzip, budget 5120", html, personal, html+personal)
	}
	w := weight{first: total, repeat: html + personal}
	if assets[quizJS] {
		w.quizJS = sizes[quizJS]
	}
	return w
}

func mustGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
