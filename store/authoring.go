package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrArchived is returned when a change is asked of an archived course (or a
// lesson of one): archived courses are read-only until restored.
var ErrArchived = errors.New("store: course is archived")

// ErrNotStaff is returned when a would-be editor is not a volunteer or admin
// (or there is no such user).
var ErrNotStaff = errors.New("store: not a volunteer or admin")

// StudioCourse is a course in the caller's "Your courses" list.
type StudioCourse struct {
	ID         uuid.UUID  `db:"id"`
	Title      string     `db:"title"`
	Lang       string     `db:"lang"`
	Published  bool       `db:"published"`
	ArchivedAt *time.Time `db:"archived_at"`
	Lessons    int        `db:"lessons"`
	Drafts     int        `db:"drafts"`
	UpdatedAt  time.Time  `db:"updated_at"`
}

// EditableCourses lists the courses the caller edits (every course, for an
// admin), drafts and archived ones included, most recently changed first.
// One query, lessons counted with GROUP BY.
func (t *Tx) EditableCourses(ctx context.Context) ([]StudioCourse, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT c.id, c.title, c.lang, c.published, c.archived_at,
		       count(l.id)::int AS lessons,
		       count(l.id) FILTER (WHERE NOT l.published)::int AS drafts,
		       c.updated_at
		FROM courses c
		LEFT JOIN lessons l ON l.course_id = c.id
		WHERE $1 OR EXISTS (SELECT 1 FROM course_editors e
		                    WHERE e.course_id = c.id AND e.user_id = (SELECT current_user_id()))
		GROUP BY c.id
		ORDER BY c.archived_at IS NOT NULL, c.updated_at DESC, c.id`, t.caller.Role == RoleAdmin)
	if err != nil {
		return nil, fmt.Errorf("store: editable courses: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[StudioCourse])
	if err != nil {
		return nil, fmt.Errorf("store: editable courses: %w", mapErr(err))
	}
	return list, nil
}

// EditCourse is a course as its edit page shows it, with the audit names.
type EditCourse struct {
	ID          uuid.UUID  `db:"id"`
	Title       string     `db:"title"`
	Description string     `db:"description"`
	Lang        string     `db:"lang"`
	Published   bool       `db:"published"`
	ArchivedAt  *time.Time `db:"archived_at"`
	Version     int        `db:"version"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
	// CreatedBy and UpdatedBy are display names, nil when the account is
	// gone or the caller may not see it.
	CreatedBy *string `db:"created_by"`
	UpdatedBy *string `db:"updated_by"`
}

// editableSQL is true when the caller may change course c: an admin, or one
// of its editors.
const editableSQL = `(current_user = 'fieldbook_admin' OR c.id = ANY ((SELECT edited_course_ids())::uuid[]))`

// CourseForEdit returns a course the caller may edit. A course the caller
// cannot see at all is ErrNotFound; one they can see (it is published) but
// do not edit is ErrForbidden.
func (t *Tx) CourseForEdit(ctx context.Context, id uuid.UUID) (EditCourse, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT c.id, c.title, c.description, c.lang, c.published, c.archived_at, c.version,
		       c.created_at, c.updated_at, cu.display_name AS created_by, uu.display_name AS updated_by,
		       `+editableSQL+` AS editable
		FROM courses c
		LEFT JOIN users cu ON cu.id = c.created_by
		LEFT JOIN users uu ON uu.id = c.updated_by
		WHERE c.id = $1`, id)
	if err != nil {
		return EditCourse{}, fmt.Errorf("store: course for edit: %w", mapErr(err))
	}
	type row struct {
		EditCourse
		Editable bool `db:"editable"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if err != nil {
		return EditCourse{}, fmt.Errorf("store: course for edit: %w", mapErr(err))
	}
	if !r.Editable {
		return EditCourse{}, fmt.Errorf("store: course for edit: not an editor: %w", ErrForbidden)
	}
	return r.EditCourse, nil
}

// EditLessonItem is a lesson in a course's edit page, drafts included.
type EditLessonItem struct {
	ID              uuid.UUID `db:"id"`
	Position        int       `db:"position"`
	Title           string    `db:"title"`
	DurationMinutes int       `db:"duration_minutes"`
	Published       bool      `db:"published"`
}

// LessonsForEdit lists every lesson of a course the caller edits, in order.
func (t *Tx) LessonsForEdit(ctx context.Context, courseID uuid.UUID) ([]EditLessonItem, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT l.id, l.position, l.title, l.duration_minutes, l.published
		FROM lessons l
		JOIN courses c ON c.id = l.course_id
		WHERE l.course_id = $1 AND `+editableSQL+`
		ORDER BY l.position`, courseID)
	if err != nil {
		return nil, fmt.Errorf("store: lessons for edit: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[EditLessonItem])
	if err != nil {
		return nil, fmt.Errorf("store: lessons for edit: %w", mapErr(err))
	}
	return list, nil
}

// EditLesson is a lesson as its edit form shows it.
type EditLesson struct {
	ID              uuid.UUID `db:"id"`
	CourseID        uuid.UUID `db:"course_id"`
	CourseTitle     string    `db:"course_title"`
	CourseLang      string    `db:"course_lang"`
	CourseArchived  bool      `db:"course_archived"`
	Position        int       `db:"position"`
	Title           string    `db:"title"`
	Body            string    `db:"body"`
	ContentURL      string    `db:"content_url"`
	DurationMinutes int       `db:"duration_minutes"`
	Published       bool      `db:"published"`
	Version         int       `db:"version"`
	CreatedAt       time.Time `db:"created_at"`
	UpdatedAt       time.Time `db:"updated_at"`
	CreatedBy       *string   `db:"created_by"`
	UpdatedBy       *string   `db:"updated_by"`
}

// LessonForEdit returns a lesson of a course the caller edits; like
// CourseForEdit, ErrNotFound when hidden and ErrForbidden when only visible.
func (t *Tx) LessonForEdit(ctx context.Context, id uuid.UUID) (EditLesson, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT l.id, l.course_id, c.title AS course_title, c.lang AS course_lang, c.archived_at IS NOT NULL AS course_archived,
		       l.position, l.title, l.body, l.content_url, l.duration_minutes, l.published, l.version,
		       l.created_at, l.updated_at, cu.display_name AS created_by, uu.display_name AS updated_by,
		       `+editableSQL+` AS editable
		FROM lessons l
		JOIN courses c ON c.id = l.course_id
		LEFT JOIN users cu ON cu.id = l.created_by
		LEFT JOIN users uu ON uu.id = l.updated_by
		WHERE l.id = $1`, id)
	if err != nil {
		return EditLesson{}, fmt.Errorf("store: lesson for edit: %w", mapErr(err))
	}
	type row struct {
		EditLesson
		Editable bool `db:"editable"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if err != nil {
		return EditLesson{}, fmt.Errorf("store: lesson for edit: %w", mapErr(err))
	}
	if !r.Editable {
		return EditLesson{}, fmt.Errorf("store: lesson for edit: not an editor: %w", ErrForbidden)
	}
	return r.EditLesson, nil
}

// CourseChange is an edit of a course's own fields, made to Version.
type CourseChange struct {
	Title       string
	Description string
	// Lang is the content's language, one of internal/i18n's tags; ""
	// keeps the stored one.
	Lang    string
	Version int
}

// UpdateCourse saves a course edit if the course is still at the version the
// form was loaded from, and returns the new version. A newer version is
// ErrConflict (nothing is overwritten); an archived course ErrArchived; a
// course the caller does not edit ErrForbidden or ErrNotFound.
func (t *Tx) UpdateCourse(ctx context.Context, id uuid.UUID, ch CourseChange) (int, error) {
	var version int
	err := t.tx.QueryRow(ctx, `
		UPDATE courses SET title = $2, description = $3, lang = coalesce(nullif($5, ''), lang)
		WHERE id = $1 AND version = $4 AND archived_at IS NULL
		RETURNING version`, id, ch.Title, ch.Description, ch.Version, ch.Lang).Scan(&version)
	if err == nil {
		return version, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: update course: %w", mapErr(err))
	}
	return 0, fmt.Errorf("store: update course: %w", t.whyCourseUnchanged(ctx, id, ch.Version))
}

// whyCourseUnchanged explains an update of course id that touched no row.
// version < 0 skips the version check.
func (t *Tx) whyCourseUnchanged(ctx context.Context, id uuid.UUID, version int) error {
	var current int
	var archived bool
	err := t.tx.QueryRow(ctx, `SELECT version, archived_at IS NOT NULL FROM courses WHERE id = $1`, id).
		Scan(&current, &archived)
	switch {
	case err != nil:
		return mapErr(err)
	case archived:
		return ErrArchived
	case version >= 0 && current != version:
		return fmt.Errorf("%w: course is at version %d, not %d", ErrConflict, current, version)
	}
	// Visible, live, same version, yet the update policy hid it.
	return fmt.Errorf("%w: not an editor", ErrForbidden)
}

// SetCoursePublished publishes or unpublishes a live course.
func (t *Tx) SetCoursePublished(ctx context.Context, id uuid.UUID, published bool) error {
	tag, err := t.tx.Exec(ctx, `
		UPDATE courses SET published = $2 WHERE id = $1 AND archived_at IS NULL`, id, published)
	if err != nil {
		return fmt.Errorf("store: publish course: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: publish course: %w", t.whyCourseUnchanged(ctx, id, -1))
	}
	return nil
}

// SetCourseArchived archives a course (it leaves learners' lists and becomes
// read-only; progress is kept) or restores it. Doing what is already done is
// not an error.
func (t *Tx) SetCourseArchived(ctx context.Context, id uuid.UUID, archived bool) error {
	tag, err := t.tx.Exec(ctx, `
		UPDATE courses
		SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END
		WHERE id = $1`, id, archived)
	if err != nil {
		return fmt.Errorf("store: archive course: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		err := t.whyCourseUnchanged(ctx, id, -1)
		if errors.Is(err, ErrArchived) {
			err = fmt.Errorf("%w: not an editor", ErrForbidden)
		}
		return fmt.Errorf("store: archive course: %w", err)
	}
	return nil
}

// DeleteImpact is what deleting a course takes with it.
type DeleteImpact struct {
	Lessons  int
	Progress int
}

// CourseDeleteImpact counts a course's lessons and the learners' progress
// records on them, for the delete confirmation.
func (t *Tx) CourseDeleteImpact(ctx context.Context, id uuid.UUID) (DeleteImpact, error) {
	var d DeleteImpact
	err := t.tx.QueryRow(ctx, `
		SELECT count(DISTINCT l.id)::int, count(p.id)::int
		FROM lessons l
		LEFT JOIN student_progress p ON p.lesson_id = l.id
		WHERE l.course_id = $1`, id).Scan(&d.Lessons, &d.Progress)
	if err != nil {
		return DeleteImpact{}, fmt.Errorf("store: course delete impact: %w", mapErr(err))
	}
	return d, nil
}

// DeleteCourse deletes a course with its lessons and the progress on them.
func (t *Tx) DeleteCourse(ctx context.Context, id uuid.UUID) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM courses WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete course: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		err := t.whyCourseUnchanged(ctx, id, -1)
		if errors.Is(err, ErrArchived) {
			err = fmt.Errorf("%w: not an editor", ErrForbidden)
		}
		return fmt.Errorf("store: delete course: %w", err)
	}
	return nil
}

// lockLiveCourse locks a course the caller may change against concurrent
// lesson inserts and moves (which serialise on it), and refuses an archived
// one. FOR UPDATE needs the update policy, so a course the caller does not
// edit is not found.
func (t *Tx) lockLiveCourse(ctx context.Context, id uuid.UUID) error {
	var archived bool
	err := t.tx.QueryRow(ctx, `SELECT archived_at IS NOT NULL FROM courses WHERE id = $1 FOR UPDATE`, id).Scan(&archived)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return t.whyCourseUnchanged(ctx, id, -1)
		}
		return mapErr(err)
	}
	if archived {
		return ErrArchived
	}
	return nil
}

// courseOfLesson is the course of a lesson the caller can see.
func (t *Tx) courseOfLesson(ctx context.Context, lessonID uuid.UUID) (uuid.UUID, error) {
	var courseID uuid.UUID
	if err := t.tx.QueryRow(ctx, `SELECT course_id FROM lessons WHERE id = $1`, lessonID).Scan(&courseID); err != nil {
		return uuid.Nil, mapErr(err)
	}
	return courseID, nil
}

// LessonChange is an edit of a lesson, made to Version. BodyHTML is Body
// rendered and sanitised by the caller.
type LessonChange struct {
	Title           string
	Body            string
	BodyHTML        string
	ContentURL      string
	DurationMinutes int
	Published       bool
	Version         int
}

// UpdateLesson saves a lesson edit made to the version it still has and
// returns the new version; errors as UpdateCourse.
func (t *Tx) UpdateLesson(ctx context.Context, id uuid.UUID, ch LessonChange) (int, error) {
	courseID, err := t.courseOfLesson(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("store: update lesson: %w", err)
	}
	if err := t.lockLiveCourse(ctx, courseID); err != nil {
		return 0, fmt.Errorf("store: update lesson: %w", err)
	}
	var version int
	err = t.tx.QueryRow(ctx, `
		UPDATE lessons
		SET title = $2, body = $3, body_html = $4, content_url = $5, duration_minutes = $6, published = $7
		WHERE id = $1 AND version = $8
		RETURNING version`,
		id, ch.Title, ch.Body, ch.BodyHTML, ch.ContentURL, ch.DurationMinutes, ch.Published, ch.Version).Scan(&version)
	if err == nil {
		return version, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: update lesson: %w", mapErr(err))
	}
	var current int
	if err := t.tx.QueryRow(ctx, `SELECT version FROM lessons WHERE id = $1`, id).Scan(&current); err != nil {
		return 0, fmt.Errorf("store: update lesson: %w", mapErr(err))
	}
	return 0, fmt.Errorf("store: update lesson: %w: lesson is at version %d, not %d", ErrConflict, current, ch.Version)
}

// DeleteLesson deletes a lesson (and the progress on it) and closes the gap
// it leaves, so positions stay 1…n. It returns the lesson's course.
func (t *Tx) DeleteLesson(ctx context.Context, id uuid.UUID) (uuid.UUID, error) {
	courseID, err := t.courseOfLesson(ctx, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: delete lesson: %w", err)
	}
	if err := t.lockLiveCourse(ctx, courseID); err != nil {
		return uuid.Nil, fmt.Errorf("store: delete lesson: %w", err)
	}
	// One statement: the unique (course_id, position) constraint is
	// deferrable, so it is checked once the shift is complete.
	_, err = t.tx.Exec(ctx, `
		WITH gone AS (DELETE FROM lessons WHERE id = $1 RETURNING course_id, position)
		UPDATE lessons l SET position = l.position - 1
		FROM gone
		WHERE l.course_id = gone.course_id AND l.position > gone.position`, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: delete lesson: %w", mapErr(err))
	}
	return courseID, nil
}

// MoveLesson swaps a lesson with its neighbour above (up) or below. At the
// top or bottom already, it changes nothing. The course row is locked first,
// so two moves in one course take turns and each sees the other's result;
// the swap is one UPDATE, which the deferrable unique constraint on
// (course_id, position) checks only once both rows have moved. It returns
// the lesson's course.
func (t *Tx) MoveLesson(ctx context.Context, id uuid.UUID, up bool) (uuid.UUID, error) {
	courseID, err := t.courseOfLesson(ctx, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: move lesson: %w", err)
	}
	if err := t.lockLiveCourse(ctx, courseID); err != nil {
		return uuid.Nil, fmt.Errorf("store: move lesson: %w", err)
	}
	// Read the position after the lock: a move that went before us counts.
	_, err = t.tx.Exec(ctx, `
		WITH me AS (
			SELECT id, course_id, position FROM lessons WHERE id = $1
		), other AS (
			SELECT l.id, l.position FROM lessons l, me
			WHERE l.course_id = me.course_id
			  AND CASE WHEN $2 THEN l.position < me.position ELSE l.position > me.position END
			ORDER BY CASE WHEN $2 THEN -l.position ELSE l.position END
			LIMIT 1
		)
		UPDATE lessons l
		SET position = CASE WHEN l.id = me.id THEN other.position ELSE me.position END
		FROM me, other
		WHERE l.id IN (me.id, other.id)`, id, up)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: move lesson: %w", mapErr(err))
	}
	return courseID, nil
}

// Editor is one editor of a course.
type Editor struct {
	UserID      uuid.UUID `db:"user_id"`
	Username    string    `db:"username"`
	DisplayName string    `db:"display_name"`
	AddedAt     time.Time `db:"added_at"`
}

// CourseEditors lists a course's editors in the order they were added.
func (t *Tx) CourseEditors(ctx context.Context, courseID uuid.UUID) ([]Editor, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT e.user_id, u.username, u.display_name, e.added_at
		FROM course_editors e
		JOIN users u ON u.id = e.user_id
		WHERE e.course_id = $1
		ORDER BY e.added_at, u.username`, courseID)
	if err != nil {
		return nil, fmt.Errorf("store: course editors: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Editor])
	if err != nil {
		return nil, fmt.Errorf("store: course editors: %w", mapErr(err))
	}
	return list, nil
}

// AddCourseEditor makes the volunteer or admin with this username an editor
// of a course the caller edits. Anyone else is ErrNotStaff; an existing
// editor ErrConflict; a course the caller does not edit ErrForbidden.
func (t *Tx) AddCourseEditor(ctx context.Context, courseID uuid.UUID, username string) error {
	var userID *uuid.UUID
	if err := t.tx.QueryRow(ctx, `SELECT staff_user_id($1)`, username).Scan(&userID); err != nil {
		return fmt.Errorf("store: add editor: %w", mapErr(err))
	}
	if userID == nil {
		return fmt.Errorf("store: add editor: %w", ErrNotStaff)
	}
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO course_editors (course_id, user_id, added_by)
		VALUES ($1, $2, (SELECT current_user_id()))
		ON CONFLICT DO NOTHING`, courseID, *userID)
	if err != nil {
		return fmt.Errorf("store: add editor: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: add editor: already an editor: %w", ErrConflict)
	}
	return nil
}
