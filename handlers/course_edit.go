package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

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

// validateTitle returns what is wrong with a (trimmed) title, or "".
func validateTitle(title string) string {
	switch n := utf8.RuneCountInString(title); {
	case !utf8.ValidString(title):
		return "The title is not valid text."
	case n == 0:
		return "Enter a title."
	case n > maxTitleLen:
		return "Use at most 200 characters (this has " + strconv.Itoa(n) + ")."
	}
	return ""
}

// courseFormFields reads and checks the course form.
func courseFormFields(c echo.Context) (views.CourseFields, map[string]string) {
	f := views.CourseFields{
		Title:       strings.TrimSpace(c.FormValue("title")),
		Description: strings.TrimSpace(strings.ReplaceAll(c.FormValue("description"), "\r\n", "\n")),
	}
	errs := map[string]string{}
	if msg := validateTitle(f.Title); msg != "" {
		errs["title"] = msg
	}
	if !utf8.ValidString(f.Description) {
		errs["description"] = "The description is not valid text."
	} else if n := utf8.RuneCountInString(f.Description); n > maxDescriptionLen {
		errs["description"] = "Use at most 2000 characters (this has " + strconv.Itoa(n) + ")."
	}
	return f, errs
}

// formVersion is the version a form was loaded from.
func formVersion(c echo.Context) (int, error) {
	v, err := strconv.Atoi(c.FormValue("version"))
	if err != nil || v < 1 {
		return 0, badRequest("The form has no version. Reload the page and make your change again.")
	}
	return v, nil
}

// notEditorMessage refuses a change of a course one does not edit.
const notEditorMessage = "Only the editors of this course can change it. Ask one of them to add you."

// authoringMessages say what a store refusal means to an editor.
var authoringMessages = explanations{
	store.ErrNotFound:  "There is no course or lesson at this address.",
	store.ErrForbidden: notEditorMessage,
	store.ErrArchived:  "This course is archived, so it cannot be changed. Restore it first.",
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

// saved ends a successful form post: a 303 to the next page, or for htmx an
// HX-Redirect, since a swapped-in page would nest inside the form.
func saved(c echo.Context, next string) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", next)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func timeText(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

func nameOr(name *string) string {
	if name == nil || *name == "" {
		return "someone"
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
			Archived: sc.ArchivedAt != nil, Lessons: sc.Lessons, Drafts: sc.Drafts, Updated: timeText(sc.UpdatedAt),
		}
		if sc.Published && sc.ArchivedAt == nil {
			row.ViewURL = courseURL(sc.ID)
		}
		vm.Courses = append(vm.Courses, row)
	}
	return h.render(c, http.StatusOK, "Your courses", views.StudioPage(vm))
}

// newCourse shows the empty course form.
func (h *courseEditHandlers) newCourse(c echo.Context) error {
	return h.render(c, http.StatusOK, "New course", views.CourseNewPage(newCoursePage(views.CourseForm{})))
}

