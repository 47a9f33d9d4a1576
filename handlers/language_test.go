package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"fieldbook/internal/i18n"
	"fieldbook/store/storetest"
)

const langCookie = "fieldbook_lang"

// setLang puts a fieldbook_lang cookie in the client's jar, as the picker
// would have left it.
func (c *client) setLang(lang string) {
	u, _ := url.Parse(c.app.URL)
	c.jar.SetCookies(u, []*http.Cookie{{Name: langCookie, Value: lang, Path: "/"}})
}

// learnerApp is an app with the usual world and a client signed in as its
// learner.
func learnerApp(t *testing.T) (*testApp, *client) {
	t.Helper()
	a := newTestApp(t)
	a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	return a, c
}

// storedLang is users.lang of username, "" for NULL.
func (a *testApp) storedLang(t *testing.T, username string) string {
	t.Helper()
	var lang *string
	if err := a.owner.QueryRow(t.Context(), `SELECT lang FROM users WHERE username = $1`, username).Scan(&lang); err != nil {
		t.Fatalf("users.lang of %s: %v", username, err)
	}
	if lang == nil {
		return ""
	}
	return *lang
}

// pageLang checks that a page is in lang throughout: <html lang dir>,
// Content-Language, a Vary that names what chose it, and the words (the
// sign-in page's heading, or any element's text given by want).
func pageLang(t *testing.T, res response, lang string) *goquery.Selection {
	t.Helper()
	doc := res.Doc()
	root := doc.Find("html").First()
	l, _ := i18n.Lookup(lang)
	if got, _ := root.Attr("lang"); got != lang {
		t.Errorf("<html lang> = %q, want %q", got, lang)
	}
	if got, _ := root.Attr("dir"); got != l.Dir() {
		t.Errorf("<html dir> = %q, want %q", got, l.Dir())
	}
	if got := res.Header.Get("Content-Language"); got != lang {
		t.Errorf("Content-Language = %q, want %q", got, lang)
	}
	vary := strings.Join(res.Header.Values("Vary"), ",")
	for _, h := range []string{"Accept-Language", "Cookie"} {
		if !strings.Contains(vary, h) {
			t.Errorf("Vary %q lacks %s", vary, h)
		}
	}
	return doc
}

func heading(doc *goquery.Selection) string { return textOf(doc.Find("h1").First()) }

func TestAcceptLanguageNegotiation(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	cat := i18n.Default()
	tests := []struct{ header, want string }{
		{"", "en"},
		{"garbage;;;q=x", "en"},
		{"de-DE,de;q=0.9", "en"},
		{"pt-BR,pt;q=0.9,en;q=0.8", "pt"},
		{"fr-CA", "fr"},
		{"sw-KE", "sw"},
		{"en;q=0.2, ar;q=0.8", "ar"},
		{"es-419, en;q=0.5", "es"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			c := a.newClient(t)
			res := c.GET("/login").Headers(http.Header{"Accept-Language": {tt.header}}).Send()
			if res.Status != http.StatusOK {
				t.Fatalf("status %d", res.Status)
			}
			doc := pageLang(t, res, tt.want)
			if got, want := heading(doc), cat.Localizer(tt.want).T("auth.signin.title"); got != want {
				t.Errorf("heading %q, want %q", got, want)
			}
		})
	}
}

