package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Shared phones (issue 11): one Chromium profile is one phone that several
// learners use. Offline is the server stopped (nothing answers, as in the
// field) unless a test needs the server for another browser, then CDP
// network emulation on the page and the worker.

// signOut presses Sign out (twice when changes waiting make it warn first)
// and waits for the signed-out header.
func signOut(t *testing.T, b *browser) {
	t.Helper()
	b.do(t, chromedp.WaitReady(chromedp.CSS("header details.menu")), openMenu,
		chromedp.WaitVisible(chromedp.CSS("#logout-form button")), chromedp.Click(chromedp.CSS("#logout-form button")))
	if eval[bool](t, b, `!(document.getElementById("logout-warning") || {hidden: true}).hidden`) {
		b.do(t, chromedp.Click(chromedp.CSS("#logout-form button")))
	}
	b.do(t, chromedp.WaitVisible(chromedp.CSS(signedOutHeader)))
}

// optIn is "Use this phone offline" with pin, for the signed-in learner.
func optIn(t *testing.T, b *browser, srv *server, pin string) {
	t.Helper()
	b.do(t,
		chromedp.Navigate(srv.URL+"/phone"),
		chromedp.WaitVisible(chromedp.CSS("#optin-form")),
		chromedp.SendKeys(chromedp.CSS("#new-pin"), pin),
		chromedp.SendKeys(chromedp.CSS("#new-pin2"), pin),
		chromedp.Click(chromedp.CSS("#optin-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#on-list")),
	)
}

// learnerButton is the "Who is learning?" button of a learner by name.
func learnerButton(name string) chromedp.Search {
	return chromedp.Search(`//ul[@id="learners"]//button[.//span[normalize-space(.)="` + name + `"]]`)
}

// typePIN opens "Who is learning?", picks name and types pin.
func typePIN(t *testing.T, b *browser, srv *server, name, pin string) {
	t.Helper()
	b.do(t,
		chromedp.Navigate(srv.URL+"/phone"),
		chromedp.WaitVisible(learnerButton(name)),
		chromedp.Click(learnerButton(name)),
		chromedp.WaitVisible(chromedp.CSS("#pin")),
		chromedp.SendKeys(chromedp.CSS("#pin"), pin),
	)
}

// enterPIN types a learner's PIN and presses Continue.
func enterPIN(t *testing.T, b *browser, srv *server, name, pin string) {
	t.Helper()
	typePIN(t, b, srv, name, pin)
	b.do(t, chromedp.Click(chromedp.CSS("#pin-form button[type=submit]")))
}

// pick is a learner picking themselves with their PIN; it returns how long
// it took from pressing Continue to the home page naming them.
func pick(t *testing.T, b *browser, srv *server, name, pin string) time.Duration {
	t.Helper()
	typePIN(t, b, srv, name, pin)
	start := time.Now()
	b.do(t, chromedp.Click(chromedp.CSS("#pin-form button[type=submit]")))
	waitText(t, b, "header .who", name)
	return time.Since(start)
}

// completeOn opens a lesson and marks it complete; queued says whether it
// should wait to sync.
func completeOn(t *testing.T, b *browser, srv *server, id string, queued bool) {
	t.Helper()
	note := "#lesson-status .done-note"
	if queued {
		note = "#lesson-status .pending-note"
	}
	b.do(t,
		chromedp.Navigate(srv.URL+"/lessons/"+id),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")),
		chromedp.Click(chromedp.CSS("#lesson-status button.do")),
		chromedp.WaitVisible(chromedp.CSS(note)),
	)
}

// saveCourse presses "Save this course for offline" and waits until done.
func saveCourse(t *testing.T, b *browser, srv *server, courseID string) {
	t.Helper()
	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	waitControlled(t, b)
	b.do(t, chromedp.WaitVisible(chromedp.CSS("#save-course")), chromedp.Click(chromedp.CSS("#save-course")))
	waitText(t, b, "#offline-save .save-text", "Available offline ✓")
}

// aminasPhone is a phone on which Amina signed up, saved course for
// offline, set it up for offline use with pin and signed out.
func aminasPhone(t *testing.T, course, pin string) (*server, *browser, string, []lesson) {
	t.Helper()
	srv := startServer(t)
	b := newBrowser(t, "")
	courseID, lessons := lessonsOf(t, srv, course)
	signUp(t, b, srv, "amina", "Amina Yusuf", "amina long password")
	saveCourse(t, b, srv, courseID)
	if pin != "" {
		optIn(t, b, srv, pin)
	}
	signOut(t, b)
	return srv, b, courseID, lessons
}

