package handlers_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"fieldbook/handlers"
	"fieldbook/store"
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
			a.createUser(t, store.RoleLearner, "imani", "Imani", "a long enough pass")
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
	a.createUser(t, store.RoleAdmin, "root", "Admin", "admin long password")
	a.createUser(t, store.RoleLearner, "lea", "Lea", "learner long password")

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
