package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// injectQueue puts n changes for the signed-in user straight into the
// page's IndexedDB queue, as n offline taps would, spread over lessons.
// Lesson i%len gets completed = (i/len)%2 == 0, at = base + i seconds. It
// returns the expected final state per lesson (the latest change wins).
func injectQueue(t *testing.T, b *browser, lessons []lesson, n int, base time.Time) map[string]bool {
	t.Helper()
	ids := make([]string, len(lessons))
	for i, l := range lessons {
		ids[i] = `"` + l.ID + `"`
	}
	js := fmt.Sprintf(`new Promise((resolve, reject) => {
		const lessons = [%s];
		const r = indexedDB.open("fieldbook");
		r.onsuccess = () => {
			const t = r.result.transaction(["meta", "queue"], "readwrite");
			const me = t.objectStore("meta").get("current");
			me.onsuccess = () => {
			const user = me.result.user_id;
			for (let i = 0; i < %d; i++) {
				t.objectStore("queue").put({id: crypto.randomUUID(), user: user,
					lesson_id: lessons[i %% lessons.length],
					completed: Math.floor(i / lessons.length) %% 2 === 0,
					at: new Date(%d + i * 1000).toISOString()});
			}
			};
			t.oncomplete = () => { r.result.close(); resolve(true); };
			t.onerror = () => reject(t.error);
		};
		r.onerror = () => reject(r.error);
	})`, strings.Join(ids, ","), n, base.UnixMilli())
	eval[bool](t, b, js)
	want := map[string]bool{}
	for i := 0; i < n; i++ {
		want[lessons[i%len(lessons)].ID] = (i/len(lessons))%2 == 0
	}
	return want
}

// askSync sends the worker the page's "Sync now" message.
func askSync(t *testing.T, b *browser) {
	t.Helper()
	eval[bool](t, b, `navigator.serviceWorker.ready.then(r => { r.active.postMessage({type: "sync"}); return true; })`)
}

// allLessons are the demo lessons marked complete by hand: every one but
// those with a quiz, which only a passing attempt completes.
func allLessons(t *testing.T, srv *server) []lesson {
	t.Helper()
	var all []lesson
	for _, c := range []string{"Basic first aid", "Safe drinking water", "Hand washing and hygiene"} {
		_, ls := lessonsOf(t, srv, c)
		for _, l := range ls {
			if count(t, srv, `SELECT count(*) FROM quizzes WHERE lesson_id = $1`, l.ID) == 0 {
				all = append(all, l)
			}
		}
	}
	return all
}

// checkExactlyOnce compares the server's rows for username with want, and
// checks that every one of n change ids was recorded exactly once.
func checkExactlyOnce(t *testing.T, srv *server, username string, want map[string]bool, n int) {
	t.Helper()
	conn := ownerConn(t, srv)
	var changes, distinct int
	if err := conn.QueryRow(context.Background(), `
		SELECT count(*), count(DISTINCT pc.id) FROM progress_changes pc JOIN users u ON u.id = pc.student_id
		WHERE u.username = $1`, username).Scan(&changes, &distinct); err != nil {
		t.Fatal(err)
	}
	if changes != n || distinct != n {
		t.Fatalf("server recorded %d changes (%d distinct), want %d: lost or doubled", changes, distinct, n)
	}
	rows, err := conn.Query(context.Background(), `
		SELECT p.lesson_id::text, p.completed FROM student_progress p JOIN users u ON u.id = p.student_id
		WHERE u.username = $1`, username)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var id string
		var done bool
		if err := rows.Scan(&id, &done); err != nil {
			t.Fatal(err)
		}
		got[id] = done
	}
	if len(got) != len(want) {
		t.Fatalf("server has %d progress rows, want %d", len(got), len(want))
	}
	for id, w := range want {
		if g, ok := got[id]; !ok || g != w {
			t.Fatalf("lesson %s: server completed=%v (present %v), want %v (the latest change)", id, g, ok, w)
		}
	}
}

