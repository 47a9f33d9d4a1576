package markdown

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzRender: whatever a volunteer types, the stored lesson HTML has
// nothing executable: no script or iframe elements, no event-handler
// attributes, no javascript: or data: URLs in links or sources.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"# Title\n\nText with **bold** and [a link](https://example.org).",
		"<script>alert(1)</script>", "[x](javascript:alert(1))", "![x](javascript:alert(1))",
		"<img src=x onerror=alert(1)>", "<iframe src=//evil.example></iframe>", "[x](JaVaScRiPt:alert(1))",
		"<a href=\"data:text/html,<script>alert(1)</script>\">x</a>", "<svg onload=alert(1)>", "`<script>`",
		"<div style=\"background:url(javascript:alert(1))\">x</div>", "[x](&#106;avascript:alert(1))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, err := Render(src)
		if err != nil {
			return
		}
		doc, perr := html.Parse(strings.NewReader(out))
		if perr != nil {
			t.Fatalf("output does not parse: %v", perr)
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				switch n.Data {
				case "script", "iframe", "object", "embed", "style", "svg", "math", "form", "base", "meta", "link":
					t.Fatalf("%q survived in %q → %q", n.Data, src, out)
				}
				for _, a := range n.Attr {
					k := strings.ToLower(a.Key)
					v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
					if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" || k == "formaction" {
						t.Fatalf("attribute %q survived in %q → %q", k, src, out)
					}
					if (k == "href" || k == "src" || k == "action") &&
						(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")) {
						t.Fatalf("URL %q survived in %q → %q", a.Val, src, out)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	})
}
