package handlers_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// --- media fixtures, made in the test ---

// testPNG is a w×h PNG like a photo: a gradient with sensor noise. With
// pattern it is a regular dither instead, which compresses well at full
// size and badly once scaled.
func testPNG(t *testing.T, w, h int) []byte { return makePNG(t, w, h, false) }

func makePNG(t *testing.T, w, h int, pattern bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		for x := range w {
			n := uint8(rnd.IntN(12))
			c := color.NRGBA{uint8(x*200/w) + n, uint8(y*200/h) + n, 90 + n, 255}
			if pattern {
				c = color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x / 8), uint8(y / 8), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testPDF is a minimal PDF.
var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// testMP3 is two MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes
// each) behind an empty ID3v2 tag.
func testMP3() []byte {
	frame := make([]byte, 417)
	copy(frame, []byte{0xFF, 0xFB, 0x90, 0x64})
	b := []byte("ID3\x04\x00\x00\x00\x00\x00\x00")
	return append(append(b, frame...), frame...)
}

// testWAV is a short silent 8-bit mono WAV.
func testWAV() []byte {
	data := make([]byte, 800)
	for i := range data {
		data[i] = 128
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	le32 := func(v uint32) { b.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}) }
	le16 := func(v uint16) { b.Write([]byte{byte(v), byte(v >> 8)}) }
	le32(uint32(36 + len(data)))
	b.WriteString("WAVEfmt ")
	le32(16)
	le16(1)
	le16(1)
	le32(8000)
	le32(8000)
	le16(1)
	le16(8)
	b.WriteString("data")
	le32(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var mediaRefRE = regexp.MustCompile(`/media/([0-9a-f]{64})/([A-Za-z0-9._-]+)`)

// uploaded is the media URL in a no-JS upload answer: the lesson text must
// end with the Markdown, which the page also shows to copy.
func uploaded(t *testing.T, res response) (url, hash string) {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("upload: status %d\n%s", res.Status, res.Body)
	}
	doc := res.Doc()
	body := textOf(mustSelect(t, doc, "textarea[name=\"body\"]"))
	snippet := textOf(mustSelect(t, doc, "code.media-markdown"))
	if !strings.HasSuffix(strings.TrimSpace(body), snippet) {
		t.Fatalf("lesson text %q does not end with the snippet %q", body, snippet)
	}
	m := mediaRefRE.FindStringSubmatch(snippet)
	if m == nil {
		t.Fatalf("no media URL in %q", snippet)
	}
	return m[0], m[1]
}

func (a *testApp) mediaRows(t *testing.T) int { return a.count(t, `SELECT count(*) FROM media`) }

// TestMediaUploadAndServe: an editor uploads through the lesson form without
// JavaScript (what was typed comes back, with the Markdown added) and with
// htmx (an HX-Trigger event carries the Markdown); anyone fetches the file
// of a published course with immutable caching, its stored type, nosniff
// and a sandbox.
func TestMediaUploadAndServe(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	a := f.a
	pic := testPNG(t, 40, 30)
	typed := url.Values{"title": {"Typed title"}, "body": {"Typed text."}, "version": {"1"},
		"duration_minutes": {"7"}, "content_url": {""}, "published": {"true"}}
	res := f.victor.POST(f.lessonEdit+"/media").File(typed, `C:\Users\v\My Photo (1).PNG`, "image/png", pic).Send()
	u, hash := uploaded(t, res)
	if hash != sha(pic) || u != "/media/"+hash+"/My-Photo-1.png" {
		t.Fatalf("media URL %s, want the hash of the bytes and a clean name", u)
	}
	doc := res.Doc()
	if v, _ := formValue(doc, "title"); v != "Typed title" {
		t.Errorf("typed title not kept: %q", v)
	}
	if body := doc.Find("textarea[name=\"body\"]").First().Text(); !strings.HasPrefix(body, "Typed text.\n\n![My Photo 1](") {
		t.Errorf("lesson text %q", body)
	}
	if n := a.count(t, `SELECT count(*) FROM media WHERE sha256 = $1 AND course_id = $2 AND lesson_id = $3
		AND content_type = 'image/png' AND width = 40 AND height = 30 AND size = $4 AND created_by = $5`,
		hash, f.w.Course.ID, f.w.Course.Lessons[0], len(pic), f.victorID); n != 1 {
		t.Fatalf("stored rows matching the upload: %d", n)
	}

	for name, c := range map[string]*client{"anonymous": a.newClient(t), "learner": f.learner, "editor": f.victor} {
		// Asked for gzip (explicitly, so the transport does not undo it):
		// media are sent as stored.
		res := c.GET(u).Headers(http.Header{"Accept-Encoding": {"gzip"}}).Send()
		if res.Status != http.StatusOK || res.Body != string(pic) {
			t.Fatalf("%s: GET %s: %d (%d bytes)", name, u, res.Status, len(res.Body))
		}
		h := res.Header
		for k, want := range map[string]string{
			"Cache-Control": "public, max-age=31536000, immutable", "Content-Type": "image/png",
			"X-Content-Type-Options": "nosniff", "Content-Disposition": `inline; filename="My-Photo-1.png"`,
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Content-Encoding") != "" {
			t.Errorf("%s: CSP %q, encoding %q", name, h.Get("Content-Security-Policy"), h.Get("Content-Encoding"))
		}
		if len(res.Cookies) != 0 {
			t.Errorf("%s: a publicly cacheable file sets cookies: %v", name, res.Cookies)
		}
	}
	if res := a.GET(t, u).Headers(http.Header{"If-None-Match": {`"` + hash + `"`}}).Send(); res.Status != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", res.Status)
	}
	if res := a.GET(t, u).Headers(http.Header{"Range": {"bytes=0-7"}}).Send(); res.Status != http.StatusPartialContent || res.Body != string(pic[:8]) {
		t.Errorf("range: %d %q", res.Status, res.Body)
	}
	for _, p := range []string{"/media/" + sha([]byte("nothing")) + "/x.png", "/media/NOTAHASH/x.png", "/media/" + hash[:63] + "/x.png"} {
		if res := f.learner.GET(p).Send(); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.Status)
		}
	}

	// The same file again: the same row and address.
	if _, h2 := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(typed, "again.png", "image/png", pic).Send()); h2 != hash || a.mediaRows(t) != 1 {
		t.Errorf("re-upload: hash %s, %d rows", h2, a.mediaRows(t))
	}

	// With htmx: a status fragment, and the Markdown in HX-Trigger.
	wav := testWAV()
	res = f.victor.POST(f.lessonEdit+"/media").File(typed, "birdsong.wav", "audio/wav", wav).HTMX().Expect(http.StatusOK)
	var trig map[string]map[string]string
	if err := json.Unmarshal([]byte(res.Header.Get("HX-Trigger")), &trig); err != nil {
		t.Fatalf("HX-Trigger %q: %v", res.Header.Get("HX-Trigger"), err)
	}
	wantMD := "[birdsong (wav)](/media/" + sha(wav) + "/birdsong.wav)"
	if got := trig["fieldbook:media"]["markdown"]; got != wantMD {
		t.Errorf("markdown %q, want %q", got, wantMD)
	}
	if wholePage(res.Body) || !strings.Contains(res.Body, "birdsong.wav") {
		t.Errorf("htmx answer is not the status fragment: %s", res.Body)
	}
	if res := f.learner.GET("/media/" + sha(wav) + "/birdsong.wav").Send(); res.Header.Get("Content-Type") != "audio/wav" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("audio served as %q, %q", res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}

	// The edit page offers the upload inside the lesson form, after Save.
	page := f.victor.GET(f.lessonEdit + "/edit").Send().Doc()
	form := mustSelect(t, page, "form[id=\"lesson-form\"]")
	btns := form.Find("button")
	if btns.Length() < 3 || textOf(btns.Eq(0)) != "Save lesson" {
		t.Fatalf("the form's first (default) button must be Save")
	}
	up := mustSelect(t, form, "button"+attrIs("formaction", f.lessonEdit+"/media"))
	if v, _ := up.Attr("formenctype"); v != "multipart/form-data" {
		t.Errorf("upload button formenctype %q", v)
	}
	mustSelect(t, form, "input[type=\"file\"][name=\"file\"]")
}

