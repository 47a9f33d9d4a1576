package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

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
	"About Unreleased course", "Hidden lesson", "First paragraph.", "one", "two",
	learnerName, learnerUser, "Victor Volunteer", "victor", "Ada Admin", "ada",
}

// translationWorld is what the pages of TestPagesTranslated need besides
// the usual world.
type translationWorld struct {
	world
	adminID     uuid.UUID
	inviteToken string
	resetToken  string
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
	return pages
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

// setupTranslationWorld seeds the usual world, an admin, and the one-time
// links the pages follow.
func setupTranslationWorld(t *testing.T, a *testApp, admin *client) translationWorld {
	t.Helper()
	w := translationWorld{world: a.seedWorld(t)}
	w.adminID = a.createUser(t, store.RoleAdmin, "ada", "Ada Admin", "admin password long")
	admin.signIn("ada", "admin password long")
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
	clients := map[string]*client{asNobody: a.newClient(t), asAdmin: a.newClient(t)}
	w := setupTranslationWorld(t, a, clients[asAdmin])
	clients[asLearner], clients[asVolunteer] = a.newClient(t), a.newClient(t)
	clients[asLearner].signIn(learnerUser, learnerPass)
	clients[asVolunteer].signIn("victor", "volunteer password")
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
			if left := untranslated(t, english, res, l.Tag); len(left) > 0 {
				t.Errorf("%s, %s: English left: %q", p.name, l.Tag, left)
			}
		}
	}
}

// untranslated is the English left in res, a page or a JSON error in lang,
// against the same answer in English.
func untranslated(t *testing.T, english, res response, lang string) []string {
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
	left, err := i18ntest.UntranslatedExcept(strings.NewReader(english.Body), strings.NewReader(res.Body), lang, seededContent)
	if err != nil {
		t.Fatal(err)
	}
	return left
}
