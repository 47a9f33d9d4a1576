package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// CourseSummary is a published course with the caller's progress in it.
type CourseSummary struct {
	ID          uuid.UUID `db:"id"`
	Title       string    `db:"title"`
	Description string    `db:"description"`
	// Lang is the content's language (a tag of internal/i18n).
	Lang      string `db:"lang"`
	Total     int    `db:"total"`
	Completed int    `db:"completed"`
}

// ListCoursesWithProgress returns every published course with the caller's
// progress, in one query: courses LEFT JOIN published lessons LEFT JOIN the
// caller's progress, grouped by course. Lessons never opened still count in
// Total; anonymous callers get Completed 0 everywhere. Courses in the
// language first (the reader's; "" for none) come first, then the others,
// each by title.
func (t *Tx) ListCoursesWithProgress(ctx context.Context, first string) ([]CourseSummary, error) {
	var list []CourseSummary
	err := collect(ctx, t, &list, "list courses", listCoursesSQL, first)
	return list, err
}

// CourseListing is a published course as the course list shows it: the
// same for every caller, so no progress in it.
type CourseListing struct {
	ID          uuid.UUID `db:"id"`
	Title       string    `db:"title"`
	Description string    `db:"description"`
	// Lang is the content's language (a tag of internal/i18n).
	Lang string `db:"lang"`
	// Lessons is the number of its published lessons.
	Lessons int `db:"lessons"`
}

// CoursePage selects a page of the course list.
type CoursePage struct {
	// First is the language whose courses come first (the reader's; ""
	// for none); Only keeps the courses in one language ("" for all).
	First, Only   string
	Offset, Limit int
}

// PublishedCoursePage queues one page of the published courses: those in
// p.First first, then the others, each by title; at most p.Limit of them
// after the first p.Offset, each with its count of published lessons (kept
// in course_lesson_counts by trigger), so a page costs the same whatever
// the number of courses and lessons.
func (b *Batch) PublishedCoursePage(p CoursePage, out *[]CourseListing) {
	_ = collect(context.Background(), b, out, "list a page of courses", coursePageSQL, p.Limit, p.Offset, p.First, p.Only)
}

const coursePageSQL = `
	SELECT c.id, c.title, c.description, c.lang,
	       coalesce((SELECT k.published FROM course_lesson_counts k WHERE k.course_id = c.id), 0) AS lessons
	FROM (SELECT id, title, description, lang FROM courses
	      WHERE published AND archived_at IS NULL AND ($4 = '' OR lang = $4)
	      ORDER BY lang = $3 DESC, title, id LIMIT $1 OFFSET $2) c
	ORDER BY c.lang = $3 DESC, c.title, c.id`

// PublishedCourseLanguages queues the languages of the published courses,
// for the course list's language links.
func (b *Batch) PublishedCourseLanguages(out *[]string) {
	_ = b.query(context.Background(), `
		SELECT DISTINCT lang FROM courses WHERE published AND archived_at IS NULL`, nil, func(rows pgx.Rows) error {
		langs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("store: course languages: %w", mapErr(err))
		}
		*out = langs
		return nil
	})
}

const listCoursesSQL = `
	SELECT c.id, c.title, c.description, c.lang,
	       count(l.id)::int AS total,
	       count(l.id) FILTER (WHERE p.completed)::int AS completed
	FROM courses c
	LEFT JOIN lessons l ON l.course_id = c.id AND l.published
	LEFT JOIN student_progress p
	       ON p.lesson_id = l.id AND p.student_id = (SELECT current_user_id())
	WHERE c.published AND c.archived_at IS NULL
	GROUP BY c.id
	ORDER BY c.lang = $1 DESC, c.title, c.id`

