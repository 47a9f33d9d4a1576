package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

// signIn signs in through the form and waits for the home page.
func signIn(t *testing.T, b *browser, srv *server, username, password string) {
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

// signUp creates a learner through the form.
func signUp(t *testing.T, b *browser, srv *server, username, name, password string) {
	t.Helper()
	b.do(t,
		chromedp.Navigate(srv.URL+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("#signup-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#signup-form")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
	)
}

// openMenu opens the header's menu (a <details>), where the header keeps
// its links on a phone's width.
var openMenu = chromedp.Evaluate[chromedp.Void](`document.querySelector("header details.menu").open = true`)

// signedOutHeader is the header's "Sign in", shown only when nobody is
// signed in.
const signedOutHeader = `header > a.signin`

// waitText waits until the first element matching css shows want: the
// personal part of a page is drawn by app.js after it loads.
func waitText(t *testing.T, b *browser, css, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = eval[string](t, b, `(() => { const e = document.querySelector(`+jsString(css)+`); return e ? e.textContent.trim() : "<none>"; })()`)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s shows %q, want %q", css, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// visible counts the elements matching css that are shown (the stylesheet
// hides the variants of a neutral page that do not apply).
func visible(t *testing.T, b *browser, css string) int {
	t.Helper()
	return eval[int](t, b, `Array.from(document.querySelectorAll(`+jsString(css)+`)).filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden").length`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// waitControlled waits until the service worker controls the page.
func waitControlled(t *testing.T, b *browser) {
	t.Helper()
	poll(t, 20*time.Second, "the service worker to control the page", func() bool {
		return eval[bool](t, b, `!!(navigator.serviceWorker && navigator.serviceWorker.controller)`)
	})
}

// queued is the number of changes waiting in the page's IndexedDB queue.
func queued(t *testing.T, b *browser) int {
	t.Helper()
	return eval[int](t, b, `new Promise((resolve, reject) => {
		const r = indexedDB.open("fieldbook");
		r.onsuccess = () => { const c = r.result.transaction("queue").objectStore("queue").count();
			c.onsuccess = () => { r.result.close(); resolve(c.result); }; c.onerror = () => reject(c.error); };
		r.onerror = () => reject(r.error);
	})`)
}

// lesson is a demo lesson's id and title.
type lesson struct{ ID, Title string }

// lessonsOf lists a demo course's lessons in order, from the database.
func lessonsOf(t *testing.T, srv *server, course string) (courseID string, lessons []lesson) {
	t.Helper()
	conn := ownerConn(t, srv)
	rows, err := conn.Query(context.Background(), `
		SELECT c.id::text, l.id::text, l.title FROM lessons l JOIN courses c ON c.id = l.course_id
		WHERE c.title = $1 ORDER BY l.position`, course)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var l lesson
		if err := rows.Scan(&courseID, &l.ID, &l.Title); err != nil {
			t.Fatal(err)
		}
		lessons = append(lessons, l)
	}
	if len(lessons) == 0 {
		t.Fatalf("no lessons for %q", course)
	}
	return courseID, lessons
}

func ownerConn(t *testing.T, srv *server) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), srv.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// count runs a counting query as the schema owner.
func count(t *testing.T, srv *server, sql string, args ...any) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), srv.db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// emulateNetworkConditions is the classic Network.emulateNetworkConditions
// command, which the generated protocol package no longer lists but
// Chromium still serves; it also takes effect on service worker targets.
var emulateNetworkConditions = cdp.Command[emulateParams, cdp.Empty]{Method: "Network.emulateNetworkConditions"}

type emulateParams struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`
	DownloadThroughput float64 `json:"downloadThroughput"`
	UploadThroughput   float64 `json:"uploadThroughput"`
}

// setOffline cuts (or restores) the network of the page and of the service
// worker's own target: page-level emulation alone does not cover the
// worker's fetches.
func setOffline(t *testing.T, b *browser, offline bool) {
	t.Helper()
	apply := func(ctx context.Context) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return fmt.Errorf("Network.enable: %w", err)
		}
		cond := emulateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}
		if _, err := chromedp.Call(ctx, emulateNetworkConditions, cond); err != nil {
			return fmt.Errorf("Network.emulateNetworkConditions: %w", err)
		}
		_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		if err != nil {
			return fmt.Errorf("Network.overrideNetworkState: %w", err)
		}
		return nil
	}
	if err := apply(b.ctx); err != nil {
		t.Fatalf("set page offline=%v: %v", offline, err)
	}
	targets, err := chromedp.Targets(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ti := range targets {
		if ti.Type != "service_worker" {
			continue
		}
		found = true
		if b.swCtx == nil {
			b.swCtx = map[target.ID]context.Context{}
		}
		ctx, ok := b.swCtx[ti.TargetID]
		if !ok {
			// Attached for the browser's lifetime; closing the browser ends it.
			ctx, _ = chromedp.NewContext(b.ctx, chromedp.WithTargetID(ti.TargetID)) //nolint:govet
			b.swCtx[ti.TargetID] = ctx
		}
		if err := apply(ctx); err != nil {
			t.Fatalf("set service worker offline=%v: %v", offline, err)
		}
	}
	if !found {
		t.Fatal("no service worker target to take offline")
	}
}