// TestMediaRefused: files by their bytes, not their names or claimed types;
// the size limit; no JavaScript gets the form back with the message.
func TestMediaRefused(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	png := testPNG(t, 8, 8)
	tests := []struct {
		name, file, claim string
		data              []byte
		status            int
	}{
		{"HTML named .png", "photo.png", "image/png", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 415},
		{"HTML in a GIF's clothes", "x.gif", "image/gif", []byte("<html><body onload=alert(1)>GIF89a"), 415},
		{"text then a PNG (sniffs as text)", "poly.png", "image/png", append([]byte("hello <b>world</b>\n"), png...), 415},
		{"PNG magic then HTML", "poly.png", "image/png", append(png[:16:16], []byte("<script>alert(1)</script>")...), 415},
		{"SVG", "logo.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), 415},
		{"JavaScript as audio", "a.mp3", "audio/mpeg", []byte("alert(document.cookie)//"), 415},
		{"ID3 tag then garbage", "b.mp3", "audio/mpeg", append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), bytes.Repeat([]byte{'A'}, 900)...), 415},
		{"truncated PDF", "doc.pdf", "application/pdf", []byte("%PDF-1.4\n<script>"), 415},
		{"ZIP", "a.pdf", "application/pdf", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), 415},
		{"empty", "e.png", "image/png", nil, 422},
		{"over the limit", "big.png", "image/png", append(append([]byte{}, png...), make([]byte, 10<<20)...), 413},
	}
	fields := url.Values{"title": {"Kept"}, "body": {"Kept text"}, "version": {"1"}}
	for _, tt := range tests {
		res := f.victor.POST(f.lessonEdit+"/media").File(fields, tt.file, tt.claim, tt.data).Send()
		if res.Status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, res.Status, tt.status)
			continue
		}
		doc := res.Doc()
		msg := textOf(mustSelect(t, doc, "div[id=\"media-status\"]"))
		if msg == "" {
			t.Errorf("%s: no message", tt.name)
		}
		if v, _ := formValue(doc, "title"); v != "Kept" {
			t.Errorf("%s: typed title lost: %q", tt.name, v)
		}
		// With htmx the message comes as a 422 fragment (the layout's htmx
		// config swaps 422s).
		if tt.status != 413 {
			res := f.victor.POST(f.lessonEdit+"/media").File(fields, tt.file, tt.claim, tt.data).HTMX().Send()
			if res.Status != http.StatusUnprocessableEntity || res.Header.Get("HX-Trigger") != "" || res.Doc().Find(".field-error").Length() == 0 {
				t.Errorf("%s with htmx: %d %q", tt.name, res.Status, res.Body)
			}
		}
	}
	// A body far over the limit is refused from its Content-Length.
	res := f.victor.POST(f.lessonEdit+"/media").File(nil, "huge.png", "image/png", make([]byte, 11<<20)).Send()
	if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(res.Body, "10 MB") {
		t.Errorf("11 MB: %d\n%s", res.Status, res.Body)
	}
	if res := f.victor.POST(f.lessonEdit+"/media").File(fields, "", "", nil).Send(); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("no file: %d", res.Status)
	}
	if n := f.a.mediaRows(t); n != 0 {
		t.Errorf("%d media rows after refused uploads", n)
	}
}