// backOnline signs Amina in and waits until the phone has sent her queue;
// the server must then hold done completed rows from changes change ids.
func backOnline(t *testing.T, b *browser, srv *server, done, changes int) {
	t.Helper()
	signIn(t, b, srv, "amina", "amina long password")
	poll(t, 20*time.Second, "A's changes to sync once A is back", func() bool { return queued(t, b) == 0 })
	if d, c := rows(t, srv, "amina"); d != done || c != changes {
		t.Fatalf("A has %d completed rows from %d changes, want %d and %d", d, c, done, changes)
	}
}

// rows counts a learner's progress rows (completed ones when done) and
// recorded change ids.
func rows(t *testing.T, srv *server, username string) (completed, changes int) {
	t.Helper()
	completed = count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id
		WHERE u.username = $1 AND p.completed`, username)
	changes = count(t, srv, `SELECT count(*) FROM progress_changes p JOIN users u ON u.id = p.student_id
		WHERE u.username = $1`, username)
	return completed, changes
}

// The three defects measured in issue 11, on one phone: after A signs out,
// the next person sees nothing of A on A's saved pages, cannot tap a change
// that is credited to A, and B's sign-in does not delete A's saved course.
func TestSharedPhoneDefects(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	courseID, lessons := lessonsOf(t, srv, "Basic first aid")
	signUp(t, b, srv, "amina", "Amina Yusuf", "amina long password")
	saveCourse(t, b, srv, courseID)
	completeOn(t, b, srv, lessons[0].ID, false)
	signOut(t, b)

	t.Run("A's data is not shown to the next person", func(t *testing.T) {
		srv.Stop()
		defer srv.Start()
		for _, path := range []string{"/lessons/" + lessons[0].ID, "/courses/" + courseID, "/"} {
			b.do(t, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			waitText(t, b, "#offline-banner", "Offline: showing saved pages.")
			time.Sleep(300 * time.Millisecond) // let the page script draw whatever it draws
			if body := eval[string](t, b, `document.body.innerText`); strings.Contains(body, "Amina") {
				t.Fatalf("offline %s shows A's name to the next person:\n%s", path, body)
			}
			for _, css := range []string{".done-note", ".mark", "#lesson-status .progress-text", "#course-progress", ".card .progress", "#logout-form"} {
				if n := visible(t, b, css); n != 0 {
					t.Fatalf("offline %s shows %d %s of A to the next person", path, n, css)
				}
			}
		}
	})

	t.Run("someone else's tap is not credited to A", func(t *testing.T) {
		srv.Stop()
		defer func() {
			if srv.cmd == nil {
				srv.Start()
			}
		}()
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID), chromedp.WaitVisible(chromedp.CSS("article h1")))
		// Whatever the page offers, the next person taps it: through the
		// form (as a tap would) and straight at the worker.
		eval[bool](t, b, `(() => { const btn = document.querySelector("#lesson-status button.undo") || document.querySelector("#lesson-status button");
			btn.form.requestSubmit(btn); return true; })()`)
		status := eval[int](t, b, `fetch(location.pathname + "/complete", {method: "POST",
			body: new URLSearchParams({completed: "false"}), headers: {Accept: "application/json"}}).then(r => r.status)`)
		time.Sleep(500 * time.Millisecond)
		if n := queued(t, b); n != 0 {
			t.Fatalf("a tap with nobody signed in queued %d changes (they would go to A's account)", n)
		}
		if status != 401 {
			t.Errorf("the worker answered a completion with nobody known %d, want 401", status)
		}
		if visible(t, b, "#lesson-status .s-out") != 1 {
			t.Error("the lesson does not ask the person to sign in or pick their name")
		}
		srv.Start()
		signIn(t, b, srv, "amina", "amina long password")
		askSync(t, b)
		time.Sleep(time.Second) // give a wrong replay the chance to happen
		if done, changes := rows(t, srv, "amina"); done != 1 || changes != 1 {
			t.Fatalf("A has %d completed rows from %d changes, want only A's own 1 and 1", done, changes)
		}
		signOut(t, b)
	})

	t.Run("B's sign-in keeps A's saved course", func(t *testing.T) {
		signUp(t, b, srv, "bahati", "Bahati Mwangi", "bahati long password")
		b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
		signOut(t, b)
		signIn(t, b, srv, "bahati", "bahati long password")
		signOut(t, b)
		srv.Stop()
		defer srv.Start()
		for _, l := range lessons {
			b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+l.ID), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if h := b.text(t, "main h1"); h != l.Title {
				t.Fatalf("offline after B signed in and out, A's saved lesson %q shows %q", l.Title, h)
			}
		}
	})
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}

// Two learners, one phone, offline the whole time: each picks themselves
// with their PIN and completes different lessons; the network comes back
// with a third learner signed in; each change lands on its own learner,
// once. The switch and the PIN check are timed on the throttled low-end
// profile (4x CPU) and logged.
func TestSharedPhoneTwoLearnersOffline(t *testing.T) {
	srv, b, courseID, lessons := aminasPhone(t, "Safe drinking water", "2468")
	// A completed a lesson of another course on another phone: signing in
	// here brings A's progress in every course, for offline.
	_, firstAid := lessonsOf(t, srv, "Basic first aid")
	if _, err := ownerConn(t, srv).Exec(context.Background(), `INSERT INTO student_progress (student_id, lesson_id, completed, completed_at)
		SELECT id, $1, true, now() FROM users WHERE username = 'amina'`, firstAid[0].ID); err != nil {
		t.Fatal(err)
	}
	signIn(t, b, srv, "amina", "amina long password")
	signOut(t, b)
	signUp(t, b, srv, "bahati", "Bahati Mwangi", "bahati long password")
	optIn(t, b, srv, "1357")
	signOut(t, b)

	srv.Stop()
	pick(t, b, srv, "Amina Yusuf", "2468")
	completeOn(t, b, srv, lessons[0].ID, true)
	completeOn(t, b, srv, lessons[1].ID, true)
	waitText(t, b, "#sync-count", "2 changes waiting to sync")
	b.do(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".cards")))
	card := `.card[data-course="` + courseID + `"] .progress-text`
	waitText(t, b, card, "2 of 5 lessons done (40%)")
	poll(t, 5*time.Second, "A's progress in a course never opened on this phone", func() bool {
		return eval[string](t, b, `Array.from(document.querySelectorAll(".card .progress-text")).map(e => e.textContent).join("|")`) ==
			"1 of 6 lessons done (16%)|0 of 3 lessons done (0%)|2 of 5 lessons done (40%)|0 of 3 lessons done (0%)|0 of 6 lessons done (0%)"
	})

	setCPUThrottling(t, b, lowEndCPURate)
	switched := pick(t, b, srv, "Bahati Mwangi", "1357")
	pinMs := eval[float64](t, b, `(async () => {
		const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("1357"), "PBKDF2", false, ["deriveBits"]);
		const t0 = performance.now();
		await crypto.subtle.deriveBits({name: "PBKDF2", salt: new Uint8Array(16), iterations: FB.pin.iterations, hash: "SHA-256"}, key, 256);
		return performance.now() - t0; })()`)
	setCPUThrottling(t, b, 1)
	t.Logf("4x CPU: learner switch (Continue pressed to the home page naming B) %s; PIN check (PBKDF2-SHA-256, %d iterations) %.0f ms",
		switched.Round(time.Millisecond), eval[int](t, b, `FB.pin.iterations`), pinMs)

	// B sees nothing of A's, and A's lessons are not done for B.
	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	waitText(t, b, "#course-progress .progress-text", "0 of 5 lessons done (0%)")
	if n := visible(t, b, "#sync-banner"); n != 0 {
		t.Fatalf("B sees A's changes waiting")
	}
	completeOn(t, b, srv, lessons[2].ID, true)
	waitText(t, b, "#lesson-status .progress-text", "1 of 5 lessons done (20%)")
	if n := queued(t, b); n != 3 {
		t.Fatalf("the phone holds %d changes, want 3", n)
	}
	if n := eval[int](t, b, `new Promise(res => { const r = indexedDB.open("fieldbook"); r.onsuccess = () => {
		const g = r.result.transaction("queue").objectStore("queue").getAll();
		g.onsuccess = () => { r.result.close(); res(g.result.filter(i => i.sig && i.key_id).length); }; }; })`); n != 3 {
		t.Fatalf("%d of 3 queued changes are signed", n)
	}

	// The network comes back; C signs up on the phone.
	srv.Start()
	signUp(t, b, srv, "chausiku", "Chausiku Said", "chausiku long password")
	poll(t, 20*time.Second, "the queue to drain", func() bool { return queued(t, b) == 0 })
	for _, want := range []struct {
		user          string
		done, changes int
	}{{"amina", 3, 2}, {"bahati", 1, 1}, {"chausiku", 0, 0}} { // A: 2 here, 1 from another phone
		if done, changes := rows(t, srv, want.user); done != want.done || changes != want.changes {
			t.Errorf("%s has %d completed rows from %d changes, want %d from %d", want.user, done, changes, want.done, want.changes)
		}
	}
	if got := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id
		WHERE u.username = 'amina' AND p.lesson_id IN ($1, $2)`, lessons[0].ID, lessons[1].ID); got != 2 {
		t.Errorf("A's completions are on %d of A's two lessons", got)
	}
	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	waitText(t, b, "#course-progress .progress-text", "0 of 5 lessons done (0%)")
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}

