package handlers_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"fieldbook/handlers"
	"fieldbook/store"
)

// newAppWith serves the router built with opts on a fresh database.
func newAppWith(t *testing.T, opts handlers.Options) (*testApp, *store.Store) {
	t.Helper()
	a, _ := startApp(t, opts)
	return a, a.st
}

func login(c *client, user, pw string, header http.Header) response {
	return c.POST("/login").Form(url.Values{"username": {user}, "password": {pw}}).Headers(header).Send()
}

// 1,000 bad sign-ins from one address: at least 98 % are answered 429 with
// Retry-After, and the throttle lives in PostgreSQL.
func TestLoginThrottlePerIP(t *testing.T) {
	a := newTestApp(t)
	a.seed.User(t, store.RoleLearner, "wanjiru", "Wanjiru", "a good long password")
	c := a.newClient(t)
	throttled := 0
	for i := 0; i < 1000; i++ {
		r := login(c, "user"+strconv.Itoa(i%50), "wrong password!", nil)
		switch r.Status {
		case http.StatusTooManyRequests:
			throttled++
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("429 without a usable Retry-After: %q", r.Header.Get("Retry-After"))
			}
		case http.StatusUnauthorized:
		default:
			t.Fatalf("attempt %d: status %d", i, r.Status)
		}
	}
	if throttled < 980 {
		t.Fatalf("%d of 1000 bad sign-ins answered 429, want at least 980", throttled)
	}
	r := login(c, "wanjiru", "a good long password", nil)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many sign-in attempts") {
		t.Fatalf("a locked address can still try passwords: %d", r.Status)
	}
	if n := a.count(t, `SELECT count(*) FROM login_throttle WHERE key LIKE 'ip:%' AND locked_until > now()`); n != 1 {
		t.Fatalf("%d locked address rows in PostgreSQL, want 1", n)
	}
	t.Logf("1000 bad sign-ins from one address: %d answered 429", throttled)
}

// Per account: five failures lock that username (also for the right
// password) but not other accounts; the lock ends by itself (no permanent
// lockout), and a good sign-in clears the count.
func TestLoginThrottlePerAccount(t *testing.T) {
	a := newTestApp(t)
	a.seed.User(t, store.RoleLearner, "wanjiru", "Wanjiru", "a good long password")
	a.seed.User(t, store.RoleLearner, "otieno", "Otieno", "another long password")
	c := a.newClient(t)
	for i := 0; i < 5; i++ {
		if r := login(c, "wanjiru", "wrong password!", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, r.Status)
		}
	}
	if r := login(c, "Wanjiru", "a good long password", nil); r.Status != http.StatusTooManyRequests {
		t.Fatalf("locked account (other case) accepted a sign-in: %d", r.Status)
	}
	if r := login(a.newClient(t), "otieno", "another long password", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("another account is locked too: %d", r.Status)
	}
	// Let the lock run out (it is capped, never permanent).
	if _, err := a.owner.Exec(context.Background(), `UPDATE login_throttle SET locked_until = now() - interval '1 second' WHERE key = 'user:wanjiru'`); err != nil {
		t.Fatal(err)
	}
	if r := login(c, "wanjiru", "a good long password", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("after the lock ended the right password is refused: %d", r.Status)
	}
	if n := a.count(t, `SELECT count(*) FROM login_throttle WHERE key = 'user:wanjiru'`); n != 0 {
		t.Fatalf("a good sign-in left %d failure rows for the account", n)
	}
}

// X-Forwarded-For is believed only from a configured proxy.
func TestTrustedProxies(t *testing.T) {
	_, loop, _ := net.ParseCIDR("127.0.0.1/32")
	for _, tc := range []struct {
		name    string
		proxies []*net.IPNet
		wantKey string
	}{
		{"untrusted header ignored", nil, "ip:127.0.0.1"},
		{"trusted proxy", []*net.IPNet{loop}, "ip:203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newAppWith(t, handlers.Options{TrustedProxies: tc.proxies})
			owner := a.owner
			h := http.Header{"X-Forwarded-For": {"203.0.113.7"}}
			login(a.newClient(t), "nobody", "wrong password!", h)
			var n int
			if err := owner.QueryRow(context.Background(), `SELECT count(*) FROM login_throttle WHERE key = $1`, tc.wantKey).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("no throttle row under %s", tc.wantKey)
			}
		})
	}
}

// CORS: only /api, only listed origins, never a wildcard.
func TestCORS(t *testing.T) {
	a, _ := newAppWith(t, handlers.Options{CORSOrigins: []string{"https://partner.example"}})
	c := a.newClient(t)
	r := c.Request(http.MethodOptions, "/api/progress").Origin("https://partner.example").
		Header("Access-Control-Request-Method", "POST").Send()
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "https://partner.example" {
		t.Fatalf("preflight from an allowed origin: Allow-Origin %q (status %d)", got, r.Status)
	}
	if r.Header.Get("Access-Control-Allow-Credentials") != "true" || r.Header.Get("Access-Control-Max-Age") == "" {
		t.Fatalf("preflight headers: %v", r.Header)
	}
	for _, origin := range []string{"https://evil.example", "https://partner.example.evil", "null"} {
		r := c.GET("/api/courses/00000000-0000-0000-0000-000000000001/progress").Origin(origin).Send()
		for k := range r.Header {
			if strings.HasPrefix(k, "Access-Control-Allow") {
				t.Fatalf("origin %s got %s", origin, k)
			}
		}
	}
	r = c.GET("/").Origin("https://partner.example").Send()
	for k := range r.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Fatalf("a page got CORS header %s", k)
		}
	}
}