// Course is one course's own fields.
type Course struct {
	ID          uuid.UUID `db:"id"`
	Title       string    `db:"title"`
	Description string    `db:"description"`
	Lang        string    `db:"lang"`
	Published   bool      `db:"published"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// PublishedCourse returns a published course the caller can see.
func (t *Tx) PublishedCourse(ctx context.Context, id uuid.UUID) (Course, error) {
	var c Course
	err := one(ctx, t, &c, "course by id", publishedCourseSQL, id)
	return c, err
}

// PublishedCourse queues Tx.PublishedCourse into *out.
func (b *Batch) PublishedCourse(id uuid.UUID, out *Course) {
	_ = one(context.Background(), b, out, "course by id", publishedCourseSQL, id)
}

const publishedCourseSQL = `
	SELECT id, title, description, lang, published, updated_at
	FROM courses WHERE id = $1 AND published AND archived_at IS NULL`

// LessonItem is a lesson in a course's table of contents, with whether the
// caller has completed it.
type LessonItem struct {
	ID              uuid.UUID `db:"id"`
	Position        int       `db:"position"`
	Title           string    `db:"title"`
	DurationMinutes int       `db:"duration_minutes"`
	Completed       bool      `db:"completed"`
}

// PublishedLessons lists a course's published lessons in order with the
// caller's completion marks.
func (t *Tx) PublishedLessons(ctx context.Context, courseID uuid.UUID) ([]LessonItem, error) {
	var list []LessonItem
	err := collect(ctx, t, &list, "list lessons", publishedLessonsSQL, courseID)
	return list, err
}

// PublishedLessons queues Tx.PublishedLessons into *out.
func (b *Batch) PublishedLessons(courseID uuid.UUID, out *[]LessonItem) {
	_ = collect(context.Background(), b, out, "list lessons", publishedLessonsSQL, courseID)
}

const publishedLessonsSQL = `
	SELECT l.id, l.position, l.title, l.duration_minutes,
	       coalesce(p.completed, false) AS completed
	FROM lessons l
	LEFT JOIN student_progress p
	       ON p.lesson_id = l.id AND p.student_id = (SELECT current_user_id())
	WHERE l.course_id = $1 AND l.published
	ORDER BY l.position`

// Lesson is one published lesson with its neighbours and the caller's mark.
type Lesson struct {
	ID          uuid.UUID `db:"id"`
	CourseID    uuid.UUID `db:"course_id"`
	CourseTitle string    `db:"course_title"`
	// CourseLang is the language of the course's content.
	CourseLang string `db:"course_lang"`
	// Number is the lesson's place among the course's published lessons.
	Number int `db:"number"`
	// Total is the number of published lessons in the course.
	Total int    `db:"total"`
	Title string `db:"title"`
	Body  string `db:"body"`
	// BodyHTML is Body rendered at save time; empty for lessons saved before
	// Markdown, which are rendered when read.
	BodyHTML        string     `db:"body_html"`
	ContentURL      string     `db:"content_url"`
	DurationMinutes int        `db:"duration_minutes"`
	Completed       bool       `db:"completed"`
	PrevID          *uuid.UUID `db:"prev_id"`
	NextID          *uuid.UUID `db:"next_id"`
	UpdatedAt       time.Time  `db:"updated_at"`
}

// PublishedLesson returns a published lesson of a published course, with the
// previous and next published lessons of its course, in one query.
func (t *Tx) PublishedLesson(ctx context.Context, id uuid.UUID) (Lesson, error) {
	var l Lesson
	err := one(ctx, t, &l, "lesson by id", publishedLessonSQL, id)
	return l, err
}

// PublishedLesson queues Tx.PublishedLesson into *out.
func (b *Batch) PublishedLesson(id uuid.UUID, out *Lesson) {
	_ = one(context.Background(), b, out, "lesson by id", publishedLessonSQL, id)
}

const publishedLessonSQL = `
	WITH siblings AS (
		SELECT s.id, lag(s.id) OVER w AS prev_id, lead(s.id) OVER w AS next_id,
		       row_number() OVER w AS number
		FROM lessons s
		WHERE s.course_id = (SELECT course_id FROM lessons WHERE id = $1) AND s.published
		WINDOW w AS (ORDER BY s.position)
	)
	SELECT l.id, l.course_id, c.title AS course_title, c.lang AS course_lang, sb.number::int AS number,
	       (SELECT count(*) FROM siblings)::int AS total, l.title, l.body,
	       l.body_html, l.content_url, l.duration_minutes, coalesce(p.completed, false) AS completed,
	       sb.prev_id, sb.next_id, l.updated_at
	FROM lessons l
	JOIN courses c ON c.id = l.course_id AND c.published AND c.archived_at IS NULL
	JOIN siblings sb ON sb.id = l.id
	LEFT JOIN student_progress p
	       ON p.lesson_id = l.id AND p.student_id = (SELECT current_user_id())
	WHERE l.id = $1 AND l.published`

// NewCourse is a course to create.
type NewCourse struct {
	ID          uuid.UUID // zero: generated
	Title       string
	Description string
	// Lang is the content's language; "" is the author's (their stored
	// interface language, else English).
	Lang      string
	Published bool
}

// CreateCourse inserts a course created by the caller; volunteers and admins
// only (RLS refuses anyone else). With a fixed ID it does nothing when that
// course exists already, which keeps `fieldbook demo` idempotent; created
// reports whether a row was inserted.
func (t *Tx) CreateCourse(ctx context.Context, c NewCourse) (id uuid.UUID, created bool, err error) {
	if c.ID == uuid.Nil {
		c.ID = uuid.New()
	}
	tag, err := t.tx.Exec(ctx, `
		INSERT INTO courses (id, title, description, lang, published, created_by)
		VALUES ($1, $2, $3, coalesce(nullif($5, ''), current_user_lang()), $4, (SELECT current_user_id()))
		ON CONFLICT (id) DO NOTHING`, c.ID, c.Title, c.Description, c.Published, c.Lang)
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("store: create course: %w", mapErr(err))
	}
	return c.ID, tag.RowsAffected() == 1, nil
}

// NewLesson is a lesson to create at the end of a course.
type NewLesson struct {
	ID       uuid.UUID // zero: generated
	CourseID uuid.UUID
	Title    string
	Body     string
	// BodyHTML is Body rendered and sanitised by the caller.
	BodyHTML        string
	ContentURL      string
	DurationMinutes int
	Published       bool
}

// CreateLesson appends a lesson to a live course the caller edits (next free
// position; the course row is locked so concurrent appends take turns). An
// archived course is ErrArchived.
func (t *Tx) CreateLesson(ctx context.Context, l NewLesson) (uuid.UUID, error) {
	if l.ID == uuid.Nil {
		l.ID = uuid.New()
	}
	if err := t.lockLiveCourse(ctx, l.CourseID); err != nil {
		return uuid.Nil, fmt.Errorf("store: create lesson: %w", err)
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO lessons (id, course_id, position, title, body, body_html, content_url, duration_minutes, published, created_by)
		SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5, $6, $7, $8, (SELECT current_user_id())
		FROM lessons WHERE course_id = $2
		ON CONFLICT (id) DO NOTHING`,
		l.ID, l.CourseID, l.Title, l.Body, l.BodyHTML, l.ContentURL, l.DurationMinutes, l.Published)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: create lesson: %w", mapErr(err))
	}
	return l.ID, nil
}
