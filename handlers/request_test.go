package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// req is one request being built, sent by the real router over real HTTP:
//
//	a.GET(t, "/").Expect(http.StatusOK).Doc()            // anonymous
//	c.GET("/me/progress").HTMX().Send()                  // c's cookies
//	a.GET(t, "/lessons/x").As(learner).Header("Accept-Language", "sw").Expect(200)
//	c.POST("/login").Form(url.Values{…}).Expect(http.StatusSeeOther)
//	c.POST(syncPath).JSON(body).Send()
type req struct {
	t            testing.TB
	c            *client
	method, path string
	header       http.Header
	body         []byte
	stream       io.Reader // sent as read, of unknown length (Stream)
}

// Request starts a request from c (its cookie jar, if any).
func (c *client) Request(method, path string) *req {
	return &req{t: c.t, c: c, method: method, path: path, header: http.Header{}}
}

// GET starts a GET from c.
func (c *client) GET(path string) *req { return c.Request(http.MethodGet, path) }

// POST starts a POST from c: a form with no fields until Form, JSON, Bytes
// or File sets the body.
func (c *client) POST(path string) *req {
	return c.Request(http.MethodPost, path).Form(nil)
}

// GET starts a GET from a new anonymous client with an empty cookie jar
// (As switches it to a signed-in one).
func (a *testApp) GET(t testing.TB, path string) *req {
	return a.newClient(t).GET(path)
}

// POST is GET's POST.
func (a *testApp) POST(t testing.TB, path string) *req {
	return a.newClient(t).POST(path)
}

// Header adds a request header.
func (r *req) Header(key, value string) *req { r.header.Add(key, value); return r }

// Headers sets every header of h, replacing what the request had under
// that name (nil sets none).
func (r *req) Headers(h http.Header) *req {
	for k, vs := range h {
		r.header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	return r
}

// HTMX marks the request as htmx sends it (HX-Request: true).
func (r *req) HTMX() *req { return r.Header("HX-Request", "true") }

// Origin sets the Origin header, as a browser does on a cross-site post.
func (r *req) Origin(origin string) *req { return r.Header("Origin", origin) }

// Form sets an application/x-www-form-urlencoded body.
func (r *req) Form(v url.Values) *req {
	return r.Bytes("application/x-www-form-urlencoded", []byte(v.Encode()))
}

// JSON sets a JSON body: v marshalled, or v itself when it is []byte.
func (r *req) JSON(v any) *req {
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			r.t.Fatalf("%s %s: marshal JSON: %v", r.method, r.path, err)
		}
	}
	return r.Bytes("application/json", b)
}

// Bytes sets the body and its Content-Type.
func (r *req) Bytes(contentType string, b []byte) *req {
	r.header.Set("Content-Type", contentType)
	r.body, r.stream = b, nil
	return r
}

// Stream sets a body sent as rd reads it, and its Content-Type ("": none);
// wrap rd to hide its length and the request goes chunked.
func (r *req) Stream(contentType string, rd io.Reader) *req {
	if contentType == "" {
		r.header.Del("Content-Type")
	} else {
		r.header.Set("Content-Type", contentType)
	}
	r.body, r.stream = nil, rd
	return r
}

// File sets a multipart body as the lesson form posts it: fields, then a
// file named fileName whose client-side type is claimed as claimType (no
// file part when fileName is "").
func (r *req) File(fields url.Values, fileName, claimType string, data []byte) *req {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	if fileName != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+fileName+`"`)
		h.Set("Content-Type", claimType)
		w, err := mw.CreatePart(h)
		if err != nil {
			r.t.Fatal(err)
		}
		w.Write(data)
	}
	if err := mw.Close(); err != nil {
		r.t.Fatal(err)
	}
	return r.Bytes(mw.FormDataContentType(), body.Bytes())
}

// Send sends the request and reads the whole response. Redirects are never
// followed, so every 303 and its Location are checked as sent.
func (r *req) Send() response {
	r.t.Helper()
	c := r.c
	body := r.stream
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, c.app.URL+r.path, body)
	if err != nil {
		r.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	hr.Header = r.header
	if c.jar != nil {
		for _, ck := range c.jar.Cookies(hr.URL) {
			hr.AddCookie(ck)
		}
	}
	res, err := c.app.transport.RoundTrip(hr)
	if err != nil {
		r.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	if c.jar != nil {
		c.jar.SetCookies(hr.URL, res.Cookies())
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b), Cookies: res.Cookies(),
		t: r.t, what: r.method + " " + r.path}
}

// Expect sends the request and fails the test unless the answer has status.
func (r *req) Expect(status int) response {
	r.t.Helper()
	res := r.Send()
	if res.Status != status {
		r.t.Fatalf("%s: status %d, want %d\n%s", res.what, res.Status, status, excerpt(res.Body))
	}
	return res
}

// excerpt is the start of a body, for failure messages.
func excerpt(body string) string {
	if len(body) > 2000 {
		return body[:2000] + "…"
	}
	return body
}

