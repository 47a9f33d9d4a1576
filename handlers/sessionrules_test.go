package handlers_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"fieldbook/handlers"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// The session cookie is Secure on HTTPS requests (via a trusted proxy's
// X-Forwarded-Proto), even with the plain-HTTP default, and only then.
func TestSecureCookieOverHTTPS(t *testing.T) {
	_, loop, _ := net.ParseCIDR("127.0.0.0/8")
	for _, tc := range []struct {
		name    string
		proxies []*net.IPNet
		proto   string
		secure  bool
	}{
		{"plain http", nil, "", false},
		{"https header from an untrusted peer", nil, "https", false},
		{"https via a trusted proxy", []*net.IPNet{loop}, "https", true},
		{"http via a trusted proxy", []*net.IPNet{loop}, "http", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newAppWith(t, handlers.Options{TrustedProxies: tc.proxies})
			a.seed.User(t, store.RoleLearner, "imani", "Imani", "a long enough pass")
			h := http.Header{}
			if tc.proto != "" {
				h.Set("X-Forwarded-Proto", tc.proto)
			}
			r := a.POST(t, "/login").Form(url.Values{"username": {"imani"}, "password": {"a long enough pass"}}).Headers(h).Send()
			c := r.cookie("fieldbook_session")
			if r.Status != http.StatusSeeOther || c == nil {
				t.Fatalf("sign-in: %d, cookie %v", r.Status, c)
			}
			if c.Secure != tc.secure {
				t.Fatalf("Secure = %v, want %v (%s)", c.Secure, tc.secure, r.Header.Values("Set-Cookie"))
			}
		})
	}
}

// Admins get a short absolute lifetime and an idle timeout; learners keep
// their long sessions.
func TestAdminSessionsAreShorter(t *testing.T) {
	a, _ := newAppWith(t, handlers.Options{AdminSessionIdle: 2 * time.Second, AdminSessionLifetime: 3 * time.Hour})
	a.seed.User(t, store.RoleAdmin, "root", "Admin", "admin long password")
	a.seed.User(t, store.RoleLearner, "lea", "Lea", "learner long password")

	adm := a.newClient(t)
	r := adm.POST("/login").Form(url.Values{"username": {"root"}, "password": {"admin long password"}}).Send()
	c := r.cookie("fieldbook_session")
	if c == nil || c.Expires.After(time.Now().Add(3*time.Hour+time.Minute)) || c.Expires.Before(time.Now().Add(2*time.Hour)) {
		t.Fatalf("admin cookie expires %v, want about 3 hours from now", c)
	}
	lrn := a.newClient(t)
	r = lrn.POST("/login").Form(url.Values{"username": {"lea"}, "password": {"learner long password"}}).Send()
	if c := r.cookie("fieldbook_session"); c == nil || c.Expires.Before(time.Now().Add(29*24*time.Hour)) {
		t.Fatalf("learner cookie expires %v, want weeks away", c)
	}

	adm.GET("/account").Expect(http.StatusOK)
	time.Sleep(2500 * time.Millisecond) // longer than the admin idle timeout
	if r := adm.GET("/account").Send(); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("an idle admin session still works: %d", r.Status)
	}
	lrn.GET("/account").Expect(http.StatusOK)
}

// sessionRow is the stored session of a cookie: its row version (xmin,
// which every write changes) and expiry.
func (a *testApp) sessionRow(t *testing.T, token string) (version string, expiry time.Time) {
	t.Helper()
	err := a.owner.QueryRow(context.Background(), `SELECT xmin::text, expiry FROM sessions WHERE token = $1`,
		store.SessionKey(token)).Scan(&version, &expiry)
	if err != nil {
		t.Fatalf("session row: %v", err)
	}
	return version, expiry
}

// A learner's and a volunteer's page views never write their session: the
// idle timeout is kept by extending the stored expiry every few minutes,
// not by scs rewriting the row on every request.
func TestPageViewsDoNotWriteTheSession(t *testing.T) {
	a := newTestApp(t)
	w := a.seedWorld(t)
	for _, who := range []struct{ user, pass string }{{storetest.LearnerUser, storetest.LearnerPass}, {"victor", "volunteer password"}} {
		c := a.newClient(t)
		c.signIn(who.user, who.pass)
		before, _ := a.sessionRow(t, c.sessionToken())
		for _, path := range []string{"/", "/courses/" + w.Course.ID.String(), "/lessons/" + w.Course.Lessons[0].String(),
			"/api/courses/" + w.Course.ID.String() + "/progress", "/account"} {
			for range 3 {
				if r := c.GET(path).Send(); r.Status != http.StatusOK {
					t.Fatalf("%s %s: %d", who.user, path, r.Status)
				}
			}
		}
		if after, _ := a.sessionRow(t, c.sessionToken()); after != before {
			t.Errorf("%s: page views rewrote the session row", who.user)
		}
	}
}

