package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// DashboardCourse is a course as its dashboard needs it, with whether the
// caller may see the dashboard (an editor of the course, or an admin).
type DashboardCourse struct {
	ID        uuid.UUID `db:"id"`
	Title     string    `db:"title"`
	Published bool      `db:"published"`
	// Lessons is the number of published lessons: what "finished" means.
	Lessons int `db:"lessons"`
	// CanView: the caller edits this course or is an admin.
	CanView bool `db:"can_view"`
}

// DashboardCourse returns a course the caller can read, with its published
// lesson count and whether the caller may see its dashboard. ErrNotFound
// when the course does not exist or the caller may not read it at all.
func (t *Tx) DashboardCourse(ctx context.Context, id uuid.UUID) (DashboardCourse, error) {
	// Only staff may call edited_course_ids(); others never see a dashboard.
	canView := "false"
	switch t.caller.Role {
	case RoleAdmin:
		canView = "true"
	case RoleVolunteer:
		canView = "c.id = ANY ((SELECT edited_course_ids())::uuid[])"
	}
	rows, err := t.tx.Query(ctx, `
		SELECT c.id, c.title, c.published,
		       (SELECT count(*) FROM lessons l WHERE l.course_id = c.id AND l.published)::int AS lessons,
		       `+canView+` AS can_view
		FROM courses c WHERE c.id = $1`, id)
	if err != nil {
		return DashboardCourse{}, fmt.Errorf("store: dashboard course: %w", mapErr(err))
	}
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[DashboardCourse])
	if err != nil {
		return DashboardCourse{}, fmt.Errorf("store: dashboard course: %w", mapErr(err))
	}
	return c, nil
}

// DashboardTotals are a course's headline numbers.
type DashboardTotals struct {
	// Started: learners with any progress in the course.
	Started int `db:"started"`
	// Finished: learners who completed every published lesson.
	Finished int `db:"finished"`
	// MedianCompleted is the median number of published lessons completed
	// among those who started.
	MedianCompleted float64 `db:"median_completed"`
	// LastActivity is the latest change by any learner, nil when none.
	LastActivity *time.Time `db:"last_activity"`
}

// DashboardTotals counts a course's learners from the course_histogram
// counters (at most 16 rows per completion count, whatever the course's
// size); lessons is the course's published lesson count. The median is the
// lower-and-upper middle's mean, as percentile_cont(0.5) gives. Under RLS
// only the course's editors and admins see any rows.
func (t *Tx) DashboardTotals(ctx context.Context, courseID uuid.UUID, lessons int) (DashboardTotals, error) {
	rows, err := t.tx.Query(ctx, `
		WITH h AS (
			SELECT completed, sum(learners)::int AS n
			FROM course_histogram WHERE course_id = $1 AND learners > 0
			GROUP BY completed
		), c AS (
			SELECT completed, n, sum(n) OVER (ORDER BY completed) AS upto, sum(n) OVER () AS total FROM h
		)
		SELECT coalesce((SELECT max(total) FROM c), 0)::int AS started,
		       coalesce((SELECT sum(n) FROM c WHERE $2 > 0 AND completed >= $2), 0)::int AS finished,
		       coalesce((SELECT (min(completed) FILTER (WHERE upto >= floor((total + 1) / 2.0))
		                        + min(completed) FILTER (WHERE upto >= floor(total / 2.0) + 1)) / 2.0 FROM c), 0)::float8
		           AS median_completed,
		       (SELECT last_activity_at FROM course_learners WHERE course_id = $1
		        ORDER BY last_activity_at DESC LIMIT 1) AS last_activity`, courseID, lessons)
	if err != nil {
		return DashboardTotals{}, fmt.Errorf("store: dashboard totals: %w", err)
	}
	tot, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[DashboardTotals])
	if err != nil {
		return DashboardTotals{}, fmt.Errorf("store: dashboard totals: %w", mapErr(err))
	}
	return tot, nil
}