// createCourse creates a draft course; its creator becomes its first editor
// (a database trigger does that in the same statement).
func (h *courseEditHandlers) createCourse(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	fields, errs := courseFormFields(c)
	if len(errs) > 0 {
		p := newCoursePage(views.CourseForm{Fields: fields, Errors: errs})
		if isHTMX(c) {
			return h.render(c, http.StatusUnprocessableEntity, "New course", views.CourseEditor(p.Form))
		}
		return h.render(c, http.StatusUnprocessableEntity, "New course", views.CourseNewPage(p))
	}
	ctx := c.Request().Context()
	var id uuid.UUID
	err := h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		id, _, err = tx.CreateCourse(ctx, store.NewCourse{Title: fields.Title, Description: fields.Description})
		return err
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
func coursePage(c echo.Context, tx *store.Tx, course store.EditCourse) (views.CourseEdit, error) {
	ctx := c.Request().Context()
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
			CreatedBy: nameOr(course.CreatedBy), CreatedAt: timeText(course.CreatedAt),
			UpdatedBy: nameOr(course.UpdatedBy), UpdatedAt: timeText(course.UpdatedAt),
		},
		Form: views.CourseForm{
			Action: courseUpdateURL(course.ID), Version: course.Version,
			Fields: views.CourseFields{Title: course.Title, Description: course.Description},
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
	ctx := c.Request().Context()
	var vm views.CourseEdit
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) error {
		course, err := tx.CourseForEdit(ctx, id)
		if err != nil {
			return err
		}
		vm, err = coursePage(c, tx, course)
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	return h.render(c, http.StatusOK, "Edit "+vm.Title, views.CourseEditPage(vm))
}

// updateCourse saves the course form if nobody saved the course since the
// form was loaded. Otherwise it answers 409 with both versions side by side
// and the form still holding what was typed, now carrying the new version.
func (h *courseEditHandlers) updateCourse(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	fields, errs := courseFormFields(c)
	version, err := formVersion(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	status := 0
	var vm views.CourseEdit
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		// Permission before validation: a stranger learns nothing from a 422.
		course, err := tx.CourseForEdit(ctx, id)
		if err != nil {
			return err
		}
		if course.ArchivedAt != nil {
			return store.ErrArchived
		}
		if len(errs) == 0 {
			_, err = tx.UpdateCourse(ctx, id, store.CourseChange{Title: fields.Title, Description: fields.Description, Version: version})
			if err == nil {
				return nil
			}
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
			if course, err = tx.CourseForEdit(ctx, id); err != nil {
				return err
			}
		}
		if vm, err = coursePage(c, tx, course); err != nil {
			return err
		}
		vm.Form.Fields = fields
		if len(errs) > 0 {
			status = http.StatusUnprocessableEntity
			vm.Form.Errors = errs
			vm.Form.Version = version
			return nil
		}
		status = http.StatusConflict
		vm.Form.Conflict = &views.CourseConflict{
			Fields:    views.CourseFields{Title: course.Title, Description: course.Description},
			UpdatedBy: nameOr(course.UpdatedBy), UpdatedAt: timeText(course.UpdatedAt),
		}
		return nil
	})
	if err != nil {
		return authoringError(c, err)
	}
	if status != 0 {
		if isHTMX(c) {
			return h.render(c, status, "Edit "+vm.Title, views.CourseEditor(vm.Form))
		}
		return h.render(c, status, "Edit "+vm.Title, views.CourseEditPage(vm))
	}
	return saved(c, courseEditURL(id))
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
	return h.render(c, http.StatusOK, "Delete "+vm.Title, views.CourseDeletePage(vm))
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
	fields, change, errs := lessonFormFields(c)
	ctx := c.Request().Context()
	var lessonID uuid.UUID
	var page views.LessonEdit
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		course, err := tx.CourseForEdit(ctx, courseID)
		if err != nil {
			return err
		}
		if course.ArchivedAt != nil {
			return store.ErrArchived
		}
		if len(errs) > 0 {
			page = newLessonPage(course, fields, errs)
			return nil
		}
		lessonID, err = tx.CreateLesson(ctx, store.NewLesson{
			CourseID: courseID, Title: change.Title, Body: change.Body, BodyHTML: change.BodyHTML,
			ContentURL: change.ContentURL, DurationMinutes: change.DurationMinutes, Published: change.Published,
		})
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	if len(errs) > 0 {
		if isHTMX(c) {
			return h.render(c, http.StatusUnprocessableEntity, page.Title, views.LessonEditor(page.Form))
		}
		return h.render(c, http.StatusUnprocessableEntity, page.Title, views.LessonEditPage(page))
	}
	return saved(c, lessonEditURL(lessonID))
}

// newLessonPage is the full lesson form for a new lesson of course.
func newLessonPage(course store.EditCourse, fields views.LessonFields, errs map[string]string) views.LessonEdit {
	return views.LessonEdit{
		New: true, Title: "New lesson", StudioURL: studioURL(), CourseTitle: course.Title, CourseEditURL: courseEditURL(course.ID),
		Form: views.LessonForm{
			Action: courseAddLessonURL(course.ID), PreviewURL: pathTo(routeLessonPreview), CourseID: course.ID.String(),
			Fields: fields, Errors: errs,
		},
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
	var vm views.CourseEdit
	msg := ""
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		course, err := tx.CourseForEdit(ctx, id)
		if err != nil {
			return err
		}
		if username == "" {
			msg = "Enter the username of a volunteer."
		} else {
			err = tx.AddCourseEditor(ctx, id, username)
		}
		switch {
		case msg != "":
		case errors.Is(err, store.ErrNotStaff):
			msg = "No volunteer or admin has that username."
		case errors.Is(err, store.ErrConflict):
			msg = username + " is already an editor of this course."
		case err != nil:
			return err
		default:
			return nil
		}
		vm, err = coursePage(c, tx, course)
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	if msg != "" {
		vm.EditorUsername, vm.EditorError = username, msg
		return h.render(c, http.StatusUnprocessableEntity, "Edit "+vm.Title, views.CourseEditPage(vm))
	}
	return saved(c, at(courseEditURL(id), "editors"))
}
