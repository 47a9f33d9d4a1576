package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
)

const (
	adminUser = "ada"
	adminPass = "admin long passphrase"
)

// linkPath is the path of the one-time link shown in the input #id of a
// page (an invite or a reset link), checking it points at this site.
func linkPath(t *testing.T, a *testApp, body, id, prefix string) string {
	t.Helper()
	doc := htmlDoc(t, body)
	in := mustSelect(t, doc, "input"+attrIs("id", id))
	v, _ := in.Attr("value")
	u, err := url.Parse(v)
	if err != nil || !strings.HasPrefix(v, a.URL+prefix) {
		t.Fatalf("link %q: want it under %s%s", v, a.URL, prefix)
	}
	return u.Path
}

// makeInvite creates an invite as the signed-in admin through the form and
// returns its path.
func makeInvite(t *testing.T, a *testApp, admin *client, days string) string {
	t.Helper()
	r := admin.POST("/admin/invites").Form(url.Values{"days": {days}}).Expect(http.StatusOK)
	return linkPath(t, a, r.Body, "invite-link", "/invite/")
}

func acceptForm(username string) url.Values {
	return url.Values{"username": {username}, "name": {"New Volunteer " + username}, "password": {"volunteer long passphrase"}}
}

// Admin pages: admins only; learners and volunteers get 403, anonymous
// callers are sent to sign in; the header links to them for admins only.
func TestAdminRoutesAdminsOnly(t *testing.T) {
	a := newTestApp(t)
	a.seed.User(t, store.RoleAdmin, adminUser, "Ada Admin", adminPass)
	learner := a.seed.User(t, store.RoleLearner, "lena", "Lena", "learner long passphrase").ID()
	a.seed.User(t, store.RoleVolunteer, "victor", "Victor", "volunteer long passphrase")
	before := a.snapshot(t)
	target := "/admin/users/" + learner.String()
	routes := []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/admin/users", nil},
		{"POST", target + "/role", url.Values{"role": {"admin"}}},
		{"POST", target + "/disable", url.Values{}},
		{"POST", target + "/enable", url.Values{}},
		{"POST", target + "/reset", url.Values{}},
		{"GET", "/admin/invites", nil},
		{"POST", "/admin/invites", url.Values{"days": {"7"}}},
	}
	call := func(c *client, method, path string, form url.Values) response {
		if method == "GET" {
			return c.GET(path).Send()
		}
		return c.POST(path).Form(form).Send()
	}
	for _, who := range []struct{ user, pass string }{{"lena", "learner long passphrase"}, {"victor", "volunteer long passphrase"}} {
		c := a.newClient(t)
		c.signIn(who.user, who.pass)
		for _, rt := range routes {
			if r := call(c, rt.method, rt.path, rt.form); r.Status != http.StatusForbidden {
				t.Errorf("%s %s %s: %d, want 403", who.user, rt.method, rt.path, r.Status)
			}
		}
		r := c.GET(personalPage).Send()
		if r.Doc().Find("a[href=\"/admin/users\"]").Length() > 0 {
			t.Errorf("%s sees the Admin link", who.user)
		}
	}
	anon := a.newClient(t)
	for _, rt := range routes {
		r := call(anon, rt.method, rt.path, rt.form)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s %s: %d %q, want a redirect to sign in", rt.method, rt.path, r.Status, r.Header.Get("Location"))
		}
	}
	if after := a.snapshot(t); after != before {
		t.Fatal("a refused admin request changed data")
	}
	if n := a.count(t, `SELECT (SELECT count(*) FROM invites) + (SELECT count(*) FROM password_resets)`); n != 0 {
		t.Fatalf("refused requests left %d links", n)
	}

	admin := a.newClient(t)
	admin.signIn(adminUser, adminPass)
	r := admin.GET(personalPage).Send()
	mustSelect(t, r.Doc(), "a[href=\"/admin/users\"]")
	r = admin.GET("/admin/users").Expect(200)
	doc := r.Doc()
	checkPage(t, doc)
	rows := doc.Find("table[id=\"users\"]").First().Find("tr")
	if rows.Length() != 4 { // header + 3 users
		t.Fatalf("%d rows in the user list, want 3 users and a header", rows.Length())
	}
	row := mustSelect(t, doc, "tr[data-user=\"lena\"]")
	if got := textOf(row); !strings.Contains(got, "Lena") || !strings.Contains(got, "Active") {
		t.Errorf("lena's row: %q", got)
	}
}