// Five wrong PINs take A off the list; A's queued change survives and is
// sent once A signs in online (and A is back on the list). Then A forgets
// the phone from another browser: the next replay of A's signed change gets
// revoked_key, the change stays queued and goes under A's session later.
// Last, "Forget this phone" on the phone itself.
func TestSharedPhoneWrongPINsAndForgottenKey(t *testing.T) {
	srv, b, _, lessons := aminasPhone(t, "Hand washing and hygiene", "2468")

	t.Run("five wrong PINs", func(t *testing.T) {
		srv.Stop()
		defer func() {
			if srv.cmd == nil {
				srv.Start()
			}
		}()
		pick(t, b, srv, "Amina Yusuf", "2468")
		completeOn(t, b, srv, lessons[0].ID, true)
		signOut(t, b)
		for i := 1; i <= 5; i++ {
			enterPIN(t, b, srv, "Amina Yusuf", "0000")
			want := fmt.Sprintf("Wrong PIN. %d tries left.", 5-i)
			if i == 4 {
				want = "Wrong PIN. 1 try left."
			}
			if i == 5 {
				want = "Wrong PIN five times: Amina Yusuf is off this phone's list until they sign in online once. Their saved changes stay."
			}
			waitText(t, b, "#pin-error", want)
		}
		poll(t, 5*time.Second, "A to leave the list after five wrong PINs", func() bool {
			return eval[int](t, b, `document.querySelectorAll("#learners li").length`) == 0
		})
		if n := queued(t, b); n != 1 {
			t.Fatalf("after five wrong PINs the phone holds %d of A's changes, want 1", n)
		}
		srv.Start()
		backOnline(t, b, srv, 1, 1)
		b.do(t, chromedp.Navigate(srv.URL+"/phone"), chromedp.WaitVisible(learnerButton("Amina Yusuf")))
		signOut(t, b)
	})

	t.Run("forgotten from another browser", func(t *testing.T) {
		waitControlled(t, b)
		setOffline(t, b, true)
		pick(t, b, srv, "Amina Yusuf", "2468")
		completeOn(t, b, srv, lessons[1].ID, true)
		keyID := eval[string](t, b, `new Promise(res => { const r = indexedDB.open("fieldbook"); r.onsuccess = () => {
			const g = r.result.transaction("queue").objectStore("queue").getAll();
			g.onsuccess = () => { r.result.close(); res(g.result[0].key_id); }; }; })`)

		other := newBrowser(t, "")
		signIn(t, other, srv, "amina", "amina long password")
		sel := `#phones li[data-key-id="` + keyID + `"] button`
		other.do(t, chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)),
			chromedp.WaitNotPresent(chromedp.CSS(sel)))
		other.Close()

		setOffline(t, b, false)
		askSync(t, b)
		poll(t, 20*time.Second, "the replay to be refused as revoked_key", func() bool {
			return eval[bool](t, b, `new Promise(res => { const r = indexedDB.open("fieldbook"); r.onsuccess = () => {
				const g = r.result.transaction("queue").objectStore("queue").getAll();
				g.onsuccess = () => { r.result.close(); res(g.result.length === 1 && g.result[0].revoked === true); }; }; })`)
		})
		if done, changes := rows(t, srv, "amina"); done != 1 || changes != 1 {
			t.Fatalf("a revoked key's change reached the server: %d completed rows, %d changes", done, changes)
		}
		signOut(t, b)
		backOnline(t, b, srv, 2, 2)
	})

	t.Run("forget this phone on the phone", func(t *testing.T) {
		optIn(t, b, srv, "8642")
		if n := count(t, srv, `SELECT count(*) FROM phone_keys k JOIN users u ON u.id = k.user_id
			WHERE u.username = 'amina' AND k.revoked_at IS NULL`); n != 1 {
			t.Fatalf("A has %d live keys after setting the phone up again, want 1", n)
		}
		b.do(t, chromedp.Click(chromedp.CSS("#forget")), chromedp.WaitVisible(chromedp.CSS("#optin")))
		waitText(t, b, "#phone-note", "This phone is forgotten: Amina Yusuf is off its list.")
		if n := eval[int](t, b, `document.querySelectorAll("#learners li").length`); n != 0 {
			t.Fatalf("%d learners still on the list", n)
		}
		if n := count(t, srv, `SELECT count(*) FROM phone_keys k JOIN users u ON u.id = k.user_id
			WHERE u.username = 'amina' AND k.revoked_at IS NULL`); n != 0 {
			t.Fatalf("A has %d live keys after forgetting the phone, want 0", n)
		}
	})

	t.Run("a key revoked elsewhere leaves the list", func(t *testing.T) {
		optIn(t, b, srv, "8642")
		// As a password change on another device does.
		if _, err := ownerConn(t, srv).Exec(context.Background(), `UPDATE phone_keys SET revoked_at = now()
			WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE username = 'amina')`); err != nil {
			t.Fatal(err)
		}
		b.do(t, chromedp.Navigate(srv.URL+"/phone"), chromedp.WaitVisible(chromedp.CSS("#optin")))
		if n := eval[int](t, b, `document.querySelectorAll("#learners li").length`); n != 0 {
			t.Fatalf("%d learners on the list with a revoked key", n)
		}
	})
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}

