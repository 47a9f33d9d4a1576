package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
	"fieldbook/views"
)

// courseEditHandlers serve the authoring side of courses: "Your courses",
// the course forms, publishing, archiving, deleting, editors. Every route
// needs a volunteer or admin (requireStaff); which courses one may change is
// decided by row-level security, so a missing check here still changes
// nothing in the database.
type courseEditHandlers struct{ *App }

// Form limits. Titles match the database's CHECK.
const (
	maxTitleLen       = 200
	maxDescriptionLen = 2000
)

// checkTitle records what is wrong with a (trimmed) title.
func checkTitle(f *views.Form, title string) {
	switch n := utf8.RuneCountInString(title); {
	case !utf8.ValidString(title):
		f.Fail("title", "authoring.error.title_invalid")
	case n == 0:
		f.Fail("title", "authoring.error.title_missing")
	case n > maxTitleLen:
		f.Fail("title", "authoring.error.too_long", "count", maxTitleLen, "length", n)
	}
}

// readCourseForm reads and checks the course form. A form without a
// language (sent by a page from before courses had one) leaves it as it
// is: the stored one, or for a new course the author's.
func readCourseForm(c echo.Context) views.CourseForm {
	f := views.CourseForm{Fields: views.CourseFields{
		Title:       strings.TrimSpace(c.FormValue("title")),
		Description: strings.TrimSpace(strings.ReplaceAll(c.FormValue("description"), "\r\n", "\n")),
		Lang:        c.FormValue("lang"),
	}}
	if f.Fields.Lang != "" && !i18n.Supported(f.Fields.Lang) {
		f.Fail("lang", "course.lang.invalid")
	}
	checkTitle(&f.Form, f.Fields.Title)
	if d := f.Fields.Description; !utf8.ValidString(d) {
		f.Fail("description", "authoring.error.description_invalid")
	} else if n := utf8.RuneCountInString(d); n > maxDescriptionLen {
		f.Fail("description", "authoring.error.too_long", "count", maxDescriptionLen, "length", n)
	}
	return f
}

// formVersion is the version a form was loaded from.
func formVersion(c echo.Context) (int, error) {
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil || v < 1 {
		return 0, badRequest("authoring.error.no_version")
	}
	return v, nil
}

// notEditorMessage refuses a change of a course one does not edit.
const notEditorMessage = "authoring.error.not_editor"

// authoringMessages say what a store refusal means to an editor.
var authoringMessages = explanations{
	store.ErrNotFound:  "authoring.error.not_found",
	store.ErrForbidden: notEditorMessage,
	store.ErrArchived:  "error.archived",
}

// authoringError explains a store refusal to an editor. Row-level security
// hides the drafts of courses a volunteer does not edit, so for anyone but
// an admin "not found" means "not yours": a 403 that reveals nothing.
func authoringError(c echo.Context, err error) error {
	if errors.Is(err, store.ErrNotFound) && callerOf(c).Role != store.RoleAdmin {
		return newError(http.StatusForbidden, err, notEditorMessage)
	}
	return explain(err, authoringMessages)
}

// editTitle is the page title of an edit page of what is called title.
func editTitle(loc *i18n.Localizer, title string) string {
	return loc.T("authoring.edit_title", "title", title)
}

// saved ends a successful form post: a 303 to the next page, or for htmx an
// HX-Redirect, since a swapped-in page would nest inside the form.
func saved(c echo.Context, next string) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", next)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// nameOr is who made a change, or "someone" when their account is gone.
func nameOr(loc *i18n.Localizer, name *string) string {
	if name == nil || *name == "" {
		return loc.T("authoring.someone")
	}
	return *name
}

