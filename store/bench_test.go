package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// benchWorld: 40 published courses of 25 lessons, one learner with half of
// them done; the hot read paths of the learner pages run against it.
func benchWorld(b *testing.B) (*store.Store, *pgx.Conn, store.Caller, uuid.UUID) {
	ctx := context.Background()
	db := storetest.NewDB(b)
	pool, err := store.Open(ctx, db.AppURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { owner.Close(context.Background()) })
	learner := store.Caller{UserID: uuid.New(), Role: store.RoleLearner}
	if _, err := owner.Exec(ctx, `INSERT INTO users (id, username, display_name, password_hash) VALUES ($1, 'benchlearner', 'B', 'h')`, learner.UserID); err != nil {
		b.Fatal(err)
	}
	var first uuid.UUID
	for c := 0; c < 40; c++ {
		var course uuid.UUID
		if err := owner.QueryRow(ctx, `INSERT INTO courses (title, published) VALUES ($1, true) RETURNING id`, fmt.Sprintf("Course %02d", c)).Scan(&course); err != nil {
			b.Fatal(err)
		}
		if c == 0 {
			first = course
		}
		if _, err := owner.Exec(ctx, `
			INSERT INTO lessons (course_id, position, title, body, published)
			SELECT $1, g, 'Lesson ' || g, repeat('text ', 300), true FROM generate_series(1, 25) g`, course); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := owner.Exec(ctx, `
		INSERT INTO student_progress (student_id, lesson_id, completed, completed_at, client_updated_at)
		SELECT $1, id, true, now(), now() FROM lessons WHERE position % 2 = 0`, learner.UserID); err != nil {
		b.Fatal(err)
	}
	return store.New(pool), owner, learner, first
}

// BenchmarkListCoursesWithProgress is the signed-in home page's query (one
// GROUP BY over every course), with the role switch, under RLS.
func BenchmarkListCoursesWithProgress(b *testing.B) {
	st, _, learner, _ := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := st.ReadTx(ctx, learner, func(tx *store.Tx) error {
			_, err := tx.ListCoursesWithProgress(ctx, "")
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCourseProgressRLS and BenchmarkCourseProgressOwner run the same
// progress query under the learner's role (RLS applies) and as the table
// owner without the switch: their ratio is the cost of RLS.
func BenchmarkCourseProgressRLS(b *testing.B) {
	st, _, learner, course := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := st.ReadTx(ctx, learner, func(tx *store.Tx) error {
			_, err := tx.CourseProgress(ctx, course)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCourseProgressOwner(b *testing.B) {
	_, owner, learner, course := benchWorld(b)
	ctx := context.Background()
	// The owner is a superuser here: no role switch, no policies; same SQL.
	const q = `
		SELECT count(l.id)::int, count(l.id) FILTER (WHERE p.completed)::int
		FROM courses c
		LEFT JOIN lessons l ON l.course_id = c.id AND l.published
		LEFT JOIN student_progress p ON p.lesson_id = l.id AND p.student_id = $2
		WHERE c.id = $1 AND c.published
		GROUP BY c.id`
	b.ReportAllocs()
	for b.Loop() {
		tx, err := owner.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var total, done int
		if err := tx.QueryRow(ctx, q, course, learner.UserID).Scan(&total, &done); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishedLesson is the lesson page's query.
func BenchmarkPublishedLesson(b *testing.B) {
	st, owner, learner, course := benchWorld(b)
	ctx := context.Background()
	var lesson uuid.UUID
	if err := owner.QueryRow(ctx, `SELECT id FROM lessons WHERE course_id = $1 AND position = 7`, course).Scan(&lesson); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := st.ReadTx(ctx, learner, func(tx *store.Tx) error {
			_, err := tx.PublishedLesson(ctx, lesson)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
