package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/static"
	"fieldbook/sw"
	"fieldbook/views"
)

// pwa serves what makes Fieldbook an installable, offline-capable app: the
// service worker, the web manifest and the offline page.
type pwa struct {
	*App
	script []byte
	// manifests are the web manifest in each language, by tag.
	manifests map[string][]byte
	version   string
}

func newPWA(a *App) (*pwa, error) {
	// The shell every phone gets; the offline page, "Who is learning?" and
	// the page script come per language (SHELL_PAGES, SCRIPTS): the worker
	// keeps them for the languages the phone uses. quiz.js too: a quiz
	// lesson saved with its course must work offline even if it was never
	// opened online.
	precache := []string{a.assets.URL("app.css"), a.assets.URL(static.QuizJS),
		a.assets.URL("icon.svg"), a.assets.URL("icon-192.png")}
	scripts := map[string]string{}
	for _, l := range i18n.Languages() {
		scripts[l.Tag] = a.assets.URL(pageScript(l.Tag))
	}
	// app.js carries the route table's paths too, so the assets' version
	// follows them.
	sum := sha256.New()
	sum.Write([]byte(a.assets.Version))
	sum.Write(sw.Source)
	sum.Write([]byte(a.catalog.Version()))
	version := hex.EncodeToString(sum.Sum(nil))[:12]
	// One worker serves every language: the few texts it says itself are
	// there in each (TEXTS), for the learner it knows, else in the phone's
	// language.
	texts, err := workerTexts(a.catalog)
	if err != nil {
		return nil, err
	}
	source, err := json.Marshal(texts[i18n.Source])
	if err != nil {
		return nil, err
	}
	script, err := sw.Prelude(a.catalog.Localizer(i18n.Source).Language().Locale(), source, workerRoutesOf(),
		map[string]any{"VERSION": version, "PRECACHE": precache, "TEXTS": texts, "SOURCE": i18n.Source,
			"LANGS": languagesJS(), "SCRIPTS": scripts, "SHELL_PAGES": []string{pathTo(routeOffline), pathTo(routePhone)}})
	if err != nil {
		return nil, err
	}
	script = append(script, sw.Compact(sw.Source)...)

	manifests := map[string][]byte{}
	for _, l := range i18n.Languages() {
		if manifests[l.Tag], err = webManifest(a, a.catalog.Localizer(l.Tag)); err != nil {
			return nil, err
		}
	}
	return &pwa{App: a, script: script, manifests: manifests, version: version}, nil
}

// webManifest is the manifest in loc's language: its description, lang and
// dir. The name is the product's and stays the same.
func webManifest(a *App, loc *i18n.Localizer) ([]byte, error) {
	type icon struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose,omitempty"`
	}
	return json.Marshal(map[string]any{
		"name":             "Fieldbook",
		"short_name":       "Fieldbook",
		"description":      loc.T("manifest.description"),
		"lang":             loc.Lang(),
		"dir":              loc.Dir(),
		"id":               homeURL(),
		"start_url":        homeURL(),
		"scope":            homeURL(),
		"display":          "standalone",
		"theme_color":      "#1d5c4d",
		"background_color": "#f7f8f6",
		"icons": []icon{
			{Src: a.assets.URL("icon-192.png"), Sizes: "192x192", Type: "image/png"},
			{Src: a.assets.URL("icon-512.png"), Sizes: "512x512", Type: "image/png"},
			{Src: a.assets.URL("icon-maskable-512.png"), Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
		},
	})
}

// requestedLanguage is the ?lang= of a request for something every
// language has its own copy of (the manifest, the offline page), so the page
// and the service worker can name the copy; without it, the request's own
// language.
func (a *App) requestedLanguage(c echo.Context) *i18n.Localizer {
	if lang := c.QueryParam("lang"); i18n.Supported(lang) {
		c.Set(ctxLocalizer, a.catalog.Localizer(lang))
	}
	return a.localizer(c)
}

// pageScript is the name of app.js in a language: each carries that
// language's texts, so a page loads only its own.
func pageScript(lang string) string { return "app." + lang + ".js" }

