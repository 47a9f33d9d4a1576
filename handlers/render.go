package handlers

import (
	"bytes"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/views"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page is the layout view model for this request.
func (a *App) page(c echo.Context, title string) views.Page {
	p := views.Page{
		Title: title,
		Path:  c.Request().URL.Path,
		Here:  here(c.Request()),
		Assets: views.Assets{
			CSS:       a.assets.URL("app.css"),
			StudioCSS: a.assets.URL("studio.css"),
			HTMX:      a.assets.URL(staticHTMX),
			AppJS:     a.assets.URL("app.js"),
			Icon:      a.assets.URL("icon.svg"),
		},
	}
	if signedIn(c) {
		name, _ := c.Get(ctxName).(string)
		p.User = &views.User{ID: callerOf(c).UserID.String(), DisplayName: name, Role: string(callerOf(c).Role)}
	}
	return p
}

// render writes content with status: inside the layout for a normal request,
// alone for an htmx request that swaps a fragment. It renders into a buffer
// first so a failing template never leaves half a page.
func (a *App) render(c echo.Context, status int, title string, content templ.Component) error {
	if isHTMX(c) {
		return a.write(c, status, content)
	}
	return a.write(c, status, views.Layout(a.page(c, title), content))
}

// renderNeutral renders a page that is the same for every caller: the
// service worker caches it and shows it to whoever holds the phone, so the
// layout gets no user; app.js draws the personal part.
func (a *App) renderNeutral(c echo.Context, status int, title string, content templ.Component) error {
	p := a.page(c, title)
	p.User, p.Neutral = nil, true
	return a.write(c, status, views.Layout(p, content))
}

// renderPage renders content in the layout with a page model the caller made.
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
