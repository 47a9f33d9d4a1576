package handlers

import (
	"math"
	"net/http"
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

// listCourses shows every published course with its lesson count, those in
// the reader's language first; ?lang=<tag> shows only the courses in that
// language. The page is neutral (the worker caches it for everyone): it is
// read as the anonymous role, so no caller's progress can reach it.
func (h *courseHandlers) listCourses(c echo.Context) error {
	filter, err := courseLangFilter(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var list []store.CourseSummary
	err = h.store.Read(ctx, store.Anonymous, func(b *store.Batch) {
		b.ListCoursesWithProgress(h.localizer(c).Lang(), &list)
	})
	if err != nil {
		return err
	}
	vm := views.Home{Courses: make([]views.CourseCard, 0, len(list)),
		SignupURL: pathTo(routeSignup), LoginURL: pathTo(routeLogin)}
	present := map[string]bool{}
	for _, cs := range list {
		present[cs.Lang] = true
		if filter != "" && cs.Lang != filter {
			continue
		}
		vm.Courses = append(vm.Courses, views.CourseCard{
			ID: cs.ID.String(), URL: courseURL(cs.ID), Title: cs.Title, Description: cs.Description, Lang: cs.Lang,
			Progress: views.ProgressBar{Total: cs.Total, Unknown: true},
		})
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
