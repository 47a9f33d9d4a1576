package store_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// env is one test's database reached two ways (storetest.Seed): the store
// over the production-like login role, and a superuser pool for setting up
// what the store cannot (unpublishing) and for reading rows behind RLS's
// back. Its accounts, courses and lessons are made by the Seed.
type env struct {
	seed  *storetest.Seed
	db    storetest.DB
	s     *store.Store
	owner *pgxpool.Pool
	n     int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	seed := storetest.NewSeedDB(t)
	return &env{seed: seed, db: seed.DB, s: seed.Store, owner: seed.Owner}
}

// user creates an account with role (a year old, see storetest.Seed.User)
// and returns it as a caller.
func (e *env) user(t *testing.T, role store.Role) store.Caller {
	t.Helper()
	e.n++
	return e.seed.User(t, role, fmt.Sprintf("%s%03d", role, e.n), fmt.Sprintf("%s %d", role, e.n), "env password").Caller
}

func (e *env) course(t *testing.T, by store.Caller, title string, published bool) uuid.UUID {
	t.Helper()
	return e.seed.Course(t, by, title, published).ID
}

func (e *env) lesson(t *testing.T, by store.Caller, courseID uuid.UUID, title string, published bool) uuid.UUID {
	t.Helper()
	return e.seed.Lesson(t, by, courseID, storetest.LessonSpec{Title: title, Published: published})
}

func (e *env) setCompleted(c store.Caller, lessonID uuid.UUID, done bool, at time.Time) (bool, error) {
	var applied bool
	err := e.s.InTx(context.Background(), c, func(tx *store.Tx) error {
		var err error
		applied, err = tx.SetLessonCompleted(context.Background(), lessonID, done, at)
		return err
	})
	return applied, err
}

func (e *env) mustSetCompleted(t *testing.T, c store.Caller, lessonID uuid.UUID, done bool, at time.Time) {
	t.Helper()
	applied, err := e.setCompleted(c, lessonID, done, at)
	if err != nil {
		t.Fatalf("set lesson %s completed=%v: %v", lessonID, done, err)
	}
	if !applied {
		t.Fatalf("set lesson %s completed=%v at %v: not applied", lessonID, done, at)
	}
}

// ownerExec runs SQL as the superuser, bypassing RLS.
func (e *env) ownerExec(t *testing.T, sql string, args ...any) {
	t.Helper()
	e.seed.Exec(t, sql, args...)
}

func (e *env) courseProgress(c store.Caller, courseID uuid.UUID) (store.Progress, error) {
	var p store.Progress
	err := e.s.ReadTx(context.Background(), c, func(tx *store.Tx) error {
		var err error
		p, err = tx.CourseProgress(context.Background(), courseID)
		return err
	})
	return p, err
}

func (e *env) listCourses(t *testing.T, c store.Caller) []store.CourseSummary {
	t.Helper()
	var list []store.CourseSummary
	err := e.s.ReadTx(t.Context(), c, func(tx *store.Tx) error {
		var err error
		list, err = tx.ListCoursesWithProgress(t.Context(), "")
		return err
	})
	if err != nil {
		t.Fatalf("list courses as %s: %v", c.Role, err)
	}
	return list
}

// progressRow is a student_progress row as the superuser sees it.
type progressRow struct {
	count           int
	completed       bool
	completedAt     *time.Time
	clientUpdatedAt time.Time
	serverNow       time.Time
}

func (e *env) progressRow(t *testing.T, student, lesson uuid.UUID) progressRow {
	t.Helper()
	var r progressRow
	err := e.owner.QueryRow(t.Context(), `
		SELECT (SELECT count(*) FROM student_progress WHERE student_id = $1 AND lesson_id = $2)::int,
		       coalesce(bool_or(completed), false), max(completed_at), coalesce(max(client_updated_at), 'epoch'), now()
		FROM student_progress WHERE student_id = $1 AND lesson_id = $2`, student, lesson).
		Scan(&r.count, &r.completed, &r.completedAt, &r.clientUpdatedAt, &r.serverNow)
	if err != nil {
		t.Fatalf("read progress row: %v", err)
	}
	return r
}

func TestCourseProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.user(t, store.RoleVolunteer)
	learner := e.user(t, store.RoleLearner)
	other := e.user(t, store.RoleLearner)
	base := time.Now().Add(-time.Hour)

	tests := []struct {
		name      string
		published []bool // one per lesson, as created
		complete  []int  // lessons the learner completes while published
		undo      []int  // then marks not completed again, later
		unpublish []int  // then the owner unpublishes
		wantTotal int
		wantDone  int
		wantPct   float64
	}{
		{name: "no lessons", wantTotal: 0, wantDone: 0, wantPct: 0},
		{name: "none done", published: []bool{true, true, true, true}, wantTotal: 4, wantDone: 0, wantPct: 0},
		{name: "some done", published: []bool{true, true, true, true}, complete: []int{0, 2}, wantTotal: 4, wantDone: 2, wantPct: 50},
		{name: "one of three", published: []bool{true, true, true}, complete: []int{1}, wantTotal: 3, wantDone: 1, wantPct: 100.0 / 3},
		{name: "all done", published: []bool{true, true, true, true}, complete: []int{0, 1, 2, 3}, wantTotal: 4, wantDone: 4, wantPct: 100},
		{name: "draft lessons not in total", published: []bool{true, false, true, false}, complete: []int{0}, wantTotal: 2, wantDone: 1, wantPct: 50},
		{name: "completed then unpublished", published: []bool{true, true, true, true}, complete: []int{0, 1, 2}, unpublish: []int{1, 2}, wantTotal: 2, wantDone: 1, wantPct: 50},
		{name: "every lesson unpublished after completion", published: []bool{true, true}, complete: []int{0, 1}, unpublish: []int{0, 1}, wantTotal: 0, wantDone: 0, wantPct: 0},
		{name: "toggled back to not complete", published: []bool{true, true, true, true}, complete: []int{0, 1, 2}, undo: []int{1, 2}, wantTotal: 4, wantDone: 1, wantPct: 25},
		{name: "all toggled back", published: []bool{true, true}, complete: []int{0, 1}, undo: []int{0, 1}, wantTotal: 2, wantDone: 0, wantPct: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			course := e.course(t, vol, tt.name, true)
			lessons := make([]uuid.UUID, len(tt.published))
			for i, pub := range tt.published {
				lessons[i] = e.lesson(t, vol, course, fmt.Sprintf("Lesson %d", i+1), pub)
				if pub {
					// Another learner's completions must never count.
					e.mustSetCompleted(t, other, lessons[i], true, base)
				}
			}
			for _, i := range tt.complete {
				e.mustSetCompleted(t, learner, lessons[i], true, base)
			}
			for _, i := range tt.undo {
				e.mustSetCompleted(t, learner, lessons[i], false, base.Add(time.Minute))
			}
			for _, i := range tt.unpublish {
				e.ownerExec(t, `UPDATE lessons SET published = false WHERE id = $1`, lessons[i])
			}

			got, err := e.courseProgress(learner, course)
			if err != nil {
				t.Fatal(err)
			}
			want := store.Progress{CourseID: course, Total: tt.wantTotal, Completed: tt.wantDone}
			if got != want {
				t.Errorf("learner progress = %+v, want %+v", got, want)
			}
			if math.Abs(got.Percentage()-tt.wantPct) > 1e-9 {
				t.Errorf("Percentage() = %v, want %v", got.Percentage(), tt.wantPct)
			}

			// Callers without progress here get the same total: anonymous,
			// and a volunteer, whose role can see the draft lessons.
			for _, c := range []store.Caller{store.Anonymous, vol} {
				got, err := e.courseProgress(c, course)
				if err != nil {
					t.Fatal(err)
				}
				if want := (store.Progress{CourseID: course, Total: tt.wantTotal}); got != want {
					t.Errorf("%s progress = %+v, want %+v", c.Role, got, want)
				}
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		draft := e.course(t, vol, "Draft course", false)
		e.lesson(t, vol, draft, "Published lesson in a draft course", true)
		unpublished := e.course(t, vol, "Later unpublished", true)
		l := e.lesson(t, vol, unpublished, "Lesson", true)
		e.mustSetCompleted(t, learner, l, true, base)
		e.ownerExec(t, `UPDATE courses SET published = false WHERE id = $1`, unpublished)

		for _, c := range []struct {
			name   string
			course uuid.UUID
		}{
			{"unknown course", uuid.New()},
			{"draft course", draft},
			{"course unpublished after progress", unpublished},
		} {
			for _, caller := range []store.Caller{learner, store.Anonymous, vol} {
				t.Run(c.name+"/"+string(caller.Role), func(t *testing.T) {
					p, err := e.courseProgress(caller, c.course)
					if !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("CourseProgress = %+v, %v; want ErrNotFound", p, err)
					}
				})
			}
		}
	})
}