// Signing out offline: nothing of the learner stays on screen, their
// change waits on the phone, and once online the server's session ends
// before anything else is sent.
func TestSharedPhoneSignOutOffline(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	courseID, lessons := lessonsOf(t, srv, "Basic first aid")
	signUp(t, b, srv, "amina", "Amina Yusuf", "amina long password")
	saveCourse(t, b, srv, courseID)
	session := browserSession(t, b, srv).Value

	setOffline(t, b, true)
	completeOn(t, b, srv, lessons[0].ID, true)
	signOut(t, b)
	for _, path := range []string{"/", "/lessons/" + lessons[0].ID, "/courses/" + courseID} {
		b.do(t, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		poll(t, 5*time.Second, "the signed-out header", func() bool { return visible(t, b, signedOutHeader) == 1 })
		if body := eval[string](t, b, `document.body.innerText`); strings.Contains(body, "Amina") || strings.Contains(body, "waiting to sync") {
			t.Fatalf("after signing out offline %s shows:\n%s", path, body)
		}
		for _, css := range []string{".who", ".pending-note", ".done-note", ".mark", "#sync-banner"} {
			if n := visible(t, b, css); n != 0 {
				t.Fatalf("after signing out offline %s shows %d %s", path, n, css)
			}
		}
	}
	if n := queued(t, b); n != 1 {
		t.Fatalf("the learner's change: %d queued, want 1 kept on the phone", n)
	}
	if got := meStatus(t, srv, session); got != 200 {
		t.Fatalf("while offline the server session answers %d, want still 200", got)
	}

	setOffline(t, b, false)
	b.do(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	poll(t, 10*time.Second, "the server session to end", func() bool { return meStatus(t, srv, session) == 401 })
	if done, _ := rows(t, srv, "amina"); done != 0 {
		t.Fatalf("the signed-out learner's change was sent without them: %d rows", done)
	}
	backOnline(t, b, srv, 1, 1)
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}

// meStatus is the status of GET /api/me with a session cookie.
func meStatus(t *testing.T, srv *server, session string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/me", nil)
	req.AddCookie(&http.Cookie{Name: "fieldbook_session", Value: session})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