// studio is "Your courses": every course the caller edits, drafts included.
func (h *courseEditHandlers) studio(c echo.Context) error {
	ctx := c.Request().Context()
	var list []store.StudioCourse
	err := h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		list, err = tx.EditableCourses(ctx)
		return err
	})
	if err != nil {
		return err
	}
	vm := views.Studio{NewCourseURL: pathTo(routeCourseNew), Courses: make([]views.StudioCourse, 0, len(list))}
	for _, sc := range list {
		row := views.StudioCourse{
			Title: sc.Title, EditURL: courseEditURL(sc.ID), DashboardURL: dashboardURL(sc.ID), Published: sc.Published,
			Archived: sc.ArchivedAt != nil, Lessons: sc.Lessons, Drafts: sc.Drafts, Updated: showTime(h.localizer(c), sc.UpdatedAt, auditStyle),
		}
		if sc.Published && sc.ArchivedAt == nil {
			row.ViewURL = courseURL(sc.ID)
		}
		vm.Courses = append(vm.Courses, row)
	}
	return h.render(c, http.StatusOK, h.localizer(c).T("nav.your_courses"), views.StudioPage(vm))
}

// newCourse shows the empty course form, its language the author's.
func (h *courseEditHandlers) newCourse(c echo.Context) error {
	f := views.CourseForm{Fields: views.CourseFields{Lang: h.localizer(c).Lang()}}
	return h.render(c, http.StatusOK, h.localizer(c).T("course_new.title"), views.CourseNewPage(newCoursePage(f)))
}

// createCourse creates a draft course; its creator becomes its first editor
// (a database trigger does that in the same statement).
func (h *courseEditHandlers) createCourse(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	form := readCourseForm(c)
	if form.Fields.Lang == "" {
		form.Fields.Lang = h.localizer(c).Lang()
	}
	if !form.Valid() {
		p := newCoursePage(form)
		return h.renderPart(c, http.StatusUnprocessableEntity, h.localizer(c).T("course_new.title"), views.CourseNewPage(p), views.CourseEditor(p.Form))
	}
	id, err := inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (uuid.UUID, error) {
		id, _, err := tx.CreateCourse(ctx, store.NewCourse{Title: form.Fields.Title, Description: form.Fields.Description,
			Lang: form.Fields.Lang})
		return id, err
	})
	if err != nil {
		return authoringError(c, err)
	}
	return saved(c, courseEditURL(id))
}

// newCoursePage is the new-course page around the form f.
func newCoursePage(f views.CourseForm) views.CourseNew {
	f.Action = pathTo(routeCourseCreate)
	return views.CourseNew{StudioURL: studioURL(), Form: f}
}

// coursePage loads everything a course's edit page shows, with the form
// filled from the stored course.
func coursePage(ctx context.Context, tx *store.Tx, loc *i18n.Localizer, course store.EditCourse) (views.CourseEdit, error) {
	lessons, err := tx.LessonsForEdit(ctx, course.ID)
	if err != nil {
		return views.CourseEdit{}, err
	}
	editors, err := tx.CourseEditors(ctx, course.ID)
	if err != nil {
		return views.CourseEdit{}, err
	}
	id := course.ID.String()
	vm := views.CourseEdit{
		ID: id, Title: course.Title, StudioURL: studioURL(), DashboardURL: dashboardURL(course.ID),
		PublishURL: pathTo(routeCoursePublish, id), UnpublishURL: pathTo(routeCourseUnpublish, id),
		ArchiveURL: pathTo(routeCourseArchive, id), RestoreURL: pathTo(routeCourseRestore, id),
		AddLessonURL: courseAddLessonURL(course.ID), AddEditorURL: pathTo(routeCourseAddEditor, id),
		ConfirmDeleteURL: pathTo(routeCourseConfirmDelete, id),
		Published:        course.Published, Archived: course.ArchivedAt != nil,
		Audit: views.Audit{
			CreatedBy: nameOr(loc, course.CreatedBy), CreatedAt: showTime(loc, course.CreatedAt, auditStyle),
			UpdatedBy: nameOr(loc, course.UpdatedBy), UpdatedAt: showTime(loc, course.UpdatedAt, auditStyle),
		},
		Form: views.CourseForm{
			Action: courseUpdateURL(course.ID), Version: course.Version,
			Fields: views.CourseFields{Title: course.Title, Description: course.Description, Lang: course.Lang},
		},
	}
	if course.Published && course.ArchivedAt == nil {
		vm.ViewURL = courseURL(course.ID)
	}
	for i, l := range lessons {
		vm.Lessons = append(vm.Lessons, views.EditLessonRow{
			ID: l.ID.String(), Number: i + 1, Title: l.Title, EditURL: lessonEditURL(l.ID),
			MoveURL: pathTo(routeLessonMove, l.ID.String()), DurationMinutes: l.DurationMinutes, Published: l.Published,
			First: i == 0, Last: i == len(lessons)-1,
		})
	}
	for _, e := range editors {
		vm.Editors = append(vm.Editors, views.EditorRow{Name: e.DisplayName, Username: e.Username})
	}
	return vm, nil
}