// TestMediaKinds: the accepted kinds are recognised from their bytes; PDFs
// download, images and sound show inline.
func TestMediaKinds(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	tests := []struct {
		file, claim, wantType, wantName, disposition string
		data                                         []byte
	}{
		{"notes.txt", "text/plain", "application/pdf", "notes.pdf", "attachment", testPDF},
		{"song", "application/octet-stream", "audio/mpeg", "song.mp3", "inline", testMP3()},
		{"song2.mp3", "audio/mpeg", "audio/mpeg", "song2.mp3", "inline", testMP3()[10:]},
		{"snap.jpeg", "image/jpeg", "image/jpeg", "snap.jpg", "inline", testJPEG(t, 64, 48)},
		{"snd.wav", "audio/x-wav", "audio/wav", "snd.wav", "inline", testWAV()},
	}
	for _, tt := range tests {
		u, hash := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(url.Values{}, tt.file, tt.claim, tt.data).Send())
		if !strings.HasSuffix(u, "/"+tt.wantName) || hash != sha(tt.data) {
			t.Errorf("%s: URL %s", tt.file, u)
		}
		res := f.learner.GET(u).Send()
		if res.Status != 200 || res.Header.Get("Content-Type") != tt.wantType ||
			res.Header.Get("Content-Disposition") != tt.disposition+`; filename="`+tt.wantName+`"` {
			t.Errorf("%s: %d %q %q", tt.file, res.Status, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
		}
	}
}

