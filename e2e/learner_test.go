package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

// browserSession is the browser's session cookie for srv.
func browserSession(t *testing.T, b *browser, srv *server) *network.Cookie {
	t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == "fieldbook_session" {
			return c
		}
	}
	t.Fatal("browser has no fieldbook_session cookie")
	return nil
}

// courseCard selects a course card on the home page by its title.
func courseCard(title string) string {
	return `//li[contains(@class,"card")][.//a[normalize-space(.)="` + title + `"]]`
}

// TestLearnerJourney is the P1 acceptance as a person does it: sign up, open
// a course, mark lessons complete (htmx swaps the status in place), see the
// progress move, and read the same numbers from the JSON API with that
// session.
func TestLearnerJourney(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")

	b.do(t,
		chromedp.Navigate(srv.URL+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#username"), "amina"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Amina Yusuf"),
		chromedp.SendKeys(chromedp.CSS("#password"), "water is life 2026"),
		chromedp.Submit(chromedp.CSS("#signup-form")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
	)
	if h := b.text(t, "main h1"); h != "Courses" {
		t.Fatalf("after sign-up the home page heading is %q", h)
	}
	if who := b.text(t, "header .who"); who != "Amina Yusuf" {
		t.Fatalf("header shows %q, want the display name", who)
	}

	// Open "Basic first aid" from the list.
	link := get(t, b, chromedp.AttributeValue(chromedp.Search(courseCard("Basic first aid")+"//a"), "href"))
	if !link.Exists || !strings.HasPrefix(link.Value, "/courses/") {
		t.Fatalf("no link to Basic first aid on the home page: %+v", link)
	}
	b.do(t,
		chromedp.Click(chromedp.Search(courseCard("Basic first aid")+"//a")),
		chromedp.WaitVisible(chromedp.CSS("ol.lessons")),
	)
	waitText(t, b, "#course-progress .progress-text", "0 of 6 lessons done (0%)")

	// Lesson 1: mark complete. The status changes without a page load: a
	// marker set on window survives only if the page stays.
	b.do(t,
		chromedp.Click(chromedp.CSS("ol.lessons li:first-child a")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")),
		chromedp.Evaluate[chromedp.Void](`window.__stay = 1`),
		chromedp.Click(chromedp.CSS("#lesson-status button.do")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status .done-note")),
	)
	waitText(t, b, "#lesson-status .progress-text", "1 of 6 lessons done (16%)")
	if !eval[bool](t, b, `window.__stay === 1`) {
		t.Fatal("marking complete reloaded the page instead of updating it in place")
	}

	// Next lesson: complete it, then undo it.
	b.do(t,
		chromedp.Click(chromedp.CSS("a[rel=next]")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status button.do")),
		chromedp.Click(chromedp.CSS("#lesson-status button.do")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-status .done-note")),
	)
	waitText(t, b, "#lesson-status .progress-text", "2 of 6 lessons done (33%)")
	b.do(t,
		chromedp.Click(chromedp.CSS("#lesson-status button.undo")),
		chromedp.WaitNotVisible(chromedp.CSS("#lesson-status .done-note")),
	)
	waitText(t, b, "#lesson-status .progress-text", "1 of 6 lessons done (16%)")
	if n := visible(t, b, "#lesson-status button"); n != 1 {
		t.Fatalf("%d completion buttons shown, want 1", n)
	}

	// The home page's progress bar agrees.
	b.do(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("header .who")))
	poll(t, 10*time.Second, "the home page progress", func() bool {
		return get(t, b, chromedp.Text(chromedp.Search(courseCard("Basic first aid")+`//span[@class="progress-text"]`))) != ""
	})
	bar := get(t, b, chromedp.Text(chromedp.Search(courseCard("Basic first aid")+`//span[@class="progress-text"]`)))
	max := get(t, b, chromedp.AttributeValue(chromedp.Search(courseCard("Basic first aid")+"//progress"), "max"))
	value := get(t, b, chromedp.AttributeValue(chromedp.Search(courseCard("Basic first aid")+"//progress"), "value"))
	if bar != "1 of 6 lessons done (16%)" || max.Value != "6" || value.Value != "1" {
		t.Fatalf("home page progress = %q (progress %s/%s)", bar, value.Value, max.Value)
	}

	// The JSON API with the browser's session cookie gives the same numbers.
	cookie := browserSession(t, b, srv)
	if !cookie.HTTPOnly {
		t.Error("session cookie is not HttpOnly")
	}
	session := cookie.Value
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api"+link.Value+"/progress", nil)
	req.AddCookie(&http.Cookie{Name: "fieldbook_session", Value: session})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		CourseID   string  `json:"course_id"`
		Total      int     `json:"total"`
		Completed  int     `json:"completed"`
		Percentage float64 `json:"percentage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || got.Total != 6 || got.Completed != 1 || got.Percentage != 16.7 ||
		!strings.HasSuffix(link.Value, got.CourseID) {
		t.Fatalf("JSON progress = %d %+v", resp.StatusCode, got)
	}

	// And the database holds exactly her two rows, one completed.
	conn, err := pgx.Connect(context.Background(), srv.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, completed int
	if err := conn.QueryRow(context.Background(), `
		SELECT count(*), count(*) FILTER (WHERE completed)
		FROM student_progress p JOIN users u ON u.id = p.student_id
		WHERE u.username = 'amina'`).Scan(&rows, &completed); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || completed != 1 {
		t.Fatalf("database has %d rows, %d completed; want 2 rows, 1 completed", rows, completed)
	}

	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("the pages produced CSP violations or script errors: %v", p)
	}
}

// TestSignInWrongPasswordKeepsUsername checks the sign-in failure path in the
// browser: the message, the kept username, and no session.
func TestSignInWrongPasswordKeepsUsername(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	b.do(t,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "demo-learner"),
		chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Submit(chromedp.CSS("#login-form")),
		chromedp.WaitVisible(chromedp.CSS(".form-error")),
	)
	msg := b.text(t, ".form-error")
	username := get(t, b, chromedp.Value(chromedp.CSS("#username")))
	if msg != "Wrong username or password." || username != "demo-learner" {
		t.Fatalf("message %q, username kept %q", msg, username)
	}
	if eval[bool](t, b, `!!document.querySelector("header .who")`) {
		t.Fatal("a wrong password signed the user in")
	}
}
