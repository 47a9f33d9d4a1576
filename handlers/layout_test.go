package handlers_test

import (
	"cmp"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"fieldbook/internal/i18n"
	"fieldbook/store"
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
	a.createUser(t, store.RoleAdmin, "ada", "Ada Admin", "admin password long")
	learner := a.newClient(t)
	learner.signIn(learnerUser, learnerPass)
	learner.postForm("/lessons/"+w.lessons[0].String()+"/complete", url.Values{"completed": {"true"}}, nil)
	course, lesson := w.course.String(), w.lessons[0].String()
	pages := map[string][]string{
		"": {"/", "/?lang=en", "/courses/" + course, "/lessons/" + lesson, "/login", "/signup", "/offline", "/phone",
			"/no/such/page"},
		learnerUser: {"/", "/courses/" + course, "/lessons/" + lesson, "/me/progress", "/account", "/phone",
			"/courses/" + course + "/certificate"},
		volunteerUser: {"/studio", "/courses/new", "/courses/" + course + "/edit", "/courses/" + course + "/delete",
			"/lessons/" + lesson + "/edit", "/courses/" + course + "/dashboard",
			"/courses/" + course + "/dashboard/learners/" + w.learnerID.String(), "/account"},
		"ada": {"/admin/users", "/admin/invites", "/studio", "/account"},
	}
	pass := map[string]string{learnerUser: learnerPass, volunteerUser: volunteerPass, "ada": "admin password long"}
	for user, paths := range pages {
		c := a.newClient(t)
		if user != "" {
			c.signIn(user, pass[user])
		}
		for _, l := range i18n.Languages() {
			if user != "" {
				c.postForm("/language", url.Values{"lang": {l.Tag}, "next": {"/"}}, nil)
			} else {
				c.setLang(l.Tag)
			}
			for _, path := range paths {
				res := c.get(path, nil)
				if res.Status >= 500 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
					t.Errorf("%s %s as %q: status %d, %s", l.Tag, path, user, res.Status, res.Header.Get("Content-Type"))
					continue
				}
				checkLandmarks(t, l.Tag+" "+path+" as "+cmp.Or(user, "nobody"), parseDoc(t, res.Body))
			}
		}
	}
}

// checkLandmarks checks one page's navs and header.
func checkLandmarks(t *testing.T, what string, doc *html.Node) {
	t.Helper()
	seen := map[string]bool{}
	for _, nav := range findAll(doc, tag("nav")) {
		label, _ := attr(nav, "aria-label")
		if strings.TrimSpace(label) == "" {
			t.Errorf("%s: a nav without a label (%.60q)", what, text(nav))
		} else if seen[label] {
			t.Errorf("%s: two navs labelled %q", what, label)
		}
		seen[label] = true
	}
	header := find(doc, and(tag("header"), hasClass("top")))
	if header == nil {
		t.Errorf("%s: no header", what)
		return
	}
	menus := 0
	for n := header.FirstChild; n != nil; n = n.NextSibling {
		if n.Type != html.ElementNode {
			continue
		}
		class, _ := attr(n, "class")
		switch {
		case n.Data == "a" && (hasClass("brand")(n) || hasClass("signin")(n)):
		case n.Data == "span" && hasClass("who")(n):
		case n.Data == "details" && hasClass("menu")(n):
			menus++
			if find(n, tag("summary")) == nil || find(n, tag("nav")) == nil {
				t.Errorf("%s: the header's menu lacks its summary or nav", what)
			}
		default:
			t.Errorf("%s: the header holds <%s class=%q> outside its menu", what, n.Data, class)
		}
	}
	if menus != 1 {
		t.Errorf("%s: %d menus in the header, want 1", what, menus)
	}
}
