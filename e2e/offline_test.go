package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Case 1: a lesson opened online opens offline with its content; one never
// opened shows the offline page. Offline here is CDP network emulation on
// the page and on the service worker's own target.
func TestOfflineOpensVisitedLesson(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	signIn(t, b, srv, "demo-learner", srv.Passwords["demo-learner"])
	_, lessons := lessonsOf(t, srv, "Basic first aid")

	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID), chromedp.WaitVisible(chromedp.CSS("article h1")))
	waitControlled(t, b)
	// Load it once more under the worker's control so the worker caches it.
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID), chromedp.WaitVisible(chromedp.CSS("article h1")))

	setOffline(t, b, true)
	// The page the worker serves from its cache keeps the server's
	// security headers.
	var mu sync.Mutex
	docHeaders := map[string]string{}
	fromWorker := false
	listen, stop := context.WithCancel(b.ctx)
	defer stop()
	if err := chromedp.Listen(listen, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && e.Type == network.ResourceTypeDocument {
			mu.Lock()
			defer mu.Unlock()
			fromWorker = e.Response.FromServiceWorker
			for k, v := range e.Response.Headers {
				docHeaders[strings.ToLower(k)] = fmt.Sprint(v)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID), chromedp.WaitVisible(chromedp.CSS("article h1")))
	mu.Lock()
	if !fromWorker || !strings.Contains(docHeaders["content-security-policy"], "default-src 'self'") ||
		docHeaders["x-content-type-options"] != "nosniff" || docHeaders["x-frame-options"] != "DENY" {
		t.Errorf("the cached lesson came with headers %v (from the worker: %v), want the server's CSP, nosniff and DENY", docHeaders, fromWorker)
	}
	mu.Unlock()
	stop()
	if h := b.text(t, "article h1"); h != lessons[0].Title {
		t.Fatalf("offline, the visited lesson shows %q, want %q", h, lessons[0].Title)
	}
	if !eval[bool](t, b, `!document.getElementById("offline-banner").hidden`) {
		t.Fatal("offline, the Offline banner is not shown")
	}
	if n := eval[int](t, b, `document.querySelectorAll("article p").length`); n < 3 {
		t.Fatalf("offline lesson has %d paragraphs: content missing", n)
	}

	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[2].ID), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := b.text(t, "main h1"); h != "You are offline" {
		t.Fatalf("offline, an unopened lesson shows %q, want the offline page", h)
	}
	setOffline(t, b, false)
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}

// Case 2: three lessons completed with the server unreachable are shown done
// and pending, survive an offline reload and a browser restart on the same
// profile, reach the database exactly once when the server is back, and the
// page then shows them synced.
func TestOfflineCompletionsSyncExactlyOnce(t *testing.T) {
	srv := startServer(t)
	profile := t.TempDir()
	b := newBrowser(t, profile)
	signUp(t, b, srv, "kofi", "Kofi Mensah", "offline field days")
	courseID, lessons := lessonsOf(t, srv, "Safe drinking water")

	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	waitControlled(t, b)
	for _, l := range append([]lesson{{ID: ""}}, lessons[:3]...) {
		url := srv.URL + "/lessons/" + l.ID
		if l.ID == "" {
			url = srv.URL + "/courses/" + courseID
		}
		b.do(t, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}

	srv.Stop() // the field: no server to reach
	for i, l := range lessons[:3] {
		b.do(t,
			chromedp.Navigate(srv.URL+"/lessons/"+l.ID),
			chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")),
			chromedp.Click(chromedp.CSS("#lesson-status button.do")),
			chromedp.WaitVisible(chromedp.CSS("#lesson-status .pending-note")),
		)
		if visible(t, b, "#lesson-status .done-note") != 1 {
			t.Fatalf("lesson %d completed offline is not shown done", i+1)
		}
	}
	if n := queued(t, b); n != 3 {
		t.Fatalf("queue holds %d changes, want 3", n)
	}

	// An offline reload of the course page shows all three done and pending.
	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	poll(t, 5*time.Second, "pending marks on the course page", func() bool {
		return eval[int](t, b, `document.querySelectorAll("ol.lessons li[data-state=done][data-sync=pending]").length`) == 3 &&
			visible(t, b, "ol.lessons .pending-note") == 3 && visible(t, b, "ol.lessons .mark") == 3
	})
	if c := b.text(t, "#sync-count"); c != "3 changes waiting to sync" {
		t.Fatalf("sync banner says %q", c)
	}
	if p := b.text(t, "#course-progress .progress-text"); !strings.HasPrefix(p, "3 of 5 lessons done") {
		t.Fatalf("offline course progress shows %q", p)
	}

	// Restart the browser process on the same profile: still queued.
	b.Close()
	b = newBrowser(t, profile)
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID), chromedp.WaitVisible(chromedp.CSS("#lesson-status")))
	if n := queued(t, b); n != 3 {
		t.Fatalf("after a browser restart the queue holds %d changes, want 3", n)
	}
	if got := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id WHERE u.username = 'kofi'`); got != 0 {
		t.Fatalf("the server has %d rows while it was down", got)
	}

	// The server comes back; opening the app is all the learner does.
	srv.Start()
	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	poll(t, 20*time.Second, "the queue to drain", func() bool { return queued(t, b) == 0 })
	rows := count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id WHERE u.username = 'kofi' AND p.completed`)
	changes := count(t, srv, `SELECT count(*) FROM progress_changes p JOIN users u ON u.id = p.student_id WHERE u.username = 'kofi'`)
	if rows != 3 || changes != 3 {
		t.Fatalf("server has %d completed rows from %d changes, want 3 and 3", rows, changes)
	}
	poll(t, 10*time.Second, "the page to show the changes synced", func() bool {
		return visible(t, b, "ol.lessons .pending-note") == 0 &&
			eval[int](t, b, `document.querySelectorAll("ol.lessons li[data-state=done]").length`) == 3
	})
	// A second reload replays nothing twice.
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	if again := count(t, srv, `SELECT count(*) FROM progress_changes`); again != 3 {
		t.Fatalf("after another load the server has %d changes", again)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}

// A course page cached before the learner completed a lesson online still
// shows that lesson done when it is opened offline later.
func TestOfflineCachedPageShowsLaterCompletions(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	signIn(t, b, srv, "demo-learner", srv.Passwords["demo-learner"])
	courseID, lessons := lessonsOf(t, srv, "Hand washing and hygiene")
	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	waitControlled(t, b)
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("ol.lessons"))) // cached: nothing done yet
	b.do(t,
		chromedp.Navigate(srv.URL+"/lessons/"+lessons[0].ID),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")),
		chromedp.Click(chromedp.CSS("#lesson-status button.do")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status .done-note")),
	)
	srv.Stop()
	b.do(t, chromedp.Navigate(srv.URL+"/courses/"+courseID), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	poll(t, 5*time.Second, "the cached course page to show the online completion", func() bool {
		li := `ol.lessons li[data-lesson="` + lessons[0].ID + `"]`
		return eval[string](t, b, `document.querySelector('`+li+`').dataset.state || ""`) == "done" &&
			visible(t, b, li+" .mark") == 1 && visible(t, b, li+" .pending-note") == 0
	})
	if p := b.text(t, "#course-progress .progress-text"); p != "1 of 3 lessons done (33%)" {
		t.Fatalf("offline course progress: %q", p)
	}
}
