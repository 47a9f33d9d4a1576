package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// A batch runs as the caller's database role and user, read-only, with
// row-level security applied, and leaves nothing behind on the connection;
// in pgx's default mode and in the exec mode used behind PgBouncer.
func TestReadBatchRunsAsTheCaller(t *testing.T) {
	for _, mode := range []string{"cache_statement", "exec"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.NewDB(t)
			cfg, err := store.PoolConfig(db.AppURL + "&default_query_exec_mode=" + mode)
			if err != nil {
				t.Fatal(err)
			}
			cfg.MaxConns = 1 // the same connection before and after
			pool, err := store.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			st := store.New(pool)
			owner, err := pgx.Connect(ctx, db.OwnerURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { owner.Close(ctx) })
			learner := store.Caller{UserID: uuid.New(), Role: store.RoleLearner}
			var course, lesson uuid.UUID
			seed := func(sql string, args []any, dest ...any) {
				t.Helper()
				if err := owner.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			var id uuid.UUID
			seed(`INSERT INTO users (id, username, display_name, password_hash) VALUES ($1, 'bee', 'Bee', 'h') RETURNING id`, []any{learner.UserID}, &id)
			seed(`INSERT INTO courses (title, published) VALUES ('C', true) RETURNING id`, nil, &course)
			seed(`INSERT INTO lessons (course_id, position, title, published) VALUES ($1, 1, 'L', true) RETURNING id`, []any{course}, &lesson)
			seed(`INSERT INTO student_progress (student_id, lesson_id, completed, completed_at) VALUES ($1, $2, true, now()) RETURNING id`, []any{learner.UserID, lesson}, &id)

			var role, user string
			var mine, anon store.Progress
			err = st.Read(ctx, learner, func(b *store.Batch) {
				b.RawQuery(`SELECT current_user::text, current_user_id()::text`, func(rows pgx.Rows) error {
					_, err := pgx.ForEachRow(rows, []any{&role, &user}, func() error { return nil })
					return err
				})
				b.CourseProgress(course, &mine)
			})
			if err != nil {
				t.Fatal(err)
			}
			if role != "fieldbook_learner" || user != learner.UserID.String() {
				t.Fatalf("the batch ran as %s, user %s", role, user)
			}
			if mine.Total != 1 || mine.Completed != 1 {
				t.Fatalf("the learner's progress in a batch: %+v", mine)
			}
			// Anonymous: the same query, and the policy hides the progress row.
			if err := st.Read(ctx, store.Anonymous, func(b *store.Batch) { b.CourseProgress(course, &anon) }); err != nil {
				t.Fatal(err)
			}
			if anon.Total != 1 || anon.Completed != 0 {
				t.Fatalf("anonymous progress: %+v", anon)
			}
			// Read-only: a write in a batch is refused, and the batch's error
			// is returned.
			err = st.Read(ctx, learner, func(b *store.Batch) {
				b.RawQuery(`DELETE FROM student_progress`, func(rows pgx.Rows) error { rows.Close(); return rows.Err() })
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
				t.Fatalf("a write in a read batch: %v, want read_only_sql_transaction", err)
			}
			// Nothing of the batch stays on the connection.
			if err := pool.QueryRow(ctx, `SELECT current_user::text, coalesce(current_setting('fieldbook.user_id', true), '')`).Scan(&role, &user); err != nil {
				t.Fatal(err)
			}
			if role != "fieldbook_app" || user != "" {
				t.Fatalf("after a batch the connection is %s with user %q", role, user)
			}
			// A missing row is ErrNotFound, as in a transaction.
			var c store.Course
			err = st.Read(ctx, learner, func(b *store.Batch) { b.PublishedCourse(uuid.New(), &c) })
			if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "course by id") {
				t.Fatalf("unknown course: %v", err)
			}
		})
	}
}

// A transaction that PostgreSQL aborts for a deadlock runs again (a sync
// batch colliding with another on shared counter rows); other errors do
// not, and the retries stop after three tries.
func TestInTxRetryRunsADeadlockedTransactionAgain(t *testing.T) {
	e := newEnv(t)
	learner := e.user(t, store.RoleLearner)
	for _, tc := range []struct {
		name      string
		failures  int
		code      string
		wantCalls int
		wantErr   bool
	}{
		{"deadlock once", 1, "40P01", 2, false},
		{"serialization failure twice", 2, "40001", 3, false},
		{"deadlock every time", 5, "40P01", 3, true},
		{"another error", 1, "23505", 1, true},
	} {
		calls := 0
		err := e.s.InTxRetry(t.Context(), learner, func(tx *store.Tx) error {
			calls++
			if calls <= tc.failures {
				return fmt.Errorf("store: apply changes: %w", &pgconn.PgError{Code: tc.code})
			}
			_, err := tx.ListCoursesWithProgress(t.Context(), "")
			return err
		})
		if calls != tc.wantCalls || (err != nil) != tc.wantErr {
			t.Errorf("%s: %d calls, error %v; want %d calls, error %v", tc.name, calls, err, tc.wantCalls, tc.wantErr)
		}
	}
}
