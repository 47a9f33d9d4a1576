// Package markdown renders lesson bodies from Markdown to sanitised HTML,
// for the lesson form and for `fieldbook demo`.
package markdown

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
)

// converter turns lesson bodies into HTML. goldmark is CommonMark without its
// unsafe mode: raw HTML in the source is dropped and dangerous link schemes
// (javascript:, vbscript:, data: other than images) are not rendered as links.
// bluemonday then sanitises the result anyway, so a future goldmark option or
// bug cannot let script through.
var converter = goldmark.New()

// sanitizer is bluemonday's policy for user-generated content, tightened:
// no iframes, no inline styles, no classes (the page's CSS is ours), links
// only to http(s) and mailto, opened without a referrer and marked nofollow.
var sanitizer = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
})

// Render renders a lesson body to sanitised HTML. It runs once, when
// a lesson is saved (and in `fieldbook demo`); pages show the stored result.
func Render(src string) (string, error) {
	var buf bytes.Buffer
	if err := converter.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return sanitizer().Sanitize(buf.String()), nil
}