// TestMediaDownscale: images wider than 1280 px are stored 1280 px wide,
// still valid images of their own type; narrower ones are kept byte for
// byte.
func TestMediaDownscale(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	for _, tt := range []struct {
		name, typ string
		data      []byte
		w, h      int
		decode    func([]byte) (image.Image, error)
	}{
		{"wide.png", "image/png", testPNG(t, 2000, 1000), 1280, 640, func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }},
		{"wide.jpg", "image/jpeg", testJPEG(t, 3000, 2000), 1280, 853, func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
	} {
		u, hash := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, tt.name, tt.typ, tt.data).Send())
		res := f.learner.GET(u).Send()
		img, err := tt.decode([]byte(res.Body))
		if err != nil {
			t.Fatalf("%s: served bytes are not a valid image: %v", tt.name, err)
		}
		if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
			t.Errorf("%s: served %dx%d, want %dx%d", tt.name, b.Dx(), b.Dy(), tt.w, tt.h)
		}
		if hash != sha([]byte(res.Body)) || hash == sha(tt.data) {
			t.Errorf("%s: the address must be the hash of the stored (downscaled) bytes", tt.name)
		}
		if n := f.a.count(t, `SELECT count(*) FROM media WHERE sha256 = $1 AND width = $2 AND height = $3 AND size = $4`,
			hash, tt.w, tt.h, len(res.Body)); n != 1 {
			t.Errorf("%s: stored row does not say %dx%d", tt.name, tt.w, tt.h)
		}
		t.Logf("%s: %d bytes uploaded, %d bytes stored", tt.name, len(tt.data), len(res.Body))
	}
	// A phone photo stored sideways with EXIF orientation 6 (turn 90°
	// clockwise): re-encoding drops EXIF, so the turn is applied. The red
	// corner, top left as stored, ends top right.
	side := image.NewRGBA(image.Rect(0, 0, 3000, 1500))
	for y := range 1500 {
		for x := range 3000 {
			c := color.RGBA{0, 0, 200, 255}
			if x < 400 && y < 400 {
				c = color.RGBA{220, 0, 0, 255}
			}
			side.Set(x, y, c)
		}
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, side, nil); err != nil {
		t.Fatal(err)
	}
	exif := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	app1 := append([]byte{0xFF, 0xE1, 0, byte(len(exif) + 2)}, exif...)
	turned := append(append(append([]byte{}, jb.Bytes()[:2]...), app1...), jb.Bytes()[2:]...)
	u, _ := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, "sideways.jpg", "image/jpeg", turned).Send())
	img, err := jpeg.Decode(strings.NewReader(f.learner.GET(u).Send().Body))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2560 {
		t.Fatalf("turned photo stored %dx%d, want 1280x2560", b.Dx(), b.Dy())
	}
	if r, _, bl, _ := img.At(1250, 30).RGBA(); r>>8 < 150 || bl>>8 > 80 {
		t.Errorf("top right of the turned photo is not red: r=%d b=%d", r>>8, bl>>8)
	}
	if r, _, _, _ := img.At(30, 30).RGBA(); r>>8 > 80 {
		t.Errorf("top left of the turned photo is red")
	}

	// Downscaling that would take more bytes keeps the original.
	noisy := makePNG(t, 2000, 1000, true)
	if _, hash := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, "pattern.png", "image/png", noisy).Send()); hash != sha(noisy) {
		t.Error("a pattern that grows when scaled was re-encoded anyway")
	}

	small := testPNG(t, 1280, 10)
	if _, hash := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, "edge.png", "image/png", small).Send()); hash != sha(small) {
		t.Error("a 1280 px image was re-encoded")
	}
}