// Case 3: the server is killed with SIGKILL in the middle of a replay of
// 200 queued changes. After a restart: 0 lost, 0 doubled.
func TestOfflineReplaySurvivesServerKill(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	signUp(t, b, srv, "zawadi", "Zawadi Otieno", "two hundred taps")
	lessons := allLessons(t, srv)
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID), chromedp.WaitVisible(chromedp.CSS("#lesson-status")))
	waitControlled(t, b)

	want := injectQueue(t, b, lessons, 200, time.Now().Add(-time.Hour))
	askSync(t, b)
	var seen int
	poll(t, 20*time.Second, "the replay to start", func() bool {
		seen = count(t, srv, `SELECT count(*) FROM progress_changes`)
		return seen > 0
	})
	srv.Kill()
	t.Logf("killed the server with %d of 200 changes committed", seen)

	srv.Start()
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#lesson-status")))
	poll(t, 30*time.Second, "the queue to drain after the restart", func() bool { return queued(t, b) == 0 })
	checkExactlyOnce(t, srv, "zawadi", want, 200)
}

// The replay of 200 queued changes, timed for the notes (no assertion on
// time: timing belongs in benchmarks).
func TestOfflineReplay200(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	signUp(t, b, srv, "baraka", "Baraka Njoroge", "two hundred more")
	lessons := allLessons(t, srv)
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID), chromedp.WaitVisible(chromedp.CSS("#lesson-status")))
	waitControlled(t, b)
	want := injectQueue(t, b, lessons, 200, time.Now().Add(-time.Hour))
	start := time.Now()
	askSync(t, b)
	poll(t, 30*time.Second, "the queue to drain", func() bool { return queued(t, b) == 0 })
	t.Logf("replayed 200 queued changes in %v (4 batches of 50, polled every 50 ms)", time.Since(start).Round(time.Millisecond))
	checkExactlyOnce(t, srv, "baraka", want, 200)
}

// Case 4: the session expired while offline. The queued change stays
// (the replay's 401 keeps it; the phone then shows nobody signed in) and is
// replayed after the learner signs in again. Signing out with a change
// pending warns first.
func TestOfflineExpiredSessionKeepsQueue(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	signUp(t, b, srv, "lindiwe", "Lindiwe Dube", "session expires")
	_, lessons := lessonsOf(t, srv, "Basic first aid")
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[1].ID), chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")))
	waitControlled(t, b)
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")))

	setOffline(t, b, true)
	b.do(t,
		chromedp.Click(chromedp.CSS("#lesson-status button.do")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status .pending-note")),
	)
	// Sign out with a change pending: a warning first, nothing lost.
	b.do(t,
		openMenu,
		chromedp.Click(chromedp.CSS("#logout-form button")),
		chromedp.WaitVisible(chromedp.CSS("#logout-warning")),
	)
	if w := b.text(t, "#logout-warning"); !strings.HasPrefix(w, "1 change is waiting to sync") {
		t.Fatalf("sign-out warning says %q", w)
	}

	// While offline, the session ends on the server.
	conn := ownerConn(t, srv)
	if _, err := conn.Exec(context.Background(), `DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	setOffline(t, b, false)
	b.do(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	askSync(t, b)
	poll(t, 10*time.Second, "the phone to see the session ended", func() bool {
		return eval[string](t, b, `document.documentElement.dataset.who || ""`) == "out"
	})
	askSync(t, b)
	time.Sleep(time.Second) // give a wrong replay the chance to happen
	if n := queued(t, b); n != 1 {
		t.Fatalf("after a 401 the queue holds %d changes, want 1 kept", n)
	}
	if got := count(t, srv, `SELECT count(*) FROM student_progress`); got != 0 {
		t.Fatalf("server has %d progress rows without a session", got)
	}

	signIn(t, b, srv, "lindiwe", "session expires")
	poll(t, 20*time.Second, "the queue to drain after signing in", func() bool { return queued(t, b) == 0 })
	if got := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id
		WHERE u.username = 'lindiwe' AND p.completed AND p.lesson_id = $1`, lessons[1].ID); got != 1 {
		t.Fatalf("after signing in the completion is on the server %d times, want 1", got)
	}
}

