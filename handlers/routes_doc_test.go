package handlers

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the route list in docs/architecture.md from the table")

const (
	routeDocFile  = "../docs/architecture.md"
	routeDocBegin = "<!-- routes: generated from handlers/routes.go; `go test ./handlers -run TestRouteDoc -update-docs` rewrites it -->\n"
	routeDocEnd   = "<!-- end of routes -->\n"
)

// routeDoc is the route list docs/architecture.md carries: every row of
// the table, in its order.
func routeDoc() string {
	var b strings.Builder
	b.WriteString("| Route | Method | Path | Who may call | Session | Notes |\n|---|---|---|---|---|---|\n")
	for _, r := range routeIndex.all {
		method := r.method
		if method == http.MethodGet {
			method = "GET, HEAD"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s | %s | %s |\n", r.name, method, r.path, r.access, r.session, r.describe())
	}
	return b.String()
}

// The route list in docs/architecture.md is the table's: a route added,
// removed or changed without the doc fails here (-update-docs rewrites it).
func TestRouteDoc(t *testing.T) {
	raw, err := os.ReadFile(routeDocFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin, end := strings.Index(doc, routeDocBegin), strings.Index(doc, routeDocEnd)
	if begin < 0 || end < begin {
		t.Fatalf("%s has no generated route list (markers %q … %q)", routeDocFile, routeDocBegin, routeDocEnd)
	}
	got, want := doc[begin+len(routeDocBegin):end], routeDoc()
	if got == want {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(routeDocFile, []byte(doc[:begin+len(routeDocBegin)]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the route list in %s differs from handlers/routes.go; run go test ./handlers -run TestRouteDoc -update-docs\nwant:\n%s", routeDocFile, want)
}