// TestMediaPermissions: only the course's editors (and admins) upload;
// learners and editors see draft media, learners and strangers do not;
// deleting the course deletes its media.
func TestMediaPermissions(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	a := f.a
	pic := testPNG(t, 16, 16)
	for name, c := range map[string]*client{"learner": f.learner, "non-editor volunteer": f.nora} {
		if res := c.POST(f.lessonEdit+"/media").File(nil, "p.png", "image/png", pic).Send(); res.Status != http.StatusForbidden {
			t.Errorf("%s: upload %d, want 403", name, res.Status)
		}
	}
	if res := a.POST(t, f.lessonEdit+"/media").File(nil, "p.png", "image/png", pic).Send(); res.Status != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("anonymous: upload %d %q", res.Status, res.Header.Get("Location"))
	}
	if n := a.mediaRows(t); n != 0 {
		t.Fatalf("%d rows after refused uploads", n)
	}

	// A file of the draft course: its editor sees it (privately cached);
	// learners, strangers and anonymous get a 404.
	draftPic := testPNG(t, 17, 17)
	draftURL, _ := uploaded(t, f.victor.POST("/lessons/"+f.w.DraftCourseLesson().String()+"/media").File(nil, "d.png", "image/png", draftPic).Send())
	if res := f.victor.GET(draftURL).Send(); res.Status != 200 || res.Header.Get("Cache-Control") != "private, max-age=31536000, immutable" {
		t.Errorf("editor: draft media %d %q", res.Status, res.Header.Get("Cache-Control"))
	}
	for name, c := range map[string]*client{"learner": f.learner, "stranger": f.nora, "anonymous": a.newClient(t)} {
		if res := c.GET(draftURL).Send(); res.Status != http.StatusNotFound {
			t.Errorf("%s: draft course media %d, want 404", name, res.Status)
		}
	}
	// A draft lesson's file in a published course is readable by hash
	// (the course is public) but not listed for saving offline.
	draftLessonURL, _ := uploaded(t, f.victor.POST(f.draftLessonEd+"/media").File(nil, "dl.png", "image/png", pic).Send())
	if res := f.learner.GET(draftLessonURL).Send(); res.Status != 200 {
		t.Errorf("learner: media of a published course %d", res.Status)
	}

	// Deleting the course deletes its media.
	f.victor.POST(f.draftEdit + "/delete").Expect(http.StatusSeeOther)
	if n := a.count(t, `SELECT count(*) FROM media WHERE course_id = $1`, f.w.DraftCourse.ID); n != 0 {
		t.Errorf("%d media rows outlive their course", n)
	}
	if res := f.victor.GET(draftURL).Send(); res.Status != http.StatusNotFound {
		t.Errorf("deleted course's media: %d", res.Status)
	}
}

// TestMediaSavedForOffline: the course page's "Save for offline" list has
// the files its published lessons show, and the lesson page shows them.
func TestMediaSavedForOffline(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	shown, _ := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, "shown.png", "image/png", testPNG(t, 20, 20)).Send())
	unused, _ := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, "unused.png", "image/png", testPNG(t, 21, 21)).Send())
	inDraft, _ := uploaded(t, f.victor.POST(f.draftLessonEd+"/media").File(nil, "draft.png", "image/png", testPNG(t, 22, 22)).Send())
	pdf, _ := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, "sheet.pdf", "application/pdf", testPDF).Send())
	save := func(lesson uuid.UUID, body string) {
		t.Helper()
		page := f.victor.GET("/lessons/" + lesson.String() + "/edit").Send().Doc()
		title, _ := formValue(page, "title")
		published := page.Find("input[name=\"published\"][checked=\"\"]").Length() > 0
		res := f.victor.POST("/lessons/" + lesson.String()).Form(url.Values{
			"title": {title}, "body": {body}, "version": {version(t, page)}, "published": {map[bool]string{true: "true"}[published]},
		}).Send()
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save lesson: %d %s", res.Status, res.Body)
		}
	}
	save(f.w.Course.Lessons[0], "Look:\n\n![shown]("+shown+")\n\n[Worksheet]("+pdf+")")
	save(f.w.DraftLesson(), "![draft]("+inDraft+")")

	doc := f.learner.GET("/courses/" + f.w.Course.ID.String()).Send().Doc()
	urls, _ := mustSelect(t, doc, "[id=\"offline-save\"]").Attr("data-urls")
	list := strings.Fields(urls)
	has := func(u string) bool { return strings.Contains(" "+urls+" ", " "+u+" ") }
	if !has(shown) || !has(pdf) || has(unused) || has(inDraft) || !has("/lessons/"+f.w.Course.Lessons[0].String()) {
		t.Errorf("save list %v: want %s and %s, not %s or %s", list, shown, pdf, unused, inDraft)
	}

	lesson := f.learner.GET(f.lessonEdit).Send().Doc()
	img := mustSelect(t, lesson, "img"+attrIs("src", shown))
	if alt, _ := img.Attr("alt"); alt != "shown" {
		t.Errorf("img alt %q", alt)
	}
	mustSelect(t, lesson, "a"+attrIs("href", pdf))
}
