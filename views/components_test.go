package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"fieldbook/internal/i18n"
	"fieldbook/views"
)

// Component tests: each renders a component from a view model, with no
// database and no router, and reads the HTML with goquery.

// render renders c in language lang and parses the result.
func render(t *testing.T, lang string, c templ.Component) *goquery.Document {
	t.Helper()
	ctx := i18n.WithLocalizer(context.Background(), i18n.Default().Localizer(lang))
	var b bytes.Buffer
	if err := c.Render(ctx, &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(&b)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// say is key in lang's catalogue, for checks that hold in every language.
// (White space collapsed, as text reads the page.)
func say(lang, key string) string {
	return strings.Join(strings.Fields(i18n.Default().Localizer(lang).T(key)), " ")
}

// text is a selection's text with white space collapsed.
func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func one(t *testing.T, s *goquery.Selection, css string) *goquery.Selection {
	t.Helper()
	found := s.Find(css)
	if found.Length() != 1 {
		t.Fatalf("%d × %s, want 1", found.Length(), css)
	}
	return found
}

func attr(s *goquery.Selection, name string) string { v, _ := s.Attr(name); return v }

func page(user *views.User) views.Page {
	return views.Page{
		Title: "Receipts", User: user, Here: "/lessons/x", ManifestURL: "/manifest.en.webmanifest",
		Assets: views.Assets{CSS: "/static/h1/app.css", StudioCSS: "/static/h2/studio.css", HTMX: "/static/h3/htmx.js",
			AppJS: "/static/h4/app.js", Icon: "/static/h5/icon.svg"},
		Nav: views.Nav{Home: "/", Language: "/language", Studio: "/studio", MyProgress: "/me/progress", Logout: "/logout"},
	}
}

func TestLayout(t *testing.T) {
	child := views.ErrorPage(views.Error{Status: 404, Title: "Not here", Message: "Gone.", HomeURL: "/"})
	for _, tt := range []struct {
		name  string
		user  *views.User
		staff bool
	}{
		{"anonymous", nil, false},
		{"learner", &views.User{ID: "u1", DisplayName: "Lena", Role: "learner"}, false},
		{"volunteer", &views.User{ID: "u2", DisplayName: "Victor", Role: "volunteer", Staff: true}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := render(t, "en", views.Layout(page(tt.user), child))
			html := one(t, doc.Selection, "html")
			if attr(html, "lang") != "en" || attr(html, "dir") != "ltr" {
				t.Errorf("<html lang=%q dir=%q>, want en ltr", attr(html, "lang"), attr(html, "dir"))
			}
			if got := text(one(t, doc.Selection, "head > title")); got != "Receipts · Fieldbook" {
				t.Errorf("title %q", got)
			}
			one(t, doc.Selection, `head > link[rel="stylesheet"][href="/static/h1/app.css"]`)
			one(t, doc.Selection, `head > script[src="/static/h4/app.js"][defer]`)
			one(t, doc.Selection, "body > header.top > a.brand")
			if got := text(one(t, doc.Selection, "main#main section.error h1")); got != "Not here" {
				t.Errorf("the child is not inside <main>: %q", got)
			}
			// Studio styles and htmx are for staff pages only.
			studio := doc.Find(`link[href="/static/h2/studio.css"]`).Length() == 1
			htmx := doc.Find(`script[src="/static/h3/htmx.js"]`).Length() == 1
			if studio != tt.staff || htmx != tt.staff {
				t.Errorf("studio CSS %v, htmx %v, want %v", studio, htmx, tt.staff)
			}
			if got := text(one(t, doc.Selection, "#offline-banner")); got != say("en", "layout.offline_banner") {
				t.Errorf("offline banner %q", got)
			}
		})
	}
}

// TestLayoutLanguages renders the same page in two languages: the
// document's language and direction and the layout's words follow the
// localizer in the context.
func TestLayoutLanguages(t *testing.T) {
	child := views.ErrorPage(views.Error{Title: "x", Message: "y", HomeURL: "/"})
	en := render(t, "en", views.Layout(page(nil), child))
	fr := render(t, "fr", views.Layout(page(nil), child))
	if got := attr(fr.Find("html"), "lang"); got != "fr" {
		t.Errorf("French page: lang %q", got)
	}
	for _, key := range []string{"layout.offline_banner", "layout.install", "error.back"} {
		want := say("fr", key)
		if want == say("en", key) {
			t.Fatalf("%s is not translated into French in the catalogue", key)
		}
		if !strings.Contains(text(fr.Find("body")), want) || strings.Contains(text(en.Find("body")), want) {
			t.Errorf("%s: the French page lacks %q or the English one has it", key, want)
		}
	}
	if got := text(fr.Find("section.error a")); got != say("fr", "error.back") {
		t.Errorf("error page link in French: %q", got)
	}
}

func TestErrorPage(t *testing.T) {
	doc := render(t, "en", views.ErrorPage(views.Error{Status: 403, Title: "Not yours", Message: "Ask an editor <b>now</b>.", HomeURL: "/home"}))
	sec := one(t, doc.Selection, "section.error")
	if text(sec.Find("h1")) != "Not yours" || text(sec.Find("p").First()) != "Ask an editor <b>now</b>." {
		t.Errorf("error section %q", text(sec))
	}
	if sec.Find("b").Length() != 0 {
		t.Error("the message was written as HTML, not escaped")
	}
	if attr(one(t, sec, "a"), "href") != "/home" {
		t.Error("the way back does not go home")
	}
}

func lesson() views.Lesson {
	return views.Lesson{
		HomeURL: "/", CourseTitle: "Basics of bookkeeping", CourseURL: "/courses/c1", Number: 2, Title: "Cash book",
		BodyHTML: "<p>Write <strong>every</strong> sale.</p>", DurationMinutes: 5,
		Status: views.LessonStatus{LessonID: "l2", CourseID: "c1", CompleteURL: "/lessons/l2/complete", Total: 3,
			LoginURL: "/login?next=/lessons/l2", PhoneURL: "/phone"},
	}
}

func TestLessonPageVariants(t *testing.T) {
	t.Run("middle lesson with further reading", func(t *testing.T) {
		l := lesson()
		l.PrevURL, l.NextURL, l.ContentURL = "/lessons/l1", "/lessons/l3", "https://example.org/more"
		doc := render(t, "en", views.LessonPage(l))
		if text(one(t, doc.Selection, "article.lesson h1")) != "Cash book" {
			t.Error("no title")
		}
		if one(t, doc.Selection, "article.lesson div.body strong").Text() != "every" {
			t.Error("the body's HTML is not written as is")
		}
		more := one(t, doc.Selection, `article.lesson a[href="https://example.org/more"]`)
		if attr(more, "rel") != "noopener noreferrer" || attr(more, "target") != "_blank" {
			t.Errorf("further reading: rel %q target %q", attr(more, "rel"), attr(more, "target"))
		}
		one(t, doc.Selection, `nav.pager a[rel="prev"][href="/lessons/l1"]`)
		one(t, doc.Selection, `nav.pager a[rel="next"][href="/lessons/l3"]`)
	})
	t.Run("first and last lesson, no further reading", func(t *testing.T) {
		doc := render(t, "en", views.LessonPage(lesson()))
		if doc.Find(`a[rel="prev"], a[rel="next"], a[target="_blank"]`).Length() != 0 {
			t.Error("links to neighbours or reading that do not exist")
		}
		one(t, doc.Selection, `nav.pager a[href="/courses/c1"]`)
	})
	t.Run("status block names no learner", func(t *testing.T) {
		doc := render(t, "en", views.LessonPage(lesson()))
		sec := one(t, doc.Selection, "section#lesson-status")
		if attr(sec, "data-lesson") != "l2" || attr(sec, "data-course") != "c1" || attr(sec, "data-total") != "3" {
			t.Errorf("status data: %v", sec.Nodes[0].Attr)
		}
		form := one(t, sec, `form[method="post"][action="/lessons/l2/complete"]`)
		if form.Find(`button[name="completed"][value="true"]`).Length() != 1 ||
			form.Find(`button[name="completed"][value="false"]`).Length() != 1 {
			t.Error("the form lacks its complete and undo buttons")
		}
		if form.Find(`input[name="user_id"], input[name="student_id"]`).Length() != 0 {
			t.Error("the form names a learner")
		}
		bar := one(t, sec, "div.progress progress")
		if attr(bar, "value") != "0" || text(sec.Find(".progress-text")) != "" {
			t.Error("a neutral status block carries progress")
		}
		one(t, sec, `a[href="/login?next=/lessons/l2"]`)
		one(t, sec, `a[href="/phone"]`)
	})
}

func TestCoursePage(t *testing.T) {
	c := views.Course{HomeURL: "/", ID: "c1", Title: "Basics of bookkeeping", Description: "About money.",
		Progress: views.ProgressBar{Total: 2, Unknown: true}, SaveURLs: "/courses/c1 /lessons/l1 /lessons/l2",
		Lessons: []views.LessonLink{{ID: "l1", URL: "/lessons/l1", Number: 1, Title: "Receipts", DurationMinutes: 5},
			{ID: "l2", URL: "/lessons/l2", Number: 2, Title: "Cash book", DurationMinutes: 10}}}
	doc := render(t, "en", views.CoursePage(c))
	if text(one(t, doc.Selection, "h1")) != "Basics of bookkeeping" {
		t.Error("no title")
	}
	items := doc.Find(`ol.lessons[data-course="c1"] > li`)
	if items.Length() != 2 {
		t.Fatalf("%d lessons listed, want 2", items.Length())
	}
	for i, want := range c.Lessons {
		li := items.Eq(i)
		a := li.Find("a")
		if attr(li, "data-lesson") != want.ID || attr(a, "href") != want.URL || text(a) != want.Title {
			t.Errorf("lesson %d: %q → %q", i, text(a), attr(a, "href"))
		}
	}
	if got := attr(one(t, doc.Selection, "#offline-save"), "data-urls"); got != c.SaveURLs {
		t.Errorf("save URLs %q", got)
	}

	c.Lessons = nil
	empty := render(t, "en", views.CoursePage(c))
	if empty.Find("#offline-save").Length() != 0 || empty.Find("ol.lessons > li").Length() != 0 {
		t.Error("an empty course offers to save lessons")
	}
}

func TestLoginFormWithErrors(t *testing.T) {
	f := views.AuthForm{LoginURL: "/login", SignupURL: "/signup", Username: "lena<script>", Next: "/courses/c1"}
	f.Fail("password", "Enter your password.")
	for _, lang := range []string{"en", "sw"} {
		t.Run(lang, func(t *testing.T) {
			doc := render(t, lang, views.LoginPage(f))
			form := one(t, doc.Selection, `form#login-form[method="post"][action="/login"]`)
			if v := attr(one(t, form, `input[name="username"]`), "value"); v != "lena<script>" {
				t.Errorf("typed username not kept: %q", v)
			}
			if doc.Find("script").Length() != 0 {
				t.Error("the typed username was written as HTML")
			}
			if v := attr(one(t, form, `input[name="next"]`), "value"); v != "/courses/c1" {
				t.Errorf("next %q", v)
			}
			pw := one(t, form, `input[name="password"]`)
			if attr(pw, "value") != "" || attr(pw, "aria-invalid") != "true" || attr(pw, "aria-describedby") != "password-error" {
				t.Errorf("password input: %v", pw.Nodes[0].Attr)
			}
			if got := text(one(t, form, "p#password-error.field-error")); got != "Enter your password." {
				t.Errorf("password error %q", got)
			}
			if _, ok := one(t, form, `input[name="username"]`).Attr("aria-invalid"); ok {
				t.Error("the username is marked invalid without a message")
			}
			if got := text(one(t, doc.Selection, "h1")); got != say(lang, "auth.signin.title") {
				t.Errorf("heading %q, want the catalogue's %q", got, say(lang, "auth.signin.title"))
			}
			one(t, doc.Selection, `a[href="/signup"]`)
		})
	}
}

func TestQuestionPreview(t *testing.T) {
	doc := render(t, "en", views.QuestionPreviewBlock(views.QuestionPreview{Kind: "single",
		PromptHTML: "<p>Which is <em>safe</em>?</p>", ExplanationHTML: "<p>Because.</p>",
		Choices: []views.PreviewChoice{{Text: "Boil"}, {Text: "Filter <b>it</b>", Right: true}, {Text: "Shake"}}}))
	if one(t, doc.Selection, ".quiz-question .prompt em").Text() != "safe" {
		t.Error("the prompt's HTML is not written as is")
	}
	items := doc.Find("ul.choices > li")
	if items.Length() != 3 {
		t.Fatalf("%d choices, want 3", items.Length())
	}
	for i, right := range []bool{false, true, false} {
		if got := items.Eq(i).Find("strong").Length() == 1; got != right {
			t.Errorf("choice %d marked right: %v, want %v", i, got, right)
		}
	}
	if items.Eq(1).Find("b").Length() != 0 {
		t.Error("a choice was written as HTML")
	}
	if doc.Find(".explanation p").Text() != "Because." {
		t.Error("no explanation")
	}

	number := render(t, "en", views.QuestionPreviewBlock(views.QuestionPreview{Kind: "number", PromptHTML: "<p>How long?</p>", Answer: "2.5 ± 0.5"}))
	if number.Find("ul.choices").Length() != 0 || text(number.Find(".quiz-question > p strong")) != "2.5 ± 0.5" {
		t.Errorf("number preview: %q", text(number.Find(".quiz-question")))
	}
}

func TestProgressBar(t *testing.T) {
	for _, tt := range []struct {
		bar        views.ProgressBar
		max, value string
	}{
		{views.ProgressBar{Completed: 1, Total: 4}, "4", "1"},
		{views.ProgressBar{Total: 0}, "0", "0"},
		{views.ProgressBar{Total: 3, Unknown: true}, "3", "0"},
	} {
		doc := render(t, "en", views.Bar(tt.bar))
		p := one(t, doc.Selection, "div.progress > progress")
		if attr(p, "max") != tt.max || attr(p, "value") != tt.value {
			t.Errorf("%+v: max %q value %q, want %s %s", tt.bar, attr(p, "max"), attr(p, "value"), tt.max, tt.value)
		}
		want := tt.bar.Text(i18n.WithLocalizer(context.Background(), i18n.Default().Localizer("en")))
		if tt.bar.Unknown {
			want = ""
		}
		if got := text(doc.Find(".progress-text")); got != want {
			t.Errorf("%+v: text %q, want %q", tt.bar, got, want)
		}
	}
}

// TestDashboardChart: one bar per lesson, its width the share (of 300
// units), a label shortened for a phone, the same numbers in the table
// under it; on an Arabic page the bar grows from the right; no lessons, no
// chart.
func TestDashboardChart(t *testing.T) {
	bars := []views.ChartBar{
		{Number: 1, Title: "Receipts", Completed: 3, Percent: 75},
		{Number: 2, Title: "A lesson whose title is far too long for one phone line", Completed: 0, Percent: 0},
	}
	for _, tt := range []struct {
		lang   string
		barX   []string
		labelX string
		valueX string
	}{{"en", []string{"0", "0"}, "0", "300"}, {"ar", []string{"75", "300"}, "300", "0"}} {
		doc := render(t, tt.lang, views.DashboardLiveBlock(views.DashboardLive{Lessons: 2, Chart: bars}))
		svg := one(t, doc.Selection, "svg.chart")
		if vb := attr(svg, "viewbox") + attr(svg, "viewBox"); vb != "0 0 300 64" {
			t.Errorf("%s: viewBox %q", tt.lang, vb)
		}
		rows := svg.Find("g[data-lesson]")
		if rows.Length() != len(bars) {
			t.Fatalf("%s: %d bars, want %d", tt.lang, rows.Length(), len(bars))
		}
		// Numbers are written the page's language's way.
		pct := i18n.Default().Localizer(tt.lang).Percent
		for i, want := range []struct{ label, value, width string }{
			{"1. Receipts", pct(75) + " (3)", "225"},
			{"2. A lesson whose title is far too l…", pct(0) + " (0)", "0"},
		} {
			g := rows.Eq(i)
			texts := g.Find("text")
			if text(texts.Eq(0)) != want.label || text(texts.Eq(1)) != want.value {
				t.Errorf("%s bar %d: %q, %q, want %q, %q", tt.lang, i, text(texts.Eq(0)), text(texts.Eq(1)), want.label, want.value)
			}
			if attr(texts.Eq(0), "x") != tt.labelX || attr(texts.Eq(1), "x") != tt.valueX {
				t.Errorf("%s bar %d: label at %s, value at %s", tt.lang, i, attr(texts.Eq(0), "x"), attr(texts.Eq(1), "x"))
			}
			bar := one(t, g, "rect.bar")
			if attr(bar, "width") != want.width || attr(bar, "x") != tt.barX[i] {
				t.Errorf("%s bar %d: x %s width %s, want %s %s", tt.lang, i, attr(bar, "x"), attr(bar, "width"), tt.barX[i], want.width)
			}
		}
		cells := doc.Find("details.chart-table tbody tr").First().Find("td")
		if got := text(cells.Eq(0)) + "|" + text(cells.Eq(1)) + "|" + text(cells.Eq(2)); got != "1. Receipts|3|"+pct(75) {
			t.Errorf("%s: table row %q", tt.lang, got)
		}
	}
	empty := render(t, "en", views.DashboardLiveBlock(views.DashboardLive{}))
	if empty.Find("svg").Length() != 0 || empty.Find("details.chart-table").Length() != 0 {
		t.Error("a course without lessons has a chart")
	}
}
