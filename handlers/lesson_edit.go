package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/internal/markdown"
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

// readLessonForm reads and checks the lesson form. The change it returns
// carries the body rendered to sanitised HTML (only when the form is valid).
func readLessonForm(c echo.Context) (views.LessonForm, store.LessonChange) {
	f := views.LessonForm{Fields: typedLessonFields(c.FormValue)}
	in := f.Fields
	checkTitle(&f.Form, in.Title)
	if !utf8.ValidString(in.Body) {
		f.Fail("body", "lesson_edit.error.body_invalid")
	} else if n := utf8.RuneCountInString(in.Body); n > maxBodyLen {
		f.Fail("body", "lesson_edit.error.body_long", "count", maxBodyLen, "length", n)
	}
	if msg := validateContentURL(in.ContentURL); msg != "" {
		f.Fail("content_url", msg)
	}
	minutes := 0
	if in.DurationMinutes != "" {
		n, err := strconv.Atoi(in.DurationMinutes)
		switch {
		case err != nil:
			// As typed in the field, without digit grouping.
			f.Fail("duration_minutes", "lesson_edit.error.duration", "max", strconv.Itoa(maxDurationMin))
		case n < 0 || n > maxDurationMin:
			f.Fail("duration_minutes", "lesson_edit.error.duration_range", "max", strconv.Itoa(maxDurationMin))
		default:
			minutes = n
		}
	}
	ch := store.LessonChange{
		Title: in.Title, Body: in.Body, ContentURL: in.ContentURL,
		DurationMinutes: minutes, Published: in.Published,
	}
	if f.Valid() {
		html, err := markdown.Render(in.Body)
		if err != nil {
			f.Fail("body", "lesson_edit.error.markdown")
		}
		ch.BodyHTML = html
	}
	return f, ch
}

// typedLessonFields are the lesson form's fields as typed (get reads one),
// trimmed and with Windows line ends made plain.
func typedLessonFields(get func(string) string) views.LessonFields {
	return views.LessonFields{
		Title:           strings.TrimSpace(get("title")),
		Body:            strings.ReplaceAll(get("body"), "\r\n", "\n"),
		ContentURL:      strings.TrimSpace(get("content_url")),
		DurationMinutes: strings.TrimSpace(get("duration_minutes")),
		Published:       get("published") == "true",
	}
}

// validateContentURL accepts "" or an absolute http(s) link; it returns
// the catalogue key of what is wrong, or "".
func validateContentURL(s string) string {
	if s == "" {
		return ""
	}
	const msg = "lesson_edit.error.url"
	if len(s) > maxURLLen {
		return "lesson_edit.error.url_long"
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
func lessonPage(loc *i18n.Localizer, l store.EditLesson) views.LessonEdit {
	return views.LessonEdit{
		Title: l.Title, StudioURL: studioURL(), CourseTitle: l.CourseTitle, CourseEditURL: courseEditURL(l.CourseID),
		DeleteURL: pathTo(routeLessonDelete, l.ID.String()), Published: l.Published,
		Audit: views.Audit{
			CreatedBy: nameOr(loc, l.CreatedBy), CreatedAt: showTime(loc, l.CreatedAt, auditStyle),
			UpdatedBy: nameOr(loc, l.UpdatedBy), UpdatedAt: showTime(loc, l.UpdatedAt, auditStyle),
		},
		Form: views.LessonForm{
			Action: lessonUpdateURL(l.ID), PreviewURL: pathTo(routeLessonPreview),
			LessonID: l.ID.String(), Version: l.Version, Fields: lessonFields(l),
			MediaAction: pathTo(routeLessonMedia, l.ID.String()),
		},
	}
}

// editLesson shows a lesson's form, with its quiz, to an editor of its
// course.
func (h *lessonEditHandlers) editLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	page, err := readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (views.LessonEdit, error) {
		return lessonWithQuiz(ctx, tx, h.localizer(c), id)
	})
	if err != nil {
		return authoringError(c, err)
	}
	return h.render(c, http.StatusOK, editTitle(h.localizer(c), page.Title), views.LessonEditPage(page))
}