// Doc parses the body as an HTML document (a fragment gets the <html> and
// <body> a browser would put around it) and selects its root.
func (r response) Doc() *goquery.Selection {
	r.t.Helper()
	return parseHTML(r.t, r.Body).Selection
}

// Fragment parses the body as the children of a <body>, as htmx swaps it in,
// and selects its top-level elements.
func (r response) Fragment() *goquery.Selection {
	r.t.Helper()
	return parseHTMLFragment(r.t, r.Body)
}

// Location is the Location header (where a 303 sends the browser).
func (r response) Location() string { return r.Header.Get("Location") }

// parseHTML parses an HTML text into a document.
func parseHTML(t testing.TB, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// parseHTMLFragment parses body as the children of a <body> and selects the
// top-level elements (text between them dropped).
func parseHTMLFragment(t testing.TB, body string) *goquery.Selection {
	t.Helper()
	root := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(body), root)
	if err != nil {
		t.Fatalf("parse fragment: %v", err)
	}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return goquery.NewDocumentFromNode(root).Children()
}

// textOf is the text of a selection with runs of white space collapsed, a
// space between text nodes (so "<b>3</b>/<b>4</b>" reads "3 / 4").
func textOf(s *goquery.Selection) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range s.Nodes {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// attrIs is a CSS attribute selector [key="value"], quoted for any value
// (ids that start with a digit cannot be written as #id).
func attrIs(key, value string) string {
	return "[" + key + "=" + cssString(value) + "]"
}

// cssString quotes s as a CSS string.
func cssString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\%x ", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// byID selects the element with id under s.
func byID(s *goquery.Selection, id string) *goquery.Selection {
	return s.Find(attrIs("id", id))
}

// within is s and its descendants that match css, in document order: the
// selection itself may be what is looked for.
func within(s *goquery.Selection, css string) *goquery.Selection {
	return s.Filter(css).AddSelection(s.Find(css))
}

// mustSelect is the first of s.Find(css); it fails the test when nothing matches.
func mustSelect(t testing.TB, s *goquery.Selection, css string) *goquery.Selection {
	t.Helper()
	found := s.Find(css).First()
	if found.Length() == 0 {
		t.Fatalf("no %s in the HTML", css)
	}
	return found
}

// htmlDoc parses an HTML text that is not a response body (res.Doc() is).
func htmlDoc(t testing.TB, body string) *goquery.Selection {
	t.Helper()
	return parseHTML(t, body).Selection
}

// formValue is the value of the input named name under s, and whether
// such an input exists.
func formValue(s *goquery.Selection, name string) (string, bool) {
	in := s.Find("input" + attrIs("name", name)).First()
	if in.Length() == 0 {
		return "", false
	}
	v, _ := in.Attr("value")
	return v, true
}

// fieldMessage is the message shown at a form field ("" when none),
// checking that the input points at it for screen readers.
func fieldMessage(t testing.TB, s *goquery.Selection, name string) string {
	t.Helper()
	p := s.Find("p" + attrIs("id", name+"-error")).First()
	in := s.Find("input" + attrIs("name", name)).First()
	if p.Length() == 0 {
		if v, ok := in.Attr("aria-invalid"); ok {
			t.Errorf("input %s is aria-invalid=%q without a message", name, v)
		}
		return ""
	}
	if v, _ := in.Attr("aria-describedby"); v != name+"-error" {
		t.Errorf("input %s: aria-describedby = %q, want %q", name, v, name+"-error")
	}
	return textOf(p)
}

// headerName is the display name in the page header, "" when signed out.
func headerName(s *goquery.Selection) string {
	return textOf(s.Find("header.top").First().Find("span.who").First())
}

// checkPage checks that a page is a whole document in the layout.
func checkPage(t testing.TB, s *goquery.Selection) {
	t.Helper()
	for _, css := range []string{`html[lang="en"]`, "title", "header.top", `main[id="main"]`} {
		mustSelect(t, s, css)
	}
}

// progressOf is the <progress> of the progress bar (div.progress) under s.
func progressOf(s *goquery.Selection) *goquery.Selection {
	return s.Find("div.progress").First().Find("progress").First()
}

// mainTextOf is the text of <main>.
func mainTextOf(s *goquery.Selection) string {
	return textOf(s.Find(`main[id="main"]`).First())
}

// wholePage reports whether body is a whole document (a doctype or an
// <html> tag, as the tokenizer reads it) rather than an htmx fragment.
func wholePage(body string) bool {
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.DoctypeToken:
			return true
		case html.StartTagToken, html.SelfClosingTagToken:
			if name, _ := z.TagName(); string(name) == "html" {
				return true
			}
		}
	}
}

// hasText reports whether s has an element matching css whose text is
// exactly want (white space collapsed).
func hasText(s *goquery.Selection, css, want string) bool {
	return s.Find(css).FilterFunction(func(_ int, el *goquery.Selection) bool { return textOf(el) == want }).Length() > 0
}
