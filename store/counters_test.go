package store_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"fieldbook/store"
)

// counters is every dashboard counter, shards added up: completions per
// lesson, each learner's count per course, and the per-course histogram.
func (e *env) counters(t *testing.T) string {
	t.Helper()
	var out string
	for _, q := range []string{
		`SELECT string_agg(format('%s=%s', lesson_id, n), ',' ORDER BY lesson_id) FROM
		   (SELECT lesson_id, sum(completed) AS n FROM lesson_completions GROUP BY 1 HAVING sum(completed) > 0) x`,
		`SELECT string_agg(format('%s/%s=%s', course_id, student_id, completed), ',' ORDER BY course_id, student_id) FROM course_learners`,
		`SELECT string_agg(format('%s/%s=%s', course_id, completed, n), ',' ORDER BY course_id, completed) FROM
		   (SELECT course_id, completed, sum(learners) AS n FROM course_histogram GROUP BY 1, 2 HAVING sum(learners) > 0) x`,
	} {
		var s *string
		if err := e.owner.QueryRow(t.Context(), q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if s != nil {
			out += *s
		}
		out += "\n"
	}
	return out
}

// The counters kept by the statement triggers always equal a rebuild from
// student_progress: after concurrent sync batches of many learners in one
// course (the shards and the histogram under contention), re-syncs that
// flip marks, a lesson unpublished and one deleted, and a learner deleted.
// (A learner whose progress rows are all deleted keeps a course_learners
// row, as before the statement triggers: they started the course.)
func TestDashboardCountersMatchARebuild(t *testing.T) {
	f := newSyncFixture(t, 12)
	e := f.e
	other := e.course(t, f.vol, "Other course", true)
	otherLesson := e.lesson(t, f.vol, other, "Other lesson", true)
	learners := []store.Caller{f.learner}
	for range 15 {
		learners = append(learners, e.user(t, store.RoleLearner))
	}
	check := func(when string) {
		t.Helper()
		kept := e.counters(t)
		if _, err := e.owner.Exec(t.Context(), `SELECT rebuild_dashboard_counters()`); err != nil {
			t.Fatal(err)
		}
		if rebuilt := e.counters(t); kept != rebuilt {
			t.Fatalf("%s: the kept counters differ from a rebuild:\nkept:\n%s\nrebuilt:\n%s", when, kept, rebuilt)
		}
	}
	for round := range 3 {
		var wg sync.WaitGroup
		for i, l := range learners {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(i)))
				var changes []store.Change
				for j, lesson := range append(f.lessons, otherLesson, f.draftLesson) {
					if rng.IntN(3) > 0 {
						changes = append(changes, change(lesson, rng.IntN(2) == 0, f.base, time.Duration(round*100+j)*time.Second))
					}
				}
				// As the sync handler applies a batch: retried when
				// PostgreSQL picks it as a deadlock's victim.
				if err := e.s.InTxRetry(t.Context(), l, func(tx *store.Tx) error {
					_, err := tx.ApplyChanges(t.Context(), changes)
					return err
				}); err != nil {
					t.Errorf("sync of learner %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		check(fmt.Sprintf("after sync round %d", round+1))
	}
	for _, step := range []struct{ what, sql string }{
		{"a lesson unpublished", `UPDATE lessons SET published = false WHERE id = '` + f.lessons[3].String() + `'`},
		{"a lesson deleted", `DELETE FROM lessons WHERE id = '` + f.lessons[4].String() + `'`},
		{"a learner deleted", `DELETE FROM users WHERE id = '` + learners[2].UserID.String() + `'`},
	} {
		if _, err := e.owner.Exec(t.Context(), step.sql); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		check("after " + step.what)
	}
	var n int
	if err := e.owner.QueryRow(t.Context(), `SELECT count(DISTINCT shard) FROM lesson_completions`).Scan(&n); err != nil || n < 2 {
		t.Fatalf("completions in %d shards (%v): the learners should spread", n, err)
	}
}
