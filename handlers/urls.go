package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"fieldbook/store"
)

// URL builders: every address a handler puts into a view model, a redirect
// or a header comes from one of these, filled from the route table; no
// handler or template concatenates a path. (A pattern after pagoda's
// routenames and Echo's Reverse, but typed.)

// pathTo is a route's path with its :params filled in order. An unknown
// name or a wrong number of params panics: a programming error that any
// test rendering the page catches.
func pathTo(name routeName, params ...string) string {
	r, ok := routeIndex.byName[name]
	if !ok {
		panic("handlers: no route " + string(name))
	}
	if len(params) == 0 && !strings.Contains(r.path, ":") {
		return r.path
	}
	segs := strings.Split(r.path, "/")
	n := 0
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			if n == len(params) {
				panic("handlers: too few params for route " + string(name))
			}
			segs[i] = url.PathEscape(params[n])
			n++
		}
	}
	if n != len(params) {
		panic("handlers: too many params for route " + string(name))
	}
	return strings.Join(segs, "/")
}

// withQuery adds a query string (if any) to a path.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// at adds a fragment: the part of the page to show.
func at(path, fragment string) string { return path + "#" + fragment }

func homeURL() string { return pathTo(routeHome) }

// coursesInURL is the course list showing only courses in a language; ""
// is every course.
func coursesInURL(lang string) string       { return coursesPageURL(lang, 1) }
func courseURL(id uuid.UUID) string         { return pathTo(routeCourse, id.String()) }
func lessonURL(id uuid.UUID) string         { return pathTo(routeLesson, id.String()) }
func lessonCompleteURL(id uuid.UUID) string { return pathTo(routeLessonComplete, id.String()) }
func myProgressURL() string                 { return pathTo(routeMyProgress) }
func mediaURL(ref store.MediaRef) string    { return pathTo(routeMedia, ref.SHA256, ref.Name) }
func staticURL(hash, name string) string    { return pathTo(routeStatic, hash, name) }

// coursesPageURL is a page of the course list (the first has no number),
// of the courses in one language or ("") of all.
func coursesPageURL(lang string, page int) string {
	q := url.Values{}
	if lang != "" {
		q.Set("lang", lang)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return withQuery(homeURL(), q)
}

// loginURL is the sign-in page that returns to next afterwards.
func loginURL(next string) string {
	return pathTo(routeLogin) + "?next=" + url.QueryEscape(next)
}

// lessonLoginURL is the sign-in link of a lesson page: its return address
// is left unescaped, as the pages learners have cached carry it.
func lessonLoginURL(id uuid.UUID) string {
	return pathTo(routeLogin) + "?next=" + lessonURL(id)
}

// layoutLoginURL is the header's sign-in link: back to this page, unless
// it is one where returning makes no sense.
func layoutLoginURL(path string) string {
	switch path {
	case "", homeURL(), pathTo(routeLogin), pathTo(routeSignup):
		return pathTo(routeLogin)
	}
	return loginURL(path)
}

func studioURL() string                      { return pathTo(routeStudio) }
func courseEditURL(id uuid.UUID) string      { return pathTo(routeCourseEdit, id.String()) }
func courseUpdateURL(id uuid.UUID) string    { return pathTo(routeCourseUpdate, id.String()) }
func courseAddLessonURL(id uuid.UUID) string { return pathTo(routeCourseAddLesson, id.String()) }
func lessonEditURL(id uuid.UUID) string      { return pathTo(routeLessonEdit, id.String()) }
func lessonUpdateURL(id uuid.UUID) string    { return pathTo(routeLessonUpdate, id.String()) }
func dashboardURL(id uuid.UUID) string       { return pathTo(routeDashboard, id.String()) }
func dashboardCSVURL(id uuid.UUID) string    { return pathTo(routeDashboardCSV, id.String()) }
func certificateURL(id uuid.UUID) string     { return pathTo(routeCertificate, id.String()) }
func adminUsersURL(done string) string       { return withQuery(pathTo(routeAdminUsers), doneQuery(done)) }
func accountURL(done string) string          { return withQuery(pathTo(routeAccount), doneQuery(done)) }
func inviteURL(token string) string          { return pathTo(routeInvite, token) }
func resetURL(token string) string           { return pathTo(routeReset, token) }

// dashboardEventsURL is a dashboard's event stream, told when the page was
// read (Unix milliseconds).
func dashboardEventsURL(id uuid.UUID, sinceMillis int64) string {
	return pathTo(routeDashboardEvents, id.String()) + "?since=" + strconv.FormatInt(sinceMillis, 10)
}

func dashboardLearnerURL(course, learner uuid.UUID) string {
	return pathTo(routeDashboardLearner, course.String(), learner.String())
}

// doneQuery is the ?done= confirmation a page shows after a redirect.
func doneQuery(done string) url.Values {
	if done == "" {
		return nil
	}
	return url.Values{"done": {done}}
}

// manifestURL is the web manifest in one language (each has its own copy,
// so the page and the service worker can name it).
func manifestURL(lang string) string {
	return withQuery(pathTo(routeManifest), url.Values{"lang": {lang}})
}

// ReadyPath is the readiness probe's path, for `fieldbook health`.
func ReadyPath() string { return pathTo(routeReadyz) }

// Paths for programs that call the server from outside this package, the
// benchmark client (cmd/fieldbook-bench) above all: they take every path
// from the route table too, so a route that moves moves for them as well.

// HomePath is the course list, the home page.
func HomePath() string { return homeURL() }

// CoursePath is a course's page.
func CoursePath(id uuid.UUID) string { return courseURL(id) }

// LessonPath is a lesson's page.
func LessonPath(id uuid.UUID) string { return lessonURL(id) }

// DashboardPath is a course's progress dashboard.
func DashboardPath(id uuid.UUID) string { return dashboardURL(id) }

// LoginPath is where the sign-in form posts.
func LoginPath() string { return pathTo(routeLoginSubmit) }

// LogoutPath is where signing out posts.
func LogoutPath() string { return pathTo(routeLogout) }

// SyncPath is the API the service worker posts offline progress to.
func SyncPath() string { return pathTo(routeSync) }

// CourseProgressAPIPath is a course's progress as JSON for the caller.
func CourseProgressAPIPath(id uuid.UUID) string { return pathTo(routeCourseProgress, id.String()) }

// MyProgressAPIPath is the caller's progress in every course (one with
// ?course=).
func MyProgressAPIPath() string { return pathTo(routeMeProgress) }