// queryLog records the SQL a pool sends, to count round trips.
type queryLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sql = append(l.sql, data.SQL)
	return ctx
}

func (l *queryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// queries returns what was logged since the last call, without the
// transaction's own bookkeeping (begin, role switch, commit).
func (l *queryLog) queries() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, q := range l.sql {
		s := strings.ToLower(strings.TrimSpace(q))
		if strings.HasPrefix(s, "begin") || s == "commit" || s == "rollback" ||
			strings.HasPrefix(s, "select set_config('role'") {
			continue
		}
		out = append(out, q)
	}
	l.sql = nil
	return out
}

func TestListCoursesWithProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.user(t, store.RoleVolunteer)
	learner := e.user(t, store.RoleLearner)
	other := e.user(t, store.RoleLearner)
	base := time.Now().Add(-time.Hour)

	type lessonModel struct {
		id        uuid.UUID
		published bool
		done      bool
	}
	type courseModel struct {
		id      uuid.UUID
		title   string
		lessons []*lessonModel
	}
	const nCourses = 30
	var published []*courseModel
	for i := range nCourses {
		c := &courseModel{title: fmt.Sprintf("Course %02d", i)}
		c.id = e.course(t, vol, c.title, true)
		for j := range i % 7 { // 0 to 6 lessons
			l := &lessonModel{published: (i+j)%5 != 4}
			l.id = e.lesson(t, vol, c.id, fmt.Sprintf("Lesson %d", j+1), l.published)
			c.lessons = append(c.lessons, l)
			if !l.published {
				continue
			}
			e.mustSetCompleted(t, other, l.id, true, base)
			if (i*j)%3 == 0 {
				e.mustSetCompleted(t, learner, l.id, true, base)
				l.done = true
			}
		}
		published = append(published, c)
	}
	// Changes after the fact: some completions undone, some lessons
	// unpublished after the learner completed them.
	for i, c := range published {
		for _, l := range c.lessons {
			if !l.done {
				continue
			}
			switch i % 4 {
			case 1:
				e.mustSetCompleted(t, learner, l.id, false, base.Add(time.Minute))
				l.done = false
			case 2:
				e.ownerExec(t, `UPDATE lessons SET published = false WHERE id = $1`, l.id)
				l.published = false
			}
			break
		}
	}
	// Draft courses, one of them with progress from when it was published.
	drafts := map[uuid.UUID]bool{}
	for i := range 5 {
		id := e.course(t, vol, fmt.Sprintf("Course %02d draft", i), i == 0)
		l := e.lesson(t, vol, id, "Lesson", true)
		if i == 0 {
			e.mustSetCompleted(t, learner, l, true, base)
			e.ownerExec(t, `UPDATE courses SET published = false WHERE id = $1`, id)
		}
		drafts[id] = true
	}

	expect := func(anonymous bool) []store.CourseSummary {
		var want []store.CourseSummary
		for _, c := range published {
			s := store.CourseSummary{ID: c.id, Title: c.title, Description: "About " + c.title, Lang: "en"}
			for _, l := range c.lessons {
				if l.published {
					s.Total++
					if l.done && !anonymous {
						s.Completed++
					}
				}
			}
			want = append(want, s)
		}
		return want
	}
	var sawDone, sawEmpty bool
	for _, s := range expect(false) {
		sawDone = sawDone || s.Completed > 0
		sawEmpty = sawEmpty || s.Total == 0
	}
	if !sawDone || !sawEmpty {
		t.Fatal("fixture should include courses with progress and courses without lessons")
	}

	// A store whose pool logs every statement, to prove one query.
	cfg, err := pgxpool.ParseConfig(e.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	log := &queryLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	traced := store.New(pool)

	for _, tt := range []struct {
		name   string
		caller store.Caller
		want   []store.CourseSummary
	}{
		{"learner", learner, expect(false)},
		{"anonymous", store.Anonymous, expect(true)},
		{"volunteer without progress", vol, expect(true)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			log.queries()
			var got []store.CourseSummary
			err := traced.ReadTx(t.Context(), tt.caller, func(tx *store.Tx) error {
				var err error
				got, err = tx.ListCoursesWithProgress(t.Context(), "")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if q := log.queries(); len(q) != 1 {
				t.Errorf("ListCoursesWithProgress ran %d queries, want 1: %q", len(q), q)
			}
			for _, s := range got {
				if drafts[s.ID] {
					t.Errorf("unpublished course %q listed", s.Title)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d courses, want %d", len(got), len(tt.want))
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("course %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestSetLessonCompletedLastWriteWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.user(t, store.RoleVolunteer)
	learner := e.user(t, store.RoleLearner)
	course := e.course(t, vol, "Course", true)
	lesson := e.lesson(t, vol, course, "Lesson", true)
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Millisecond)

	steps := []struct {
		name        string
		done        bool
		at          time.Duration // client time, after base
		wantApplied bool
		wantDone    bool
		wantClient  time.Duration
		wantDoneAt  time.Duration // completed_at after base, when wantDone
	}{
		{"first completion", true, 10 * time.Minute, true, true, 10 * time.Minute, 10 * time.Minute},
		{"older un-completion loses", false, 0, false, true, 10 * time.Minute, 10 * time.Minute},
		// A replay of the same change is idempotent: same state, the
		// original completed_at kept. It reports applied, since no later
		// change won.
		{"replay of the same change", true, 10 * time.Minute, true, true, 10 * time.Minute, 10 * time.Minute},
		{"newer un-completion wins", false, 20 * time.Minute, true, false, 20 * time.Minute, 0},
		{"older completion loses", true, 15 * time.Minute, false, false, 20 * time.Minute, 0},
		{"replayed un-completion", false, 20 * time.Minute, true, false, 20 * time.Minute, 0},
		{"newer completion wins", true, 30 * time.Minute, true, true, 30 * time.Minute, 30 * time.Minute},
		{"newer re-completion keeps first completed_at", true, 40 * time.Minute, true, true, 40 * time.Minute, 30 * time.Minute},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			applied, err := e.setCompleted(learner, lesson, st.done, base.Add(st.at))
			if err != nil {
				t.Fatal(err)
			}
			if applied != st.wantApplied {
				t.Errorf("applied = %v, want %v", applied, st.wantApplied)
			}
			r := e.progressRow(t, learner.UserID, lesson)
			if r.count != 1 {
				t.Fatalf("%d progress rows, want 1", r.count)
			}
			if r.completed != st.wantDone {
				t.Errorf("completed = %v, want %v", r.completed, st.wantDone)
			}
			if want := base.Add(st.wantClient); !r.clientUpdatedAt.Equal(want) {
				t.Errorf("client_updated_at = %v, want %v", r.clientUpdatedAt, want)
			}
			switch {
			case !st.wantDone && r.completedAt != nil:
				t.Errorf("completed_at = %v, want NULL", *r.completedAt)
			case st.wantDone && r.completedAt == nil:
				t.Errorf("completed_at = NULL, want %v", base.Add(st.wantDoneAt))
			case st.wantDone && !r.completedAt.Equal(base.Add(st.wantDoneAt)):
				t.Errorf("completed_at = %v, want %v", *r.completedAt, base.Add(st.wantDoneAt))
			}
		})
	}
}

func TestSetLessonCompletedClampsFutureClientTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.user(t, store.RoleVolunteer)
	learner := e.user(t, store.RoleLearner)
	course := e.course(t, vol, "Course", true)

	tests := []struct {
		name    string
		ahead   time.Duration
		clamped bool
	}{
		{"a day ahead", 24 * time.Hour, true},
		{"an hour ahead", time.Hour, true},
		{"just past the allowed skew", store.FutureSkew + time.Minute, true},
		{"within the allowed skew", store.FutureSkew - 2*time.Minute, false},
		{"in the past", -time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lesson := e.lesson(t, vol, course, tt.name, true)
			clientAt := time.Now().Add(tt.ahead).Truncate(time.Millisecond)
			e.mustSetCompleted(t, learner, lesson, true, clientAt)
			r := e.progressRow(t, learner.UserID, lesson)
			if !r.completed || r.completedAt == nil {
				t.Fatalf("row = %+v, want completed", r)
			}
			if tt.clamped {
				if d := r.clientUpdatedAt.Sub(r.serverNow).Abs(); d > time.Minute {
					t.Errorf("client_updated_at = %v, %v from server now; want clamped to now", r.clientUpdatedAt, d)
				}
				if d := r.completedAt.Sub(r.serverNow).Abs(); d > time.Minute {
					t.Errorf("completed_at = %v, %v from server now; want clamped to now", *r.completedAt, d)
				}
			} else if !r.clientUpdatedAt.Equal(clientAt) {
				t.Errorf("client_updated_at = %v, want the client's %v", r.clientUpdatedAt, clientAt)
			}

			// A real change a moment later must win over a clamped future
			// time, and lose to an accepted one that is still ahead.
			applied, err := e.setCompleted(learner, lesson, false, time.Now().Add(time.Second))
			if err != nil {
				t.Fatal(err)
			}
			wantApplied := tt.clamped || tt.ahead < 0
			if applied != wantApplied {
				t.Errorf("later change applied = %v, want %v", applied, wantApplied)
			}
			if r := e.progressRow(t, learner.UserID, lesson); r.completed != !wantApplied {
				t.Errorf("after later change completed = %v, want %v", r.completed, !wantApplied)
			}
		})
	}
}

func TestSetLessonCompletedRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.user(t, store.RoleVolunteer)
	learner := e.user(t, store.RoleLearner)
	base := time.Now().Add(-time.Hour)

	pub := e.course(t, vol, "Published", true)
	published := e.lesson(t, vol, pub, "Published", true)
	draftLesson := e.lesson(t, vol, pub, "Draft lesson", false)
	draft := e.course(t, vol, "Draft", false)
	inDraftCourse := e.lesson(t, vol, draft, "Published lesson, draft course", true)
	laterDraft := e.lesson(t, vol, pub, "Unpublished after completion", true)
	e.mustSetCompleted(t, learner, laterDraft, true, base)
	e.ownerExec(t, `UPDATE lessons SET published = false WHERE id = $1`, laterDraft)
	laterDraftCourse := e.course(t, vol, "Course unpublished after completion", true)
	inLaterDraftCourse := e.lesson(t, vol, laterDraftCourse, "Lesson", true)
	e.mustSetCompleted(t, learner, inLaterDraftCourse, true, base)
	e.ownerExec(t, `UPDATE courses SET published = false WHERE id = $1`, laterDraftCourse)

	tests := []struct {
		name     string
		caller   store.Caller
		lesson   uuid.UUID
		wantErr  error
		wantRows int // the caller's rows for the lesson afterwards
	}{
		{"unknown lesson", learner, uuid.New(), store.ErrNotFound, 0},
		{"draft lesson", learner, draftLesson, store.ErrNotFound, 0},
		{"draft lesson, volunteer", vol, draftLesson, store.ErrNotFound, 0},
		{"lesson of a draft course", learner, inDraftCourse, store.ErrNotFound, 0},
		{"lesson of a draft course, volunteer", vol, inDraftCourse, store.ErrNotFound, 0},
		{"lesson unpublished after completion", learner, laterDraft, store.ErrNotFound, 1},
		{"course unpublished after completion", learner, inLaterDraftCourse, store.ErrNotFound, 1},
		{"anonymous caller", store.Anonymous, published, store.ErrForbidden, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			applied, err := e.setCompleted(tt.caller, tt.lesson, false, base.Add(time.Minute))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SetLessonCompleted = %v, %v; want %v", applied, err, tt.wantErr)
			}
			if applied {
				t.Error("applied = true on error")
			}
			r := e.progressRow(t, tt.caller.UserID, tt.lesson)
			if r.count != tt.wantRows {
				t.Errorf("%d progress rows, want %d", r.count, tt.wantRows)
			}
			if tt.wantRows == 1 && !r.completed {
				t.Error("refused change still un-completed the lesson")
			}
		})
	}
	var anonRows int
	if err := e.owner.QueryRow(t.Context(), `SELECT count(*) FROM student_progress WHERE student_id IS NULL`).Scan(&anonRows); err != nil {
		t.Fatal(err)
	}
	if anonRows != 0 {
		t.Errorf("%d progress rows without a student", anonRows)
	}
}