// pageScripts makes app.js into one script per language (pageScript), each
// starting with what it shares with the service worker (sw.Prelude): that
// language's texts and locale, its tag (TAG) and every language's locale
// and direction (LANGS), the constants and the route table's paths the
// scripts use (FB.routes, FB.paths).
func pageScripts(assets *static.Set, cat *i18n.Catalog) error {
	prefixes := map[string][]byte{}
	for _, l := range i18n.Languages() {
		prelude, err := sw.Prelude(l.Locale(), cat.JSTable(l.Tag), workerRoutesOf(),
			map[string]any{"TAG": l.Tag, "LANGS": languagesJS()})
		if err != nil {
			return err
		}
		prefixes[pageScript(l.Tag)] = prelude
	}
	return assets.Variants("app.js", prefixes)
}

// languagesJS are the interface languages as the scripts know them: by
// tag, the locale Intl formats with and the writing direction.
func languagesJS() map[string]map[string]string {
	langs := map[string]map[string]string{}
	for _, l := range i18n.Languages() {
		langs[l.Tag] = map[string]string{"locale": l.Locale(), "dir": l.Dir()}
	}
	return langs
}

// workerKeys are the texts the service worker says itself: the errors of
// the completions it answers for the page.
var workerKeys = []string{"js.failed_retry", "js.need_learner"}

// workerTexts are workerKeys in every language, by tag and then by key
// without its "js." prefix, as TEXT has them.
func workerTexts(cat *i18n.Catalog) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, l := range i18n.Languages() {
		var all map[string]any
		if err := json.Unmarshal(cat.JSTable(l.Tag), &all); err != nil {
			return nil, err
		}
		out[l.Tag] = map[string]string{}
		for _, key := range workerKeys {
			name := strings.TrimPrefix(key, i18n.JSPrefix)
			s, ok := all[name].(string)
			if !ok {
				return nil, fmt.Errorf("handlers: the worker's text %s is missing or counts", key)
			}
			out[l.Tag][name] = s
		}
	}
	return out, nil
}

// workerRoutesOf is what the scripts know of the route table: a regular
// expression source per route name (parameters captured in order), and the
// pattern to fill (":id" and the like).
func workerRoutesOf() sw.Routes {
	r := sw.Routes{Patterns: map[string]string{}, Paths: map[string]string{}}
	for _, n := range workerRoutes {
		p := routeIndex.byName[n].path
		r.Patterns[string(n)], r.Paths[string(n)] = pathRegexp(p), p
	}
	return r
}

// pathRegexp is a route path as an anchored regular expression, each
// parameter a group of its pattern (paramPatterns).
func pathRegexp(path string) string {
	var b strings.Builder
	b.WriteString("^")
	for i, seg := range strings.Split(path, "/") {
		if i > 0 {
			b.WriteString("/")
		}
		if name, ok := strings.CutPrefix(seg, ":"); ok {
			pat, known := paramPatterns[name]
			if !known {
				pat = "[^/]+"
			}
			b.WriteString("(" + pat + ")")
		} else {
			b.WriteString(regexp.QuoteMeta(seg))
		}
	}
	b.WriteString("$")
	return b.String()
}

// serviceWorker serves /sw.js: never cached by HTTP, so a new build's worker
// is found on the next visit.
func (p *pwa) serviceWorker(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", homeURL()) // the whole site
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", p.script)
}

// webManifest serves /manifest.webmanifest?lang=<tag>, the form the layout
// links to; without lang it answers in the request's language.
func (p *pwa) webManifest(c echo.Context) error {
	lang := p.requestedLanguage(c).Lang()
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	languageHeaders(h, lang)
	return c.Blob(http.StatusOK, "application/manifest+json", p.manifests[lang])
}

// offlinePage is precached by the service worker; it carries no user data.
// /offline?lang=<tag> is the copy in one language.
func (p *pwa) offlinePage(c echo.Context) error {
	page := p.page(c, p.requestedLanguage(c).T("offline.page_title"))
	page.User, page.Neutral, page.Bare = nil, true, true
	return p.renderPage(c, http.StatusOK, page, views.OfflinePage(views.Offline{HomeURL: homeURL()}))
}

// phonePage is "Who is learning?", precached by the service worker like the
// offline page: neutral, its list drawn by app.js from the phone's storage.
func (p *pwa) phonePage(c echo.Context) error {
	return p.renderNeutral(c, http.StatusOK, p.requestedLanguage(c).T("nav.who_is_learning"),
		views.PhonePage(views.Phone{LoginURL: loginURL(pathTo(routePhone))}))
}