// Invites: the admin makes a link in the UI; accepting it creates a
// volunteer who is signed in and reaches the studio, and who can later sign
// in with the password; the link then answers 410 — also when two accepts
// race, exactly one account is made. Expired links answer 410 too. Only a
// hash of the token is stored.
func TestInviteSingleUseAndExpiry(t *testing.T) {
	a := newTestApp(t)
	a.seed.User(t, store.RoleAdmin, adminUser, "Ada Admin", adminPass)
	admin := a.newClient(t)
	admin.signIn(adminUser, adminPass)

	// Validation: 422 with the value kept.
	r := admin.POST("/admin/invites").Form(url.Values{"days": {"99"}}).Expect(http.StatusUnprocessableEntity)
	doc := r.Doc()
	if v, _ := formValue(doc, "days"); v != "99" || fieldMessage(t, doc, "days") == "" {
		t.Fatalf("days=99: value %q kept, message %q", v, fieldMessage(t, doc, "days"))
	}

	path := makeInvite(t, a, admin, "7")
	token := strings.TrimPrefix(path, "/invite/")
	if n := a.count(t, `SELECT count(*) FROM invites WHERE expires_at BETWEEN now() + interval '6 days 23 hours' AND now() + interval '7 days 1 hour'`); n != 1 {
		t.Fatalf("%d invites expiring in 7 days", n)
	}
	// Only the SHA-256 is kept: the raw token appears nowhere in the database.
	if n := a.count(t, `SELECT count(*) FROM invites WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, token); n != 1 {
		t.Fatal("the invite's hash is not the SHA-256 of its token")
	}
	if n := a.count(t, `SELECT count(*) FROM invites i WHERE position(convert_to($1, 'UTF8') IN i.token_hash) > 0 OR i::text LIKE '%' || $1 || '%'`, token); n != 0 {
		t.Fatal("the raw invite token is stored")
	}
	if r := admin.GET("/admin/invites").Send(); r.Status != 200 || strings.Contains(r.Body, token) ||
		r.Doc().Find("ul[id=\"open-invites\"]").First().Find("li").Length() != 1 {
		t.Fatalf("invites list: %d, want one open invite and no token", r.Status)
	}

	newbie := a.newClient(t)
	if r := newbie.GET(path).Send(); r.Status != 200 || r.Doc().Find("form[id=\"invite-accept-form\"]").Length() == 0 {
		t.Fatalf("GET invite: %d", r.Status)
	}
	// Validation failures keep the link open and the values.
	r = newbie.POST(path).Form(url.Values{"username": {"Ni"}, "name": {"Nia Volunteer"}, "password": {"short"}}).Expect(http.StatusUnprocessableEntity)
	doc = r.Doc()
	if v, _ := formValue(doc, "name"); v != "Nia Volunteer" {
		t.Errorf("name not kept: %q", v)
	}
	if fieldMessage(t, doc, "username") == "" || fieldMessage(t, doc, "password") == "" {
		t.Error("no field messages on a bad accept")
	}
	// A taken username: 422, and the invite stays open.
	r = newbie.POST(path).Form(acceptForm(adminUser)).Send()
	if r.Status != http.StatusUnprocessableEntity || fieldMessage(t, r.Doc(), "username") == "" {
		t.Fatalf("taken username: %d", r.Status)
	}

	r = newbie.POST(path).Form(acceptForm("nia")).Send()
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/studio" {
		t.Fatalf("accept: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	var nia uuid.UUID
	if err := a.owner.QueryRow(context.Background(), `SELECT id FROM users WHERE username = 'nia' AND role = 'volunteer'`).Scan(&nia); err != nil {
		t.Fatalf("no volunteer nia: %v", err)
	}
	if n := a.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = $1 AND token = $2`, nia, store.SessionKey(newbie.sessionToken())); n != 1 {
		t.Fatal("the new volunteer's session is not recorded")
	}
	if r := newbie.GET("/studio").Send(); r.Status != 200 || headerName(r.Doc()) != "New Volunteer nia" {
		t.Fatalf("the new volunteer cannot reach the studio: %d", r.Status)
	}
	fresh := a.newClient(t)
	fresh.signIn("nia", "volunteer long passphrase")

	// Second use: 410 Gone with a clear page; no second account.
	for _, c := range []*client{a.newClient(t), newbie} {
		if r := c.GET(path).Send(); r.Status != http.StatusGone || !strings.Contains(mainTextOf(r.Doc()), "already been used") {
			t.Fatalf("GET used invite: %d", r.Status)
		}
		if r := c.POST(path).Form(acceptForm("second")).Send(); r.Status != http.StatusGone {
			t.Fatalf("POST used invite: %d", r.Status)
		}
	}
	a.GET(t, "/invite/"+store.NewLinkToken()).Expect(http.StatusNotFound)

	// Expired: set in the past by the owner.
	expired := makeInvite(t, a, admin, "1")
	if _, err := a.owner.Exec(context.Background(),
		`UPDATE invites SET expires_at = now() - interval '1 minute' WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
		strings.TrimPrefix(expired, "/invite/")); err != nil {
		t.Fatal(err)
	}
	late := a.newClient(t)
	if r := late.GET(expired).Send(); r.Status != http.StatusGone || !strings.Contains(mainTextOf(r.Doc()), "expired") {
		t.Fatalf("GET expired invite: %d", r.Status)
	}
	late.POST(expired).Form(acceptForm("late")).Expect(http.StatusGone)

	// Concurrent accepts of one link: exactly one account.
	race := makeInvite(t, a, admin, "7")
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		c := a.newClient(t)
		wg.Go(func() {
			statuses[i] = c.POST(race).Form(acceptForm("racer" + string(rune('a'+i)))).Send().Status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			won++
		case http.StatusGone:
		default:
			t.Errorf("concurrent accept: status %d", s)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent accepts won, want exactly 1 (%v)", won, statuses)
	}
	if got := a.count(t, `SELECT count(*) FROM users WHERE username LIKE 'racer%'`); got != 1 {
		t.Fatalf("%d accounts from one invite, want 1", got)
	}
	if got := a.count(t, `SELECT count(*) FROM users WHERE role = 'volunteer'`); got != 2 {
		t.Fatalf("%d volunteers, want 2 (nia and one racer)", got)
	}
}

// Role change and disable end the target's sessions (their cookie stops
// working); a disabled user cannot sign in, and can again once enabled.
func TestAdminRoleChangeAndDisableEndSessions(t *testing.T) {
	a := newTestApp(t)
	adminID := a.seed.User(t, store.RoleAdmin, adminUser, "Ada Admin", adminPass).ID()
	lena := a.seed.User(t, store.RoleLearner, "lena", "Lena", "learner long passphrase").ID()
	a.seed.User(t, store.RoleLearner, "omar", "Omar", "omar long passphrase")
	admin := a.newClient(t)
	admin.signIn(adminUser, adminPass)
	omar := a.newClient(t)
	omar.signIn("omar", "omar long passphrase")

	phone, laptop := a.newClient(t), a.newClient(t)
	phone.signIn("lena", "learner long passphrase")
	laptop.signIn("lena", "learner long passphrase")
	phone.GET("/studio").Expect(http.StatusForbidden)
	tokens := []string{phone.sessionToken(), laptop.sessionToken()}

	admin.POST("/admin/users/" + lena.String() + "/role").Form(url.Values{"role": {"volunteer"}}).Expect(http.StatusSeeOther)
	if a.count(t, `SELECT count(*) FROM users WHERE id = $1 AND role = 'volunteer'`, lena) != 1 {
		t.Fatal("role not changed")
	}
	for _, tok := range tokens {
		if a.sessionExists(t, tok) {
			t.Fatal("a session survived the role change")
		}
	}
	if n := a.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = $1`, lena); n != 0 {
		t.Fatalf("%d session records left after the role change", n)
	}
	if r := phone.GET("/account").Send(); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("the old cookie still works after the role change: %d", r.Status)
	}
	phone.signIn("lena", "learner long passphrase")
	phone.GET("/studio").Expect(200)
	omar.GET("/account").Expect(200)
	admin.GET("/admin/users?done=role").Expect(200)
	// Bad role: 400, nothing changes.
	admin.POST("/admin/users/" + lena.String() + "/role").Form(url.Values{"role": {"wizard"}}).Expect(http.StatusBadRequest)
	// An admin cannot demote or disable themselves.
	for _, p := range []string{"/role", "/disable"} {
		if r := admin.POST("/admin/users/" + adminID.String() + p).Form(url.Values{"role": {"learner"}}).Send(); r.Status != http.StatusBadRequest {
			t.Fatalf("self %s: %d", p, r.Status)
		}
	}

	// Disable.
	token := phone.sessionToken()
	admin.POST("/admin/users/" + lena.String() + "/disable").Form(url.Values{}).Expect(http.StatusSeeOther)
	if a.sessionExists(t, token) {
		t.Fatal("the session survived disabling")
	}
	phone.GET("/studio").Expect(http.StatusSeeOther)
	a.POST(t, "/login").Form(url.Values{"username": {"lena"}, "password": {"learner long passphrase"}}).Expect(http.StatusUnauthorized)
	doc := admin.GET("/admin/users").Send().Doc()
	if got := textOf(mustSelect(t, doc, "tr[data-user=\"lena\"]")); !strings.Contains(got, "Disabled") {
		t.Fatalf("lena's row does not say disabled: %q", got)
	}
	omar.GET("/account").Expect(200)
	// Enable: signing in works again.
	admin.POST("/admin/users/" + lena.String() + "/enable").Form(url.Values{}).Expect(http.StatusSeeOther)
	a.newClient(t).signIn("lena", "learner long passphrase")
	admin.POST("/admin/users/" + uuid.NewString() + "/disable").Form(url.Values{}).Expect(http.StatusNotFound)
}

