// Package benchdata holds the SQL of the measurement tooling (cmd/fieldbook-bench):
// the synthetic data set `make bench` and the dashboard measurements run on,
// and the bare upsert the sync endpoint is compared with. Production builds
// never import it.
package benchdata

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"fieldbook/internal/markdown"
)

// Spec sizes the data set `fieldbook-bench data` loads to measure the
// dashboard at scale.
type Spec struct {
	Courses  int
	Lessons  int // in all, spread evenly over the courses
	Learners int
	Progress int // progress rows in all (about)
	// Volunteers each edit an equal share of the courses.
	Volunteers int
	Seed       uint64
}

// Default is the full scale: 200 courses, 10k lessons, 100k learners, 5M
// progress rows.
var Default = Spec{Courses: 200, Lessons: 10000, Learners: 100000, Progress: 5000000, Volunteers: 20, Seed: 1}

var benchFirst = []string{"Amina", "Joseph", "Grace", "Peter", "Fatima", "John", "Mary", "Ibrahim", "Esther", "Daniel",
	"Zawadi", "Kofi", "Lena", "Samuel", "Halima", "David", "Ruth", "Musa", "Aisha", "Paul"}
var benchLast = []string{"Okafor", "Mensah", "Yusuf", "Otieno", "Banda", "Mwangi", "Diallo", "Nkosi", "Haddad", "Kamau",
	"Phiri", "Abebe", "Tshabalala", "Owusu", "Traore", "Chukwu", "Ndlovu", "Achieng", "Sesay", "Kariuki"}

// Small is BENCH_SCALE=small: a tenth of Default, for quick runs.
var Small = Spec{Courses: 20, Lessons: 1000, Learners: 10000, Progress: 500000, Volunteers: 20, Seed: 1}

// Generate loads a synthetic data set with COPY, as the schema
// owner: users, courses with editors, lessons and progress. Learners take one
// to three courses, the low-numbered ones far more often, and complete a
// prefix of their lessons, so course sizes are skewed as in real life. The
// progress table's triggers are off during the load (whatever they are
// called in the schema at hand: an older build's too); the dashboard
// counters are then rebuilt with the schema's own
// rebuild_dashboard_counters(). log gets one line per step.
func Generate(ctx context.Context, conn *pgx.Conn, spec Spec, log io.Writer) error {
	if spec.Courses < 1 || spec.Lessons < spec.Courses || spec.Learners < 1 || spec.Volunteers < 1 {
		return fmt.Errorf("benchdata: need at least 1 course, 1 lesson per course, 1 learner, 1 volunteer")
	}
	var users int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return fmt.Errorf("benchdata: %w", err)
	}
	if users > 0 {
		return fmt.Errorf("benchdata wants an empty database: this one has %d users", users)
	}
	g := &generator{conn: conn, spec: spec, rng: rand.New(rand.NewPCG(spec.Seed, spec.Seed*7+1)),
		log: log, start: time.Now(), now: time.Now().UTC()}
	for _, load := range []func(context.Context) error{g.users, g.courses, g.lessons, g.progress} {
		if err := load(ctx); err != nil {
			return err
		}
	}
	if err := RebuildDashboardCounters(ctx, conn); err != nil {
		return err
	}
	g.step("dashboard counters rebuilt")
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return fmt.Errorf("benchdata: vacuum: %w", err)
	}
	g.step("vacuum analyze done")
	return nil
}

// generator is one run of Generate: its random source and the ids each
// step leaves for the next.
type generator struct {
	conn       *pgx.Conn
	spec       Spec
	rng        *rand.Rand
	log        io.Writer
	start, now time.Time
	vols       []uuid.UUID
	learners   []uuid.UUID
	courseIDs  []uuid.UUID
	lessonIDs  [][]uuid.UUID // by course, in order
}

// noLogin is the password hash of every generated account: no password
// matches it.
const noLogin = "!bench-data-no-login"

func (g *generator) step(format string, args ...any) {
	fmt.Fprintf(g.log, "bench-data: %6.1fs "+format+"\n", append([]any{time.Since(g.start).Seconds()}, args...)...)
}

// users loads the volunteers (editors), then the learners.
func (g *generator) users(ctx context.Context) error {
	spec := g.spec
	g.vols = make([]uuid.UUID, spec.Volunteers)
	g.learners = make([]uuid.UUID, spec.Learners)
	joined := g.now.Add(-400 * 24 * time.Hour)
	n, err := g.conn.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "username", "display_name", "password_hash", "role", "created_at"},
		pgx.CopyFromSlice(spec.Volunteers+spec.Learners, func(i int) ([]any, error) {
			if i < spec.Volunteers {
				g.vols[i] = uuid.New()
				return []any{g.vols[i], fmt.Sprintf("bench-volunteer-%d", i+1), fmt.Sprintf("Bench Volunteer %d", i+1), noLogin, "volunteer", joined}, nil
			}
			j := i - spec.Volunteers
			g.learners[j] = uuid.New()
			name := fmt.Sprintf("%s %s %d", benchFirst[g.rng.IntN(len(benchFirst))], benchLast[g.rng.IntN(len(benchLast))], j+1)
			return []any{g.learners[j], fmt.Sprintf("bench-learner-%d", j+1), name, noLogin, "learner", joined}, nil
		}))
	if err != nil {
		return fmt.Errorf("benchdata: users: %w", err)
	}
	g.step("%d users", n)
	return nil
}

