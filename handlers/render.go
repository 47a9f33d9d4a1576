package handlers

import (
	"bytes"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
	"fieldbook/views"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page is the layout view model for this request.
func (a *App) page(c echo.Context, title string) views.Page {
	p := views.Page{
		Title:       title,
		Nav:         siteNav(),
		LoginURL:    layoutLoginURL(c.Request().URL.Path),
		ManifestURL: manifestURL(a.localizer(c).Lang()),
		Here:        here(c.Request()),
		Assets: views.Assets{
			CSS:       a.assets.URL("app.css"),
			StudioCSS: a.assets.URL("studio.css"),
			HTMX:      a.assets.URL(staticHTMX),
			AppJS:     a.assets.URL(pageScript(a.localizer(c).Lang())),
			Icon:      a.assets.URL("icon.svg"),
		},
	}
	if signedIn(c) {
		name, _ := c.Get(ctxName).(string)
		caller := callerOf(c)
		p.User = &views.User{ID: caller.UserID.String(), DisplayName: name, Role: string(caller.Role),
			Staff: caller.Role.Staff(), Admin: caller.Role == store.RoleAdmin}
	}
	return p
}

// siteNav are the header's links: fixed addresses, made once.
var siteNav = sync.OnceValue(func() views.Nav {
	return views.Nav{
		Home: homeURL(), Language: pathTo(routeLanguage), Studio: studioURL(), Admin: adminUsersURL(""),
		MyProgress: myProgressURL(), Logout: pathTo(routeLogout), Signup: pathTo(routeSignup), Phone: pathTo(routePhone),
	}
})

// render writes content with status: inside the layout for a normal request,
// alone for an htmx request that swaps a fragment. It renders into a buffer
// first so a failing template never leaves half a page.
func (a *App) render(c echo.Context, status int, title string, content templ.Component) error {
	return a.respond(c, status, title, content, whole(content))
}

// renderPart answers with a page of which htmx swaps one part (a form
// after a failed save): the part alone for htmx, the page otherwise.
func (a *App) renderPart(c echo.Context, status int, title string, page, part templ.Component) error {
	return a.respond(c, status, title, part, whole(page))
}

// respond is the one place that chooses between a fragment and a whole
// page. An htmx request that swaps a fragment (HX-Request without
// HX-Boosted) gets part alone; any other request gets the page, made only
// then (it may read the database), inside the layout with scripts added.
func (a *App) respond(c echo.Context, status int, title string, part templ.Component,
	page func() (templ.Component, error), scripts ...string) error {
	if isHTMX(c) {
		return a.write(c, status, part)
	}
	content, err := page()
	if err != nil {
		return err
	}
	p := a.page(c, title)
	p.Scripts = scripts
	return a.write(c, status, views.Layout(p, content))
}

// whole is a page that is already made.
func whole(page templ.Component) func() (templ.Component, error) {
	return func() (templ.Component, error) { return page, nil }
}

// renderNeutral renders a page that is the same for every caller, always
// whole (for htmx requests too): the service worker caches it and shows it
// to whoever holds the phone, so the layout gets no user; app.js draws the
// personal part.
func (a *App) renderNeutral(c echo.Context, status int, title string, content templ.Component, scripts ...string) error {
	p := a.page(c, title)
	p.User, p.Neutral = nil, true
	p.Scripts = append(p.Scripts, scripts...)
	return a.write(c, status, views.Layout(p, content))
}

// renderPage renders content in the layout with a page model the caller
// made, for htmx requests too: the offline page is always a whole page.
func (a *App) renderPage(c echo.Context, status int, p views.Page, content templ.Component) error {
	return a.write(c, status, views.Layout(p, content))
}

func (a *App) write(c echo.Context, status int, comp templ.Component) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	loc := a.localizer(c)
	if err := comp.Render(i18n.WithLocalizer(c.Request().Context(), loc), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Add("Vary", "HX-Request")
	languageHeaders(h, loc.Lang())
	if h.Get("Cache-Control") == "" {
		// Pages are per session (sign-in state, the session cookie):
		// never in shared caches.
		h.Set("Cache-Control", "private, no-cache")
	}
	return c.HTMLBlob(status, buf.Bytes())
}
