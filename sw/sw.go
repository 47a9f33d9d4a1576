// Package sw embeds Fieldbook's hand-written service worker. The server
// serves it at /sw.js with the build's cache version and precache list
// prepended, so a new build is a new worker.
package sw

import (
	"bytes"
	_ "embed"
)

// Source is sw.js as written.
//
//go:embed sw.js
var Source []byte

// Compact is a script as the phone downloads it: without its whole-line
// comments and blank lines, which are for the people who read the source
// (about a third of its bytes, gzip too). A line that only starts a
// comment after code keeps it: the scripts have no template literals, so
// no line inside a string can look like a comment.
func Compact(src []byte) []byte {
	out := make([]byte, 0, len(src))
	for line := range bytes.Lines(src) {
		s := bytes.TrimSpace(line)
		if len(s) == 0 || bytes.HasPrefix(s, []byte("//")) {
			continue
		}
		out = append(out, line...)
	}
	return out
}
