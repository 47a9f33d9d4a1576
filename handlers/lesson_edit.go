package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
	"fieldbook/views"
)

// lessonEditHandlers serve the lesson form, its preview, deleting and
// reordering lessons. Like courseEditHandlers, behind requireStaff and RLS.
type lessonEditHandlers struct{ *App }

// Lesson form limits.
const (
	maxBodyLen     = 30000
	maxURLLen      = 2000
	maxDurationMin = 1440
)

// lessonFormFields reads and checks the lesson form. The change it returns
// carries the body rendered to sanitised HTML (only when the form is valid).
func lessonFormFields(c echo.Context) (views.LessonFields, store.LessonChange, map[string]string) {
	f := views.LessonFields{
		Title:           strings.TrimSpace(c.FormValue("title")),
		Body:            strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n"),
		ContentURL:      strings.TrimSpace(c.FormValue("content_url")),
		DurationMinutes: strings.TrimSpace(c.FormValue("duration_minutes")),
		Published:       c.FormValue("published") == "true",
	}
	errs := map[string]string{}
	if msg := validateTitle(f.Title); msg != "" {
		errs["title"] = msg
	}
	if !utf8.ValidString(f.Body) {
		errs["body"] = "The lesson text is not valid text."
	} else if n := utf8.RuneCountInString(f.Body); n > maxBodyLen {
		errs["body"] = "Use at most 30000 characters (this has " + strconv.Itoa(n) + "). Split the lesson in two."
	}
	if msg := validateContentURL(f.ContentURL); msg != "" {
		errs["content_url"] = msg
	}
	minutes := 0
	if f.DurationMinutes != "" {
		n, err := strconv.Atoi(f.DurationMinutes)
		switch {
		case err != nil:
			errs["duration_minutes"] = "Enter a whole number of minutes, from 0 to 1440."
		case n < 0 || n > maxDurationMin:
			errs["duration_minutes"] = "Use 0 to 1440 minutes (one day)."
		default:
			minutes = n
		}
	}
	ch := store.LessonChange{
		Title: f.Title, Body: f.Body, ContentURL: f.ContentURL,
		DurationMinutes: minutes, Published: f.Published,
	}
	if len(errs) == 0 {
		html, err := RenderMarkdown(f.Body)
		if err != nil {
			errs["body"] = "This text could not be read as Markdown."
		}
		ch.BodyHTML = html
	}
	return f, ch, errs
}

// validateContentURL accepts "" or an absolute http(s) link.
func validateContentURL(s string) string {
	if s == "" {
		return ""
	}
	const msg = "Use a web link that starts with http:// or https://."
	if len(s) > maxURLLen {
		return "Use a link of at most 2000 characters."
	}
	u, err := url.Parse(s)
	if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" ||
		strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return msg
	}
	return ""
}

func lessonFields(l store.EditLesson) views.LessonFields {
	return views.LessonFields{
		Title: l.Title, Body: l.Body, ContentURL: l.ContentURL,
		DurationMinutes: strconv.Itoa(l.DurationMinutes), Published: l.Published,
	}
}

// lessonPage is a lesson's edit page with the form filled from the store.
func lessonPage(l store.EditLesson) views.LessonEdit {
	return views.LessonEdit{
		Title: l.Title, CourseTitle: l.CourseTitle, CourseEditURL: courseEditURL(l.CourseID),
		DeleteURL: lessonURL(l.ID) + "/delete", Published: l.Published,
		Audit: views.Audit{
			CreatedBy: nameOr(l.CreatedBy), CreatedAt: timeText(l.CreatedAt),
			UpdatedBy: nameOr(l.UpdatedBy), UpdatedAt: timeText(l.UpdatedAt),
		},
		Form: views.LessonForm{
			Action: lessonURL(l.ID), LessonID: l.ID.String(), Version: l.Version, Fields: lessonFields(l),
			MediaAction: lessonURL(l.ID) + "/media",
		},
	}
}

// editLesson shows a lesson's form to an editor of its course.
func (h *lessonEditHandlers) editLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var l store.EditLesson
	var eq store.EditQuiz
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if l, err = tx.LessonForEdit(ctx, id); err != nil {
			return err
		}
		eq, err = tx.QuizForEdit(ctx, id)
		return err
	})
	if err == nil && l.CourseArchived {
		err = store.ErrArchived
	}
	if err != nil {
		return authoringError(c, err)
	}
	page := lessonPage(l)
	page.Quiz = quizSection(id, eq)
	return h.render(c, http.StatusOK, "Edit "+l.Title, views.LessonEditPage(page))
}

