package handlers

import (
	"bytes"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"fieldbook/views"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page is the layout view model for this request.
func (a *App) page(c echo.Context, title string) views.Page {
	p := views.Page{
		Title:    title,
		Nav:      siteNav(),
		LoginURL: layoutLoginURL(c.Request().URL.Path),
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

// siteNav are the header's links: fixed addresses, made once.
var siteNav = sync.OnceValue(func() views.Nav {
	return views.Nav{
		Home: homeURL(), Manifest: pathTo(routeManifest), Studio: studioURL(), Admin: adminUsersURL(""),
		MyProgress: myProgressURL(), Logout: pathTo(routeLogout), Signup: pathTo(routeSignup),
	}
})

// render writes content with status: inside the layout for a normal request,
// alone for an htmx request that swaps a fragment. It renders into a buffer
// first so a failing template never leaves half a page.
func (a *App) render(c echo.Context, status int, title string, content templ.Component) error {
	if isHTMX(c) {
		return a.write(c, status, content)
	}
	return a.write(c, status, views.Layout(a.page(c, title), content))
}

// renderPage renders content in the layout with a page model the caller made.
func (a *App) renderPage(c echo.Context, status int, p views.Page, content templ.Component) error {
	return a.write(c, status, views.Layout(p, content))
}

func (a *App) write(c echo.Context, status int, comp templ.Component) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Add("Vary", "HX-Request")
	if h.Get("Cache-Control") == "" {
		// Pages carry the user's own progress: never in shared caches.
		h.Set("Cache-Control", "private, no-cache")
	}
	return c.HTMLBlob(status, buf.Bytes())
}