// TestProgressViewsAgree checks that the course list, a course's progress
// and its lesson list tell every caller the same story.
func TestProgressViewsAgree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.user(t, store.RoleVolunteer)
	learners := []store.Caller{e.user(t, store.RoleLearner), e.user(t, store.RoleLearner), e.user(t, store.RoleLearner)}
	base := time.Now().Add(-time.Hour)

	var courses []uuid.UUID
	for i := range 8 {
		c := e.course(t, vol, fmt.Sprintf("Course %d", i), true)
		courses = append(courses, c)
		for j := range i {
			l := e.lesson(t, vol, c, fmt.Sprintf("Lesson %d", j), j%4 != 3)
			if j%4 == 3 {
				continue
			}
			for k, learner := range learners {
				if (i+j+k)%2 == 0 {
					e.mustSetCompleted(t, learner, l, true, base)
				}
				if (i+j+k)%5 == 0 {
					e.mustSetCompleted(t, learner, l, false, base.Add(time.Minute))
				}
			}
			if j == 5 {
				e.ownerExec(t, `UPDATE lessons SET published = false WHERE id = $1`, l)
			}
		}
	}

	callers := append(slices.Clone(learners), store.Anonymous, vol)
	var sawProgress bool
	for _, caller := range callers {
		list := e.listCourses(t, caller)
		if len(list) != len(courses) {
			t.Fatalf("%s: listed %d courses, want %d", caller.Role, len(list), len(courses))
		}
		for _, s := range list {
			err := e.s.ReadTx(t.Context(), caller, func(tx *store.Tx) error {
				p, err := tx.CourseProgress(t.Context(), s.ID)
				if err != nil {
					return err
				}
				if p.Total != s.Total || p.Completed != s.Completed {
					t.Errorf("%s %q: CourseProgress %d/%d, list %d/%d",
						caller.Role, s.Title, p.Completed, p.Total, s.Completed, s.Total)
				}
				lessons, err := tx.PublishedLessons(t.Context(), s.ID)
				if err != nil {
					return err
				}
				done := 0
				for _, l := range lessons {
					if l.Completed {
						done++
					}
				}
				if len(lessons) != p.Total || done != p.Completed {
					t.Errorf("%s %q: PublishedLessons %d/%d, CourseProgress %d/%d",
						caller.Role, s.Title, done, len(lessons), p.Completed, p.Total)
				}
				sawProgress = sawProgress || p.Completed > 0
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if !sawProgress {
		t.Error("fixture produced no progress at all")
	}
}
