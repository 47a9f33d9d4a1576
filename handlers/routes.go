package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// routeName names a route. URL builders (urls.go), the service worker's
// patterns (pwa.go) and the route list in docs/architecture.md refer to
// routes by name; only the table below knows their paths.
type routeName string

// The routes, by name. The worker receives them as keys of ROUTES and PATHS.
const (
	routeStatic              routeName = "static"
	routeHealthz             routeName = "healthz"
	routeReadyz              routeName = "readyz"
	routeWorker              routeName = "worker"
	routeManifest            routeName = "manifest"
	routeOffline             routeName = "offline"
	routePhone               routeName = "phone"
	routeMedia               routeName = "media"
	routeHome                routeName = "home"
	routeCourse              routeName = "course"
	routeLesson              routeName = "lesson"
	routeLessonComplete      routeName = "lessonComplete"
	routeCourseProgress      routeName = "courseProgress"
	routeSync                routeName = "sync"
	routeMyProgress          routeName = "myProgress"
	routeMe                  routeName = "me"
	routeMeProgress          routeName = "meProgress"
	routePhones              routeName = "phones"
	routePhoneRegister       routeName = "phoneRegister"
	routePhoneForget         routeName = "phoneForget"
	routeAccountPhoneForget  routeName = "accountPhoneForget"
	routeLogin               routeName = "login"
	routeLoginSubmit         routeName = "loginSubmit"
	routeSignup              routeName = "signup"
	routeSignupSubmit        routeName = "signupSubmit"
	routeLogout              routeName = "logout"
	routeLanguage            routeName = "language"
	routeAccount             routeName = "account"
	routeAccountPassword     routeName = "accountPassword"
	routeAccountEndSessions  routeName = "accountEndSessions"
	routeStudio              routeName = "studio"
	routeCourseNew           routeName = "courseNew"
	routeCourseCreate        routeName = "courseCreate"
	routeCourseEdit          routeName = "courseEdit"
	routeCourseUpdate        routeName = "courseUpdate"
	routeCourseConfirmDelete routeName = "courseConfirmDelete"
	routeCourseDelete        routeName = "courseDelete"
	routeCoursePublish       routeName = "coursePublish"
	routeCourseUnpublish     routeName = "courseUnpublish"
	routeCourseArchive       routeName = "courseArchive"
	routeCourseRestore       routeName = "courseRestore"
	routeCourseAddLesson     routeName = "courseAddLesson"
	routeCourseAddEditor     routeName = "courseAddEditor"
	routeLessonEdit          routeName = "lessonEdit"
	routeLessonUpdate        routeName = "lessonUpdate"
	routeLessonDelete        routeName = "lessonDelete"
	routeLessonMove          routeName = "lessonMove"
	routeLessonPreview       routeName = "lessonPreview"
	routeLessonMedia         routeName = "lessonMedia"
	routeDashboard           routeName = "dashboard"
	routeDashboardCSV        routeName = "dashboardCSV"
	routeDashboardEvents     routeName = "dashboardEvents"
	routeDashboardLearner    routeName = "dashboardLearner"
	routeAdminUsers          routeName = "adminUsers"
	routeAdminUserRole       routeName = "adminUserRole"
	routeAdminUserDisable    routeName = "adminUserDisable"
	routeAdminUserEnable     routeName = "adminUserEnable"
	routeAdminUserReset      routeName = "adminUserReset"
	routeAdminInvites        routeName = "adminInvites"
	routeAdminInviteCreate   routeName = "adminInviteCreate"
	routeInvite              routeName = "invite"
	routeInviteAccept        routeName = "inviteAccept"
	routeReset               routeName = "reset"
	routeResetAccept         routeName = "resetAccept"
	routeQuestionAdd         routeName = "questionAdd"
	routeQuizSettings        routeName = "quizSettings"
	routeQuestionPreview     routeName = "questionPreview"
	routeQuestionEdit        routeName = "questionEdit"
	routeQuestionUpdate      routeName = "questionUpdate"
	routeQuestionMove        routeName = "questionMove"
	routeQuestionDelete      routeName = "questionDelete"
	routeLessonQuizAPI       routeName = "lessonQuizAPI"
	routeCertificate         routeName = "certificate"
	routeVerify              routeName = "verify"
)

// route is one row of the table: what answers which method and path, and
// under which policy.
type route struct {
	name    routeName
	method  string
	path    string
	handler echo.HandlerFunc
	policy
}