// editCourse shows a course's edit page to one of its editors.
func (h *courseEditHandlers) editCourse(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	vm, err := readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (views.CourseEdit, error) {
		course, err := tx.CourseForEdit(ctx, id)
		if err != nil {
			return views.CourseEdit{}, err
		}
		return coursePage(ctx, tx, h.localizer(c), course)
	})
	if err != nil {
		return authoringError(c, err)
	}
	return h.render(c, http.StatusOK, editTitle(h.localizer(c), vm.Title), views.CourseEditPage(vm))
}

// updateCourse saves the course form unless someone saved the course since
// the form was loaded (saveVersioned).
func (h *courseEditHandlers) updateCourse(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	form := readCourseForm(c)
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	loc := h.localizer(c)
	out, err := saveVersioned(h.App, c, versionedForm[store.EditCourse, views.CourseEdit]{
		load:     func(ctx context.Context, tx *store.Tx) (store.EditCourse, error) { return tx.CourseForEdit(ctx, id) },
		archived: func(course store.EditCourse) bool { return course.ArchivedAt != nil },
		valid:    form.Valid(),
		save: func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.UpdateCourse(ctx, id, store.CourseChange{Title: form.Fields.Title, Description: form.Fields.Description,
				Lang: form.Fields.Lang, Version: version})
			return err
		},
		page: func(ctx context.Context, tx *store.Tx, course store.EditCourse) (views.CourseEdit, error) {
			return coursePage(ctx, tx, loc, course)
		},
		retype: func(p *views.CourseEdit, stored store.EditCourse, conflict bool) {
			if form.Fields.Lang == "" {
				form.Fields.Lang = stored.Lang
			}
			p.Form.Fields = form.Fields
			if !conflict {
				p.Form.Form, p.Form.Version = form.Form, version
				return
			}
			p.Form.Conflict = &views.CourseConflict{
				Fields:    views.CourseFields{Title: stored.Title, Description: stored.Description, Lang: stored.Lang},
				UpdatedBy: nameOr(loc, stored.UpdatedBy), UpdatedAt: showTime(loc, stored.UpdatedAt, auditStyle),
			}
		},
	})
	if err != nil {
		return authoringError(c, err)
	}
	if out.status == 0 {
		return saved(c, courseEditURL(id))
	}
	return h.renderPart(c, out.status, editTitle(loc, out.page.Title), views.CourseEditPage(out.page), views.CourseEditor(out.page.Form))
}

// setPublished publishes or unpublishes a course.
func (h *courseEditHandlers) setPublished(published bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		return h.courseAction(c, func(tx *store.Tx, id uuid.UUID) error {
			return tx.SetCoursePublished(c.Request().Context(), id, published)
		})
	}
}

// setArchived archives a course or restores it.
func (h *courseEditHandlers) setArchived(archived bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		return h.courseAction(c, func(tx *store.Tx, id uuid.UUID) error {
			return tx.SetCourseArchived(c.Request().Context(), id, archived)
		})
	}
}

// courseAction runs a one-button change of a course and returns to its
// edit page.
func (h *courseEditHandlers) courseAction(c echo.Context, fn func(*store.Tx, uuid.UUID) error) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	if err := h.store.InTx(c.Request().Context(), callerOf(c), func(tx *store.Tx) error { return fn(tx, id) }); err != nil {
		return authoringError(c, err)
	}
	return saved(c, courseEditURL(id))
}

