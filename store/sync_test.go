package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// Short names for the outcomes, so the tables below read as a batch.
const (
	applied   = store.OutcomeApplied
	stale     = store.OutcomeStale
	duplicate = store.OutcomeDuplicate
	rejected  = store.OutcomeRejected
)

// change is a new change (fresh id) of lesson at base+at.
func change(lesson uuid.UUID, done bool, base time.Time, at time.Duration) store.Change {
	return store.Change{ID: uuid.New(), LessonID: lesson, Completed: done, At: base.Add(at)}
}

// apply runs ApplyChanges in one transaction for c, as the sync handler does.
func (e *env) apply(ctx context.Context, c store.Caller, changes []store.Change) ([]store.Outcome, error) {
	var out []store.Outcome
	err := e.s.InTx(ctx, c, func(tx *store.Tx) error {
		var err error
		out, err = tx.ApplyChanges(ctx, changes)
		return err
	})
	return out, err
}

func (e *env) mustApply(t *testing.T, c store.Caller, changes ...store.Change) []store.Outcome {
	t.Helper()
	out, err := e.apply(t.Context(), c, changes)
	if err != nil {
		t.Fatalf("ApplyChanges: %v", err)
	}
	if len(out) != len(changes) {
		t.Fatalf("ApplyChanges: %d outcomes for %d changes", len(out), len(changes))
	}
	return out
}

// changeRow is a progress_changes row as the superuser sees it.
type changeRow struct {
	studentID uuid.UUID
	lessonID  uuid.UUID
	completed bool
	clientAt  time.Time
	outcome   string
}