// TestLanguagePicker: every page carries a plain form that posts lang and
// next; posting it remembers the language in the cookie, which then beats
// Accept-Language, and goes back to next when it is a local path.
func TestLanguagePicker(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)
	doc := c.GET("/signup?x=1").Send().Doc()
	form := mustSelect(t, doc, "form[action=\"/language\"]")
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("picker method %q, want post", m)
	}
	if next, _ := formValue(form, "next"); next != "/signup?x=1" {
		t.Errorf("picker next = %q, want /signup?x=1", next)
	}
	var tags []string
	for _, o := range form.Find("option").EachIter() {
		v, _ := o.Attr("value")
		if l, _ := o.Attr("lang"); l != v {
			t.Errorf("option %s has lang %q", v, l)
		}
		if _, sel := o.Attr("selected"); sel != (v == "en") {
			t.Errorf("option %s selected = %v", v, sel)
		}
		tags = append(tags, v)
	}
	if want := []string{"en", "fr", "pt", "es", "sw", "ar"}; !slices.Equal(tags, want) {
		t.Errorf("picker offers %q, want %q", tags, want)
	}
	if form.Find("button[type=\"submit\"]").Length() == 0 {
		t.Error("the picker has no submit button: it must work without JavaScript")
	}

	for _, tt := range []struct{ next, want string }{
		{"/signup?x=1", "/signup?x=1"},
		{"", "/"},
		{"//evil.example/", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
	} {
		res := c.POST("/language").Form(url.Values{"lang": {"sw"}, "next": {tt.next}}).Send()
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != tt.want {
			t.Errorf("next %q: status %d Location %q, want 303 %q", tt.next, res.Status, res.Header.Get("Location"), tt.want)
		}
	}
	ck := c.POST("/language").Form(url.Values{"lang": {"sw"}, "next": {"/"}}).Send().cookie(langCookie)
	if ck == nil || ck.Value != "sw" || !ck.HttpOnly || ck.Path != "/" || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge < 300*24*3600 {
		t.Errorf("language cookie %+v, want sw, HttpOnly, Path /, SameSite Lax, kept for a year", ck)
	}
	res := c.GET("/login").Headers(http.Header{"Accept-Language": {"fr"}}).Send()
	doc = pageLang(t, res, "sw")
	if got := heading(doc); got != "Ingia" {
		t.Errorf("heading %q, want the Swahili one", got)
	}
	sel := doc.Find("option[value=\"sw\"]").First()
	if _, ok := sel.Attr("selected"); !ok {
		t.Error("the picker does not show Kiswahili as chosen")
	}
}

// TestUnknownLanguageRefused: an unknown lang is a 400 that names every
// language, in the page's language, and changes neither the cookie nor the
// stored preference.
func TestUnknownLanguageRefused(t *testing.T) {
	t.Parallel()
	a, c := learnerApp(t)
	c.POST("/language").Form(url.Values{"lang": {"fr"}, "next": {"/"}}).Expect(http.StatusSeeOther)
	for _, bad := range []string{"xx", "", "fr-CA", "FR", "en'; DROP TABLE users; --", strings.Repeat("a", 5000)} {
		before := a.snapshot(t)
		res := c.POST("/language").Form(url.Values{"lang": {bad}, "next": {"/"}}).Send()
		if res.Status != http.StatusBadRequest {
			t.Fatalf("lang %q: status %d, want 400", bad, res.Status)
		}
		if res.cookie(langCookie) != nil {
			t.Errorf("lang %q: the cookie was changed", bad)
		}
		doc := pageLang(t, res, "fr")
		msg := textOf(doc.Find("section.error").First())
		for _, l := range i18n.Languages() {
			if !strings.Contains(msg, l.Name+" ("+l.Tag+")") {
				t.Errorf("lang %q: the message %q does not offer %s", bad, msg, l.Name)
			}
		}
		if a.snapshot(t) != before || a.storedLang(t, storetest.LearnerUser) != "fr" {
			t.Errorf("lang %q changed the database", bad)
		}
	}
	if got := c.jarCookie(langCookie); got != "fr" {
		t.Errorf("cookie now %q, want fr", got)
	}
}

// TestCrossSiteLanguageChangeRefused: the picker is a state change like any
// other; another site cannot post it.
func TestCrossSiteLanguageChangeRefused(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)
	res := c.POST("/language").Form(url.Values{"lang": {"ar"}, "next": {"/"}}).Headers(http.Header{"Sec-Fetch-Site": {"cross-site"}}).Send()
	if res.Status != http.StatusForbidden || res.cookie(langCookie) != nil {
		t.Errorf("cross-site POST /language: status %d, cookie %v; want 403 and no cookie", res.Status, res.cookie(langCookie))
	}
}

