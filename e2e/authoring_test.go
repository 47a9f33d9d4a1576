package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

// authorSignIn signs in through the form and waits for the header.
func authorSignIn(t *testing.T, b *browser, srv *server, username, password string) {
	t.Helper()
	b.do(t,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#login-form")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
	)
}

// authorSignOut signs out with the header's button.
func authorSignOut(t *testing.T, b *browser) {
	t.Helper()
	b.do(t,
		openMenu,
		chromedp.Click(chromedp.CSS("#logout-form button")),
		chromedp.WaitVisible(chromedp.CSS(signedOutHeader)),
	)
}

// editOrder is the lesson titles on a course's edit page, in order.
func editOrder(t *testing.T, b *browser) []string {
	t.Helper()
	return eval[[]string](t, b, `[...document.querySelectorAll("#edit-lessons > li > a")].map(a => a.textContent.trim())`)
}

// TestVolunteerAuthorsCourse is the P2 acceptance in a browser: a volunteer
// creates a course with three lessons (and a fourth left in draft), writes
// them with a Markdown preview, reorders them, publishes; a learner then
// sees exactly the published lessons in that order; a second volunteer who
// is not an editor cannot open or change the course.
func TestVolunteerAuthorsCourse(t *testing.T) {
	srv := startServer(t)
	second := srv.command("user", "add", "--username", "vera", "--role", "volunteer", "--name", "Vera Second")
	second.Stdin = strings.NewReader("vera has a long password\n")
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("fieldbook user add: %v\n%s", err, out)
	}
	b := newBrowser(t, "")
	authorSignIn(t, b, srv, "demo-volunteer", srv.Passwords["demo-volunteer"])

	// "Your courses" → "New course"; the form posts through htmx.
	b.do(t,
		openMenu,
		chromedp.Click(chromedp.CSS(`header a[href="/studio"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/courses/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/courses/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#course-form")),
		chromedp.SendKeys(chromedp.CSS("#title"), "Hand washing"),
		chromedp.SendKeys(chromedp.CSS("#description"), "When and how to wash hands."),
		chromedp.Click(chromedp.CSS("#course-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#new-lesson-form")),
	)
	editPath := eval[string](t, b, `location.pathname`)
	if !strings.HasPrefix(editPath, "/courses/") || !strings.HasSuffix(editPath, "/edit") {
		t.Fatalf("after creating, the browser is at %q", editPath)
	}
	courseID := strings.TrimSuffix(strings.TrimPrefix(editPath, "/courses/"), "/edit")
	if mark := b.text(t, "main .badge"); mark != "Draft" {
		t.Errorf("a new course is marked %q, want Draft", mark)
	}

	// Four lessons; the first three written and published, the fourth left
	// as a draft.
	for i, title := range []string{"Lesson A", "Lesson B", "Lesson C", "Lesson D"} {
		b.do(t,
			chromedp.Navigate(srv.URL+editPath),
			chromedp.WaitVisible(chromedp.CSS("#new-lesson-form")),
			chromedp.SendKeys(chromedp.CSS("#new-lesson-title"), title),
			chromedp.Submit(chromedp.CSS("#new-lesson-form")),
			chromedp.WaitVisible(chromedp.CSS("#lesson-form")),
		)
		if i == 3 {
			break
		}
		b.do(t,
			chromedp.SendKeys(chromedp.CSS("#body"), "Wet your hands, then **soap**.\n\n- palms\n- backs"),
			chromedp.SendKeys(chromedp.CSS("#duration_minutes"), "5"),
			chromedp.Click(chromedp.CSS(`#lesson-form input[name="published"]`)),
		)
		if i == 0 {
			// The preview renders the Markdown in place, without saving.
			b.do(t,
				chromedp.Evaluate[chromedp.Void](`window.__stay = 1`),
				chromedp.Click(chromedp.CSS(`#lesson-form button[formaction="/lessons/preview"]`)),
				chromedp.WaitVisible(chromedp.CSS("#preview strong")),
			)
			if got := b.text(t, "#preview strong"); got != "soap" || !eval[bool](t, b, `window.__stay === 1`) {
				t.Fatalf("preview shows %q (page kept: %v)", got, eval[bool](t, b, `window.__stay === 1`))
			}
		}
		b.do(t,
			chromedp.Click(chromedp.CSS(`#lesson-form button:not([formaction])`)),
			chromedp.WaitVisible(chromedp.CSS("#new-lesson-form")),
		)
	}
	b.do(t, chromedp.Navigate(srv.URL+editPath), chromedp.WaitVisible(chromedp.CSS("#edit-lessons")))
	if got := editOrder(t, b); !slices.Equal(got, []string{"Lesson A", "Lesson B", "Lesson C", "Lesson D"}) {
		t.Fatalf("edit page lists %v", got)
	}
	drafts := eval[[]string](t, b, `[...document.querySelectorAll("#edit-lessons > li")].filter(li => li.querySelector(".badge.draft")).map(li => li.querySelector("a").textContent.trim())`)
	if !slices.Equal(drafts, []string{"Lesson D"}) {
		t.Errorf("lessons marked draft: %v, want just Lesson D", drafts)
	}

	// Reorder with the arrows: C up, then A down → C A B D.
	for _, mv := range []struct {
		label string
		want  []string
	}{
		{"Move Lesson C up", []string{"Lesson A", "Lesson C", "Lesson B", "Lesson D"}},
		{"Move Lesson A down", []string{"Lesson C", "Lesson A", "Lesson B", "Lesson D"}},
	} {
		b.do(t, chromedp.Click(chromedp.CSS(`button[aria-label="`+mv.label+`"]`)))
		poll(t, 10*time.Second, "the new order", func() bool { return slices.Equal(editOrder(t, b), mv.want) })
	}

	// Publish.
	b.do(t,
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/unpublish"] button`)),
	)
	if mark := b.text(t, "main .badge"); mark != "Published" {
		t.Errorf("after publishing the course is marked %q", mark)
	}
	authorSignOut(t, b)

	// The learner sees exactly the published lessons, in the new order, with
	// the Markdown rendered.
	authorSignIn(t, b, srv, "demo-learner", srv.Passwords["demo-learner"])
	b.do(t,
		chromedp.Navigate(srv.URL+"/courses/"+courseID),
		chromedp.WaitVisible(chromedp.CSS("ol.lessons")),
	)
	learnerSees := eval[[]string](t, b, `[...document.querySelectorAll("ol.lessons li a")].map(a => a.textContent.trim())`)
	if !slices.Equal(learnerSees, []string{"Lesson C", "Lesson A", "Lesson B"}) {
		t.Fatalf("the learner sees %v, want [Lesson C Lesson A Lesson B]", learnerSees)
	}
	b.do(t,
		chromedp.Click(chromedp.CSS("ol.lessons li:first-child a")),
		chromedp.WaitVisible(chromedp.CSS("article .body li")),
	)
	if got := b.text(t, "article .body strong"); got != "soap" {
		t.Errorf("the lesson body shows %q in bold, want soap", got)
	}
	b.do(t, chromedp.WaitVisible(chromedp.CSS("header .who")), openMenu, chromedp.WaitVisible(chromedp.CSS("#logout-form button")))
	if visible(t, b, `header a[href="/studio"]`) != 0 {
		t.Error("the learner's header links to the authoring pages")
	}
	authorSignOut(t, b)

	// A second volunteer, not an editor of this course.
	conn, err := pgx.Connect(context.Background(), srv.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	state := func() string {
		var s string
		if err := conn.QueryRow(context.Background(), `
			SELECT c.title || c.published::text || string_agg(l.title || l.position || l.published, ',' ORDER BY l.position)
			FROM courses c JOIN lessons l ON l.course_id = c.id
			WHERE c.id = $1 GROUP BY c.id`, courseID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	authorSignIn(t, b, srv, "vera", "vera has a long password")
	b.do(t,
		chromedp.Navigate(srv.URL+"/studio"),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	if strings.Contains(b.text(t, "main"), "Hand washing") {
		t.Error("the course is in the other volunteer's list")
	}
	b.do(t,
		chromedp.Navigate(srv.URL+editPath),
		chromedp.WaitVisible(chromedp.CSS("section.error")),
	)
	if h := b.text(t, "section.error h1"); h != "Forbidden" {
		t.Errorf("the other volunteer's edit page says %q, want Forbidden", h)
	}
	lessonID := eval[string](t, b, `fetch("/courses/`+courseID+`").then(r => r.text()).then(h =>
		new DOMParser().parseFromString(h, "text/html").querySelector("ol.lessons li").dataset.lesson)`)
	statuses := eval[[]int](t, b, `(async () => {
		const post = (url, body) => fetch(url, {method: "POST", body: new URLSearchParams(body)}).then(r => r.status);
		return [
			await post("/courses/`+courseID+`", {title: "Taken over", version: "2"}),
			await post("/courses/`+courseID+`/unpublish", {}),
			await post("/courses/`+courseID+`/lessons", {title: "Injected"}),
			await post("/lessons/`+lessonID+`/move", {direction: "down"}),
			await post("/lessons/`+lessonID+`", {title: "Taken over", version: "2", published: "true"}),
			await post("/lessons/`+lessonID+`/delete", {}),
			await post("/courses/`+courseID+`/editors", {username: "vera"}),
			await post("/courses/`+courseID+`/delete", {}),
		];
	})()`)
	for i, st := range statuses {
		if st != 403 {
			t.Errorf("change %d by the other volunteer: status %d, want 403", i, st)
		}
	}
	if after := state(); after != before {
		t.Errorf("the course changed:\n%s\n%s", before, after)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("the pages produced CSP violations or script errors: %v", p)
	}
}