// changeRows is every recorded change, by id.
func (e *env) changeRows(t *testing.T) map[uuid.UUID]changeRow {
	t.Helper()
	rows, err := e.owner.Query(t.Context(),
		`SELECT id, student_id, lesson_id, completed, client_at, outcome FROM progress_changes`)
	if err != nil {
		t.Fatalf("read progress_changes: %v", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]changeRow{}
	for rows.Next() {
		var id uuid.UUID
		var r changeRow
		if err := rows.Scan(&id, &r.studentID, &r.lessonID, &r.completed, &r.clientAt, &r.outcome); err != nil {
			t.Fatalf("read progress_changes: %v", err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read progress_changes: %v", err)
	}
	return out
}

// changeRowOf is one learner's record of a change id.
func (e *env) changeRowOf(t *testing.T, student, id uuid.UUID) changeRow {
	t.Helper()
	var r changeRow
	err := e.owner.QueryRow(t.Context(),
		`SELECT student_id, lesson_id, completed, client_at, outcome FROM progress_changes
		 WHERE student_id = $1 AND id = $2`, student, id).Scan(&r.studentID, &r.lessonID, &r.completed, &r.clientAt, &r.outcome)
	if err != nil {
		t.Fatalf("read change %s of %s: %v", id, student, err)
	}
	return r
}

// dumpTable is every row of table as text, every column included
// (updated_at, received_at too), in a stable order: "nothing changed" means
// two dumps are equal.
func (e *env) dumpTable(t testing.TB, table string) string {
	t.Helper()
	var s string
	err := e.owner.QueryRow(context.Background(),
		`SELECT coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '') FROM `+table+` x`).Scan(&s)
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	return table + ":\n" + s + "\n"
}

// dump is dumpTable of both progress tables.
func (e *env) dump(t testing.TB) string {
	t.Helper()
	return e.dumpTable(t, "student_progress") + e.dumpTable(t, "progress_changes")
}

// checkRecorded checks that exactly the changes in want (id → outcome) of
// student are recorded, each with the lesson, mark and client time it was
// sent with.
func checkRecorded(t *testing.T, got map[uuid.UUID]changeRow, student uuid.UUID, sent []store.Change, want map[uuid.UUID]store.Outcome) {
	t.Helper()
	byID := map[uuid.UUID]store.Change{}
	for _, c := range sent {
		if _, ok := byID[c.ID]; !ok {
			byID[c.ID] = c // the first occurrence is the one that counts
		}
	}
	n := 0
	for id, r := range got {
		if r.studentID != student {
			continue
		}
		n++
		w, ok := want[id]
		if !ok {
			t.Errorf("change %s recorded (%s), want it not recorded", id, r.outcome)
			continue
		}
		if r.outcome != string(w) {
			t.Errorf("change %s recorded as %s, want %s", id, r.outcome, w)
		}
		if c, ok := byID[id]; ok {
			if r.lessonID != c.LessonID || r.completed != c.Completed || !r.clientAt.Equal(c.At) {
				t.Errorf("change %s recorded as lesson %s completed=%v at %v; sent lesson %s completed=%v at %v",
					id, r.lessonID, r.completed, r.clientAt, c.LessonID, c.Completed, c.At)
			}
		}
	}
	for id, w := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("change %s (%s) not recorded", id, w)
		}
	}
	if n != len(want) {
		t.Errorf("%d changes recorded for the student, want %d", n, len(want))
	}
}

// checkProgress checks the student's one row for lesson: completed or not,
// the client time that won, and (when completed) completed_at.
func (e *env) checkProgress(t *testing.T, student, lesson uuid.UUID, done bool, clientAt, doneAt time.Time) {
	t.Helper()
	r := e.progressRow(t, student, lesson)
	if r.count != 1 {
		t.Fatalf("lesson %s: %d progress rows, want 1", lesson, r.count)
	}
	if r.completed != done {
		t.Errorf("lesson %s: completed = %v, want %v", lesson, r.completed, done)
	}
	if !r.clientUpdatedAt.Equal(clientAt) {
		t.Errorf("lesson %s: client_updated_at = %v, want %v", lesson, r.clientUpdatedAt, clientAt)
	}
	switch {
	case !done && r.completedAt != nil:
		t.Errorf("lesson %s: completed_at = %v, want NULL", lesson, *r.completedAt)
	case done && (r.completedAt == nil || !r.completedAt.Equal(doneAt)):
		t.Errorf("lesson %s: completed_at = %v, want %v", lesson, r.completedAt, doneAt)
	}
}

// syncFixture is a learner and lessons to sync against.
type syncFixture struct {
	e             *env
	vol, learner  store.Caller
	course        uuid.UUID
	lessons       []uuid.UUID // published lessons of a published course
	draftLesson   uuid.UUID   // unpublished lesson of course
	inDraftCourse uuid.UUID   // published lesson of an unpublished course
	base          time.Time
}

func newSyncFixture(t *testing.T, nLessons int) *syncFixture {
	t.Helper()
	e := newEnv(t)
	f := &syncFixture{e: e, vol: e.user(t, store.RoleVolunteer), learner: e.user(t, store.RoleLearner)}
	f.course = e.course(t, f.vol, "Course", true)
	for i := range nLessons {
		f.lessons = append(f.lessons, e.lesson(t, f.vol, f.course, fmt.Sprintf("Lesson %d", i+1), true))
	}
	f.draftLesson = e.lesson(t, f.vol, f.course, "Draft lesson", false)
	draft := e.course(t, f.vol, "Draft course", false)
	f.inDraftCourse = e.lesson(t, f.vol, draft, "Published lesson of a draft course", true)
	// Millisecond precision: PostgreSQL keeps microseconds, Go nanoseconds.
	f.base = time.Now().Add(-2 * time.Hour).Truncate(time.Millisecond)
	return f
}

func TestApplyChangesMixedBatchInInputOrder(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 5)
	e, l, base := f.e, f.lessons, f.base

	// Sent and applied in an earlier batch.
	prior := change(l[2], true, base, 30*time.Minute)
	if got := e.mustApply(t, f.learner, prior); !slices.Equal(got, []store.Outcome{applied}) {
		t.Fatalf("earlier batch = %v, want [applied]", got)
	}

	first := change(l[0], true, base, 10*time.Minute)
	batch := []struct {
		why  string
		c    store.Change
		want store.Outcome
	}{
		{"new completion", first, applied},
		{"unknown lesson", change(uuid.New(), true, base, 10*time.Minute), rejected},
		{"older than the stored change", change(l[2], false, base, 20*time.Minute), stale},
		{"sent in an earlier batch", prior, duplicate},
		{"the later of two for one lesson", change(l[1], true, base, 15*time.Minute), applied},
		{"draft lesson", change(f.draftLesson, true, base, 10*time.Minute), rejected},
		{"the earlier of two for one lesson", change(l[1], false, base, 5*time.Minute), stale},
		{"repeated inside the batch", first, duplicate},
		{"lesson of a draft course", change(f.inDraftCourse, true, base, 10*time.Minute), rejected},
		{"new un-completion of a lesson never opened", change(l[3], false, base, time.Minute), applied},
		{"new completion, last", change(l[4], true, base, 2*time.Minute), applied},
	}
	var changes []store.Change
	var want []store.Outcome
	for _, b := range batch {
		changes = append(changes, b.c)
		want = append(want, b.want)
	}
	got := e.mustApply(t, f.learner, changes...)
	for i, b := range batch {
		if got[i] != b.want {
			t.Errorf("change %d (%s) = %s, want %s", i, b.why, got[i], b.want)
		}
	}

	e.checkProgress(t, f.learner.UserID, l[0], true, base.Add(10*time.Minute), base.Add(10*time.Minute))
	e.checkProgress(t, f.learner.UserID, l[1], true, base.Add(15*time.Minute), base.Add(15*time.Minute))
	e.checkProgress(t, f.learner.UserID, l[2], true, base.Add(30*time.Minute), base.Add(30*time.Minute))
	e.checkProgress(t, f.learner.UserID, l[3], false, base.Add(time.Minute), time.Time{})
	e.checkProgress(t, f.learner.UserID, l[4], true, base.Add(2*time.Minute), base.Add(2*time.Minute))
	for _, lesson := range []uuid.UUID{f.draftLesson, f.inDraftCourse, batch[1].c.LessonID} {
		if r := e.progressRow(t, f.learner.UserID, lesson); r.count != 0 {
			t.Errorf("rejected lesson %s has %d progress rows", lesson, r.count)
		}
	}

	recorded := map[uuid.UUID]store.Outcome{prior.ID: applied}
	for _, b := range batch {
		if b.want == applied || b.want == stale {
			recorded[b.c.ID] = b.want
		}
	}
	checkRecorded(t, e.changeRows(t), f.learner.UserID, append(changes, prior), recorded)
}

