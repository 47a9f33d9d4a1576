package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/store"
)

// The tables of issue 14 (device cookies, sync budgets) and the throttle
// table are reached only through definer functions: every caller role is
// refused every operation, RLS is enabled and forced, and each has a policy
// for its owner role alone.
func TestRLSHardeningTables(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	for _, sql := range []string{
		`INSERT INTO login_devices (device_hash, user_id, last_sign_in) VALUES (sha256('d'), $1, now())`,
		`INSERT INTO sync_budget (user_id, tokens, updated_at) VALUES ($1, 5, now())`,
	} {
		if _, err := w.owner.Exec(t.Context(), sql, w.a); err != nil {
			t.Fatal(err)
		}
	}
	var cases []rlsCase
	for _, r := range []struct {
		role string
		user uuid.UUID
	}{{store.DBRoleAnonymous, uuid.Nil}, {store.DBRoleLearner, w.a}, {store.DBRoleVolunteer, w.vol}, {store.DBRoleAdmin, w.admin}} {
		for _, table := range []string{"login_devices", "sync_budget", "login_throttle"} {
			cases = append(cases,
				rlsCase{r.role + " reads " + table, r.role, r.user, `SELECT * FROM ` + table, nil, refused},
				rlsCase{r.role + " deletes " + table, r.role, r.user, `DELETE FROM ` + table, nil, refused},
			)
		}
		cases = append(cases,
			rlsCase{r.role + " inserts a device", r.role, r.user,
				`INSERT INTO login_devices (device_hash, user_id, last_sign_in) VALUES (sha256('x'), $1, now())`, []any{w.a}, refused},
			rlsCase{r.role + " refills a budget", r.role, r.user, `UPDATE sync_budget SET tokens = 1e9`, nil, refused},
			rlsCase{r.role + " purges", r.role, r.user, `SELECT * FROM maintenance_purge('0', '0', 1, 1, 1, now())`, nil, refused},
		)
	}
	cases = append(cases,
		rlsCase{"anonymous spends a budget", store.DBRoleAnonymous, uuid.Nil, `SELECT sync_take(1, 10, 10, now())`, nil, refused},
		rlsCase{"anonymous remembers a device", store.DBRoleAnonymous, uuid.Nil, `SELECT auth_remember_device(sha256('y'), now())`, nil, refused},
		rlsCase{"learner asks about known devices", store.DBRoleLearner, w.a, `SELECT auth_device_known(sha256('d'), 'a')`, nil, refused},
		rlsCase{"learner spends own budget", store.DBRoleLearner, w.a, `SELECT sync_take(1, 10, 10, now())`, nil, rows(1)},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
	for _, table := range []string{"login_devices", "sync_budget", "login_throttle"} {
		var enabled, forced bool
		var policies int
		if err := w.owner.QueryRow(t.Context(), `
			SELECT c.relrowsecurity, c.relforcerowsecurity,
			       (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.roles = '{fieldbook_auth}')::int
			FROM pg_class c WHERE c.oid = to_regclass('public.' || $1)`, table).Scan(&enabled, &forced, &policies); err != nil {
			t.Fatal(err)
		}
		if !enabled || !forced || policies == 0 {
			t.Errorf("%s: RLS enabled %v, forced %v, %d fieldbook_auth policies", table, enabled, forced, policies)
		}
	}
}

// Throttle reservations hold under parallel attempts: 30 at once on one
// key pass exactly the threshold; a forgiven attempt lifts the lock it
// caused; a lock ends when the clock passes it.
func TestThrottleReserveUnderParallelism(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	now := time.Now()
	a := store.Attempt{Key: "user:x", Throttle: store.Throttle{Threshold: 5, Max: time.Minute}}
	reserve := func(at time.Time) time.Time {
		var until time.Time
		if err := e.s.InTx(ctx, store.Anonymous, func(tx *store.Tx) (err error) {
			until, err = tx.ThrottleReserve(ctx, at, a)
			return err
		}); err != nil {
			t.Error(err)
		}
		return until
	}
	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if reserve(now).IsZero() {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if passed != 5 {
		t.Fatalf("%d of 30 parallel attempts passed, want 5", passed)
	}
	if err := e.s.InTx(ctx, store.Anonymous, func(tx *store.Tx) error { return tx.ThrottleForgive(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	if !reserve(now).IsZero() {
		t.Error("forgiving the fifth attempt did not lift its lock")
	}
	until := reserve(now)
	if until.IsZero() {
		t.Fatal("not locked after the threshold")
	}
	if !reserve(until.Add(time.Millisecond)).IsZero() {
		t.Error("the lock did not end with the clock")
	}
}

// Retention: store.Purge deletes change ids older than the retention (a
// later replay of one is then new, and loses to the newer state by
// last-write-wins), throttle rows that no longer count, refilled budgets
// and devices unseen for long; recent rows and progress stay.
func TestPurgeRetention(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 1)
	e, ctx, lesson := f.e, t.Context(), f.lessons[0]
	old := change(lesson, true, f.base, 0)
	newer := change(lesson, false, f.base, time.Minute)
	e.mustApply(t, f.learner, old)
	e.mustApply(t, f.learner, newer)
	e.ownerExec(t, `UPDATE progress_changes SET received_at = now() - interval '401 days' WHERE id = $1`, old.ID)
	e.ownerExec(t, `INSERT INTO login_throttle (key, failures, last_failure, locked_until) VALUES
		('user:old', 4, now() - interval '2 hours', NULL),
		('user:locked', 9, now() - interval '2 hours', now() + interval '10 minutes'),
		('user:recent', 2, now(), NULL)`)
	e.ownerExec(t, `INSERT INTO login_devices (device_hash, user_id, last_sign_in) VALUES
		(sha256('old'), $1, now() - interval '400 days'), (sha256('new'), $1, now())`, f.learner.UserID)
	e.ownerExec(t, `INSERT INTO sync_budget (user_id, tokens, updated_at) VALUES
		($1, 0, now() - interval '1 hour'), ($2, 0, now())
		ON CONFLICT (user_id) DO UPDATE SET tokens = EXCLUDED.tokens, updated_at = EXCLUDED.updated_at`, f.learner.UserID, f.vol.UserID)
	lim := store.SyncLimit{Burst: 10, PerHour: 20}
	p, err := e.s.Purge(ctx, store.Retention{Changes: 400 * 24 * time.Hour, Devices: 365 * 24 * time.Hour, Sync: lim}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p != (store.Purged{Changes: 1, Throttles: 1, Budgets: 1, Devices: 1}) {
		t.Errorf("purged %+v, want one of each", p)
	}
	count := func(sql string) int {
		var n int
		if err := e.owner.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(`SELECT count(*) FROM progress_changes`) != 1 || count(`SELECT count(*) FROM login_throttle`) != 2 ||
		count(`SELECT count(*) FROM login_devices`) != 1 || count(`SELECT count(*) FROM sync_budget`) != 1 {
		t.Error("the purge took recent rows")
	}
	// The purged change arrives again: it is new, and the newer state wins.
	if out := e.mustApply(t, f.learner, old); out[0] != store.OutcomeStale {
		t.Errorf("a replay older than the retention: %s, want stale", out[0])
	}
	e.checkProgress(t, f.learner.UserID, lesson, false, newer.At, time.Time{})
}

// The sync budget is the owner's: over it ApplyChanges refuses the whole
// batch with a RateLimitError saying when it fits, and applies nothing.
func TestApplyChangesSyncBudget(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 3)
	now := time.Now()
	f.e.s.SetSyncLimit(store.SyncLimit{Burst: 4, PerHour: 36}, func() time.Time { return now })
	batch := func(n int) []store.Change {
		var out []store.Change
		for i := range n {
			out = append(out, change(f.lessons[i%3], true, f.base, time.Duration(i)*time.Second))
		}
		return out
	}
	f.e.mustApply(t, f.learner, batch(3)...)
	before := f.e.dump(t)
	_, err := f.e.apply(t.Context(), f.learner, batch(2))
	var rl *store.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, store.ErrRateLimited) {
		t.Fatalf("over the budget: %v, want a RateLimitError", err)
	}
	if want := now.Add(100 * time.Second); rl.Until.Sub(want).Abs() > time.Second {
		t.Errorf("fits at %s, want %s (one change at 36 an hour)", rl.Until, want)
	}
	if f.e.dump(t) != before {
		t.Error("a refused batch changed the database")
	}
	f.e.mustApply(t, f.e.user(t, store.RoleLearner), batch(3)...)
	now = now.Add(2 * time.Minute)
	f.e.mustApply(t, f.learner, batch(2)...)
}

// A change dated before its owner's account existed is clamped up to the
// account's creation (and one far ahead down to the server's time).
func TestApplyChangesClampsToAccountCreation(t *testing.T) {
	t.Parallel()
	f := newSyncFixture(t, 2)
	created := time.Now().Add(-72 * time.Hour).UTC().Truncate(time.Microsecond)
	f.e.ownerExec(t, `UPDATE users SET created_at = $2 WHERE id = $1`, f.learner.UserID, created)
	for i, at := range []time.Time{time.Unix(0, 0), time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)} {
		c := store.Change{ID: uuid.New(), LessonID: f.lessons[i], Completed: true, At: at}
		if out := f.e.mustApply(t, f.learner, c); out[0] != store.OutcomeApplied {
			t.Fatalf("dated %s: %s", at, out[0])
		}
		f.e.checkProgress(t, f.learner.UserID, f.lessons[i], true, created, created)
	}
}