// TestStoredLanguageFollowsTheLearner: a signed-in learner's choice is
// stored on their account; on another phone, whatever that phone's cookie
// and header say, signing in brings it back.
func TestStoredLanguageFollowsTheLearner(t *testing.T) {
	t.Parallel()
	a, phone1 := learnerApp(t)
	if got := a.storedLang(t, storetest.LearnerUser); got != "" {
		t.Fatalf("signing in stored %q without a choice", got)
	}
	phone1.POST("/language").Form(url.Values{"lang": {"sw"}, "next": {"/"}}).Send()
	if got := a.storedLang(t, storetest.LearnerUser); got != "sw" {
		t.Fatalf("users.lang = %q after choosing Kiswahili", got)
	}
	pageLang(t, phone1.GET("/no/such/page").Send(), "sw")

	phone2 := a.newClient(t)
	phone2.setLang("ar")
	frHeader := http.Header{"Accept-Language": {"fr"}}
	pageLang(t, phone2.GET("/login").Headers(frHeader).Send(), "ar")
	res := phone2.POST("/login").Form(url.Values{"username": {storetest.LearnerUser}, "password": {storetest.LearnerPass}}).Headers(frHeader).Expect(http.StatusSeeOther)
	if ck := res.cookie(langCookie); ck == nil || ck.Value != "sw" {
		t.Errorf("sign-in set language cookie %v, want sw", ck)
	}
	// A missing course: an error page inside the signed-in layout.
	doc := pageLang(t, phone2.GET("/courses/"+uuid.NewString()).Headers(frHeader).Send(), "sw")
	if got := textOf(doc.Find("a[href=\"/me/progress\"]").First()); got != "Maendeleo yangu" {
		t.Errorf("header link %q, want Swahili", got)
	}
	if got := headerName(doc); got != storetest.LearnerName {
		t.Errorf("header user %q", got)
	}
}

// TestSignUpStoresTheLanguage: a new account keeps the language it was
// created in, the cookie's first, else the header's.
func TestSignUpStoresTheLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	tests := []struct {
		username, cookie, header, want string
	}{
		{"from-cookie", "pt", "fr", "pt"},
		{"from-header", "", "sw-KE,en;q=0.5", "sw"},
		{"from-nothing", "", "", "en"},
	}
	for _, tt := range tests {
		c := a.newClient(t)
		if tt.cookie != "" {
			c.setLang(tt.cookie)
		}
		res := c.POST("/signup").Form(url.Values{"username": {tt.username}, "name": {"N"}, "password": {"a long enough secret"}}).Headers(http.Header{"Accept-Language": {tt.header}}).Send()
		if res.Status != http.StatusSeeOther {
			t.Fatalf("%s: sign up status %d\n%s", tt.username, res.Status, res.Body)
		}
		if got := a.storedLang(t, tt.username); got != tt.want {
			t.Errorf("%s: users.lang = %q, want %q", tt.username, got, tt.want)
		}
	}
}

// TestValidationInTheLanguage: form errors and throttle messages are in
// the page's language, with the language's plural forms.
func TestValidationInTheLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)
	c.setLang("ar")
	res := c.POST("/signup").Form(url.Values{"username": {"x"}, "name": {""}, "password": {"short"}}).Expect(http.StatusUnprocessableEntity)
	doc := pageLang(t, res, "ar")
	ar := i18n.Default().Localizer("ar")
	for field, want := range map[string]string{
		"username": ar.T("account.error.username_rule"),
		"name":     ar.T("auth.error.name_missing"),
		"password": "استخدم 8 أحرف على الأقل.",
	} {
		if got := fieldMessage(t, doc, field); got != want {
			t.Errorf("%s error %q, want %q", field, got, want)
		}
	}
	label := textOf(doc.Find("label[for=\"password\"]").First())
	if label != "كلمة المرور (8 أحرف على الأقل)" {
		t.Errorf("password label %q", label)
	}
}

