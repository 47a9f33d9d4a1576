package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"fieldbook/internal/i18n"
	"fieldbook/store/storetest"
)

// TestEveryPageLandmarksAndHeader renders every page, for each kind of
// caller, in every language, and checks what keeps a phone's layout and a
// screen reader's landmarks sound whatever the language: each nav has a
// label of its own (axe-core's landmark-unique), and the header holds only
// the brand, the name, "Sign in" and the menu, whose links open without
// JavaScript (a <details>). The widths themselves are measured in Chromium
// (e2e TestLanguages/PhoneLayout).
func TestEveryPageLandmarksAndHeader(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(w.Learner.Username, w.Learner.Password)
	course, lesson := w.Course.ID.String(), w.Course.Lessons[0].String()
	learner.POST("/lessons/" + lesson + "/complete").Form(url.Values{"completed": {"true"}}).Expect(http.StatusSeeOther)
	pages := map[*storetest.User][]string{
		nil: {"/", "/?lang=en", "/courses/" + course, "/lessons/" + lesson, "/login", "/signup", "/offline", "/phone",
			"/no/such/page"},
		&w.Learner: {"/", "/courses/" + course, "/lessons/" + lesson, "/me/progress", "/account", "/phone",
			"/courses/" + course + "/certificate"},
		&w.Volunteer: {"/studio", "/courses/new", "/courses/" + course + "/edit", "/courses/" + course + "/delete",
			"/lessons/" + lesson + "/edit", "/courses/" + course + "/dashboard",
			"/courses/" + course + "/dashboard/learners/" + w.Learner.ID().String(), "/account"},
		&w.Admin: {"/admin/users", "/admin/invites", "/studio", "/account"},
	}
	for user, paths := range pages {
		c, who := a.newClient(t), "nobody"
		if user != nil {
			c.signIn(user.Username, user.Password)
			who = user.Username
		}
		for _, l := range i18n.Languages() {
			if user != nil {
				c.POST("/language").Form(url.Values{"lang": {l.Tag}, "next": {"/"}}).Expect(http.StatusSeeOther)
			} else {
				c.setLang(l.Tag)
			}
			for _, path := range paths {
				res := c.GET(path).Send()
				if res.Status >= 500 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Errorf("%s %s as %s: status %d, %s", l.Tag, path, who, res.Status, res.Header.Get("Content-Type"))
					continue
				}
				checkLandmarks(t, l.Tag+" "+path+" as "+who, res.Doc())
			}
		}
	}
}

// checkLandmarks checks one page's navs and header.
func checkLandmarks(t *testing.T, what string, doc *goquery.Selection) {
	t.Helper()
	seen := map[string]bool{}
	for _, nav := range doc.Find("nav").EachIter() {
		label, _ := nav.Attr("aria-label")
		if strings.TrimSpace(label) == "" {
			t.Errorf("%s: a nav without a label (%.60q)", what, textOf(nav))
		} else if seen[label] {
			t.Errorf("%s: two navs labelled %q", what, label)
		}
		seen[label] = true
	}
	header := doc.Find("header.top").First()
	if header.Length() == 0 {
		t.Errorf("%s: no header", what)
		return
	}
	menus := 0
	for _, n := range header.Children().EachIter() {
		switch {
		case n.Is("a.brand, a.signin, span.who"):
		case n.Is("details.menu"):
			menus++
			if n.Find("summary").Length() == 0 || n.Find("nav").Length() == 0 {
				t.Errorf("%s: the header's menu lacks its summary or nav", what)
			}
		default:
			class, _ := n.Attr("class")
			t.Errorf("%s: the header holds <%s class=%q> outside its menu", what, goquery.NodeName(n), class)
		}
	}
	if menus != 1 {
		t.Errorf("%s: %d menus in the header, want 1", what, menus)
	}
}