// routeTable is every route Fieldbook answers. New registers each row (GET
// rows for HEAD too) with the middleware its policy asks for; the skippers
// of the global middleware look the policy up by the matched path.
//
// The table is also read with an empty handlerSet, for the paths and
// policies alone (routeIndex): a row may name a handler method but must not
// call into a handler struct.
func routeTable(h *handlerSet) []route {
	return slices.Concat(shellRoutes(h), learnerRoutes(h), phoneRoutes(h), accountRoutes(h), authoringRoutes(h),
		quizRoutes(h), adminRoutes(h))
}

const get, post = http.MethodGet, http.MethodPost

// shellRoutes need no session: no cookie work and no database round trip.
func shellRoutes(h *handlerSet) []route {
	return []route{
		{routeStatic, get, "/static/:hash/:name", h.app.serveStatic, bare},
		{routeHealthz, get, "/healthz", liveness, bare},
		{routeReadyz, get, "/readyz", h.health.readiness, bare},
		{routeWorker, get, "/sw.js", h.pwa.serviceWorker, shell},
		{routeManifest, get, "/manifest.webmanifest", h.pwa.webManifest, shell},
		{routeOffline, get, "/offline", h.pwa.offlinePage, shell},
		// "Who is learning?": neutral, precached like the offline page.
		{routePhone, get, "/phone", h.pwa.phonePage, shell},
		// Public files need no session; a draft's files load it when asked.
		{routeMedia, get, "/media/:sha256/:name", h.media.serve, bare.sessionIfNeeded()},
	}
}

// learnerRoutes are the courses, lessons and progress.
func learnerRoutes(h *handlerSet) []route {
	return []route{
		{routeHome, get, "/", h.courses.listCourses, page},
		{routeCourse, get, "/courses/:id", h.courses.showCourse, page},
		{routeLesson, get, "/lessons/:id", h.lessons.showLesson, page},
		{routeLessonComplete, post, "/lessons/:id/complete", h.lessons.completeLesson, page.by(forUsers)},
		{routeCourseProgress, get, "/api/courses/:id/progress", h.courses.courseProgressJSON, api.by(forUsers)},
		// Signed changes need no session (judged by their keys); the handler
		// asks for one when the batch holds an unsigned change.
		{routeSync, post, "/api/progress", h.sync.syncProgress, api.limit(syncBodyLimit)},
		{routeMyProgress, get, "/me/progress", h.courses.myProgress, page.by(forUsers)},
	}
}

// phoneRoutes are the shared phone's: who is using it and their progress
// (the personal part no cached page carries), and the per-phone keys that
// sign changes made offline.
func phoneRoutes(h *handlerSet) []route {
	return []route{
		{routeMe, get, "/api/me", h.me.showMe, api.by(forUsers).personal()},
		{routeMeProgress, get, "/api/me/progress", h.me.myProgress, api.by(forUsers).personal()},
		{routePhones, get, "/api/phones", h.phones.list, api.by(forUsers).personal()},
		{routePhoneRegister, post, "/api/phones", h.phones.register, api.by(forUsers).personal()},
		{routePhoneForget, post, "/api/phones/:id/forget", h.phones.forgetOwn, api.by(forUsers).personal()},
		{routeAccountPhoneForget, post, "/account/phones/:id/forget", h.phones.forgetFromAccount, page.by(forUsers)},
	}
}

// accountRoutes sign in and out, and manage one's own account.
func accountRoutes(h *handlerSet) []route {
	return []route{
		{routeLogin, get, "/login", h.auth.showLogin, page},
		{routeLoginSubmit, post, "/login", h.auth.login, page},
		{routeSignup, get, "/signup", h.auth.showSignup, page},
		{routeSignupSubmit, post, "/signup", h.auth.signup, page},
		{routeLogout, post, "/logout", h.auth.logout, page},
		{routeLanguage, post, "/language", h.language.setLanguage, page},
		{routeAccount, get, "/account", h.account.showAccount, page.by(forUsers)},
		{routeAccountPassword, post, "/account/password", h.account.changePassword, page.by(forUsers)},
		{routeAccountEndSessions, post, "/account/sessions/end-others", h.account.endOtherSessions, page.by(forUsers)},
	}
}

