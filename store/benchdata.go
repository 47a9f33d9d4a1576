package store

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// BenchSpec sizes the data set `fieldbook bench-data` loads to measure the
// dashboard at scale.
type BenchSpec struct {
	Courses  int
	Lessons  int // in all, spread evenly over the courses
	Learners int
	Progress int // progress rows in all (about)
	// Volunteers each edit an equal share of the courses.
	Volunteers int
	Seed       uint64
}

// DefaultBenchSpec is the scale the issue names: 200 courses, 10k lessons,
// 100k learners, 5M progress rows.
var DefaultBenchSpec = BenchSpec{Courses: 200, Lessons: 10000, Learners: 100000, Progress: 5000000, Volunteers: 20, Seed: 1}

var benchFirst = []string{"Amina", "Joseph", "Grace", "Peter", "Fatima", "John", "Mary", "Ibrahim", "Esther", "Daniel",
	"Zawadi", "Kofi", "Lena", "Samuel", "Halima", "David", "Ruth", "Musa", "Aisha", "Paul"}
var benchLast = []string{"Okafor", "Mensah", "Yusuf", "Otieno", "Banda", "Mwangi", "Diallo", "Nkosi", "Haddad", "Kamau",
	"Phiri", "Abebe", "Tshabalala", "Owusu", "Traore", "Chukwu", "Ndlovu", "Achieng", "Sesay", "Kariuki"}

