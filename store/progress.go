package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Progress is a learner's standing in one course.
type Progress struct {
	CourseID  uuid.UUID
	Total     int
	Completed int
}

// Percentage is Completed/Total in percent, 0 for a course with no lessons.
func (p Progress) Percentage() float64 {
	if p.Total == 0 {
		return 0
	}
	return float64(p.Completed) * 100 / float64(p.Total)
}

// CourseProgress counts the caller's completed lessons in a published course:
// one query, published lessons LEFT JOIN the caller's progress, so lessons
// never opened count in Total and unpublished ones never count. An unknown or
// unpublished course is ErrNotFound.
func (t *Tx) CourseProgress(ctx context.Context, courseID uuid.UUID) (Progress, error) {
	var p Progress
	err := courseProgress(ctx, t, &p, `c.id = $1`, courseID)
	return p, err
}

// CourseProgress queues Tx.CourseProgress into *out.
func (b *Batch) CourseProgress(courseID uuid.UUID, out *Progress) {
	_ = courseProgress(context.Background(), b, out, `c.id = $1`, courseID)
}

// courseProgress is the progress query for the course that match selects.
func courseProgress(ctx context.Context, r reader, out *Progress, match string, arg uuid.UUID) error {
	return r.query(ctx, `
		SELECT c.id, count(l.id)::int,
		       count(l.id) FILTER (WHERE p.completed)::int
		FROM courses c
		LEFT JOIN lessons l ON l.course_id = c.id AND l.published
		LEFT JOIN student_progress p
		       ON p.lesson_id = l.id AND p.student_id = (SELECT current_user_id())
		WHERE `+match+` AND c.published
		GROUP BY c.id`, []any{arg}, func(rows pgx.Rows) error {
		var p Progress
		_, err := pgx.ForEachRow(rows, []any{&p.CourseID, &p.Total, &p.Completed}, func() error { return nil })
		if err == nil && p.CourseID == uuid.Nil {
			err = pgx.ErrNoRows
		}
		if err != nil {
			return fmt.Errorf("store: course progress: %w", mapErr(err))
		}
		*out = p
		return nil
	})
}

// ErrQuizLesson is returned when a completion is asked of a lesson with a
// quiz: only a passing attempt completes it.
var ErrQuizLesson = errors.New("store: the lesson has a quiz")

// FutureSkew is how far ahead of the server a client's clock may run before
// its change time is clamped to the server's.
const FutureSkew = 5 * time.Minute

// SetLessonCompleted records the caller's completion (or un-completion) of a
// published lesson, made online. It is one change through ApplyChanges, the
// same statement the offline sync uses, so both follow one rule: between two
// changes to the same lesson the later clientAt wins, and a clientAt more
// than FutureSkew ahead is clamped to server time. It reports whether the
// change was applied (false: a later change had already won). An unknown or
// unpublished lesson is ErrNotFound; a lesson with a quiz ErrQuizLesson.
func (t *Tx) SetLessonCompleted(ctx context.Context, lessonID uuid.UUID, completed bool, clientAt time.Time) (applied bool, err error) {
	out, err := t.ApplyChanges(ctx, []Change{{ID: uuid.New(), LessonID: lessonID, Completed: completed, At: clientAt}})
	if err != nil {
		return false, fmt.Errorf("store: set lesson completed: %w", err)
	}
	switch out[0] {
	case OutcomeRejected:
		return false, fmt.Errorf("store: set lesson completed: %w", ErrNotFound)
	case OutcomeQuizLesson:
		return false, fmt.Errorf("store: set lesson completed: %w", ErrQuizLesson)
	case OutcomeApplied:
		return true, nil
	}
	return false, nil
}

// CourseDone is the caller's standing in one published course, with the ids
// of the lessons done: what a phone keeps to draw that learner's progress
// offline.
type CourseDone struct {
	CourseID  uuid.UUID   `db:"course_id"`
	Total     int         `db:"total"`
	Completed int         `db:"completed"`
	Done      []uuid.UUID `db:"done"`
	// Certified: the caller has the course's certificate.
	Certified bool `db:"certified"`
}

// myProgressSQL is the caller's progress in published, live courses: one
// query, published lessons LEFT JOIN the caller's progress, grouped by
// course, so a course never opened is there with nothing done.
const myProgressSQL = `
	SELECT c.id AS course_id,
	       count(l.id)::int AS total,
	       count(l.id) FILTER (WHERE p.completed)::int AS completed,
	       coalesce(array_agg(l.id ORDER BY l.position) FILTER (WHERE p.completed), '{}') AS done,
	       EXISTS (SELECT 1 FROM certificates x
	               WHERE x.student_id = (SELECT current_user_id()) AND x.course_id = c.id) AS certified
	FROM courses c
	LEFT JOIN lessons l ON l.course_id = c.id AND l.published
	LEFT JOIN student_progress p
	       ON p.lesson_id = l.id AND p.student_id = (SELECT current_user_id())
	WHERE c.published AND c.archived_at IS NULL`

// MyProgress is the caller's progress in every published course (ordered by
// title), in one query.
func (t *Tx) MyProgress(ctx context.Context) ([]CourseDone, error) {
	var list []CourseDone
	err := collect(ctx, t, &list, "my progress", myProgressSQL+` GROUP BY c.id ORDER BY c.title, c.id`)
	return list, err
}

// MyProgress queues Tx.MyProgress into *out.
func (b *Batch) MyProgress(out *[]CourseDone) {
	_ = collect(context.Background(), b, out, "my progress", myProgressSQL+` GROUP BY c.id ORDER BY c.title, c.id`)
}

// MyCourseProgress is MyProgress for one course, by its primary key (a
// page view asks for it, so it stays an index lookup). An unknown,
// unpublished or archived course is ErrNotFound.
func (t *Tx) MyCourseProgress(ctx context.Context, courseID uuid.UUID) (CourseDone, error) {
	var p CourseDone
	err := one(ctx, t, &p, "my course progress", myProgressSQL+` AND c.id = $1 GROUP BY c.id`, courseID)
	return p, err
}

// MyCourseProgress queues Tx.MyCourseProgress into *out.
func (b *Batch) MyCourseProgress(courseID uuid.UUID, out *CourseDone) {
	_ = one(context.Background(), b, out, "my course progress", myProgressSQL+` AND c.id = $1 GROUP BY c.id`, courseID)
}