// authoringRoutes are for volunteers and admins (which courses each may
// change, row-level security decides), and the courses' dashboards.
func authoringRoutes(h *handlerSet) []route {
	return []route{
		{routeStudio, get, "/studio", h.courseEdit.studio, page.by(forStaff)},
		{routeCourseNew, get, "/courses/new", h.courseEdit.newCourse, page.by(forStaff)},
		{routeCourseCreate, post, "/courses", h.courseEdit.createCourse, page.by(forStaff)},
		{routeCourseEdit, get, "/courses/:id/edit", h.courseEdit.editCourse, page.by(forStaff)},
		{routeCourseUpdate, post, "/courses/:id", h.courseEdit.updateCourse, page.by(forStaff)},
		{routeCourseConfirmDelete, get, "/courses/:id/delete", h.courseEdit.confirmDeleteCourse, page.by(forStaff)},
		{routeCourseDelete, post, "/courses/:id/delete", h.courseEdit.deleteCourse, page.by(forStaff)},
		{routeCoursePublish, post, "/courses/:id/publish", h.courseEdit.setPublished(true), page.by(forStaff)},
		{routeCourseUnpublish, post, "/courses/:id/unpublish", h.courseEdit.setPublished(false), page.by(forStaff)},
		{routeCourseArchive, post, "/courses/:id/archive", h.courseEdit.setArchived(true), page.by(forStaff)},
		{routeCourseRestore, post, "/courses/:id/restore", h.courseEdit.setArchived(false), page.by(forStaff)},
		{routeCourseAddLesson, post, "/courses/:id/lessons", h.courseEdit.addLesson, page.by(forStaff)},
		{routeCourseAddEditor, post, "/courses/:id/editors", h.courseEdit.addEditor, page.by(forStaff)},
		{routeLessonEdit, get, "/lessons/:id/edit", h.lessonEdit.editLesson, page.by(forStaff)},
		{routeLessonUpdate, post, "/lessons/:id", h.lessonEdit.updateLesson, page.by(forStaff)},
		{routeLessonDelete, post, "/lessons/:id/delete", h.lessonEdit.deleteLesson, page.by(forStaff)},
		{routeLessonMove, post, "/lessons/:id/move", h.lessonEdit.moveLesson, page.by(forStaff)},
		{routeLessonPreview, post, "/lessons/preview", h.lessonEdit.previewLesson, page.by(forStaff)},
		// The upload bounds its own, larger body (mediaHandlers.upload).
		{routeLessonMedia, post, "/lessons/:id/media", h.media.upload, page.by(forStaff).limit(ownLimit)},

		// Dashboards: the handlers admit a course's editors and admins only.
		{routeDashboard, get, "/courses/:id/dashboard", h.dash.showDashboard, page.by(forUsers)},
		{routeDashboardCSV, get, "/courses/:id/dashboard.csv", h.dash.exportCSV, page.by(forUsers)},
		// Event streams are flushed event by event, never buffered.
		{routeDashboardEvents, get, "/courses/:id/dashboard/events", h.dash.streamEvents, page.by(forUsers).noGzip()},
		{routeDashboardLearner, get, "/courses/:id/dashboard/learners/:learnerID", h.dash.showLearner, page.by(forUsers)},
	}
}

// quizRoutes are a lesson's quiz: its authoring (volunteers and admins,
// then row-level security), the quiz as JSON for whoever may read the
// lesson, a learner's certificate and its public verification.
func quizRoutes(h *handlerSet) []route {
	return []route{
		{routeQuestionAdd, post, "/lessons/:id/questions", h.quizEdit.addQuestion, page.by(forStaff)},
		{routeQuizSettings, post, "/lessons/:id/quiz", h.quizEdit.setQuiz, page.by(forStaff)},
		{routeQuestionPreview, post, "/questions/preview", h.quizEdit.previewQuestion, page.by(forStaff)},
		{routeQuestionEdit, get, "/questions/:id/edit", h.quizEdit.editQuestion, page.by(forStaff)},
		{routeQuestionUpdate, post, "/questions/:id", h.quizEdit.updateQuestion, page.by(forStaff)},
		{routeQuestionMove, post, "/questions/:id/move", h.quizEdit.moveQuestion, page.by(forStaff)},
		{routeQuestionDelete, post, "/questions/:id/delete", h.quizEdit.deleteQuestion, page.by(forStaff)},
		{routeLessonQuizAPI, get, "/api/lessons/:id/quiz", h.quizAPI.lessonQuiz, api},
		{routeCertificate, get, "/courses/:id/certificate", h.certs.showCertificate, page.by(forUsers)},
		{routeVerify, get, "/verify/:code", h.certs.verifyCertificate, page},
	}
}

