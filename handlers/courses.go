package handlers

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
	"fieldbook/views"
)

// courseHandlers serve the course list, course pages and course progress,
// and a learner's progress across the courses they started.
type courseHandlers struct{ *App }

// parseID reads a UUID path parameter; a malformed one is a 400.
func parseID(c echo.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil || id == uuid.Nil {
		return uuid.Nil, badRequest("error.malformed_id")
	}
	return id, nil
}

// listCourses shows a page of the published courses with their lesson
// counts, coursesPerPage at a time (?page=, from 1), those in the reader's
// language first, with links to the pages before and after;
// ?lang=<tag> shows only the courses in that language. The page is neutral
// (the worker caches it for everyone): it is read as the anonymous role,
// so no caller's progress can reach it.
func (h *courseHandlers) listCourses(c echo.Context) error {
	filter, err := courseLangFilter(c)
	if err != nil {
		return err
	}
	page, err := listPage(c)
	if err != nil {
		return err
	}
	var list []store.CourseListing
	var langs []string
	err = h.store.Read(c.Request().Context(), store.Anonymous, func(b *store.Batch) {
		// One course more than a page says whether there is a next page.
		b.PublishedCoursePage(store.CoursePage{First: h.localizer(c).Lang(), Only: filter,
			Offset: (page - 1) * coursesPerPage, Limit: coursesPerPage + 1}, &list)
		b.PublishedCourseLanguages(&langs)
	})
	if err != nil {
		return err
	}
	if len(list) == 0 && page > 1 {
		return notFound("courses.error.no_page")
	}
	vm := views.Home{Courses: make([]views.CourseCard, 0, len(list)),
		SignupURL: pathTo(routeSignup), LoginURL: pathTo(routeLogin)}
	if page > 1 {
		vm.PrevURL = coursesPageURL(filter, page-1)
	}
	if len(list) > coursesPerPage {
		list = list[:coursesPerPage]
		vm.NextURL = coursesPageURL(filter, page+1)
	}
	for _, cs := range list {
		vm.Courses = append(vm.Courses, views.CourseCard{
			ID: cs.ID.String(), URL: courseURL(cs.ID), Title: cs.Title, Description: cs.Description, Lang: cs.Lang,
			Progress: views.ProgressBar{Total: cs.Lessons, Unknown: true},
		})
	}
	present := map[string]bool{}
	for _, l := range langs {
		present[l] = true
	}
	vm.Languages = courseLanguages(present, filter)
	return h.renderNeutral(c, http.StatusOK, h.localizer(c).T("courses.title"), views.HomePage(vm))
}

// courseLangFilter is the ?lang= of the course list: "" for none, else one
// of the languages (a 400 naming them for anything else).
func courseLangFilter(c echo.Context) (string, error) {
	langs, ok := c.QueryParams()["lang"]
	if !ok {
		return "", nil
	}
	if len(langs) != 1 || !i18n.Supported(langs[0]) {
		return "", badRequest("language.unknown", "list", languageList())
	}
	return langs[0], nil
}

// courseLanguages are the course list's language links: every language
// some course is in, in the picker's order, then "all". None when the
// courses are all in one language (nothing to choose).
func courseLanguages(present map[string]bool, filter string) []views.LanguageLink {
	if len(present) < 2 && filter == "" {
		return nil
	}
	var links []views.LanguageLink
	for _, l := range i18n.Languages() {
		if present[l.Tag] || l.Tag == filter {
			links = append(links, views.LanguageLink{Tag: l.Tag, Name: l.Name, URL: coursesInURL(l.Tag), Current: l.Tag == filter})
		}
	}
	return append(links, views.LanguageLink{URL: coursesInURL(""), Current: filter == ""})
}

// coursesPerPage is the length of a course list page: rendering and
// compressing 200 courses on every visit made the list the slowest page
// (docs/performance.md), and a phone shows a few at a time anyway.
const coursesPerPage = 24