// courses loads the courses, each edited by the volunteer who made it.
func (g *generator) courses(ctx context.Context) error {
	g.courseIDs = make([]uuid.UUID, g.spec.Courses)
	created := g.now.Add(-365 * 24 * time.Hour)
	if _, err := g.conn.CopyFrom(ctx, pgx.Identifier{"courses"}, []string{"id", "title", "description", "published", "created_by", "created_at"},
		pgx.CopyFromSlice(g.spec.Courses, func(i int) ([]any, error) {
			g.courseIDs[i] = uuid.New()
			return []any{g.courseIDs[i], fmt.Sprintf("Bench course %d", i+1), "Generated for measurements.", true,
				g.vols[i%g.spec.Volunteers], created}, nil
		})); err != nil {
		return fmt.Errorf("benchdata: courses: %w", err)
	}
	if _, err := g.conn.Exec(ctx, `
		INSERT INTO course_editors (course_id, user_id, added_by)
		SELECT id, created_by, created_by FROM courses WHERE created_by IS NOT NULL
		ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("benchdata: editors: %w", err)
	}
	g.step("%d courses with editors", g.spec.Courses)
	return nil
}

// lessons loads the same number of published lessons into every course.
func (g *generator) lessons(ctx context.Context) error {
	per := g.spec.Lessons / g.spec.Courses
	g.lessonIDs = make([][]uuid.UUID, g.spec.Courses)
	// The body is rendered once, as the product does when a lesson is saved,
	// so a lesson view measures what it serves, not a Markdown render.
	const body = "Generated."
	bodyHTML, err := markdown.Render(body)
	if err != nil {
		return fmt.Errorf("benchdata: lesson body: %w", err)
	}
	if _, err := g.conn.CopyFrom(ctx, pgx.Identifier{"lessons"}, []string{"id", "course_id", "position", "title", "body", "body_html", "published"},
		pgx.CopyFromSlice(g.spec.Courses*per, func(i int) ([]any, error) {
			c, p := i/per, i%per
			id := uuid.New()
			g.lessonIDs[c] = append(g.lessonIDs[c], id)
			return []any{id, g.courseIDs[c], p + 1, fmt.Sprintf("Lesson %d of course %d", p+1, c+1), body, bodyHTML, true}, nil
		})); err != nil {
		return fmt.Errorf("benchdata: lessons: %w", err)
	}
	g.step("%d lessons", g.spec.Courses*per)
	return nil
}

// take is a learner's progress in a course: its first upto lessons.
type take struct{ learner, course, upto int }

// takes decides who takes which course and how far: each learner 1–3
// courses, skewed towards the first ones, a prefix of each; sized so the
// rows add up to spec.Progress.
func (g *generator) takes() []take {
	spec, per := g.spec, g.spec.Lessons/g.spec.Courses
	avgPrefix := float64(spec.Progress) / float64(spec.Learners) / 2
	pickCourse := func() int {
		// A course's share falls off like 1/(rank+1).
		x := g.rng.Float64()
		return min(spec.Courses-1, int(float64(spec.Courses)*x*x*x))
	}
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
		for range 1 + g.rng.IntN(3) {
			c := pickCourse()
			if seen[[2]int{l, c}] {
				continue
			}
			seen[[2]int{l, c}] = true
			upto := min(per, 1+int(g.rng.ExpFloat64()*avgPrefix))
			takes = append(takes, take{l, c, upto})
			rows += upto
		}
	}
	return takes
}

// progress loads the learners' progress with the progress table's triggers
// off (whatever they are called in the schema at hand).
func (g *generator) progress(ctx context.Context) error {
	if _, err := g.conn.Exec(ctx, `ALTER TABLE student_progress DISABLE TRIGGER USER`); err != nil {
		return fmt.Errorf("benchdata: %w", err)
	}
	defer g.conn.Exec(context.WithoutCancel(ctx), `ALTER TABLE student_progress ENABLE TRIGGER USER`) //nolint:errcheck
	takes := g.takes()
	ti, li := 0, 0
	total := 0
	n, err := g.conn.CopyFrom(ctx, pgx.Identifier{"student_progress"},
		[]string{"student_id", "lesson_id", "completed", "completed_at", "client_updated_at", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for ti < len(takes) && li >= takes[ti].upto {
				ti, li = ti+1, 0
			}
			if ti >= len(takes) || total >= g.spec.Progress {
				return nil, nil
			}
			tk := takes[ti]
			at := g.now.Add(-time.Duration(g.rng.Int64N(int64(90 * 24 * time.Hour))))
			// One in ten rows is a lesson opened and then marked not done.
			done := g.rng.IntN(10) != 0
			var doneAt any
			if done {
				doneAt = at
			}
			row := []any{g.learners[tk.learner], g.lessonIDs[tk.course][li], done, doneAt, at, at}
			li++
			total++
			return row, nil
		}))
	if err != nil {
		return fmt.Errorf("benchdata: progress: %w", err)
	}
	g.step("%d progress rows", n)
	return nil
}

// RebuildDashboardCounters recomputes the dashboard's counter tables from
// student_progress with the schema's rebuild_dashboard_counters(): after a
// bulk load that ran without the progress triggers. Needs the schema owner.
func RebuildDashboardCounters(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `SELECT rebuild_dashboard_counters()`)
	if err != nil {
		return fmt.Errorf("benchdata: rebuild dashboard counters: %w", err)
	}
	return nil
}

// World is what the load generator needs to know about a loaded data set.
type World struct {
	// Course is the course with the most learners: its pages and its
	// dashboard are the ones measured.
	Course   uuid.UUID
	Learners int
	// Lessons are Course's published lessons in order.
	Lessons []uuid.UUID
	// Editor is the username of one of Course's editors.
	Editor string
}

// LoadWorld finds the largest course, its lessons and an editor. It reads
// only tables every schema version since the dashboard has (an older build's
// database too).
func LoadWorld(ctx context.Context, conn *pgx.Conn) (World, error) {
	var w World
	if err := conn.QueryRow(ctx, `
		SELECT course_id, count(*)::int FROM course_learners
		GROUP BY course_id ORDER BY count(*) DESC, course_id LIMIT 1`).Scan(&w.Course, &w.Learners); err != nil {
		return w, fmt.Errorf("benchdata: largest course: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT id FROM lessons WHERE course_id = $1 AND published ORDER BY position`, w.Course)
	if err != nil {
		return w, fmt.Errorf("benchdata: lessons: %w", err)
	}
	if w.Lessons, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
		return w, fmt.Errorf("benchdata: lessons: %w", err)
	}
	if err := conn.QueryRow(ctx, `
		SELECT u.username FROM course_editors ce JOIN users u ON u.id = ce.user_id
		WHERE ce.course_id = $1 ORDER BY u.username LIMIT 1`, w.Course).Scan(&w.Editor); err != nil {
		return w, fmt.Errorf("benchdata: editor: %w", err)
	}
	return w, nil
}