// adminRoutes are the admin's pages, and the one-time links admins hand
// out (the token in the path is a secret: the log shows the route instead).
func adminRoutes(h *handlerSet) []route {
	return []route{
		{routeAdminUsers, get, "/admin/users", h.adminUsers.listUsers, page.by(forAdmins)},
		{routeAdminUserRole, post, "/admin/users/:id/role", h.adminUsers.setRole, page.by(forAdmins)},
		{routeAdminUserDisable, post, "/admin/users/:id/disable", h.adminUsers.setDisabled(true), page.by(forAdmins)},
		{routeAdminUserEnable, post, "/admin/users/:id/enable", h.adminUsers.setDisabled(false), page.by(forAdmins)},
		{routeAdminUserReset, post, "/admin/users/:id/reset", h.adminUsers.createReset, page.by(forAdmins)},
		{routeAdminInvites, get, "/admin/invites", h.invites.listInvites, page.by(forAdmins)},
		{routeAdminInviteCreate, post, "/admin/invites", h.invites.createInvite, page.by(forAdmins)},
		{routeInvite, get, "/invite/:token", h.invites.showInvite, page.secretPath()},
		{routeInviteAccept, post, "/invite/:token", h.invites.acceptInvite, page.secretPath()},
		{routeReset, get, "/reset/:token", h.invites.showReset, page.secretPath()},
		{routeResetAccept, post, "/reset/:token", h.invites.acceptReset, page.secretPath()},
	}
}

// apiPrefix starts every API path (a test holds the table to it). Requests
// that match no route take the API policy under it, so an unknown API
// address still answers in JSON.
const apiPrefix = "/api/"

// paramPatterns are the regular expressions of path parameters, by name,
// for the worker's patterns: ids are UUIDs, media is named by its SHA-256.
var paramPatterns = map[string]string{
	"id":        "[0-9a-f-]{36}",
	"learnerID": "[0-9a-f-]{36}",
	"sha256":    "[0-9a-f]{64}",
	"hash":      "[0-9a-f]+",
	"name":      "[^/]+",
	"token":     "[^/]+",
	"code":      "[^/]+",
}

// workerRoutes are the routes the service worker and app.js recognise or
// call.
var workerRoutes = []routeName{routeHome, routeCourse, routeLesson, routeLessonComplete,
	routeMedia, routeStatic, routeSync, routeOffline, routePhone, routeLogout, routeWorker,
	routeMe, routeMeProgress, routePhones, routePhoneForget, routeLanguage}

// routeIndex holds the table's paths and policies, by name and by path.
// (Set in init: the handlers the table names use the URL builders, which
// read the index.)
var routeIndex routes

func init() { routeIndex = indexRoutes(routeTable(&handlerSet{})) }

type routes struct {
	byName map[routeName]*route
	// byPath is the policy of each path (every method of a path shares
	// it: a test checks), found by the matched route's c.Path().
	byPath map[string]*policy
	all    []route
}

func indexRoutes(table []route) routes {
	idx := routes{byName: map[routeName]*route{}, byPath: map[string]*policy{}, all: table}
	for i := range table {
		r := &table[i]
		if _, dup := idx.byName[r.name]; dup {
			panic("handlers: route name used twice: " + string(r.name))
		}
		idx.byName[r.name] = r
		if _, seen := idx.byPath[r.path]; !seen {
			idx.byPath[r.path] = &r.policy
		}
	}
	return idx
}

// unmatched is the policy of a request no route matched (a 404 or a 405
// answered by the router): an API one under apiPrefix, a page's otherwise,
// minus the session (the error page is rendered without one).
var unmatched = struct{ page, api policy }{
	page: policy{body: formBodyLimit, gzip: true},
	api:  policy{api: true, body: formBodyLimit, gzip: true},
}

// policyOf is the policy of the request's matched route.
func policyOf(c echo.Context) *policy {
	if p, ok := routeIndex.byPath[c.Path()]; ok {
		return p
	}
	if strings.HasPrefix(c.Request().URL.Path, apiPrefix) {
		return &unmatched.api
	}
	return &unmatched.page
}
