package handlers_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"fieldbook/store/storetest"

	"github.com/PuerkitoBio/goquery"
)

// parseCSP splits a Content-Security-Policy into directive → sources.
func parseCSP(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		out[strings.ToLower(f[0])] = f[1:]
	}
	return out
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	css := stylesheetURL(t, a.GET(t, "/").Send().Doc())

	tests := []struct {
		name   string
		client *client
		path   string
		status int
	}{
		{"home, anonymous", a.newClient(t), "/", 200},
		{"home, learner", learner, "/", 200},
		{"sign-in page", a.newClient(t), "/login", 200},
		{"lesson page", learner, "/lessons/" + w.Course.Lessons[0].String(), 200},
		{"error page", a.newClient(t), "/no/such/page", 404},
		{"JSON", learner, "/api/courses/" + w.Course.ID.String() + "/progress", 200},
		{"JSON error", a.newClient(t), "/api/courses/x/progress", 401},
		{"static file", a.newClient(t), css, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.client.GET(tt.path).Send()
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d", res.Status, tt.status)
			}
			policy := res.Header.Get("Content-Security-Policy")
			if policy == "" {
				t.Fatal("no Content-Security-Policy header")
			}
			csp := parseCSP(policy)
			for name, sources := range csp {
				for _, s := range sources {
					if s == "'unsafe-inline'" || s == "'unsafe-eval'" || s == "*" || s == "data:" && name != "img-src" {
						t.Errorf("CSP %s allows %s: %q", name, s, policy)
					}
				}
			}
			want := map[string]string{"default-src": "'self'", "frame-ancestors": "'none'", "object-src": "'none'", "base-uri": "'none'"}
			for name, v := range want {
				if got := strings.Join(csp[name], " "); got != v {
					t.Errorf("CSP %s = %q, want %q", name, got, v)
				}
			}
			if src, ok := csp["script-src"]; ok && strings.Join(src, " ") != "'self'" {
				t.Errorf("CSP script-src = %q, want 'self'", src)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			switch got := res.Header.Get("Referrer-Policy"); got {
			case "same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin":
			default:
				t.Errorf("Referrer-Policy = %q, want a policy that keeps paths on this site", got)
			}
			if got := res.Header.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options = %q, want DENY", got)
			}
		})
	}
}

// TestPagesNeedNoInlineCode: the strict CSP blocks inline script and style,
// so no page may rely on them, or it breaks in every browser.
func TestPagesNeedNoInlineCode(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	learner := a.newClient(t)
	learner.signIn(storetest.LearnerUser, storetest.LearnerPass)

	volunteer := a.newClient(t)
	volunteer.signIn("victor", "volunteer password")

	tests := []struct {
		name   string
		client *client
		path   string
		htmx   bool // staff pages load htmx; learners' pages do without
	}{
		{"home", learner, "/", false},
		{"sign-in", a.newClient(t), "/login", false},
		{"sign-up", a.newClient(t), "/signup", false},
		{"course", learner, "/courses/" + w.Course.ID.String(), false},
		{"lesson", learner, "/lessons/" + w.Course.Lessons[0].String(), false},
		{"who is learning", a.newClient(t), "/phone", false},
		{"error", a.newClient(t), "/courses/x", false},
		{"studio", volunteer, "/studio", true},
		{"course editor", volunteer, "/courses/" + w.Course.ID.String() + "/edit", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.client.GET(tt.path).Send().Doc()
			checkPage(t, doc)
			for _, s := range doc.Find("script").EachIter() {
				src, ok := s.Attr("src")
				if !ok || !strings.HasPrefix(src, "/static/") {
					t.Errorf("<script src=%q>: want a same-origin /static/ file, no inline script", src)
				}
			}
			if doc.Find("style").Length() > 0 {
				t.Error("page has a <style> element")
			}
			for _, n := range within(doc, "*").EachIter() {
				for _, at := range n.Nodes[0].Attr {
					if at.Key == "style" || strings.HasPrefix(at.Key, "on") ||
						strings.HasPrefix(strings.ToLower(strings.TrimSpace(at.Val)), "javascript:") {
						t.Errorf("<%s %s=%q> needs inline code", goquery.NodeName(n), at.Key, at.Val)
					}
				}
			}
			// htmx (staff pages only) would otherwise add an inline <style>
			// and allow eval.
			htmx := doc.Find(`script[src*="/htmx-"]`).Length() > 0
			if htmx != tt.htmx {
				t.Fatalf("page loads htmx: %v, want %v", htmx, tt.htmx)
			}
			if !tt.htmx {
				return
			}
			meta := mustSelect(t, doc, "meta[name=\"htmx-config\"]")
			content, _ := meta.Attr("content")
			var cfg map[string]any
			if err := json.Unmarshal([]byte(content), &cfg); err != nil {
				t.Fatalf("htmx-config %q: %v", content, err)
			}
			for _, k := range []string{"includeIndicatorStyles", "allowEval", "allowScriptTags"} {
				if v, ok := cfg[k].(bool); !ok || v {
					t.Errorf("htmx-config %s = %v, want false", k, cfg[k])
				}
			}
		})
	}
}

