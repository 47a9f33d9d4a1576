package benchdata_test

import (
	"context"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"

	"fieldbook/store/benchdata"
	"fieldbook/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// A small data set loads whole: every account, course, editor and lesson,
// progress rows that are a prefix of each course a learner took and add up
// to no more than asked, and dashboard counters rebuilt to match them.
func TestGenerateSmallDataSet(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	spec := benchdata.Spec{Courses: 3, Lessons: 12, Learners: 20, Progress: 100, Volunteers: 2, Seed: 1}
	if err := benchdata.Generate(ctx, conn, spec, io.Discard); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM users WHERE role = 'volunteer'`:                                                        2,
		`SELECT count(*) FROM users WHERE role = 'learner'`:                                                          20,
		`SELECT count(*) FROM courses WHERE published`:                                                               3,
		`SELECT count(*) FROM course_editors`:                                                                        3,
		`SELECT count(*) FROM lessons WHERE published`:                                                               12,
		`SELECT count(DISTINCT position) FROM lessons`:                                                               4,
		`SELECT count(*) FROM pg_trigger WHERE NOT tgenabled::text = 'O' AND tgrelid = 'student_progress'::regclass`: 0,
	} {
		if got := count(q); got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
	if n := count(`SELECT count(*) FROM student_progress`); n == 0 || n > spec.Progress {
		t.Errorf("%d progress rows, want 1 to %d", n, spec.Progress)
	}
	// Each learner's rows in a course are its first lessons, without a gap.
	if gaps := count(`
		SELECT count(*) FROM (
			SELECT sp.student_id, l.course_id FROM student_progress sp JOIN lessons l ON l.id = sp.lesson_id
			GROUP BY 1, 2 HAVING max(l.position) <> count(*)) g`); gaps != 0 {
		t.Errorf("%d learner courses whose progress is not a prefix", gaps)
	}
	// The counters the progress triggers keep (off during the load) are
	// rebuilt: a learner per course taken, a completion count per learner.
	if n, want := count(`SELECT count(*) FROM course_learners`),
		count(`SELECT count(DISTINCT (sp.student_id, l.course_id)) FROM student_progress sp JOIN lessons l ON l.id = sp.lesson_id`); n != want {
		t.Errorf("course_learners has %d rows, want %d", n, want)
	}
	if n, want := count(`SELECT coalesce(sum(completed), 0)::int FROM course_learners`),
		count(`SELECT count(*) FROM student_progress WHERE completed`); n != want {
		t.Errorf("course_learners counts %d completions, want %d", n, want)
	}
	w, err := benchdata.LoadWorld(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Lessons) != 4 || w.Learners == 0 || w.Editor == "" {
		t.Errorf("largest course: %+v", w)
	}
	// Generating again refuses: the database is no longer empty.
	if err := benchdata.Generate(ctx, conn, spec, io.Discard); err == nil {
		t.Error("a second load into a loaded database was accepted")
	}
}