// CourseLastActivity is the latest progress change in a course the caller
// can see, nil when none: what an event stream compares with the time its
// page was read.
func (t *Tx) CourseLastActivity(ctx context.Context, courseID uuid.UUID) (*time.Time, error) {
	var at *time.Time
	err := t.tx.QueryRow(ctx, `
		SELECT (SELECT last_activity_at FROM course_learners WHERE course_id = $1
		        ORDER BY last_activity_at DESC LIMIT 1)`, courseID).Scan(&at)
	if err != nil {
		return nil, fmt.Errorf("store: course last activity: %w", mapErr(err))
	}
	return at, nil
}

// LessonStat is one published lesson with how many learners completed it.
type LessonStat struct {
	ID        uuid.UUID `db:"id"`
	Number    int       `db:"number"`
	Title     string    `db:"title"`
	Completed int       `db:"completed"`
	// Quiz: the lesson has a quiz (a passing attempt completes it).
	Quiz bool `db:"quiz"`
}

// DashboardLessons lists a course's published lessons in order with their
// completion counts (from lesson_completions).
func (t *Tx) DashboardLessons(ctx context.Context, courseID uuid.UUID) ([]LessonStat, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT l.id, (row_number() OVER (ORDER BY l.position))::int AS number, l.title,
		       coalesce(lc.completed, 0) AS completed,
		       EXISTS (SELECT 1 FROM quizzes z WHERE z.lesson_id = l.id AND z.active_since IS NOT NULL) AS quiz
		FROM lessons l
		LEFT JOIN (SELECT lesson_id, sum(completed)::int AS completed FROM lesson_completions
		           WHERE course_id = $1 GROUP BY lesson_id) lc ON lc.lesson_id = l.id
		WHERE l.course_id = $1 AND l.published
		ORDER BY l.position`, courseID)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard lessons: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[LessonStat])
	if err != nil {
		return nil, fmt.Errorf("store: dashboard lessons: %w", err)
	}
	return list, nil
}

// LearnerSort is a sort order of the dashboard's learner table.
type LearnerSort string

// The learner table's sort orders.
const (
	SortName     LearnerSort = "name"
	SortProgress LearnerSort = "progress"
	SortActivity LearnerSort = "activity"
)

// LearnerQuery selects a page of a course's learners.
type LearnerQuery struct {
	Sort LearnerSort
	Desc bool
	// Search keeps learners whose name contains it (case-insensitive).
	Search string
	Limit  int
	Offset int
}

// LearnerRow is one learner of a course.
type LearnerRow struct {
	StudentID      uuid.UUID `db:"student_id"`
	DisplayName    string    `db:"display_name"`
	Completed      int       `db:"completed"`
	StartedAt      time.Time `db:"started_at"`
	LastActivityAt time.Time `db:"last_activity_at"`
}

// orderBy is the ORDER BY of each sort, matching an index of course_learners
// so a page is a range scan; every order ends with student_id, so pages are
// stable.
func (q LearnerQuery) orderBy() (string, error) {
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	switch q.Sort {
	case SortName, "":
		return fmt.Sprintf("lower(display_name) %[1]s, student_id %[1]s", dir), nil
	case SortProgress:
		return fmt.Sprintf("completed %[1]s, lower(display_name) %[1]s, student_id %[1]s", dir), nil
	case SortActivity:
		return fmt.Sprintf("last_activity_at %[1]s, student_id %[1]s", dir), nil
	}
	return "", fmt.Errorf("store: unknown learner sort %q", q.Sort)
}

// likePattern escapes s for LIKE and wraps it in %.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// CountLearners is how many of a course's learners match a search (the
// total without one is DashboardTotals.Started, counted already).
func (t *Tx) CountLearners(ctx context.Context, courseID uuid.UUID, search string) (int, error) {
	var n int
	if err := t.tx.QueryRow(ctx, `
		SELECT count(*) FROM course_learners
		WHERE course_id = $1 AND display_name ILIKE $2`, courseID, likePattern(search)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count learners: %w", err)
	}
	return n, nil
}

// DashboardLearners returns one page of a course's learners.
func (t *Tx) DashboardLearners(ctx context.Context, courseID uuid.UUID, q LearnerQuery) ([]LearnerRow, error) {
	order, err := q.orderBy()
	if err != nil {
		return nil, err
	}
	search := ""
	if q.Search != "" {
		search = likePattern(q.Search)
	}
	rows, err := t.tx.Query(ctx, `
		SELECT student_id, display_name, completed, started_at, last_activity_at
		FROM course_learners
		WHERE course_id = $1 AND ($2 = '' OR display_name ILIKE $2)
		ORDER BY `+order+`
		LIMIT $3 OFFSET $4`, courseID, search, q.Limit, q.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list learners: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[LearnerRow])
	if err != nil {
		return nil, fmt.Errorf("store: list learners: %w", err)
	}
	return list, nil
}

// DashboardLearner returns one learner of a course (ErrNotFound when they
// never started it, or the caller may not see the course's learners).
func (t *Tx) DashboardLearner(ctx context.Context, courseID, studentID uuid.UUID) (LearnerRow, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT student_id, display_name, completed, started_at, last_activity_at
		FROM course_learners WHERE course_id = $1 AND student_id = $2`, courseID, studentID)
	if err != nil {
		return LearnerRow{}, fmt.Errorf("store: dashboard learner: %w", err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[LearnerRow])
	if err != nil {
		return LearnerRow{}, fmt.Errorf("store: dashboard learner: %w", mapErr(err))
	}
	return r, nil
}

