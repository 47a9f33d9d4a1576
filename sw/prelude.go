package sw

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Shared is the JavaScript both the worker and the page script start with
// (after the constants): IndexedDB access and message formatting, written
// once.
//
//go:embed shared.js
var Shared []byte

// Store names of the phone's IndexedDB database, and what each holds.
const (
	// StoreQueue holds changes waiting to be sent, each with its learner
	// and, when made by a learner with a key on this phone, its signature.
	StoreQueue = "queue"
	// StoreFailed holds changes the server refused as invalid.
	StoreFailed = "failed"
	// StoreMeta holds single values: the current learner, a pending sign-out.
	StoreMeta = "meta"
	// StoreProgress holds each learner's last known progress per course.
	StoreProgress = "progress"
	// StoreLearners is "Who is learning?": learners who use this phone
	// offline, with their PIN verifier and non-extractable signing key.
	StoreLearners = "learners"
	// StoreGraded holds each learner's last quiz attempt per lesson as the
	// server graded it (the queue holds attempts not yet graded).
	StoreGraded = "graded"
)

// Constants are what the worker and the page must agree on. They are
// written once, here, and served in front of both scripts as FB, with the
// server's routes (FB.routes, FB.paths: Routes).
var Constants = map[string]any{
	"db": map[string]any{
		"name":    "fieldbook",
		"version": 4,
		// keyPath per store; "" means out-of-line keys.
		"stores": map[string]string{
			StoreQueue: "id", StoreFailed: "id", StoreMeta: "",
			StoreProgress: "key", StoreLearners: "user_id", StoreGraded: "key",
		},
		// Stores of older versions that are dropped on upgrade.
		"dropped": []string{"known"},
	},
	"caches": map[string]string{
		"shellPrefix": "fieldbook-shell-",
		"pages":       "fieldbook-pages",
	},
	// The PIN verifier: PBKDF2-SHA-256 with this many iterations (measured
	// in docs/offline.md), five wrong PINs in a row take a learner off the
	// list.
	"pin": map[string]int{"iterations": 250000, "maxTries": 5, "minLen": 4, "maxLen": 8},
	// signedPrefix starts every signed change, attemptPrefix every signed
	// quiz attempt (the server checks the same).
	"signedPrefix":  "fieldbook-change-v1",
	"attemptPrefix": "fieldbook-attempt-v1",
}

// Routes are the paths of the router's table the scripts recognise or
// call, by route name: Patterns are regular expression sources (parameters
// captured in order), Paths the patterns to fill (":id" and the like). The
// server makes them from its route table; the scripts hold no path.
type Routes struct {
	Patterns map[string]string
	Paths    map[string]string
}

// Prelude is what the server puts in front of a script: the texts of one
// language (TEXT, the catalogue's JavaScript table, i18n.Catalog.JSTable,
// and LANG, the locale Intl formats its numbers and plurals with), the
// constants (FB, with routes as FB.routes and FB.paths) and the shared
// code. extra are further constants (name → value), e.g. the worker's
// VERSION.
func Prelude(locale string, texts json.RawMessage, routes Routes, extra map[string]any) ([]byte, error) {
	if !json.Valid(texts) {
		return nil, fmt.Errorf("sw: the texts for %q are not JSON", locale)
	}
	var out []byte
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		v, err := json.Marshal(extra[name])
		if err != nil {
			return nil, err
		}
		out = fmt.Appendf(out, "const %s = %s;\n", name, v)
	}
	for _, c := range []struct {
		name  string
		value any
	}{{"LANG", locale}, {"FB", withRoutes(routes)}, {"TEXT", texts}} {
		v, err := json.Marshal(c.value)
		if err != nil {
			return nil, err
		}
		out = fmt.Appendf(out, "const %s = %s;\n", c.name, v)
	}
	return append(out, Compact(Shared)...), nil
}

// withRoutes is Constants with the server's routes added.
func withRoutes(r Routes) map[string]any {
	fb := maps.Clone(Constants)
	fb["routes"], fb["paths"] = r.Patterns, r.Paths
	return fb
}