// updateLesson saves the lesson form, rendering its Markdown once, here,
// unless someone saved the lesson since the form was loaded
// (saveVersioned); nothing typed is lost either way.
func (h *lessonEditHandlers) updateLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	form, change := readLessonForm(c)
	if change.Version, err = formVersion(c); err != nil {
		return err
	}
	loc := h.localizer(c)
	out, err := saveVersioned(h.App, c, versionedForm[store.EditLesson, views.LessonEdit]{
		load:     func(ctx context.Context, tx *store.Tx) (store.EditLesson, error) { return tx.LessonForEdit(ctx, id) },
		archived: func(l store.EditLesson) bool { return l.CourseArchived },
		valid:    form.Valid(),
		save: func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.UpdateLesson(ctx, id, change)
			return err
		},
		page: func(_ context.Context, _ *store.Tx, l store.EditLesson) (views.LessonEdit, error) {
			return lessonPage(loc, l), nil
		},
		retype: func(p *views.LessonEdit, stored store.EditLesson, conflict bool) {
			p.Form.Fields = form.Fields
			if !conflict {
				p.Form.Form, p.Form.Version = form.Form, change.Version
				return
			}
			p.Form.Conflict = &views.LessonConflict{
				Fields: lessonFields(stored), UpdatedBy: nameOr(loc, stored.UpdatedBy), UpdatedAt: showTime(loc, stored.UpdatedAt, auditStyle),
			}
		},
	})
	if err != nil {
		return authoringError(c, err)
	}
	if out.status == 0 {
		return saved(c, at(courseEditURL(out.stored.CourseID), "lessons"))
	}
	return h.renderPart(c, out.status, editTitle(loc, out.page.Title), views.LessonEditPage(out.page), views.LessonEditor(out.page.Form))
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
	return saved(c, at(courseEditURL(courseID), "lessons"))
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
	up, err := readDirection(c, "lesson_edit.error.direction")
	if err != nil {
		return err
	}
	var courseID uuid.UUID
	err = h.store.InTx(c.Request().Context(), callerOf(c), func(tx *store.Tx) (err error) {
		courseID, err = tx.MoveLesson(c.Request().Context(), id, up)
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	return saved(c, at(courseEditURL(courseID), "lessons"))
}

// readDirection reads a move form's direction: up (true) or down, else a
// 400 with msg.
func readDirection(c echo.Context, msg string) (up bool, err error) {
	switch c.FormValue("direction") {
	case "up":
		return true, nil
	case "down":
		return false, nil
	}
	return false, badRequest(msg)
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
		return newError(http.StatusUnprocessableEntity, nil, "lesson_edit.error.preview")
	}
	html, err := markdown.Render(body)
	if err != nil {
		return err
	}
	return h.respond(c, http.StatusOK, h.localizer(c).T("authoring.preview_heading"), views.LessonPreview(html), func() (templ.Component, error) {
		page, err := h.previewPage(c)
		if err != nil {
			return nil, authoringError(c, err)
		}
		page.Form.Preview, page.Form.PreviewHTML = true, html
		return views.LessonEditPage(page), nil
	})
}

// previewPage is the lesson form a no-JavaScript preview comes back in:
// the lesson's, or a new lesson's of the course, holding what was typed.
func (h *lessonEditHandlers) previewPage(c echo.Context) (views.LessonEdit, error) {
	form, _ := readLessonForm(c)
	form.Form = views.Form{}
	lessonID, lerr := uuid.Parse(c.FormValue("lesson_id"))
	courseID, cerr := uuid.Parse(c.FormValue("course_id"))
	return readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (views.LessonEdit, error) {
		switch {
		case lerr == nil:
			l, err := tx.LessonForEdit(ctx, lessonID)
			if err != nil {
				return views.LessonEdit{}, err
			}
			page := lessonPage(h.localizer(c), l)
			if v, err := formVersion(c); err == nil {
				page.Form.Version = v
			}
			page.Form.Fields = form.Fields
			return page, nil
		case cerr == nil:
			course, err := tx.CourseForEdit(ctx, courseID)
			if err != nil {
				return views.LessonEdit{}, err
			}
			return newLessonPage(h.localizer(c), course, form), nil
		}
		return views.LessonEdit{}, badRequest("lesson_edit.error.preview_where")
	})
}