// UserIDs maps usernames to account ids.
func UserIDs(ctx context.Context, conn *pgx.Conn, usernames []string) (map[string]uuid.UUID, error) {
	rows, err := conn.Query(ctx, `SELECT username, id FROM users WHERE username = ANY($1)`, usernames)
	if err != nil {
		return nil, fmt.Errorf("benchdata: user ids: %w", err)
	}
	out := map[string]uuid.UUID{}
	var name string
	var id uuid.UUID
	_, err = pgx.ForEachRow(rows, []any{&name, &id}, func() error { out[name] = id; return nil })
	if err != nil {
		return nil, fmt.Errorf("benchdata: user ids: %w", err)
	}
	return out, nil
}

// PrepareBareUpsert (re)creates bench_bare_progress: student_progress's
// columns, defaults, checks and indexes, and nothing else — no triggers, no
// foreign keys, no row-level security. The sync endpoint's throughput is
// compared with upserts into it.
func PrepareBareUpsert(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `
		DROP TABLE IF EXISTS bench_bare_progress;
		CREATE TABLE bench_bare_progress
			(LIKE student_progress INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`)
	if err != nil {
		return fmt.Errorf("benchdata: bare upsert table: %w", err)
	}
	return nil
}

// Querier is a pool or a connection.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// BareUpsert writes one learner's batch of changes into bench_bare_progress
// with one set-based statement, the later client time winning as in the
// product: the least a database can do for a sync batch.
func BareUpsert(ctx context.Context, q Querier, student uuid.UUID, lessons []uuid.UUID, completed []bool, at []time.Time) error {
	_, err := q.Exec(ctx, `
		INSERT INTO bench_bare_progress AS sp (student_id, lesson_id, completed, completed_at, client_updated_at)
		SELECT $1, i.lesson_id, i.completed, CASE WHEN i.completed THEN i.at END, i.at
		FROM unnest($2::uuid[], $3::bool[], $4::timestamptz[]) AS i(lesson_id, completed, at)
		ON CONFLICT (student_id, lesson_id) DO UPDATE
		SET completed = EXCLUDED.completed, completed_at = EXCLUDED.completed_at,
		    client_updated_at = EXCLUDED.client_updated_at
		WHERE sp.client_updated_at <= EXCLUDED.client_updated_at`, student, lessons, completed, at)
	if err != nil {
		return fmt.Errorf("benchdata: bare upsert: %w", err)
	}
	return nil
}