// GenerateBenchData loads a synthetic data set with COPY, as the schema
// owner: users, courses with editors, lessons and progress. Learners take one
// to three courses, the low-numbered ones far more often, and complete a
// prefix of their lessons, so course sizes are skewed as in real life. The
// progress trigger is off during the load; the dashboard counters are then
// rebuilt in one statement each. log gets one line per step.
func GenerateBenchData(ctx context.Context, conn *pgx.Conn, spec BenchSpec, log io.Writer) error {
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed*7+1))
	start := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(log, "bench-data: %6.1fs "+format+"\n", append([]any{time.Since(start).Seconds()}, args...)...)
	}
	if spec.Courses < 1 || spec.Lessons < spec.Courses || spec.Learners < 1 || spec.Volunteers < 1 {
		return fmt.Errorf("store: bench data: need at least 1 course, 1 lesson per course, 1 learner, 1 volunteer")
	}
	var users int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return fmt.Errorf("store: bench data: %w", err)
	}
	if users > 0 {
		return fmt.Errorf("store: bench data wants an empty database: this one has %d users", users)
	}
	now := time.Now().UTC()
	const hash = "!bench-data-no-login"

	// Volunteers (editors), then learners.
	vols := make([]uuid.UUID, spec.Volunteers)
	learners := make([]uuid.UUID, spec.Learners)
	names := make([]string, spec.Learners)
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "username", "display_name", "password_hash", "role"},
		pgx.CopyFromSlice(spec.Volunteers+spec.Learners, func(i int) ([]any, error) {
			if i < spec.Volunteers {
				vols[i] = uuid.New()
				return []any{vols[i], fmt.Sprintf("bench-volunteer-%d", i+1), fmt.Sprintf("Bench Volunteer %d", i+1), hash, "volunteer"}, nil
			}
			j := i - spec.Volunteers
			learners[j] = uuid.New()
			names[j] = fmt.Sprintf("%s %s %d", benchFirst[rng.IntN(len(benchFirst))], benchLast[rng.IntN(len(benchLast))], j+1)
			return []any{learners[j], fmt.Sprintf("bench-learner-%d", j+1), names[j], hash, "learner"}, nil
		}))
	if err != nil {
		return fmt.Errorf("store: bench data: users: %w", err)
	}
	step("%d users", n)

	courses := make([]uuid.UUID, spec.Courses)
	created := now.Add(-365 * 24 * time.Hour)
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"courses"}, []string{"id", "title", "description", "published", "created_by", "created_at"},
		pgx.CopyFromSlice(spec.Courses, func(i int) ([]any, error) {
			courses[i] = uuid.New()
			return []any{courses[i], fmt.Sprintf("Bench course %d", i+1), "Generated for measurements.", true,
				vols[i%spec.Volunteers], created}, nil
		})); err != nil {
		return fmt.Errorf("store: bench data: courses: %w", err)
	}
	if _, err := conn.Exec(ctx, `
		INSERT INTO course_editors (course_id, user_id, added_by)
		SELECT id, created_by, created_by FROM courses WHERE created_by IS NOT NULL
		ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("store: bench data: editors: %w", err)
	}
	step("%d courses with editors", spec.Courses)

	per := spec.Lessons / spec.Courses
	lessons := make([][]uuid.UUID, spec.Courses)
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"lessons"}, []string{"id", "course_id", "position", "title", "body", "published"},
		pgx.CopyFromSlice(spec.Courses*per, func(i int) ([]any, error) {
			c, p := i/per, i%per
			id := uuid.New()
			lessons[c] = append(lessons[c], id)
			return []any{id, courses[c], p + 1, fmt.Sprintf("Lesson %d of course %d", p+1, c+1), "Generated.", true}, nil
		})); err != nil {
		return fmt.Errorf("store: bench data: lessons: %w", err)
	}
	step("%d lessons", spec.Courses*per)

	// Each learner takes 1–3 courses, skewed towards the first ones, and
	// completes a prefix of each; sized so the rows add up to spec.Progress.
	avgPrefix := float64(spec.Progress) / float64(spec.Learners) / 2
	type take struct{ learner, course, upto int }
	pickCourse := func() int {
		// A course's share falls off like 1/(rank+1).
		x := rng.Float64()
		return min(spec.Courses-1, int(float64(spec.Courses)*x*x*x))
	}
	// The certificate triggers too: the bench data set issues none.
	if _, err := conn.Exec(ctx, `ALTER TABLE student_progress DISABLE TRIGGER student_progress_changed,
		DISABLE TRIGGER student_progress_certify_insert, DISABLE TRIGGER student_progress_certify_update`); err != nil {
		return fmt.Errorf("store: bench data: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `ALTER TABLE student_progress ENABLE TRIGGER student_progress_changed, `+ //nolint:errcheck
		`ENABLE TRIGGER student_progress_certify_insert, ENABLE TRIGGER student_progress_certify_update`)
	var takes []take
	rows := 0
	// Learners are visited round and round until the rows add up; a learner
	// takes each course at most once.
	seen := map[[2]int]bool{}
	passStart := 0
	for l := 0; rows < spec.Progress; l = (l + 1) % spec.Learners {
		if l == 0 {
			if passStart == rows && len(seen) > 0 {
				break // every learner has every course it can get
			}
			passStart = rows
		}
		k := 1 + rng.IntN(3)
		for range k {
			c := pickCourse()
			if seen[[2]int{l, c}] {
				continue
			}
			seen[[2]int{l, c}] = true
			upto := min(per, 1+int(rng.ExpFloat64()*avgPrefix))
			takes = append(takes, take{l, c, upto})
			rows += upto
		}
	}
	ti, li := 0, 0
	total := 0
	n, err = conn.CopyFrom(ctx, pgx.Identifier{"student_progress"},
		[]string{"student_id", "lesson_id", "completed", "completed_at", "client_updated_at", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for ti < len(takes) && li >= takes[ti].upto {
				ti, li = ti+1, 0
			}
			if ti >= len(takes) || total >= spec.Progress {
				return nil, nil
			}
			tk := takes[ti]
			at := now.Add(-time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
			// One in ten rows is a lesson opened and then marked not done.
			done := rng.IntN(10) != 0
			var doneAt any
			if done {
				doneAt = at
			}
			row := []any{learners[tk.learner], lessons[tk.course][li], done, doneAt, at, at}
			li++
			total++
			return row, nil
		}))
	if err != nil {
		return fmt.Errorf("store: bench data: progress: %w", err)
	}
	step("%d progress rows", n)
	if err := RebuildDashboardCounters(ctx, conn); err != nil {
		return err
	}
	step("dashboard counters rebuilt")
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE users, courses, lessons, course_editors, student_progress, course_learners, lesson_completions`); err != nil {
		return fmt.Errorf("store: bench data: vacuum: %w", err)
	}
	step("vacuum analyze done")
	return nil
}

// RebuildDashboardCounters recomputes course_learners and lesson_completions
// from student_progress with the migration's rebuild_dashboard_counters():
// after a bulk load that ran without the progress trigger. Needs the schema
// owner.
func RebuildDashboardCounters(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `SELECT rebuild_dashboard_counters()`)
	if err != nil {
		return fmt.Errorf("store: rebuild dashboard counters: %w", err)
	}
	return nil
}