// A reset link sets a new password once and ends the user's sessions.
func TestPasswordResetLink(t *testing.T) {
	a := newTestApp(t)
	a.seed.User(t, store.RoleAdmin, adminUser, "Ada Admin", adminPass)
	lena := a.seed.User(t, store.RoleLearner, "lena", "Lena", "learner long passphrase").ID()
	admin := a.newClient(t)
	admin.signIn(adminUser, adminPass)
	old := a.newClient(t)
	old.signIn("lena", "learner long passphrase")

	r := admin.POST("/admin/users/" + lena.String() + "/reset").Form(url.Values{}).Send()
	if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create reset: %d %q", r.Status, r.Header.Get("Cache-Control"))
	}
	path := linkPath(t, a, r.Body, "reset-link", "/reset/")
	token := strings.TrimPrefix(path, "/reset/")
	if n := a.count(t, `SELECT count(*) FROM password_resets WHERE user_id = $1 AND token_hash = sha256(convert_to($2, 'UTF8'))
		AND position(convert_to($2, 'UTF8') IN token_hash) = 0`, lena, token); n != 1 {
		t.Fatal("the reset link is not stored as the SHA-256 of its token")
	}
	if n := a.count(t, `SELECT count(*) FROM password_resets r WHERE r::text LIKE '%' || $1 || '%'`, token); n != 0 {
		t.Fatal("the raw reset token is stored")
	}

	c := a.newClient(t)
	r = c.GET(path).Send()
	if r.Status != 200 || !strings.Contains(mainTextOf(r.Doc()), "lena") {
		t.Fatalf("GET reset: %d", r.Status)
	}
	if r := c.POST(path).Form(url.Values{"password": {"password123"}}).Send(); r.Status != http.StatusUnprocessableEntity ||
		fieldMessage(t, r.Doc(), "password") == "" {
		t.Fatalf("common password: %d", r.Status)
	}
	oldToken := old.sessionToken()
	r = c.POST(path).Form(url.Values{"password": {"brand new passphrase"}}).Send()
	if r.Status != 200 || !strings.Contains(mainTextOf(r.Doc()), "Password set") {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	if a.sessionExists(t, oldToken) || a.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = $1`, lena) != 0 {
		t.Fatal("the reset left lena's sessions alive")
	}
	old.GET("/account").Expect(http.StatusSeeOther)
	a.POST(t, "/login").Form(url.Values{"username": {"lena"}, "password": {"learner long passphrase"}}).Expect(http.StatusUnauthorized)
	a.newClient(t).signIn("lena", "brand new passphrase")
	admin.GET("/admin/users").Expect(200)

	// Once only.
	c.GET(path).Expect(http.StatusGone)
	a.POST(t, path).Form(url.Values{"password": {"third long passphrase"}}).Expect(http.StatusGone)
	a.newClient(t).signIn("lena", "brand new passphrase")

	// Expired.
	r = admin.POST("/admin/users/" + lena.String() + "/reset").Form(url.Values{}).Send()
	path = linkPath(t, a, r.Body, "reset-link", "/reset/")
	if _, err := a.owner.Exec(context.Background(), `UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	c.POST(path).Form(url.Values{"password": {"third long passphrase"}}).Expect(http.StatusGone)
}

// Accepting links is throttled per address, like sign-up.
func TestInviteAcceptThrottled(t *testing.T) {
	a := newTestApp(t)
	c := a.newClient(t)
	var last response
	for range 25 {
		last = c.POST("/invite/" + store.NewLinkToken()).Form(acceptForm("nobody")).Send()
		if last.Status == http.StatusTooManyRequests {
			break
		}
		if last.Status != http.StatusNotFound {
			t.Fatalf("unknown invite: %d", last.Status)
		}
	}
	if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after 25 attempts: %d, Retry-After %q", last.Status, last.Header.Get("Retry-After"))
	}
	c.POST("/reset/" + store.NewLinkToken()).Form(url.Values{"password": {"some long passphrase"}}).Expect(http.StatusNotFound)
}