// updateLesson saves the lesson form, rendering its Markdown once, here. A
// save over a newer version is a 409 with both versions; nothing is lost.
func (h *lessonEditHandlers) updateLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	fields, change, errs := lessonFormFields(c)
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	change.Version = version
	ctx := c.Request().Context()
	status := 0
	var page views.LessonEdit
	var courseID uuid.UUID
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		l, err := tx.LessonForEdit(ctx, id)
		if err != nil {
			return err
		}
		if l.CourseArchived {
			return store.ErrArchived
		}
		courseID = l.CourseID
		if len(errs) == 0 {
			_, err = tx.UpdateLesson(ctx, id, change)
			if err == nil {
				return nil
			}
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
			if l, err = tx.LessonForEdit(ctx, id); err != nil {
				return err
			}
		}
		page = lessonPage(l)
		page.Form.Fields = fields
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
			page.Form.Errors = errs
			page.Form.Version = version
			return nil
		}
		status = http.StatusConflict
		page.Form.Conflict = &views.LessonConflict{
			Fields: lessonFields(l), UpdatedBy: nameOr(l.UpdatedBy), UpdatedAt: timeText(l.UpdatedAt),
		}
		return nil
	})
	if err != nil {
		return authoringError(c, err)
	}
	if status != 0 {
		if isHTMX(c) {
			return h.render(c, status, "Edit "+page.Title, views.LessonEditor(page.Form))
		}
		return h.render(c, status, "Edit "+page.Title, views.LessonEditPage(page))
	}
	return saved(c, courseEditURL(courseID)+"#lessons")
}

// deleteLesson deletes a lesson and closes the gap in the order.
func (h *lessonEditHandlers) deleteLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	var courseID uuid.UUID
	err = h.store.InTx(c.Request().Context(), callerOf(c), func(tx *store.Tx) (err error) {
		courseID, err = tx.DeleteLesson(c.Request().Context(), id)
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	return saved(c, courseEditURL(courseID)+"#lessons")
}

// moveLesson moves a lesson one place up or down in its course.
func (h *lessonEditHandlers) moveLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	var up bool
	switch c.FormValue("direction") {
	case "up":
		up = true
	case "down":
	default:
		return badRequest("Say which way to move the lesson: direction=up or direction=down.")
	}
	var courseID uuid.UUID
	err = h.store.InTx(c.Request().Context(), callerOf(c), func(tx *store.Tx) (err error) {
		courseID, err = tx.MoveLesson(c.Request().Context(), id, up)
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	return saved(c, courseEditURL(courseID)+"#lessons")
}

// previewLesson renders the typed body without saving. htmx gets just the
// preview; without JavaScript the whole form comes back with the preview
// under it and everything typed kept.
func (h *lessonEditHandlers) previewLesson(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	body := strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n")
	if utf8.RuneCountInString(body) > maxBodyLen || !utf8.ValidString(body) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "The lesson text is too long (or not text) to preview.")
	}
	html, err := RenderMarkdown(body)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		return h.render(c, http.StatusOK, "Preview", views.LessonPreview(html))
	}
	fields, _, _ := lessonFormFields(c)
	ctx := c.Request().Context()
	var page views.LessonEdit
	lessonID, lerr := uuid.Parse(c.FormValue("lesson_id"))
	courseID, cerr := uuid.Parse(c.FormValue("course_id"))
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) error {
		switch {
		case lerr == nil:
			l, err := tx.LessonForEdit(ctx, lessonID)
			if err != nil {
				return err
			}
			page = lessonPage(l)
			if v, err := formVersion(c); err == nil {
				page.Form.Version = v
			}
		case cerr == nil:
			course, err := tx.CourseForEdit(ctx, courseID)
			if err != nil {
				return err
			}
			page = newLessonPage(course, fields, nil)
		default:
			return badRequest("The preview does not say which lesson it is for.")
		}
		return nil
	})
	if err != nil {
		return authoringError(c, err)
	}
	page.Form.Fields = fields
	page.Form.Preview = true
	page.Form.PreviewHTML = html
	return h.render(c, http.StatusOK, "Preview", views.LessonEditPage(page))
}