// Case 5: two learners on one browser profile. A's queued changes are never
// applied to B, and reach A's account once A signs in again.
func TestOfflineSharedPhone(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	signUp(t, b, srv, "amani", "Amani", "first learner pw")
	_, lessons := lessonsOf(t, srv, "Safe drinking water")
	for _, l := range lessons[:2] {
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+l.ID), chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")))
	}
	waitControlled(t, b)
	for _, l := range lessons[:2] {
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+l.ID), chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")))
	}
	srv.Stop()
	for _, l := range lessons[:2] {
		b.do(t,
			chromedp.Navigate(srv.URL+"/lessons/"+l.ID),
			chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")),
			chromedp.Click(chromedp.CSS("#lesson-status button.do")),
			chromedp.WaitVisible(chromedp.CSS("#lesson-status .pending-note")),
		)
	}
	if n := queued(t, b); n != 2 {
		t.Fatalf("A queued %d changes, want 2", n)
	}
	// A's session ends; B takes the phone and signs up while the network is back.
	if _, err := ownerConn(t, srv).Exec(context.Background(), `DELETE FROM sessions`); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	signUp(t, b, srv, "bahati", "Bahati", "second learner pw")
	askSync(t, b)
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[2].ID),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")),
		chromedp.Click(chromedp.CSS("#lesson-status button.do")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status .done-note")))
	askSync(t, b)
	time.Sleep(time.Second) // give a wrong replay the chance to happen
	if got := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id WHERE u.username = 'bahati'`); got != 1 {
		t.Fatalf("B has %d progress rows, want only B's own 1", got)
	}
	if got := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id WHERE u.username = 'amani'`); got != 0 {
		t.Fatalf("A has %d rows while B is signed in", got)
	}
	if n := queued(t, b); n != 2 {
		t.Fatalf("A's changes: %d still queued, want 2 kept", n)
	}
	b.do(t, chromedp.Navigate(srv.URL+"/"), openMenu, chromedp.WaitVisible(chromedp.CSS("#logout-form")),
		chromedp.Click(chromedp.CSS("#logout-form button")), chromedp.WaitVisible(chromedp.CSS(signedOutHeader)))

	signIn(t, b, srv, "amani", "first learner pw")
	poll(t, 20*time.Second, "A's changes to sync", func() bool { return queued(t, b) == 0 })
	if got := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id WHERE u.username = 'amani' AND p.completed`); got != 2 {
		t.Fatalf("A has %d completed rows after signing in, want 2", got)
	}
	if got := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id WHERE u.username = 'bahati'`); got != 1 {
		t.Fatalf("B has %d rows, want 1", got)
	}
}

// Case 6: "Save this course for offline" fetches every lesson with a
// progress report; then each opens offline. A half-saved course finishes
// on the next try.
func TestSaveCourseForOffline(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	signIn(t, b, srv, "demo-learner", srv.Passwords["demo-learner"])
	courseID, lessons := lessonsOf(t, srv, "Basic first aid")
	courseURL := srv.URL + "/courses/" + courseID
	b.do(t, chromedp.Navigate(courseURL), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	waitControlled(t, b)
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#save-course")))
	b.do(t, chromedp.Click(chromedp.CSS("#save-course")))
	poll(t, 20*time.Second, "the course to be saved", func() bool {
		return b.text(t, "#offline-save .save-text") == "Available offline ✓"
	})

	// Take two lessons out of the cache: the course is half saved.
	eval[bool](t, b, fmt.Sprintf(`caches.open("fieldbook-pages").then(c =>
		Promise.all([c.delete("/lessons/%s?copy=en"), c.delete("/lessons/%s?copy=en")])).then(() => true)`, lessons[1].ID, lessons[4].ID))
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#save-course")))
	poll(t, 5*time.Second, "the half-saved state", func() bool {
		return strings.HasPrefix(b.text(t, "#offline-save .save-text"), "5 of 7 pages are on this phone")
	})
	b.do(t, chromedp.Click(chromedp.CSS("#save-course")))
	poll(t, 20*time.Second, "the course to finish saving", func() bool {
		return b.text(t, "#offline-save .save-text") == "Available offline ✓"
	})

	srv.Stop()
	for _, l := range lessons {
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+l.ID), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if h := b.text(t, "main h1"); h != l.Title {
			t.Fatalf("offline, lesson %q shows %q", l.Title, h)
		}
	}
	b.do(t, chromedp.Navigate(courseURL), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	poll(t, 5*time.Second, "the saved state offline", func() bool {
		return b.text(t, "#offline-save .save-text") == "Available offline ✓"
	})
}