func TestApplyChangesReplayChangesNothing(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 3)
	e, l, base := f.e, f.lessons, f.base

	batch := []store.Change{
		change(l[0], true, base, 10*time.Minute),
		change(l[0], false, base, 5*time.Minute), // stale
		change(l[1], true, base, 10*time.Minute),
		change(l[1], false, base, 20*time.Minute),
		change(l[2], true, base, time.Minute),
		change(uuid.New(), true, base, time.Minute), // rejected
	}
	first := e.mustApply(t, f.learner, batch...)
	if want := []store.Outcome{applied, stale, stale, applied, applied, rejected}; !slices.Equal(first, want) {
		t.Fatalf("first application = %v, want %v", first, want)
	}
	before := e.dump(t)
	allDup := []store.Outcome{duplicate, duplicate, duplicate, duplicate, duplicate, rejected}

	t.Run("same batch", func(t *testing.T) {
		if got := e.mustApply(t, f.learner, batch...); !slices.Equal(got, allDup) {
			t.Errorf("replay = %v, want %v", got, allDup)
		}
		if after := e.dump(t); after != before {
			t.Errorf("the replay changed the tables:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
	t.Run("same batch reversed", func(t *testing.T) {
		rev := slices.Clone(batch)
		slices.Reverse(rev)
		want := slices.Clone(allDup)
		slices.Reverse(want)
		if got := e.mustApply(t, f.learner, rev...); !slices.Equal(got, want) {
			t.Errorf("replay = %v, want %v", got, want)
		}
		if after := e.dump(t); after != before {
			t.Errorf("the replay changed the tables:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
	t.Run("after a newer change", func(t *testing.T) {
		newer := change(l[2], false, base, time.Hour)
		if got := e.mustApply(t, f.learner, newer); !slices.Equal(got, []store.Outcome{applied}) {
			t.Fatalf("newer change = %v, want [applied]", got)
		}
		mid := e.dump(t)
		// The replayed completion of l[2] is older than the newer change: it
		// is still a duplicate, not a stale change, and undoes nothing.
		if got := e.mustApply(t, f.learner, batch...); !slices.Equal(got, allDup) {
			t.Errorf("replay = %v, want %v", got, allDup)
		}
		if after := e.dump(t); after != mid {
			t.Errorf("the replay changed the tables:\nbefore:\n%s\nafter:\n%s", mid, after)
		}
		e.checkProgress(t, f.learner.UserID, l[2], false, base.Add(time.Hour), time.Time{})
	})
}

func TestApplyChangesRepeatedIDInBatch(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 3)
	e, l, base := f.e, f.lessons, f.base

	t.Run("same change twice", func(t *testing.T) {
		c := change(l[0], true, base, 10*time.Minute)
		if got := e.mustApply(t, f.learner, c, c); !slices.Equal(got, []store.Outcome{applied, duplicate}) {
			t.Errorf("outcomes = %v, want [applied duplicate]", got)
		}
		e.checkProgress(t, f.learner.UserID, l[0], true, c.At, c.At)
	})
	t.Run("same id, different content", func(t *testing.T) {
		// The first occurrence counts; the second is a duplicate even though
		// it is later and says the opposite.
		c := change(l[1], true, base, 10*time.Minute)
		other := store.Change{ID: c.ID, LessonID: l[1], Completed: false, At: base.Add(20 * time.Minute)}
		if got := e.mustApply(t, f.learner, c, other); !slices.Equal(got, []store.Outcome{applied, duplicate}) {
			t.Errorf("outcomes = %v, want [applied duplicate]", got)
		}
		e.checkProgress(t, f.learner.UserID, l[1], true, c.At, c.At)
	})
	t.Run("three times among others", func(t *testing.T) {
		c := change(l[2], true, base, 10*time.Minute)
		o1 := change(l[2], false, base, 5*time.Minute)
		o2 := change(l[0], false, base, 30*time.Minute)
		got := e.mustApply(t, f.learner, c, o1, c, o2, c)
		if want := []store.Outcome{applied, stale, duplicate, applied, duplicate}; !slices.Equal(got, want) {
			t.Errorf("outcomes = %v, want %v", got, want)
		}
		e.checkProgress(t, f.learner.UserID, l[2], true, c.At, c.At)
		e.checkProgress(t, f.learner.UserID, l[0], false, o2.At, time.Time{})
	})

	var n int
	if err := e.owner.QueryRow(t.Context(), `SELECT count(*) FROM progress_changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 5 { // c, c, c+o1+o2: each id once
		t.Errorf("%d changes recorded, want 5", n)
	}
}

func TestApplyChangesSameLessonInBatch(t *testing.T) {
	t.Parallel()
	const min = time.Minute
	tests := []struct {
		name     string
		stored   bool          // a change applied in an earlier batch:
		storedAt time.Duration // a completion at this time
		done     []bool
		at       []time.Duration
		want     []store.Outcome
		wantDone bool
		wantAt   time.Duration // the client time that won
		doneAt   time.Duration // completed_at, when wantDone
	}{
		{name: "earlier first", done: []bool{true, false}, at: []time.Duration{10 * min, 20 * min},
			want: []store.Outcome{stale, applied}, wantDone: false, wantAt: 20 * min},
		{name: "later first", done: []bool{false, true}, at: []time.Duration{20 * min, 10 * min},
			want: []store.Outcome{applied, stale}, wantDone: false, wantAt: 20 * min},
		{name: "completion later first", done: []bool{true, false}, at: []time.Duration{20 * min, 10 * min},
			want: []store.Outcome{applied, stale}, wantDone: true, wantAt: 20 * min, doneAt: 20 * min},
		{name: "latest in the middle", done: []bool{true, true, false}, at: []time.Duration{10 * min, 30 * min, 20 * min},
			want: []store.Outcome{stale, applied, stale}, wantDone: true, wantAt: 30 * min, doneAt: 30 * min},
		{name: "both older than the stored change", stored: true, storedAt: 40 * min,
			done: []bool{false, false}, at: []time.Duration{10 * min, 20 * min},
			want: []store.Outcome{stale, stale}, wantDone: true, wantAt: 40 * min, doneAt: 40 * min},
		{name: "one older, one newer than the stored change", stored: true, storedAt: 15 * min,
			done: []bool{false, false}, at: []time.Duration{20 * min, 10 * min},
			want: []store.Outcome{applied, stale}, wantDone: false, wantAt: 20 * min},
		{name: "re-completion keeps the first completed_at", stored: true, storedAt: 5 * min,
			done: []bool{true, true}, at: []time.Duration{10 * min, 30 * min},
			want: []store.Outcome{stale, applied}, wantDone: true, wantAt: 30 * min, doneAt: 5 * min},
	}
	f := newSyncFixture(t, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, lesson := f.e, f.lessons[i]
			want := map[uuid.UUID]store.Outcome{}
			var sent []store.Change
			if tt.stored {
				s := change(lesson, true, f.base, tt.storedAt)
				e.mustApply(t, f.learner, s)
				want[s.ID] = applied
				sent = append(sent, s)
			}
			var batch []store.Change
			for j := range tt.done {
				c := change(lesson, tt.done[j], f.base, tt.at[j])
				batch = append(batch, c)
				want[c.ID] = tt.want[j]
			}
			sent = append(sent, batch...)
			if got := e.mustApply(t, f.learner, batch...); !slices.Equal(got, tt.want) {
				t.Errorf("outcomes = %v, want %v", got, tt.want)
			}
			e.checkProgress(t, f.learner.UserID, lesson, tt.wantDone, f.base.Add(tt.wantAt), f.base.Add(tt.doneAt))

			all := e.changeRows(t)
			mine := map[uuid.UUID]changeRow{}
			for id, r := range all {
				if r.lessonID == lesson {
					mine[id] = r
				}
			}
			checkRecorded(t, mine, f.learner.UserID, sent, want)
		})
	}
}

// TestApplyChangesAgainstStoredProgress mixes the two ways progress is
// written: the completion form (SetLessonCompleted) and the sync batch.
func TestApplyChangesAgainstStoredProgress(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 1)
	e, lesson, base := f.e, f.lessons[0], f.base

	e.mustSetCompleted(t, f.learner, lesson, true, base.Add(20*time.Minute))
	// The form goes through the same statement, so its change is recorded too.
	formRows := e.changeRows(t)
	if len(formRows) != 1 {
		t.Fatalf("the form completion left %d change records, want 1", len(formRows))
	}
	for _, r := range formRows {
		if r.studentID != f.learner.UserID || r.outcome != "applied" {
			t.Fatalf("the form completion's record: %+v", r)
		}
	}
	before := e.dumpTable(t, "student_progress")

	older := change(lesson, false, base, 10*time.Minute)
	if got := e.mustApply(t, f.learner, older); !slices.Equal(got, []store.Outcome{stale}) {
		t.Fatalf("older change = %v, want [stale]", got)
	}
	e.checkProgress(t, f.learner.UserID, lesson, true, base.Add(20*time.Minute), base.Add(20*time.Minute))
	if after := e.dumpTable(t, "student_progress"); after != before {
		t.Errorf("a stale change touched student_progress:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	newer := change(lesson, false, base, 30*time.Minute)
	if got := e.mustApply(t, f.learner, newer); !slices.Equal(got, []store.Outcome{applied}) {
		t.Fatalf("newer change = %v, want [applied]", got)
	}
	e.checkProgress(t, f.learner.UserID, lesson, false, base.Add(30*time.Minute), time.Time{})
	synced := e.changeRows(t)
	for id := range formRows {
		delete(synced, id)
	}
	checkRecorded(t, synced, f.learner.UserID, []store.Change{older, newer},
		map[uuid.UUID]store.Outcome{older.ID: stale, newer.ID: applied})

	// And the form loses to the synced change when it is older.
	ok, err := e.setCompleted(f.learner, lesson, true, base.Add(25*time.Minute))
	if err != nil || ok {
		t.Errorf("older form completion after sync: applied=%v err=%v, want not applied", ok, err)
	}
}

func TestApplyChangesClampsFutureTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ahead   time.Duration
		clamped bool
	}{
		{"a year ahead", 365 * 24 * time.Hour, true},
		{"a day ahead", 24 * time.Hour, true},
		{"just past the allowed skew", store.FutureSkew + time.Minute, true},
		{"within the allowed skew", store.FutureSkew - 2*time.Minute, false},
		{"in the past", -time.Hour, false},
	}
	f := newSyncFixture(t, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, lesson := f.e, f.lessons[i]
			c := store.Change{ID: uuid.New(), LessonID: lesson, Completed: true,
				At: time.Now().Add(tt.ahead).Truncate(time.Millisecond)}
			if got := e.mustApply(t, f.learner, c); !slices.Equal(got, []store.Outcome{applied}) {
				t.Fatalf("outcomes = %v, want [applied]", got)
			}
			r := e.progressRow(t, f.learner.UserID, lesson)
			rec, ok := e.changeRows(t)[c.ID]
			if !ok {
				t.Fatal("change not recorded")
			}
			if !r.completed || r.completedAt == nil {
				t.Fatalf("row = %+v, want completed", r)
			}
			if tt.clamped {
				for what, v := range map[string]time.Time{
					"progress_changes.client_at":         rec.clientAt,
					"student_progress.client_updated_at": r.clientUpdatedAt,
					"student_progress.completed_at":      *r.completedAt,
				} {
					if d := v.Sub(r.serverNow).Abs(); d > time.Minute {
						t.Errorf("%s = %v, %v from server now; want clamped to now", what, v, d)
					}
				}
			} else {
				if !rec.clientAt.Equal(c.At) || !r.clientUpdatedAt.Equal(c.At) {
					t.Errorf("client_at %v, client_updated_at %v; want the client's %v", rec.clientAt, r.clientUpdatedAt, c.At)
				}
			}

			// A real change a moment later wins over a clamped time, and
			// loses to an accepted one that is still ahead.
			later := store.Change{ID: uuid.New(), LessonID: lesson, Completed: false, At: time.Now().Add(time.Second)}
			want := stale
			if tt.clamped || tt.ahead < 0 {
				want = applied
			}
			if got := e.mustApply(t, f.learner, later); !slices.Equal(got, []store.Outcome{want}) {
				t.Errorf("a later change = %v, want [%s]", got, want)
			}
		})
	}
}

func TestApplyChangesRejectsInvisibleLessons(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 3)
	e, l, base := f.e, f.lessons, f.base

	// Completed while published, then unpublished (lesson and course).
	laterDraft := l[1]
	e.mustApply(t, f.learner, change(laterDraft, true, base, time.Minute))
	e.ownerExec(t, `UPDATE lessons SET published = false WHERE id = $1`, laterDraft)
	laterDraftCourse := e.course(t, f.vol, "Course unpublished later", true)
	inLaterDraftCourse := e.lesson(t, f.vol, laterDraftCourse, "Lesson", true)
	e.mustApply(t, f.learner, change(inLaterDraftCourse, true, base, time.Minute))
	e.ownerExec(t, `UPDATE courses SET published = false WHERE id = $1`, laterDraftCourse)
	deleted := e.lesson(t, f.vol, f.course, "Deleted", true)
	e.ownerExec(t, `DELETE FROM lessons WHERE id = $1`, deleted)

	for _, caller := range []struct {
		name string
		c    store.Caller
	}{{"learner", f.learner}, {"volunteer, who can see drafts", f.vol}} {
		t.Run(caller.name, func(t *testing.T) {
			good := change(l[0], true, base, 10*time.Minute)
			bad := []store.Change{
				change(uuid.New(), true, base, 10*time.Minute),          // unknown
				change(deleted, true, base, 10*time.Minute),             // deleted
				change(f.draftLesson, true, base, 10*time.Minute),       // draft lesson
				change(f.inDraftCourse, true, base, 10*time.Minute),     // draft course
				change(laterDraft, false, base, 10*time.Minute),         // unpublished after completion
				change(inLaterDraftCourse, false, base, 10*time.Minute), // course unpublished after completion
			}
			batch := append([]store.Change{bad[0], bad[1], good}, bad[2:]...)
			want := []store.Outcome{rejected, rejected, applied, rejected, rejected, rejected, rejected}
			before := e.changeRows(t)
			if got := e.mustApply(t, caller.c, batch...); !slices.Equal(got, want) {
				t.Errorf("outcomes = %v, want %v", got, want)
			}
			after := e.changeRows(t)
			for _, c := range bad {
				if _, ok := after[c.ID]; ok {
					t.Errorf("rejected change for lesson %s was recorded", c.LessonID)
				}
			}
			if _, ok := after[good.ID]; !ok {
				t.Error("the good change was not recorded")
			}
			if len(after) != len(before)+1 {
				t.Errorf("%d changes recorded, want %d", len(after), len(before)+1)
			}
			e.checkProgress(t, caller.c.UserID, l[0], true, good.At, good.At)
			for _, lesson := range []uuid.UUID{f.draftLesson, f.inDraftCourse, deleted} {
				if r := e.progressRow(t, caller.c.UserID, lesson); r.count != 0 {
					t.Errorf("lesson %s: %d progress rows, want 0", lesson, r.count)
				}
			}
			if caller.c == f.learner {
				// The completions from before unpublishing stand.
				e.checkProgress(t, f.learner.UserID, laterDraft, true, base.Add(time.Minute), base.Add(time.Minute))
				e.checkProgress(t, f.learner.UserID, inLaterDraftCourse, true, base.Add(time.Minute), base.Add(time.Minute))
			}

			// A replay: still rejected (never recorded), the good one a duplicate.
			want[2] = duplicate
			if got := e.mustApply(t, caller.c, batch...); !slices.Equal(got, want) {
				t.Errorf("replay = %v, want %v", got, want)
			}
		})
	}
}

func TestApplyChangesRefusedToAnonymous(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 1)
	before := f.e.dump(t)
	out, err := f.e.apply(t.Context(), store.Anonymous, []store.Change{change(f.lessons[0], true, f.base, 0)})
	if !errors.Is(err, store.ErrForbidden) {
		t.Errorf("ApplyChanges as anonymous = %v, %v; want ErrForbidden", out, err)
	}
	if after := f.e.dump(t); after != before {
		t.Errorf("an anonymous batch changed the tables:\n%s", after)
	}

	// An empty batch is no work at all.
	out, err = f.e.apply(t.Context(), f.learner, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("empty batch = %v, %v; want no outcomes, no error", out, err)
	}
}

// tracedStore is a store over its own pool whose statements are logged.
func tracedStore(t *testing.T, db storetest.DB) (*store.Store, *queryLog) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	log := &queryLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return store.New(pool), log
}

// ownerLessons creates n published lessons in course as the owner, in one
// statement, and returns their ids in position order.
func (e *env) ownerLessons(t testing.TB, course uuid.UUID, n int) []uuid.UUID {
	t.Helper()
	rows, err := e.owner.Query(context.Background(), `
		INSERT INTO lessons (course_id, position, title, published)
		SELECT $1, 1000 + g, 'Bulk ' || g, true FROM generate_series(1, $2) g
		RETURNING id, position`, course, n)
	if err != nil {
		t.Fatalf("bulk lessons: %v", err)
	}
	type row struct {
		ID       uuid.UUID
		Position int
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		t.Fatalf("bulk lessons: %v", err)
	}
	slices.SortFunc(got, func(a, b row) int { return a.Position - b.Position })
	ids := make([]uuid.UUID, len(got))
	for i, r := range got {
		ids[i] = r.ID
	}
	return ids
}

func TestApplyChangesIsOneStatement(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 0)
	e, base := f.e, f.base
	lessons := e.ownerLessons(t, f.course, 100)

	// Changes already stored, older than everything in the batch.
	var prior []store.Change
	for i := range 10 {
		prior = append(prior, change(lessons[i], true, base, -time.Hour))
	}
	e.mustApply(t, f.learner, prior...)

	const size = 500
	batch := make([]store.Change, 0, size)
	want := map[store.Outcome]int{duplicate: 10, rejected: 10, applied: len(lessons), stale: size - 20 - len(lessons)}
	latest := map[uuid.UUID]store.Change{} // per lesson, the new change with the latest time
	for i := range size - 20 {
		c := change(lessons[i%len(lessons)], i%3 != 0, base, time.Duration(i)*time.Second)
		batch = append(batch, c)
		latest[c.LessonID] = c
	}
	for i := range 10 {
		batch = append(batch, prior[i], change(uuid.New(), true, base, 0))
	}
	rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })

	traced, log := tracedStore(t, e.db)
	log.queries()
	var out []store.Outcome
	err := traced.InTx(t.Context(), f.learner, func(tx *store.Tx) error {
		var err error
		out, err = tx.ApplyChanges(t.Context(), batch)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	all := slices.Clone(log.sql)
	log.mu.Unlock()
	switches := 0
	for _, q := range all {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(q)), "select set_config('role'") {
			switches++
		}
	}
	if switches != 1 {
		t.Errorf("%d role switches, want 1", switches)
	}
	if q := log.queries(); len(q) != 1 {
		t.Errorf("ApplyChanges of %d changes ran %d statements besides the role switch, want 1:\n%s",
			size, len(q), strings.Join(q, "\n---\n"))
	}

	if len(out) != size {
		t.Fatalf("%d outcomes, want %d", len(out), size)
	}
	count := map[store.Outcome]int{}
	for _, o := range out {
		count[o]++
	}
	for o, n := range want {
		if count[o] != n {
			t.Errorf("%d %s, want %d (all: %v)", count[o], o, n, count)
		}
	}
	// Per lesson, the change with the latest time won.
	for i, c := range batch {
		if w, ok := latest[c.LessonID]; ok && w.ID == c.ID && out[i] != applied {
			t.Errorf("the latest change of lesson %s is %s, want applied", c.LessonID, out[i])
		}
	}
	for _, lesson := range lessons {
		w := latest[lesson]
		r := e.progressRow(t, f.learner.UserID, lesson)
		if r.count != 1 || r.completed != w.Completed || !r.clientUpdatedAt.Equal(w.At) {
			t.Errorf("lesson %s: %+v, want completed=%v at %v", lesson, r, w.Completed, w.At)
		}
	}
}

// expectedState is what applying batches one after another leaves, worked
// out in Go: per lesson the change with the latest time wins; completed_at is
// the first completion's time while the lesson stays completed.
type expectedState map[uuid.UUID]*struct {
	done   bool
	at     time.Time
	doneAt time.Time
}

// apply folds batch into the state and returns each change's outcome.
func (s expectedState) apply(batch []store.Change) []store.Outcome {
	out := make([]store.Outcome, len(batch))
	winner := map[uuid.UUID]int{}
	for i, c := range batch {
		if w, ok := winner[c.LessonID]; !ok || !c.At.Before(batch[w].At) {
			winner[c.LessonID] = i
		}
	}
	for i := range batch {
		out[i] = stale
	}
	for lesson, i := range winner {
		c := batch[i]
		cur := s[lesson]
		if cur != nil && cur.at.After(c.At) {
			continue
		}
		out[i] = applied
		if cur == nil {
			cur = &struct {
				done   bool
				at     time.Time
				doneAt time.Time
			}{}
			s[lesson] = cur
		}
		if c.Completed && !cur.done {
			cur.doneAt = c.At
		}
		cur.done, cur.at = c.Completed, c.At
	}
	return out
}

func (e *env) checkState(t *testing.T, student uuid.UUID, want expectedState) {
	t.Helper()
	for lesson, w := range want {
		e.checkProgress(t, student, lesson, w.done, w.at, w.doneAt)
	}
}

func TestApplyChangesConcurrentSameBatch(t *testing.T) {
	t.Parallel()
	const (
		senders = 4
		rounds  = 6
		size    = 40
	)
	f := newSyncFixture(t, 10)
	e, l := f.e, f.lessons
	want := expectedState{}
	rng := rand.New(rand.NewPCG(1, 2))

	for round := range rounds {
		// Each round's times are later than the last round's, in a random
		// order, distinct per change.
		ats := rng.Perm(size)
		batch := make([]store.Change, size)
		for i := range batch {
			batch[i] = change(l[rng.IntN(len(l))], rng.IntN(2) == 0, f.base,
				time.Duration(round*size+ats[i])*time.Second)
		}
		wantOut := want.apply(batch)
		// Odd rounds: every sender shuffles the batch its own way, as
		// devices sharing a queue might.
		shuffled := round%2 == 1

		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			outs  = make([][]store.Outcome, senders)
			sent  = make([][]store.Change, senders)
			errs  = make([]error, senders)
		)
		for g := range senders {
			sent[g] = slices.Clone(batch)
			if shuffled {
				r := rand.New(rand.NewPCG(uint64(round), uint64(g)))
				r.Shuffle(size, func(i, j int) { sent[g][i], sent[g][j] = sent[g][j], sent[g][i] })
			}
			wg.Go(func() {
				<-start
				outs[g], errs[g] = e.apply(context.Background(), f.learner, sent[g])
			})
		}
		close(start)
		wg.Wait()

		wantByID := map[uuid.UUID]store.Outcome{}
		for i, c := range batch {
			wantByID[c.ID] = wantOut[i]
		}
		reported := map[uuid.UUID]bool{}
		for g := range senders {
			if errs[g] != nil {
				t.Fatalf("round %d, sender %d: %v", round, g, errs[g])
			}
			for i, c := range sent[g] {
				switch o := outs[g][i]; o {
				case wantByID[c.ID]:
					reported[c.ID] = true
				case duplicate:
				default:
					t.Errorf("round %d, sender %d, change %s: %s, want %s or duplicate", round, g, c.ID, o, wantByID[c.ID])
				}
			}
		}
		for id, o := range wantByID {
			if !reported[id] {
				t.Errorf("round %d: no sender was told change %s was %s", round, id, o)
			}
		}
		e.checkState(t, f.learner.UserID, want)

		var n, distinct int
		ids := make([]uuid.UUID, 0, size)
		for _, c := range batch {
			ids = append(ids, c.ID)
		}
		if err := e.owner.QueryRow(t.Context(),
			`SELECT count(*), count(DISTINCT id) FROM progress_changes WHERE id = ANY($1)`, ids).Scan(&n, &distinct); err != nil {
			t.Fatal(err)
		}
		if n != size || distinct != size {
			t.Errorf("round %d: %d records (%d distinct) for %d changes", round, n, distinct, size)
		}
		checkRecorded(t, onlyIDs(e.changeRows(t), ids), f.learner.UserID, batch, wantByID)
	}
}

func onlyIDs(rows map[uuid.UUID]changeRow, ids []uuid.UUID) map[uuid.UUID]changeRow {
	out := map[uuid.UUID]changeRow{}
	for _, id := range ids {
		if r, ok := rows[id]; ok {
			out[id] = r
		}
	}
	return out
}

// visibleChanges is what the learner's own role reads of progress_changes.
func visibleChanges(t *testing.T, e *env, learner uuid.UUID) []uuid.UUID {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), e.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var ids []uuid.UUID
	err = pgx.BeginFunc(t.Context(), conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(t.Context(), store.SwitchRoleSQL, store.DBRoleLearner, learner.String()); err != nil {
			return err
		}
		rows, err := tx.Query(t.Context(), `SELECT id FROM progress_changes`)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestApplyChangesLearnersAreIsolated(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 6)
	e, l, base := f.e, f.lessons, f.base
	a, b := f.learner, e.user(t, store.RoleLearner)
	const rounds = 8

	// A completes every lesson, B un-completes the same lessons with later
	// times, at the same moments: had one write reached the other's rows,
	// A would see lessons undone or B lessons done.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent = map[uuid.UUID][]store.Change{}
	)
	for _, who := range []struct {
		c    store.Caller
		done bool
		skew time.Duration
	}{{a, true, 0}, {b, false, time.Hour}} {
		wg.Go(func() {
			for r := range rounds {
				var batch []store.Change
				for _, lesson := range l {
					batch = append(batch, change(lesson, who.done, base, who.skew+time.Duration(r)*time.Minute))
				}
				out, err := e.apply(context.Background(), who.c, batch)
				if err != nil {
					t.Errorf("round %d: %v", r, err)
					return
				}
				for i, o := range out {
					if o != applied {
						t.Errorf("round %d, change %d: %s, want applied", r, i, o)
					}
				}
				mu.Lock()
				sent[who.c.UserID] = append(sent[who.c.UserID], batch...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	last := time.Duration(rounds-1) * time.Minute
	for _, lesson := range l {
		e.checkProgress(t, a.UserID, lesson, true, base.Add(last), base)
		e.checkProgress(t, b.UserID, lesson, false, base.Add(time.Hour+last), time.Time{})
	}
	rows := e.changeRows(t)
	for who, changes := range sent {
		for _, c := range changes {
			if r, ok := rows[c.ID]; !ok || r.studentID != who {
				t.Errorf("change %s: recorded %v for student %s, want for %s", c.ID, ok, r.studentID, who)
			}
		}
	}
	for _, who := range []store.Caller{a, b} {
		vis := visibleChanges(t, e, who.UserID)
		if len(vis) != len(sent[who.UserID]) {
			t.Errorf("learner sees %d change records, want their own %d", len(vis), len(sent[who.UserID]))
		}
		for _, id := range vis {
			if rows[id].studentID != who.UserID {
				t.Errorf("learner %s sees change %s of %s", who.UserID, id, rows[id].studentID)
			}
		}
	}

	t.Run("change id already used by another learner", func(t *testing.T) {
		// B's device sends a change whose id A's device already used. It
		// must not touch A's record or progress, nor tell B anything
		// about A's ids: for B it is a new change.
		taken := sent[a.UserID][0]
		beforeA := rows[taken.ID]
		c := store.Change{ID: taken.ID, LessonID: l[0], Completed: true, At: base.Add(90 * time.Minute)}
		if got := e.mustApply(t, b, c); !slices.Equal(got, []store.Outcome{applied}) {
			t.Errorf("outcomes = %v, want [applied]", got)
		}
		if after := e.changeRowOf(t, a.UserID, taken.ID); after != beforeA {
			t.Errorf("A's record changed: %+v, was %+v", after, beforeA)
		}
		if got := e.changeRowOf(t, b.UserID, taken.ID); got.studentID != b.UserID || got.outcome != "applied" {
			t.Errorf("B's change with that id was not recorded for B: %+v", got)
		}
		// And B's replay of it is now a duplicate for B.
		if got := e.mustApply(t, b, c); !slices.Equal(got, []store.Outcome{store.OutcomeDuplicate}) {
			t.Errorf("B's replay: outcomes = %v, want [duplicate]", got)
		}
		e.checkProgress(t, a.UserID, l[0], true, base.Add(last), base)
		e.checkProgress(t, b.UserID, l[0], true, c.At, c.At)
	})
}

// BenchmarkApplyChanges50 applies a batch of 50 new changes (50 lessons, each
// a later time than the last op's) per op, in one transaction each.
func BenchmarkApplyChanges50(b *testing.B) {
	ctx := context.Background()
	seed := storetest.NewSeedDB(b)
	owner := seed.Owner
	e := &env{seed: seed, db: seed.DB, s: seed.Store, owner: owner}

	learner := store.Caller{UserID: uuid.New(), Role: store.RoleLearner}
	var course uuid.UUID
	if _, err := owner.Exec(ctx, `INSERT INTO users (id, username, display_name, password_hash) VALUES ($1, 'bench', 'B', 'h')`,
		learner.UserID); err != nil {
		b.Fatal(err)
	}
	if err := owner.QueryRow(ctx, `INSERT INTO courses (title, published) VALUES ('Bench', true) RETURNING id`).Scan(&course); err != nil {
		b.Fatal(err)
	}
	lessons := e.ownerLessons(b, course, 50)
	base := time.Now().Add(-24 * time.Hour)

	batch := make([]store.Change, len(lessons))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for j, lesson := range lessons {
			batch[j] = store.Change{ID: uuid.New(), LessonID: lesson, Completed: (i+j)%2 == 0,
				At: base.Add(time.Duration(i) * time.Millisecond)}
		}
		out, err := e.apply(ctx, learner, batch)
		if err != nil {
			b.Fatal(err)
		}
		if out[0] != applied {
			b.Fatalf("op %d: %s, want applied", i, out[0])
		}
	}
}

// TestRLSProgressChanges proves the progress_changes policies against seeded
// records of two learners: each reads only their own. (The cases that need
// no records are in TestRLSPolicies.)
func TestRLSProgressChanges(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	recA, recB, recA2 := uuid.New(), uuid.New(), uuid.New()
	if _, err := w.owner.Exec(t.Context(), `
		INSERT INTO progress_changes (id, student_id, lesson_id, completed, client_at, outcome) VALUES
			($1, $4, $6, true, now(), 'applied'), ($2, $5, $6, true, now(), 'applied'),
			($3, $4, $7, false, now(), 'stale')`,
		recA, recB, recA2, w.a, w.b, w.l1, w.l3); err != nil {
		t.Fatal(err)
	}
	for _, c := range []rlsCase{
		{"learner A reads all change records", store.DBRoleLearner, w.a, `SELECT * FROM progress_changes`, nil, rows(2)},
		{"learner A reads own record by id", store.DBRoleLearner, w.a, `SELECT * FROM progress_changes WHERE id = $1`, []any{recA}, rows(1)},
		{"learner A reads B's record by id", store.DBRoleLearner, w.a, `SELECT * FROM progress_changes WHERE id = $1`, []any{recB}, rows(0)},
		{"learner A reads B's records by student", store.DBRoleLearner, w.a, `SELECT * FROM progress_changes WHERE student_id = $1`, []any{w.b}, rows(0)},
		{"learner B reads all change records", store.DBRoleLearner, w.b, `SELECT * FROM progress_changes`, nil, rows(1)},
		{"learner without a user id reads change records", store.DBRoleLearner, uuid.Nil, `SELECT * FROM progress_changes`, nil, rows(0)},
		{"volunteer reads change records", store.DBRoleVolunteer, w.vol, `SELECT * FROM progress_changes`, nil, rows(0)},
		{"admin reads change records", store.DBRoleAdmin, w.admin, `SELECT * FROM progress_changes`, nil, rows(0)},
		{"anonymous reads change records", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM progress_changes`, nil, refused},
		{"anonymous claiming A's id reads change records", store.DBRoleAnonymous, w.a, `SELECT * FROM progress_changes`, nil, refused},
		{"learner A rewrites own record", store.DBRoleLearner, w.a, `UPDATE progress_changes SET outcome = 'stale' WHERE id = $1`, []any{recA}, refused},
		{"learner A deletes own record", store.DBRoleLearner, w.a, `DELETE FROM progress_changes WHERE id = $1`, []any{recA}, refused},
		{"learner A deletes B's record", store.DBRoleLearner, w.a, `DELETE FROM progress_changes WHERE id = $1`, []any{recB}, refused},
		{"admin deletes a learner's record", store.DBRoleAdmin, w.admin, `DELETE FROM progress_changes WHERE id = $1`, []any{recA}, refused},
		{"learner A replays own id with DO NOTHING", store.DBRoleLearner, w.a, `
			INSERT INTO progress_changes (id, student_id, lesson_id, completed, client_at, outcome)
			VALUES ($1, $2, $3, true, now(), 'applied') ON CONFLICT (student_id, id) DO NOTHING`, []any{recA, w.a, w.l1}, rows(0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
}