// LessonCompletion is one published lesson with a learner's completion time
// (nil when not completed).
type LessonCompletion struct {
	ID          uuid.UUID  `db:"id"`
	Number      int        `db:"number"`
	Title       string     `db:"title"`
	CompletedAt *time.Time `db:"completed_at"`
	// Quiz: the lesson has a quiz; BestScore is the learner's best score
	// in it (nil without an attempt); BeforeQuiz marks a completion made
	// before the lesson had its quiz (and no passing attempt since), which
	// stays complete.
	Quiz       bool `db:"quiz"`
	BestScore  *int `db:"best_score"`
	BeforeQuiz bool `db:"before_quiz"`
}

// LearnerLessons lists a course's published lessons with one learner's
// completion times: lessons LEFT JOIN that learner's progress, which RLS
// shows only to the learner, the course's editors and admins.
func (t *Tx) LearnerLessons(ctx context.Context, courseID, studentID uuid.UUID) ([]LessonCompletion, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT l.id, (row_number() OVER (ORDER BY l.position))::int AS number, l.title,
		       CASE WHEN p.completed THEN p.completed_at END AS completed_at,
		       z.lesson_id IS NOT NULL AS quiz,
		       (SELECT max(a.score) FROM quiz_attempts a WHERE a.student_id = $2 AND a.lesson_id = l.id) AS best_score,
		       coalesce(p.completed AND p.completed_at < z.active_since
		                AND NOT EXISTS (SELECT 1 FROM quiz_attempts a
		                                WHERE a.student_id = $2 AND a.lesson_id = l.id AND a.passed), false) AS before_quiz
		FROM lessons l
		LEFT JOIN student_progress p ON p.lesson_id = l.id AND p.student_id = $2
		LEFT JOIN quizzes z ON z.lesson_id = l.id AND z.active_since IS NOT NULL
		WHERE l.course_id = $1 AND l.published
		ORDER BY l.position`, courseID, studentID)
	if err != nil {
		return nil, fmt.Errorf("store: learner lessons: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[LessonCompletion])
	if err != nil {
		return nil, fmt.Errorf("store: learner lessons: %w", err)
	}
	return list, nil
}

// ExportRow is one learner's line of a course's CSV export.
type ExportRow struct {
	DisplayName    string
	Completed      int
	LastActivityAt time.Time
	// CompletedAt has one entry per published lesson, in lesson order: the
	// completion time, or nil.
	CompletedAt []*time.Time
	// BestScore and PassedAt have one entry per quiz asked for, in order:
	// the learner's best score and the time of their first passing
	// attempt, or nil.
	BestScore []*int
	PassedAt  []*time.Time
}

// ExportLearners streams every learner of a course, sorted by name, with
// their completion time of each lesson in lessonIDs and their best score
// and passed-at of each quiz lesson in quizIDs, calling fn once per learner
// as rows arrive: nothing is collected, so memory stays flat whatever the
// course's size. fn's error stops the export.
func (t *Tx) ExportLearners(ctx context.Context, courseID uuid.UUID, lessonIDs, quizIDs []uuid.UUID, fn func(ExportRow) error) error {
	rows, err := t.tx.Query(ctx, `
		SELECT cl.display_name, cl.completed, cl.last_activity_at,
		       ARRAY(SELECT CASE WHEN p.completed THEN p.completed_at END
		             FROM unnest($2::uuid[]) WITH ORDINALITY AS l(id, ord)
		             LEFT JOIN student_progress p ON p.lesson_id = l.id AND p.student_id = cl.student_id
		             ORDER BY l.ord) AS completed_at,
		       ARRAY(SELECT (SELECT max(a.score) FROM quiz_attempts a
		                     WHERE a.student_id = cl.student_id AND a.lesson_id = q.id)
		             FROM unnest($3::uuid[]) WITH ORDINALITY AS q(id, ord) ORDER BY q.ord) AS best_score,
		       ARRAY(SELECT (SELECT min(a.client_at) FROM quiz_attempts a
		                     WHERE a.student_id = cl.student_id AND a.lesson_id = q.id AND a.passed)
		             FROM unnest($3::uuid[]) WITH ORDINALITY AS q(id, ord) ORDER BY q.ord) AS passed_at
		FROM course_learners cl
		WHERE cl.course_id = $1
		ORDER BY lower(cl.display_name), cl.student_id`, courseID, lessonIDs, quizIDs)
	if err != nil {
		return fmt.Errorf("store: export learners: %w", err)
	}
	defer rows.Close()
	var r ExportRow
	for rows.Next() {
		if err := rows.Scan(&r.DisplayName, &r.Completed, &r.LastActivityAt, &r.CompletedAt, &r.BestScore, &r.PassedAt); err != nil {
			return fmt.Errorf("store: export learners: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: export learners: %w", mapErr(err))
	}
	return nil
}

// MyCourse is a course the caller has started, with their progress.
type MyCourse struct {
	ID           uuid.UUID  `db:"id"`
	Title        string     `db:"title"`
	Total        int        `db:"total"`
	Completed    int        `db:"completed"`
	LastActivity *time.Time `db:"last_activity"`
}

// MyCourses lists every course the caller has started (any progress row)
// that they can still read, most recent activity first, in one grouped
// query: published lessons LEFT JOIN the caller's progress.
func (t *Tx) MyCourses(ctx context.Context) ([]MyCourse, error) {
	rows, err := t.tx.Query(ctx, `
		WITH mine AS (
			SELECT DISTINCT l.course_id
			FROM student_progress sp JOIN lessons l ON l.id = sp.lesson_id
			WHERE sp.student_id = (SELECT current_user_id())
		)
		SELECT c.id, c.title,
		       count(l.id)::int AS total,
		       count(l.id) FILTER (WHERE p.completed)::int AS completed,
		       max(p.updated_at) AS last_activity
		FROM mine
		JOIN courses c ON c.id = mine.course_id
		LEFT JOIN lessons l ON l.course_id = c.id AND l.published
		LEFT JOIN student_progress p
		       ON p.lesson_id = l.id AND p.student_id = (SELECT current_user_id())
		GROUP BY c.id
		ORDER BY max(p.updated_at) DESC NULLS LAST, c.title, c.id`)
	if err != nil {
		return nil, fmt.Errorf("store: my courses: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[MyCourse])
	if err != nil {
		return nil, fmt.Errorf("store: my courses: %w", err)
	}
	return list, nil
}