// maxCoursePage bounds ?page= (far beyond any real list).
const maxCoursePage = 100_000

// listPage is the course list's ?page=: 1 when absent; anything but one
// whole number from 1 is a 400.
func listPage(c echo.Context) (int, error) {
	v, ok := c.QueryParams()["page"]
	if !ok {
		return 1, nil
	}
	n, err := 0, error(nil)
	if len(v) == 1 {
		n, err = strconv.Atoi(v[0])
	}
	if len(v) != 1 || err != nil || n < 1 || n > maxCoursePage {
		return 0, badRequest("courses.error.page")
	}
	return n, nil
}

// showCourse lists a published course's lessons. The page is neutral, read
// as the anonymous role: app.js draws the done marks.
func (h *courseHandlers) showCourse(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var course store.Course
	var lessons []store.LessonItem
	var media []store.MediaRef
	err = h.store.Read(ctx, store.Anonymous, func(b *store.Batch) {
		b.PublishedCourse(id, &course)
		b.PublishedLessons(id, &lessons)
		b.PublishedMediaRefs(id, &media)
	})
	if err != nil {
		return err
	}
	vm := views.Course{HomeURL: homeURL(), ID: id.String(), Title: course.Title, Description: course.Description, Lang: course.Lang,
		Progress: views.ProgressBar{Total: len(lessons), Unknown: true}, CertificateURL: certificateURL(id)}
	save := []string{courseURL(id)}
	for i, l := range lessons {
		save = append(save, lessonURL(l.ID))
		vm.Lessons = append(vm.Lessons, views.LessonLink{
			ID: l.ID.String(), URL: lessonURL(l.ID), Number: i + 1, Title: l.Title,
			DurationMinutes: l.DurationMinutes,
		})
	}
	// The files the lessons show or link to are saved with them.
	for _, m := range media {
		save = append(save, mediaURL(m))
	}
	vm.SaveURLs = strings.Join(save, " ")
	return h.renderNeutral(c, http.StatusOK, course.Title, views.CoursePage(vm))
}

// noPublishedCourse answers the API for a course it cannot show.
const noPublishedCourse = "error.no_course"

// progressJSON is the body of GET /api/courses/{id}/progress.
type progressJSON struct {
	CourseID   string  `json:"course_id"`
	Total      int     `json:"total"`
	Completed  int     `json:"completed"`
	Percentage float64 `json:"percentage"`
}

// courseProgressJSON gives the signed-in caller's progress in a course. There
// is no student parameter: the caller is always the session's user.
func (h *courseHandlers) courseProgressJSON(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var p store.Progress
	err = h.store.Read(ctx, callerOf(c), func(b *store.Batch) { b.CourseProgress(id, &p) })
	if err != nil {
		return explain(err, explanations{store.ErrNotFound: noPublishedCourse})
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, progressJSON{
		CourseID: id.String(), Total: p.Total, Completed: p.Completed,
		Percentage: math.Round(p.Percentage()*10) / 10,
	})
}

// myProgress shows the caller's progress in every course they started.
func (h *courseHandlers) myProgress(c echo.Context) error {
	ctx := c.Request().Context()
	var list []store.MyCourse
	err := h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		list, err = tx.MyCourses(ctx)
		return err
	})
	if err != nil {
		return err
	}
	now := time.Now()
	vm := views.MyProgress{HomeURL: homeURL()}
	for _, m := range list {
		item := views.MyCourseItem{Title: m.Title, URL: courseURL(m.ID),
			Progress: views.ProgressBar{Completed: m.Completed, Total: m.Total}}
		if m.LastActivity != nil {
			item.LastActivity = ago(h.localizer(c), *m.LastActivity, now)
		}
		vm.Courses = append(vm.Courses, item)
	}
	return h.render(c, http.StatusOK, h.localizer(c).T("nav.my_progress"), views.MyProgressPage(vm))
}
