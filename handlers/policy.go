package handlers

import (
	"fmt"
	"strings"
)

// access is who may call a route.
type access uint8

const (
	// forAnyone: no check (pages still know who is signed in).
	forAnyone access = iota
	// forUsers: anyone signed in; others are sent to sign in (requireUser).
	forUsers
	// forStaff: volunteers and admins; learners get a 403 (requireStaff).
	forStaff
	// forAdmins: admins only (requireAdmin).
	forAdmins
)

// sessionUse is whether a route loads the session.
type sessionUse uint8

const (
	// noSession: the route never reads or writes a cookie.
	noSession sessionUse = iota
	// withSession: the session and the caller are loaded before the
	// handler, and errors are rendered while the session is still open.
	withSession
	// sessionIfNeeded: the handler answers what it can without a session
	// and loads it only for the rest (served media of draft courses).
	sessionIfNeeded
)

// Request body limits, in bytes. Forms are small; the sync endpoint takes
// up to 1 MB of queued changes.
const (
	formBodyLimit = 64_000
	syncBodyLimit = maxSyncBytes
	// ownLimit: the handler bounds its own body (media uploads).
	ownLimit = -1
)

// policy is how a route is served, beside its handler.
type policy struct {
	access  access
	session sessionUse
	// api routes answer errors in JSON and allow the CORS origins.
	api bool
	// body is the request body limit in bytes (ownLimit: the handler's).
	body int64
	// gzip compresses the response (learners pay per byte); off for
	// precompressed static files, media and event streams.
	gzip bool
	// redact logs the route pattern instead of the path, which holds a
	// secret (a one-time link's token).
	redact bool
	// noStore marks a personal answer, refusals included, never to be
	// stored by the browser, the service worker or a proxy.
	noStore bool
}

// The policies routes start from.
var (
	// bare: no session; its answers are already compressed or tiny.
	bare = policy{body: formBodyLimit}
	// shell: the worker, the manifest and the offline page: no session.
	shell = policy{body: formBodyLimit, gzip: true}
	// page: an HTML page or form post, with the session.
	page = policy{session: withSession, body: formBodyLimit, gzip: true}
	// api: JSON under apiPrefix, with the session.
	api = policy{session: withSession, api: true, body: formBodyLimit, gzip: true}
)

func (p policy) by(a access) policy       { p.access = a; return p }
func (p policy) limit(n int64) policy     { p.body = n; return p }
func (p policy) noGzip() policy           { p.gzip = false; return p }
func (p policy) secretPath() policy       { p.redact = true; return p }
func (p policy) personal() policy         { p.noStore = true; return p }
func (p policy) sessionIfNeeded() policy  { p.session = sessionIfNeeded; return p }
func (a access) String() string           { return [...]string{"anyone", "signed in", "staff", "admins"}[a] }
func (s sessionUse) String() string       { return [...]string{"no", "yes", "when needed"}[s] }
func (p policy) describe() (notes string) { return strings.Join(p.notes(), ", ") }

// notes lists what is special about a policy, for the route list in
// docs/architecture.md.
func (p policy) notes() []string {
	var out []string
	if p.api {
		out = append(out, "JSON errors, CORS")
	}
	switch {
	case p.body == ownLimit:
		out = append(out, "body limit: the handler's own")
	case p.body%1_000_000 == 0:
		out = append(out, fmt.Sprintf("body ≤ %d MB", p.body/1_000_000))
	case p.body != formBodyLimit:
		out = append(out, fmt.Sprintf("body ≤ %d kB", p.body/1000))
	}
	if !p.gzip {
		out = append(out, "no gzip")
	}
	if p.redact {
		out = append(out, "path kept out of the log")
	}
	if p.noStore {
		out = append(out, "no-store")
	}
	return out
}