func TestCrossOriginProtection(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	const refused = "This request came from another site and was refused."
	login := url.Values{"username": {storetest.LearnerUser}, "password": {storetest.LearnerPass}}
	complete := url.Values{"completed": {"true"}}
	completePath := "/lessons/" + w.Course.Lessons[0].String() + "/complete"

	tests := []struct {
		name       string
		signedIn   bool
		path       string
		form       url.Values
		header     http.Header
		wantStatus int
	}{
		{"sign-in, Sec-Fetch-Site cross-site", false, "/login", login, http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
		{"sign-in, Sec-Fetch-Site same-site", false, "/login", login, http.Header{"Sec-Fetch-Site": {"same-site"}}, 403},
		{"sign-in, foreign Origin", false, "/login", login, http.Header{"Origin": {"https://evil.example"}}, 403},
		{"sign-in, null Origin", false, "/login", login, http.Header{"Origin": {"null"}}, 403},
		{"sign-in, Sec-Fetch-Site same-origin", false, "/login", login, http.Header{"Sec-Fetch-Site": {"same-origin"}}, 303},
		{"sign-in, Sec-Fetch-Site none", false, "/login", login, http.Header{"Sec-Fetch-Site": {"none"}}, 303},
		{"sign-in, own Origin", false, "/login", login, http.Header{"Origin": {a.URL}}, 303},
		{"sign-in, no browser headers", false, "/login", login, nil, 303},
		{"complete, cross-site", true, completePath, complete, http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
		{"complete, foreign Origin, htmx", true, completePath, complete, http.Header{"Origin": {"https://evil.example"}, "HX-Request": {"true"}}, 403},
		{"complete, same-origin", true, completePath, url.Values{"completed": {"false"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}}, 303},
		{"sign-out, cross-site", true, "/logout", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
		{"sign-up, cross-site", false, "/signup", url.Values{"username": {"csrf"}, "name": {"C"}, "password": {"long enough pw"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := a.newClient(t)
			if tt.signedIn {
				c.signIn(storetest.LearnerUser, storetest.LearnerPass)
			}
			token := c.sessionToken()
			before := a.snapshot(t)
			res := c.POST(tt.path).Form(tt.form).Headers(tt.header).Send()
			if res.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.Status, tt.wantStatus, res.Body)
			}
			if tt.wantStatus != http.StatusForbidden {
				return
			}
			_, msg := errorSection(t, res.Body, len(tt.header["HX-Request"]) > 0)
			if msg != refused {
				t.Errorf("message = %q, want %q", msg, refused)
			}
			if a.snapshot(t) != before {
				t.Error("a refused request changed the database")
			}
			if res.cookie(sessionCookie) != nil {
				t.Error("a refused request touched the session cookie")
			}
			if tt.signedIn && !a.sessionExists(t, token) {
				t.Error("a refused request ended the session")
			}
		})
	}
	// GETs are safe and pass from anywhere (links from other sites work).
	t.Run("GET cross-site", func(t *testing.T) {
		res := a.GET(t, "/").Headers(http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}).Send()
		if res.Status != http.StatusOK {
			t.Errorf("status %d, want 200", res.Status)
		}
	})
}

// stylesheetURL is the href of the page's <link rel=stylesheet>.
func stylesheetURL(t *testing.T, doc *goquery.Selection) string {
	t.Helper()
	link := mustSelect(t, doc, "link[rel=\"stylesheet\"]")
	href, _ := link.Attr("href")
	return href
}

func TestStaticFiles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)
	doc := c.GET("/").Send().Doc()
	css := stylesheetURL(t, doc)
	js, _ := mustSelect(t, doc, "script").Attr("src")
	icon, _ := mustSelect(t, doc, "link[rel=\"icon\"]").Attr("href")
	hashOf := func(u string) string { return path.Base(path.Dir(u)) }

	const immutable = "public, max-age=31536000, immutable"
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantType   string // for 200
	}{
		{"stylesheet", css, 200, "text/css"},
		{"htmx", js, 200, "text/javascript"},
		{"icon", icon, 200, "image/svg+xml"},
		{"stylesheet under a wrong hash", "/static/000000000000/" + path.Base(css), 404, ""},
		{"stylesheet under the icon's hash", "/static/" + hashOf(icon) + "/" + path.Base(css), 404, ""},
		{"unknown name under the right hash", "/static/" + hashOf(css) + "/nope.css", 404, ""},
		{"escaped path", "/static/" + hashOf(css) + "/..%2f" + path.Base(css), 404, ""},
		{"no hash", "/static/" + path.Base(css), 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.HasPrefix(tt.path, "/static/") {
				t.Fatalf("asset URL %q is not under /static/", tt.path)
			}
			res := c.GET(tt.path).Send()
			if res.Status != tt.wantStatus {
				t.Fatalf("GET %s: status %d, want %d", tt.path, res.Status, tt.wantStatus)
			}
			cc := res.Header.Get("Cache-Control")
			if tt.wantStatus != http.StatusOK {
				if strings.Contains(cc, "immutable") || strings.Contains(cc, "public") {
					t.Errorf("a %d is cacheable: Cache-Control %q", res.Status, cc)
				}
				checkNoLeak(t, res.Body)
				return
			}
			if cc != immutable {
				t.Errorf("Cache-Control = %q, want %q", cc, immutable)
			}
			if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != tt.wantType {
				t.Errorf("Content-Type = %q, want %s", res.Header.Get("Content-Type"), tt.wantType)
			}
			if len(res.Body) < 50 {
				t.Errorf("body is %d bytes", len(res.Body))
			}
			if res.cookie(sessionCookie) != nil {
				t.Error("a static file set a session cookie")
			}
		})
	}
}
