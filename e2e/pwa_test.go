package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// shellCaches lists the service worker's shell caches in the page's origin.
func shellCaches(t *testing.T, b *browser) []string {
	t.Helper()
	return eval[[]string](t, b, `caches.keys().then(k => k.filter(n => n.startsWith("fieldbook-shell-")))`)
}

// Case 7: Chromium finds the app installable, and a new build's service
// worker replaces the old one and its cache cleanly.
func TestInstallableAndWorkerUpdates(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	b.do(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	waitControlled(t, b)

	res, err := chromedp.Call(b.ctx, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.InstallabilityErrors) > 0 {
		var ids []string
		for _, e := range res.InstallabilityErrors {
			ids = append(ids, e.ErrorID)
		}
		t.Fatalf("installability errors: %v", ids)
	}

	// The manifest says what an installed app needs.
	resp, err := http.Get(srv.URL + "/manifest.webmanifest")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var m struct {
		Name, ShortName, StartURL, Scope, Display string
		Icons                                     []struct{ Src, Sizes, Type, Purpose string }
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	sizes := map[string]bool{}
	maskable := false
	for _, ic := range m.Icons {
		sizes[ic.Sizes] = true
		maskable = maskable || ic.Purpose == "maskable"
		r, err := http.Get(srv.URL + ic.Src)
		if err != nil || r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("icon %s: %v %v", ic.Src, err, r)
		}
		r.Body.Close()
	}
	if m.Display != "standalone" || !sizes["192x192"] || !sizes["512x512"] || !maskable {
		t.Fatalf("manifest lacks display/icons: %s", body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("manifest Cache-Control %q", cc)
	}

	before := shellCaches(t, b)
	if len(before) != 1 {
		t.Fatalf("shell caches before the update: %v", before)
	}

	// Deploy a new build: same data, another asset hash.
	srv.Stop()
	srv.binary = binaryNext
	srv.Start()
	b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
	poll(t, 20*time.Second, "the new worker to replace the old cache", func() bool {
		after := shellCaches(t, b)
		return len(after) == 1 && after[0] != before[0]
	})
	// The new worker controls the page, and the offline page is in its cache.
	poll(t, 10*time.Second, "the new worker to control the page", func() bool {
		b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
		return eval[bool](t, b, `caches.open("`+shellCaches(t, b)[0]+`").then(c => c.match("/offline?lang=en")).then(r => !!r)`) &&
			eval[bool](t, b, `!!navigator.serviceWorker.controller`)
	})
	sw, err := http.Get(srv.URL + "/sw.js")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := io.ReadAll(sw.Body)
	sw.Body.Close()
	if !strings.Contains(string(src), strings.TrimPrefix(shellCaches(t, b)[0], "fieldbook-shell-")) {
		t.Fatal("the served worker's VERSION does not name the cache in use")
	}
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}