// A password change renews the session's token but not its bounds: an
// admin keeps the 12-hour lifetime counted from signing in (scs's
// RenewToken alone would give 90 days) and the 1-hour idle timeout.
func TestAdminBoundsHoldAcrossTokenRenewal(t *testing.T) {
	a, _ := newAppWith(t, handlers.Options{AdminSessionIdle: time.Hour, AdminSessionLifetime: 12 * time.Hour})
	a.seed.User(t, store.RoleAdmin, "root", "Admin", "admin long password")
	adm := a.newClient(t)
	r := adm.POST("/login").Form(url.Values{"username": {"root"}, "password": {"admin long password"}}).Send()
	first := r.cookie("fieldbook_session")
	if first == nil {
		t.Fatal("no cookie")
	}
	r = adm.POST("/account/password").Form(url.Values{"current_password": {"admin long password"},
		"new_password": {"another admin password"}}).Send()
	renewed := r.cookie("fieldbook_session")
	if r.Status != http.StatusSeeOther || renewed == nil || renewed.Value == first.Value {
		t.Fatalf("password change: %d, cookie %v", r.Status, renewed)
	}
	if renewed.Expires.After(first.Expires.Add(time.Second)) {
		t.Fatalf("the renewed cookie expires %v, after the session's 12-hour end %v", renewed.Expires, first.Expires)
	}
	_, expiry := a.sessionRow(t, renewed.Value)
	if time.Until(expiry) > time.Hour+time.Minute {
		t.Fatalf("the renewed admin session expires in %v, past its 1-hour idle timeout", time.Until(expiry))
	}
	// The stored data carries the bound too: even a later renewal that
	// restarted scs's deadline could not outlive the sign-in's 12 hours.
	adm.GET("/account").Expect(http.StatusOK)
}

// Using an admin session keeps it alive past its idle timeout: the stored
// expiry is extended (at most every quarter of the timeout).
func TestAdminSessionExtendedByUse(t *testing.T) {
	a, _ := newAppWith(t, handlers.Options{AdminSessionIdle: 2 * time.Second, AdminSessionLifetime: time.Hour})
	a.seed.User(t, store.RoleAdmin, "root", "Admin", "admin long password")
	adm := a.newClient(t)
	adm.signIn("root", "admin long password")
	for range 8 {
		time.Sleep(500 * time.Millisecond)
		if r := adm.GET("/account").Send(); r.Status != http.StatusOK {
			t.Fatalf("an admin session in use ended: %d", r.Status)
		}
	}
}

// A request that changes data reads its session from PostgreSQL, not the
// instance's cache: a session ended by a change this instance has not heard
// of yet (here: deleted with the notification trigger off) is still served
// to page views from the cache, but a completion with it is refused.
func TestWritesReadTheirSessionFresh(t *testing.T) {
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	progress := "/api/courses/" + w.Course.ID.String() + "/progress"
	c.GET(progress).Expect(http.StatusOK)
	ctx := context.Background()
	for _, q := range []string{`ALTER TABLE sessions DISABLE TRIGGER sessions_changed`, `DELETE FROM sessions`,
		`ALTER TABLE sessions ENABLE TRIGGER sessions_changed`} {
		if _, err := a.owner.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c.GET(progress).Expect(http.StatusOK)
	r := c.POST("/lessons/" + w.Course.Lessons[0].String() + "/complete").Form(url.Values{"completed": {"true"}}).Send()
	if r.Status == http.StatusSeeOther && !strings.HasPrefix(r.Header.Get("Location"), "/login") || r.Status == http.StatusOK {
		t.Fatalf("a completion with a deleted session: %d %s", r.Status, r.Header.Get("Location"))
	}
	if done := a.completedInDB(t, w.Learner.ID(), w.Course.Lessons[0]); done != nil {
		t.Fatalf("a deleted session completed a lesson: %v", *done)
	}
}
