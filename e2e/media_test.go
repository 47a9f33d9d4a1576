package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestLessonMediaOffline: a volunteer uploads a photo on the lesson form
// (htmx puts its Markdown into the text), saves; the learner's lesson page
// shows it, downscaled to 1280 px; after "Save this course for offline",
// with the server stopped and the browser's HTTP cache emptied, the image
// still loads from the service worker's cache.
func TestLessonMediaOffline(t *testing.T) {
	srv := startServer(t)
	courseID, lessons := lessonsOf(t, srv, "Basic first aid")
	first := lessons[0]

	// A 1600×900 photo-like PNG (a gradient with sensor noise), made here.
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 900))
	rnd := rand.New(rand.NewPCG(1, 2))
	for y := range 900 {
		for x := range 1600 {
			n := uint8(rnd.IntN(12))
			img.SetNRGBA(x, y, color.NRGBA{uint8(x*200/1600) + n, uint8(y*200/900) + n, 90 + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "bandage photo.png")
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	v := newBrowser(t, "")
	authorSignIn(t, v, srv, "demo-volunteer", srv.Passwords["demo-volunteer"])
	v.do(t,
		chromedp.Navigate(srv.URL+"/lessons/"+first.ID+"/edit"),
		chromedp.WaitVisible(chromedp.CSS("#media-file")),
		// The cursor at the start of the text: the Markdown goes there.
		chromedp.Click(chromedp.CSS("#body")),
	)
	eval[bool](t, v, `(() => { const b = document.getElementById("body"); b.setSelectionRange(0, 0); return true })()`)
	v.do(t,
		chromedp.SetUploadFiles(chromedp.CSS("#media-file"), []string{photo}),
		chromedp.Click(chromedp.CSS(`#lesson-form button[formaction$="/media"]`)),
		chromedp.WaitVisible(chromedp.CSS("#media-status code.media-markdown")),
	)
	body := get(t, v, chromedp.Value(chromedp.CSS("#body")))
	if !strings.HasPrefix(body, "![bandage photo](/media/") || !strings.Contains(body, "/bandage-photo.png)\n") {
		t.Fatalf("the lesson text does not start with the image's Markdown:\n%s", body)
	}
	if eval[string](t, v, `document.getElementById("media-file").value`) != "" {
		t.Error("the file input was not cleared after the upload")
	}
	v.do(t,
		chromedp.Click(chromedp.CSS(`#lesson-form button[type="submit"]`)), // Save lesson
		chromedp.WaitVisible(chromedp.CSS("#edit-lessons")),
	)
	if n := count(t, srv, `SELECT count(*) FROM lessons WHERE id = $1 AND body_html LIKE '%<img src="/media/%'`, first.ID); n != 1 {
		t.Fatal("the saved lesson does not show the image")
	}
	if n := count(t, srv, `SELECT count(*) FROM media WHERE width = 1280 AND height = 720`); n != 1 {
		t.Fatal("the stored image was not downscaled to 1280×720")
	}
	if p := v.Problems(); len(p) > 0 {
		t.Fatalf("volunteer: CSP violations or script errors: %v", p)
	}

	b := newBrowser(t, "")
	signIn(t, b, srv, "demo-learner", srv.Passwords["demo-learner"])
	courseURL := srv.URL + "/courses/" + courseID
	b.do(t, chromedp.Navigate(courseURL), chromedp.WaitVisible(chromedp.CSS("ol.lessons")))
	waitControlled(t, b)
	lessonURL := srv.URL + "/lessons/" + first.ID
	b.do(t, chromedp.Navigate(lessonURL), chromedp.WaitVisible(chromedp.CSS(`article img[src^="/media/"]`)))
	poll(t, 10*time.Second, "the image to load online", func() bool {
		return eval[int](t, b, `document.querySelector('article img[src^="/media/"]').naturalWidth`) == 1280
	})
	src := eval[string](t, b, `document.querySelector('article img[src^="/media/"]').getAttribute("src")`)

	// Forget what viewing cached, so only "Save for offline" can bring it back.
	eval[bool](t, b, `caches.open("fieldbook-pages").then(c => c.keys().then(ks =>
		Promise.all(ks.filter(r => r.url.includes("/media/")).map(r => c.delete(r))))).then(() => true)`)
	b.do(t, chromedp.Navigate(courseURL), chromedp.WaitVisible(chromedp.CSS("#save-course")))
	if urls := get(t, b, chromedp.AttributeValue(chromedp.CSS("#offline-save"), "data-urls")).Value; !strings.Contains(urls, src) {
		t.Fatalf("the save list %q lacks the image %s", urls, src)
	}
	// The page it opened is already saved: wait for that note to settle the
	// layout before clicking.
	poll(t, 10*time.Second, "the partly saved note", func() bool {
		return strings.Contains(b.text(t, "#offline-save .save-text"), "pages are on this phone")
	})
	b.do(t, chromedp.Click(chromedp.CSS("#save-course")))
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("save text: %q", last)
		}
	}()
	poll(t, 20*time.Second, "the course to be saved", func() bool {
		last = b.text(t, "#offline-save .save-text")
		return last == "Available offline ✓"
	})
	if !eval[bool](t, b, `caches.match("`+src+`", {cacheName: "fieldbook-pages"}).then(r => !!r && r.status === 200)`) {
		t.Fatal("the image is not in the service worker's cache after saving the course")
	}

	srv.Stop()
	if _, err := chromedp.Call(b.ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		t.Fatalf("clear the HTTP cache: %v", err)
	}
	b.do(t, chromedp.Navigate(lessonURL), chromedp.WaitVisible(chromedp.CSS(`article img[src^="/media/"]`)))
	poll(t, 10*time.Second, "the image to load offline", func() bool {
		return eval[bool](t, b, `(() => { const i = document.querySelector('article img[src^="/media/"]'); return i.complete && i.naturalWidth > 0 })()`)
	})
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("learner: CSP violations or script errors: %v", p)
	}
}
