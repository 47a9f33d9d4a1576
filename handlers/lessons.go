package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
	"fieldbook/views"
)

// lessonHandlers serve lesson pages and completions.
type lessonHandlers struct{ *App }

// showLesson shows a published lesson with its neighbours and the caller's
// completion.
func (h *lessonHandlers) showLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var l store.Lesson
	var p store.Progress
	err = h.store.Read(ctx, callerOf(c), func(b *store.Batch) {
		b.PublishedLesson(id, &l)
		if signedIn(c) {
			b.LessonCourseProgress(id, &p)
		}
	})
	if err != nil {
		return err
	}
	body := l.BodyHTML
	if body == "" && l.Body != "" {
		// Saved before lessons were Markdown: render it now.
		if body, err = RenderMarkdown(l.Body); err != nil {
			return err
		}
	}
	vm := views.Lesson{
		CourseTitle: l.CourseTitle, CourseURL: courseURL(l.CourseID),
		Number: l.Number, Title: l.Title, BodyHTML: body,
		DurationMinutes: l.DurationMinutes, ContentURL: l.ContentURL,
		Status: h.status(c, l, p),
	}
	if l.PrevID != nil {
		vm.PrevURL = lessonURL(*l.PrevID)
	}
	if l.NextID != nil {
		vm.NextURL = lessonURL(*l.NextID)
	}
	return h.render(c, http.StatusOK, l.Title, views.LessonPage(vm))
}

func (h *lessonHandlers) status(c echo.Context, l store.Lesson, p store.Progress) views.LessonStatus {
	var user string
	if signedIn(c) {
		user = callerOf(c).UserID.String()
	}
	return views.LessonStatus{
		LessonID:    l.ID.String(),
		UserID:      user,
		CompleteURL: lessonURL(l.ID) + "/complete",
		Completed:   l.Completed,
		Progress:    views.ProgressBar{Completed: p.Completed, Total: p.Total},
		SignedIn:    signedIn(c),
		LoginURL:    "/login?next=" + lessonURL(l.ID),
		CourseURL:   courseURL(l.CourseID),
	}
}

// completeLesson marks a lesson complete or not complete for the caller.
// htmx gets the status fragment back; a plain form post is redirected to
// the lesson page.
func (h *lessonHandlers) completeLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	var completed bool
	switch c.FormValue("completed") {
	case "true":
		completed = true
	case "false":
		completed = false
	case "":
		return badRequest("Say whether the lesson is complete: completed=true or completed=false.")
	default:
		return badRequest("completed must be true or false.")
	}
	ctx := c.Request().Context()
	var l store.Lesson
	var p store.Progress
	err = h.store.InTxRetry(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if _, err = tx.SetLessonCompleted(ctx, id, completed, time.Now()); err != nil {
			if errors.Is(err, store.ErrQuizLesson) {
				return echo.NewHTTPError(http.StatusConflict, quizLessonMessage)
			}
			return err
		}
		if l, err = tx.PublishedLesson(ctx, id); err != nil {
			return err
		}
		p, err = tx.CourseProgress(ctx, l.CourseID)
		return err
	})
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		return c.Redirect(http.StatusSeeOther, lessonURL(id))
	}
	return h.render(c, http.StatusOK, l.Title, views.LessonStatusBlock(h.status(c, l, p)))
}
