package handlers

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// meHandlers tell the page and the service worker who is using the phone
// and what that learner has done: the personal part of a page, which never
// travels inside a cached (user-neutral) page.
type meHandlers struct{ *App }

// meJSON is GET /api/me.
type meJSON struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Lang   string `json:"lang"`
	Role   string `json:"role"`
}

// courseDoneJSON is one course of GET /api/me/progress.
type courseDoneJSON struct {
	CourseID  string   `json:"course_id"`
	Total     int      `json:"total"`
	Completed int      `json:"completed"`
	Done      []string `json:"done"`
	// Certificate: the learner has the course's certificate (its page is
	// /courses/{id}/certificate).
	Certificate bool `json:"certificate"`
}

// myProgressJSON is GET /api/me/progress.
type myProgressJSON struct {
	UserID  string           `json:"user_id"`
	Courses []courseDoneJSON `json:"courses"`
}

// noStore marks a personal answer (and its 401) as never to be stored by
// the browser, the service worker or a proxy. It runs before requireUser,
// so the refusal carries it too.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// showMe is GET /api/me: who the session belongs to, and the interface
// language pages are drawn in for them (their stored choice, else this
// phone's). It reads the session only (no database round trip): the page
// asks on every load.
func (h *meHandlers) showMe(c echo.Context) error {
	caller := callerOf(c)
	name, _ := c.Get(ctxName).(string)
	return c.JSON(http.StatusOK, meJSON{
		UserID: caller.UserID.String(), Name: name, Lang: h.localizer(c).Lang(), Role: string(caller.Role),
	})
}

// myProgress is GET /api/me/progress[?course=<id>]: the caller's done
// lessons and counts in every published course (one grouped query), or in
// one course when asked (a page view, so an index lookup).
func (h *meHandlers) myProgress(c echo.Context) error {
	ctx := c.Request().Context()
	caller := callerOf(c)
	var list []store.CourseDone
	var err error
	if q, ok := c.QueryParams()["course"]; ok {
		id, perr := uuid.Parse(q[0])
		if perr != nil || id == uuid.Nil || len(q) > 1 {
			return badRequest("me.error.course_param")
		}
		list = make([]store.CourseDone, 1)
		err = h.store.Read(ctx, caller, func(b *store.Batch) { b.MyCourseProgress(id, &list[0]) })
		err = explain(err, explanations{store.ErrNotFound: noPublishedCourse})
	} else {
		err = h.store.Read(ctx, caller, func(b *store.Batch) { b.MyProgress(&list) })
	}
	if err != nil {
		return err
	}
	out := myProgressJSON{UserID: caller.UserID.String(), Courses: make([]courseDoneJSON, len(list))}
	for i, p := range list {
		done := make([]string, len(p.Done))
		for j, l := range p.Done {
			done[j] = l.String()
		}
		out.Courses[i] = courseDoneJSON{CourseID: p.CourseID.String(), Total: p.Total, Completed: p.Completed, Done: done,
			Certificate: p.Certified}
	}
	return c.JSON(http.StatusOK, out)
}
