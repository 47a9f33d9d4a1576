package handlers

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
	"fieldbook/sw"
)

// The table's own rules: what the skippers and the worker rely on.
func TestRouteTableRules(t *testing.T) {
	byPath := map[string]route{}
	for _, r := range routeIndex.all {
		if r.method != http.MethodGet && r.method != http.MethodPost {
			t.Errorf("%s: method %s (only GET and POST are routed; HEAD follows GET)", r.name, r.method)
		}
		if r.api != strings.HasPrefix(r.path, apiPrefix) {
			t.Errorf("%s: %s is under %s exactly when it is an API route (api=%v)", r.name, r.path, apiPrefix, r.api)
		}
		if r.access != forAnyone && r.session != withSession {
			t.Errorf("%s: an access check needs the session", r.name)
		}
		if r.body == 0 {
			t.Errorf("%s: no body limit (ownLimit says the handler has one)", r.name)
		}
		if r.handler == nil {
			t.Errorf("%s: no handler", r.name)
		}
		for _, seg := range strings.Split(r.path, "/") {
			if name, ok := strings.CutPrefix(seg, ":"); ok && paramPatterns[name] == "" {
				t.Errorf("%s: parameter %s has no pattern", r.name, name)
			}
		}
		// The skippers look a policy up by path alone.
		if other, seen := byPath[r.path]; seen {
			a, b := r.policy, other.policy
			a.access, b.access = 0, 0
			if a != b {
				t.Errorf("%s and %s share %s but not their policy", r.name, other.name, r.path)
			}
		}
		byPath[r.path] = r
	}
}

// Every route's builder output is routed to that route.
func TestPathToRoundTrip(t *testing.T) {
	e, _, err := New(nil, Options{})
	if err == nil || e != nil || !strings.Contains(err.Error(), "Logger") || !strings.Contains(err.Error(), "Hub") {
		t.Fatalf("New with no options: %v", err)
	}
	id, other := uuid.New(), uuid.New()
	cases := map[string]string{
		homeURL():                        "/",
		courseURL(id):                    "/courses/" + id.String(),
		lessonCompleteURL(id):            "/lessons/" + id.String() + "/complete",
		dashboardLearnerURL(id, other):   "/courses/" + id.String() + "/dashboard/learners/" + other.String(),
		dashboardEventsURL(id, 42):       "/courses/" + id.String() + "/dashboard/events?since=42",
		adminUsersURL("role"):            "/admin/users?done=role",
		adminUsersURL(""):                "/admin/users",
		loginURL("/courses/x"):           "/login?next=%2Fcourses%2Fx",
		lessonLoginURL(id):               "/login?next=/lessons/" + id.String(),
		layoutLoginURL("/"):              "/login",
		layoutLoginURL("/signup"):        "/login",
		at(courseEditURL(id), "lessons"): "/courses/" + id.String() + "/edit#lessons",
		mediaURL(store.MediaRef{SHA256: "ab", Name: "a b.png"}): "/media/ab/a%20b.png",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("built %q, want %q", got, want)
		}
	}
	for _, bad := range []func(){
		func() { pathTo("nowhere") },
		func() { pathTo(routeCourse) },
		func() { pathTo(routeHome, "x") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("pathTo accepted a wrong name or param count")
				}
			}()
			bad()
		}()
	}
}

// The worker's patterns, generated from the table, match what the
// builders make and nothing of the staff pages beside them.
func TestWorkerPatterns(t *testing.T) {
	id := uuid.NewString()
	re := func(n routeName) *regexp.Regexp { return regexp.MustCompile(pathRegexp(routeIndex.byName[n].path)) }
	for _, tc := range []struct {
		name  routeName
		path  string
		match bool
	}{
		{routeHome, "/", true},
		{routeCourse, "/courses/" + id, true},
		{routeCourse, "/courses/new", false},
		{routeCourse, "/courses/" + id + "/edit", false},
		{routeLesson, "/lessons/" + id, true},
		{routeLesson, "/lessons/preview", false},
		{routeLessonComplete, "/lessons/" + id + "/complete", true},
		{routeMedia, "/media/" + strings.Repeat("a", 64) + "/x.png", true},
		{routeMedia, "/media/abc/x.png", false},
		{routeStatic, "/static/0123456789ab/app.css", true},
		{routeSync, "/api/progress", true},
	} {
		if got := re(tc.name).MatchString(tc.path); got != tc.match {
			t.Errorf("ROUTES.%s on %s: %v, want %v", tc.name, tc.path, got, tc.match)
		}
	}
	if m := re(routeLessonComplete).FindStringSubmatch(lessonCompleteURL(uuid.MustParse(id))); m == nil || m[1] != id {
		t.Errorf("the completion pattern does not capture the lesson id: %v", m)
	}
	// Whatever the scripts name must be something the server sends them.
	sent := workerRoutesOf()
	app, err := os.ReadFile("../static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string][]byte{"sw/sw.js": sw.Source, "sw/shared.js": sw.Shared, "static/app.js": app} {
		uses := regexp.MustCompile(`\bFB\.(routes|paths)\.(\w+)`).FindAllStringSubmatch(string(src), -1)
		for _, m := range uses {
			table := sent.Patterns
			if m[1] == "paths" {
				table = sent.Paths
			}
			if table[m[2]] == "" {
				t.Errorf("%s uses FB.%s.%s, which the server does not send", name, m[1], m[2])
			}
		}
		if name != "sw/shared.js" && len(uses) == 0 {
			t.Errorf("%s names no route: are its paths written out again?", name)
		}
	}
}