// confirmDeleteCourse asks before deleting, saying how many lessons and
// progress records of learners go with the course.
func (h *courseEditHandlers) confirmDeleteCourse(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var vm views.CourseDelete
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) error {
		course, err := tx.CourseForEdit(ctx, id)
		if err != nil {
			return err
		}
		impact, err := tx.CourseDeleteImpact(ctx, id)
		if err != nil {
			return err
		}
		vm = views.CourseDelete{Title: course.Title, StudioURL: studioURL(), DeleteURL: pathTo(routeCourseDelete, id.String()),
			EditURL: courseEditURL(id), Lessons: impact.Lessons, Progress: impact.Progress}
		return nil
	})
	if err != nil {
		return authoringError(c, err)
	}
	return h.render(c, http.StatusOK, h.localizer(c).T("course_delete.title", "title", vm.Title), views.CourseDeletePage(vm))
}

// deleteCourse deletes a course with its lessons and their progress.
func (h *courseEditHandlers) deleteCourse(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	err = h.store.InTx(c.Request().Context(), callerOf(c), func(tx *store.Tx) error {
		return tx.DeleteCourse(c.Request().Context(), id)
	})
	if err != nil {
		return authoringError(c, err)
	}
	return saved(c, studioURL())
}

// addLesson appends a lesson (a draft unless marked published) and opens
// its form. It takes the one-field form on the course page as well as the
// full lesson form; a failed save shows the full form with what was typed.
func (h *courseEditHandlers) addLesson(c echo.Context) error {
	courseID, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	form, change := readLessonForm(c)
	type added struct {
		lessonID uuid.UUID
		page     views.LessonEdit
	}
	out, err := inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (out added, err error) {
		course, err := tx.CourseForEdit(ctx, courseID)
		if err != nil {
			return out, err
		}
		if course.ArchivedAt != nil {
			return out, store.ErrArchived
		}
		if !form.Valid() {
			out.page = newLessonPage(h.localizer(c), course, form)
			return out, nil
		}
		out.lessonID, err = tx.CreateLesson(ctx, store.NewLesson{
			CourseID: courseID, Title: change.Title, Body: change.Body, BodyHTML: change.BodyHTML,
			ContentURL: change.ContentURL, DurationMinutes: change.DurationMinutes, Published: change.Published,
		})
		return out, err
	})
	if err != nil {
		return authoringError(c, err)
	}
	if !form.Valid() {
		return h.renderPart(c, http.StatusUnprocessableEntity, out.page.Title, views.LessonEditPage(out.page), views.LessonEditor(out.page.Form))
	}
	return saved(c, lessonEditURL(out.lessonID))
}

// newLessonPage is the full lesson form for a new lesson of course, holding
// what was typed in f.
func newLessonPage(loc *i18n.Localizer, course store.EditCourse, f views.LessonForm) views.LessonEdit {
	f.Action, f.PreviewURL, f.CourseID = courseAddLessonURL(course.ID), pathTo(routeLessonPreview), course.ID.String()
	return views.LessonEdit{
		New: true, Title: loc.T("lesson_new.title"), StudioURL: studioURL(), CourseTitle: course.Title,
		CourseEditURL: courseEditURL(course.ID), Form: f,
	}
}

// addEditor makes another volunteer (or an admin) an editor of the course.
func (h *courseEditHandlers) addEditor(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	username := strings.ToLower(strings.TrimSpace(c.FormValue("username")))
	ctx := c.Request().Context()
	loc := h.localizer(c)
	var vm views.CourseEdit
	msg := ""
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		course, err := tx.CourseForEdit(ctx, id)
		if err != nil {
			return err
		}
		if username == "" {
			msg = loc.T("course_edit.error.editor_missing")
		} else {
			err = tx.AddCourseEditor(ctx, id, username)
		}
		switch {
		case msg != "":
		case errors.Is(err, store.ErrNotStaff):
			msg = loc.T("course_edit.error.editor_unknown")
		case errors.Is(err, store.ErrConflict):
			msg = loc.T("course_edit.error.editor_already", "username", username)
		case err != nil:
			return err
		default:
			return nil
		}
		vm, err = coursePage(ctx, tx, loc, course)
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	if msg != "" {
		vm.EditorUsername, vm.EditorError = username, msg
		return h.render(c, http.StatusUnprocessableEntity, editTitle(loc, vm.Title), views.CourseEditPage(vm))
	}
	return saved(c, at(courseEditURL(id), "editors"))
}
