package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestInviteBecomesVolunteer: an admin (made with `fieldbook user add
// --role admin`) creates an invite link in the UI; a new browser opens it,
// becomes a volunteer and reaches the studio; the link then answers with a
// clear "already used" page.
func TestInviteBecomesVolunteer(t *testing.T) {
	srv := startServer(t)
	add := srv.command("user", "add", "--username", "ada", "--role", "admin", "--name", "Ada Admin")
	add.Stdin = strings.NewReader("ada has a long admin password\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("fieldbook user add: %v\n%s", err, out)
	}
	admin := newBrowser(t, "")
	authorSignIn(t, admin, srv, "ada", "ada has a long admin password")
	admin.do(t,
		openMenu,
		chromedp.Click(chromedp.CSS(`header a[href="/admin/users"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#users tr[data-user="ada"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/admin/invites"]`)),
		chromedp.WaitVisible(chromedp.CSS("#invite-form")),
		chromedp.Submit(chromedp.CSS("#invite-form")),
		chromedp.WaitVisible(chromedp.CSS("#invite-link")),
	)
	link := eval[string](t, admin, `document.querySelector("#invite-link").value`)
	if !strings.HasPrefix(link, srv.URL+"/invite/") {
		t.Fatalf("invite link %q is not on this server", link)
	}

	newbie := newBrowser(t, "")
	newbie.do(t,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#invite-accept-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "nia"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Nia Newcomer"),
		chromedp.SendKeys(chromedp.CSS("#password"), "nia picks a long password"),
		chromedp.Submit(chromedp.CSS("#invite-accept-form")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/courses/new"]`)),
	)
	if path := eval[string](t, newbie, `location.pathname`); path != "/studio" {
		t.Fatalf("after accepting the invite the browser is at %q, want /studio", path)
	}
	if who := newbie.text(t, "header .who"); who != "Nia Newcomer" {
		t.Fatalf("header says %q", who)
	}
	if n := eval[int](t, newbie, `document.querySelectorAll('header a[href="/admin/users"]').length`); n != 0 {
		t.Fatal("a volunteer sees the Admin link")
	}

	// The link is spent: a clear page, for anyone who opens it again.
	other := newBrowser(t, "")
	other.do(t, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("section.error")))
	if msg := other.text(t, "section.error"); !strings.Contains(msg, "already been used") {
		t.Fatalf("a used invite shows %q", msg)
	}
	for _, b := range []*browser{admin, newbie, other} {
		if p := b.Problems(); len(p) > 0 {
			t.Fatalf("browser problems: %v", p)
		}
	}
}