// TestAPIErrorsInTheLanguage: JSON errors speak the caller's language too.
func TestAPIErrorsInTheLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.GET(t, "/api/nothing").Headers(http.Header{"Accept-Language": {"es"}}).Send()
	var body map[string]string
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, res.Body)
	}
	if want := "No hay nada en esta dirección."; body["error"] != want || res.Header.Get("Content-Language") != "es" {
		t.Errorf("error %q (Content-Language %q), want %q in es", body["error"], res.Header.Get("Content-Language"), want)
	}
}

func TestManifestAndOfflinePagePerLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)
	doc := c.GET("/login").Headers(http.Header{"Accept-Language": {"ar"}}).Send().Doc()
	link := mustSelect(t, doc, "link[rel=\"manifest\"]")
	href, _ := link.Attr("href")
	if href != "/manifest.webmanifest?lang=ar" {
		t.Errorf("manifest link %q", href)
	}
	res := c.GET(href).Send()
	var m map[string]any
	if err := json.Unmarshal([]byte(res.Body), &m); err != nil {
		t.Fatal(err)
	}
	if m["lang"] != "ar" || m["dir"] != "rtl" || m["description"] != i18n.Default().Localizer("ar").T("manifest.description") || m["name"] != "Fieldbook" {
		t.Errorf("Arabic manifest: %v", m)
	}
	res = c.GET("/manifest.webmanifest").Headers(http.Header{"Accept-Language": {"fr"}}).Send()
	if err := json.Unmarshal([]byte(res.Body), &m); err != nil || m["lang"] != "fr" || res.Header.Get("Content-Language") != "fr" {
		t.Errorf("manifest without ?lang for a French phone: %v %v", m["lang"], err)
	}

	off := c.GET("/offline?lang=sw").Headers(http.Header{"Accept-Language": {"fr"}}).Send()
	doc = pageLang(t, off, "sw")
	if got := heading(doc); got != "Huna mtandao" {
		t.Errorf("offline heading %q", got)
	}
	if doc.Find("form[action=\"/language\"]").Length() > 0 {
		t.Error("the offline page (shown without a network) carries the picker")
	}
	pageLang(t, c.GET("/offline?lang=zz").Headers(http.Header{"Accept-Language": {"pt-BR"}}).Send(), "pt")
}

// TestDashboardChartMirrors: on an Arabic page the chart's labels sit on
// the right and its bars grow from the right edge.
func TestDashboardChartMirrors(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	vol := a.newClient(t)
	vol.signIn("victor", "volunteer password")
	path := "/courses/" + w.Course.ID.String() + "/dashboard"
	for _, tt := range []struct{ lang, labelX string }{{"en", "0"}, {"ar", "300"}} {
		vol.POST("/language").Form(url.Values{"lang": {tt.lang}, "next": {"/"}}).Send()
		doc := pageLang(t, vol.GET(path).Send(), tt.lang)
		svg := mustSelect(t, doc, "svg")
		label := svg.Find("text").First()
		if x, _ := label.Attr("x"); x != tt.labelX {
			t.Errorf("%s: label x = %q, want %s", tt.lang, x, tt.labelX)
		}
		for _, bar := range svg.Find("rect.bar").EachIter() {
			x, _ := bar.Attr("x")
			wd, _ := bar.Attr("width")
			xi, _ := strconv.Atoi(x)
			wi, _ := strconv.Atoi(wd)
			if start := map[string]int{"en": 0, "ar": 300 - wi}[tt.lang]; xi != start {
				t.Errorf("%s: bar x = %d (width %d), want %d", tt.lang, xi, wi, start)
			}
		}
	}
}
