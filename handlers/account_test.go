package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fieldbook/store"
)

// Two devices, "sign out everywhere else", and a password change that ends
// the other sessions and renews this one.
func TestAccountSessionsAndPassword(t *testing.T) {
	a := newTestApp(t)
	id := a.seed.User(t, store.RoleLearner, "neema", "Neema", "first long password").ID()
	other := a.seed.User(t, store.RoleLearner, "juma", "Juma", "juma long password").ID()
	phone, laptop, juma := a.newClient(t), a.newClient(t), a.newClient(t)
	phone.signIn("neema", "first long password")
	laptop.signIn("neema", "first long password")
	juma.signIn("juma", "juma long password")

	r := phone.GET("/account").Send()
	doc := r.Doc()
	list := mustSelect(t, doc, "ul.sessions")
	items := list.Find("li")
	if r.Status != 200 || items.Length() != 2 {
		t.Fatalf("/account: status %d, %d sessions listed, want 2", r.Status, items.Length())
	}
	if n := strings.Count(r.Body, "This device"); n != 1 {
		t.Fatalf("%d sessions marked as this device", n)
	}
	if strings.Contains(r.Body, phone.sessionToken()) {
		t.Fatal("the account page shows a session token")
	}
	if n := a.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = $1`, other); n != 1 {
		t.Fatalf("juma has %d session records", n)
	}

	// Sign out everywhere else, from the phone.
	laptopToken := laptop.sessionToken()
	phone.POST("/account/sessions/end-others").Form(url.Values{}).Expect(http.StatusSeeOther)
	if a.sessionExists(t, laptopToken) {
		t.Fatal("the laptop's session survived 'sign out everywhere else'")
	}
	if r := laptop.GET("/account").Send(); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("the laptop is still signed in: %d", r.Status)
	}
	phone.GET("/account").Expect(200)
	juma.GET("/account").Expect(200)

	// Password change: refusals first, nothing changes.
	laptop.signIn("neema", "first long password")
	for _, c := range []struct {
		current, next, field string
	}{
		{"", "second long password", "current_password"},
		{"wrong long password", "second long password", "current_password"},
		{"first long password", "short", "new_password"},
		{"first long password", "password123", "new_password"},
		{"first long password", "first long password", "new_password"},
	} {
		r := phone.POST("/account/password").Form(url.Values{"current_password": {c.current}, "new_password": {c.next}}).Send()
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%+v: status %d", c, r.Status)
		}
		doc := r.Doc()
		mustSelect(t, doc, "p"+attrIs("id", c.field+"-error"))
		if strings.Contains(r.Body, c.next) && c.next != "" && c.next != "short" {
			t.Fatalf("the form echoed a password")
		}
	}
	before := phone.sessionToken()
	laptopToken = laptop.sessionToken()
	r = phone.POST("/account/password").Form(url.Values{"current_password": {"first long password"}, "new_password": {"second long password"}}).Expect(http.StatusSeeOther)
	if phone.sessionToken() == before || a.sessionExists(t, before) {
		t.Fatal("the session token was not renewed on the password change")
	}
	if a.sessionExists(t, laptopToken) {
		t.Fatal("the password change left another session alive")
	}
	if r.Header.Get("Location") != "/account?done=password" {
		t.Fatalf("password change redirects to %q", r.Header.Get("Location"))
	}
	if r := phone.GET("/account?done=password").Send(); r.Status != 200 || !strings.Contains(r.Body, "Your password is changed") {
		t.Fatalf("after the change: %d", r.Status)
	}
	fresh := a.newClient(t)
	fresh.POST("/login").Form(url.Values{"username": {"neema"}, "password": {"first long password"}}).Expect(http.StatusUnauthorized)
	fresh.signIn("neema", "second long password")
	if n := a.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = $1`, id); n != 2 {
		t.Fatalf("neema has %d session records, want 2 (phone, fresh)", n)
	}
	juma.GET("/account").Expect(200)
}

// Through the store, under the database role: a learner sees and ends only
// their own sessions.
func TestAccountSessionsRLS(t *testing.T) {
	a := newTestApp(t)
	ana := a.seed.User(t, store.RoleLearner, "ana", "Ana", "ana long password").ID()
	ben := a.seed.User(t, store.RoleLearner, "ben", "Ben", "ben long password").ID()
	a.newClient(t).signIn("ana", "ana long password")
	bc := a.newClient(t)
	bc.signIn("ben", "ben long password")
	ctx := context.Background()
	err := a.st.InTx(ctx, store.Caller{UserID: ana, Role: store.RoleLearner}, func(tx *store.Tx) error {
		list, err := tx.Sessions(ctx)
		if err != nil {
			return err
		}
		if len(list) != 1 {
			t.Errorf("ana sees %d sessions, want only her 1", len(list))
		}
		n, err := tx.EndOtherSessions(ctx, "")
		if n != 1 {
			t.Errorf("ana ended %d sessions, want her 1", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	bc.GET("/account").Expect(200)
	if n := a.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = $1`, ben); n != 1 {
		t.Fatalf("ben's record is gone: %d", n)
	}
}
