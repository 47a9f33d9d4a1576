// Package sw embeds Fieldbook's hand-written service worker. The server
// serves it at /sw.js with the build's cache version and precache list
// prepended, so a new build is a new worker.
package sw

import _ "embed"

// Source is sw.js as written.
//
//go:embed sw.js
var Source []byte
