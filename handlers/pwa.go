package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"fieldbook/sw"
	"fieldbook/views"
)

// pwa serves what makes Fieldbook an installable, offline-capable app: the
// service worker, the web manifest and the offline page.
type pwa struct {
	*App
	script   []byte
	manifest []byte
	version  string
}

func newPWA(a *App) (*pwa, error) {
	precache := []string{"/offline", "/phone",
		a.assets.URL("app.css"), a.assets.URL("app.js"),
		a.assets.URL("icon.svg"), a.assets.URL("icon-192.png")}
	sum := sha256.New()
	sum.Write([]byte(a.assets.Version))
	sum.Write(sw.Source)
	version := hex.EncodeToString(sum.Sum(nil))[:12]
	// The worker's language is the source language until it follows the
	// learner's (issue 13); the page gets the same constants (app.js).
	script, err := sw.Prelude("en", map[string]any{"VERSION": version, "PRECACHE": precache})
	if err != nil {
		return nil, err
	}
	script = append(script, sw.Source...)

	type icon struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose,omitempty"`
	}
	manifest, err := json.Marshal(map[string]any{
		"name":             "Fieldbook",
		"short_name":       "Fieldbook",
		"description":      "Field training courses that work offline.",
		"id":               "/",
		"start_url":        "/",
		"scope":            "/",
		"display":          "standalone",
		"theme_color":      "#1d5c4d",
		"background_color": "#f7f8f6",
		"icons": []icon{
			{Src: a.assets.URL("icon-192.png"), Sizes: "192x192", Type: "image/png"},
			{Src: a.assets.URL("icon-512.png"), Sizes: "512x512", Type: "image/png"},
			{Src: a.assets.URL("icon-maskable-512.png"), Sizes: "512x512", Type: "image/png", Purpose: "maskable"},
		},
	})
	if err != nil {
		return nil, err
	}
	return &pwa{App: a, script: script, manifest: manifest, version: version}, nil
}

// serviceWorker serves /sw.js: never cached by HTTP, so a new build's worker
// is found on the next visit.
func (p *pwa) serviceWorker(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", "/")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", p.script)
}

func (p *pwa) webManifest(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "application/manifest+json", p.manifest)
}

// offlinePage is precached by the service worker; it carries no user data.
func (p *pwa) offlinePage(c echo.Context) error {
	return p.renderNeutral(c, http.StatusOK, "Offline", views.OfflinePage())
}

// phonePage is "Who is learning?", precached by the service worker like the
// offline page: neutral, its list drawn by app.js from the phone's storage.
func (p *pwa) phonePage(c echo.Context) error {
	return p.renderNeutral(c, http.StatusOK, "Who is learning?", views.PhonePage())
}
