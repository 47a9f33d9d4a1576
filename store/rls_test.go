package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// outcome is what a statement must do: be refused with SQLSTATE 42501, or
// succeed touching exactly rows rows (returned, inserted, updated, deleted).
type outcome struct {
	refused bool
	rows    int64
	state   string // the SQLSTATE of the refusal, when not 42501
}

var refused = outcome{refused: true}

// refusedUnique is a statement refused by a unique constraint (23505).
var refusedUnique = outcome{refused: true, state: "23505"}

func rows(n int64) outcome { return outcome{rows: n} }

func (o outcome) String() string {
	if o.refused {
		return "refused (" + o.wantState() + ")"
	}
	return fmt.Sprintf("%d rows", o.rows)
}

// rlsWorld is storetest's World with its progress, reached over two raw
// connections: app (the production-like login role, switched by hand as
// InTx does) and owner. The short names are the ones the cases read best
// with: learners a and b, the volunteer who wrote every course, the admin;
// course (published) with published lessons l1 and l3 and draft lesson l2,
// which a completed before it was unpublished; draftCourse (unpublished)
// with published lesson l4.
type rlsWorld struct {
	*storetest.World
	app, owner *pgx.Conn
	db         storetest.DB

	a, b, vol, admin uuid.UUID
	course           uuid.UUID // published
	draftCourse      uuid.UUID
	l1, l3           uuid.UUID // published lessons of course
	l2               uuid.UUID // draft lesson of course
	l4               uuid.UUID // published lesson of draftCourse
	progA, progB     uuid.UUID // a and b on l1
	progA2           uuid.UUID // a on l2, completed before it was unpublished
}

func newRLSWorld(t *testing.T) *rlsWorld {
	t.Helper()
	world := storetest.NewWorld(t).SeedProgress(t)
	w := &rlsWorld{World: world, db: world.DB,
		a: world.Learner.ID(), b: world.OtherLearner.ID(), vol: world.Volunteer.ID(), admin: world.Admin.ID(),
		course: world.Course.ID, draftCourse: world.DraftCourse.ID,
		l1: world.Course.Lessons[0], l2: world.DraftLesson(), l3: world.Course.Lessons[1], l4: world.DraftCourseLesson(),
		progA: world.Progress.LearnerDone, progB: world.Progress.OtherDone, progA2: world.Progress.LearnerDraftDone}
	var err error
	if w.owner, err = pgx.Connect(t.Context(), w.db.OwnerURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.owner.Close(context.Background()) })
	if w.app, err = pgx.Connect(t.Context(), w.db.AppURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.app.Close(context.Background()) })
	return w
}

// hashOf is the stored password hash of a user, as the owner reads it.
func (w *rlsWorld) hashOf(t *testing.T, id uuid.UUID) string {
	t.Helper()
	var h string
	if err := w.owner.QueryRow(t.Context(), `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// runAs runs one statement in its own transaction on conn, switched to role
// and user exactly as a request is, and rolls it back. A failed switch is
// fatal; the statement's own error is returned.
// beginner is a connection or a pool.
type beginner interface {
	Begin(context.Context) (pgx.Tx, error)
}

func runAs(t *testing.T, conn beginner, role string, user uuid.UUID, sql string, args ...any) (pgconn.CommandTag, error) {
	t.Helper()
	ctx := t.Context()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // always rolled back
	userID := ""
	if user != uuid.Nil {
		userID = user.String()
	}
	if _, err := tx.Exec(ctx, store.SwitchRoleSQL, role, userID); err != nil {
		t.Fatalf("switch to %s: %v", role, err)
	}
	return tx.Exec(ctx, sql, args...)
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func (o outcome) wantState() string {
	if o.state != "" {
		return o.state
	}
	return "42501"
}

func checkOutcome(t *testing.T, tag pgconn.CommandTag, err error, want outcome) {
	t.Helper()
	switch {
	case want.refused && err == nil:
		t.Errorf("allowed (%s), want refused with %s", tag, want.wantState())
	case want.refused && sqlState(err) != want.wantState():
		t.Errorf("error %v (SQLSTATE %q), want %s", err, sqlState(err), want.wantState())
	case !want.refused && err != nil:
		t.Errorf("error %v, want %s", err, want)
	case !want.refused && tag.RowsAffected() != want.rows:
		t.Errorf("%s: %d rows, want %d", tag, tag.RowsAffected(), want.rows)
	}
}

type rlsCase struct {
	name string
	role string
	user uuid.UUID
	sql  string
	args []any
	want outcome
}

// TestRLSPolicies proves each policy and grant, role × table × operation,
// on the production-like login role.
func TestRLSPolicies(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	newID := uuid.New()

	var cases []rlsCase
	add := func(c ...rlsCase) { cases = append(cases, c...) }

	// student_progress: a learner reads and writes only their own rows.
	add(
		rlsCase{"learner A reads B's progress", store.DBRoleLearner, w.a, `SELECT * FROM student_progress WHERE student_id = $1`, []any{w.b}, rows(0)},
		rlsCase{"learner A reads B's progress row by id", store.DBRoleLearner, w.a, `SELECT * FROM student_progress WHERE id = $1`, []any{w.progB}, rows(0)},
		rlsCase{"learner A reads all progress", store.DBRoleLearner, w.a, `SELECT * FROM student_progress`, nil, rows(2)},
		rlsCase{"learner A reads own progress", store.DBRoleLearner, w.a, `SELECT * FROM student_progress WHERE id = $1`, []any{w.progA}, rows(1)},
		rlsCase{"learner A inserts progress for B", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.b, w.l3}, refused},
		rlsCase{"learner A inserts own progress", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.a, w.l3}, rows(1)},
		rlsCase{"learner A inserts progress without a student", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES (NULL, $1)`, []any{w.l3}, refused},
		rlsCase{"learner A updates B's progress", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET completed = false, completed_at = NULL WHERE id = $1`, []any{w.progB}, rows(0)},
		rlsCase{"learner A updates everyone's progress on a lesson", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET completed = false, completed_at = NULL WHERE lesson_id = $1`, []any{w.l1}, rows(1)},
		rlsCase{"learner A updates own progress", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET completed = false, completed_at = NULL WHERE id = $1`, []any{w.progA}, rows(1)},
		rlsCase{"learner A gives own progress row to B", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET student_id = $2 WHERE id = $1`, []any{w.progA, w.b}, refused},
		rlsCase{"learner A deletes B's progress", store.DBRoleLearner, w.a, `DELETE FROM student_progress WHERE id = $1`, []any{w.progB}, rows(0)},
		rlsCase{"learner A deletes all progress", store.DBRoleLearner, w.a, `DELETE FROM student_progress`, nil, rows(2)},
		rlsCase{"learner A deletes own progress", store.DBRoleLearner, w.a, `DELETE FROM student_progress WHERE id = $1`, []any{w.progA}, rows(1)},
		rlsCase{"learner B reads all progress", store.DBRoleLearner, w.b, `SELECT * FROM student_progress`, nil, rows(1)},
		rlsCase{"learner without a user id reads progress", store.DBRoleLearner, uuid.Nil, `SELECT * FROM student_progress`, nil, rows(0)},

		// Progress only for lessons the learner can see.
		rlsCase{"learner inserts progress for a draft lesson", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.a, w.l2}, refused},
		rlsCase{"learner inserts progress for a lesson of a draft course", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.a, w.l4}, refused},
		rlsCase{"learner moves own progress to a draft lesson", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET lesson_id = $2 WHERE id = $1`, []any{w.progA, w.l2}, refused},
		rlsCase{"learner updates own progress on a lesson since unpublished", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET completed = false, completed_at = NULL WHERE id = $1`, []any{w.progA2}, refused},
		rlsCase{"learner deletes own progress on a lesson since unpublished", store.DBRoleLearner, w.a,
			`DELETE FROM student_progress WHERE id = $1`, []any{w.progA2}, rows(1)},
		rlsCase{"learner moves own progress to another published lesson", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET lesson_id = $2 WHERE id = $1`, []any{w.progA, w.l3}, rows(1)},

		// Anonymous sees no progress and writes none.
		rlsCase{"anonymous reads progress", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM student_progress`, nil, rows(0)},
		rlsCase{"anonymous claiming a user id reads progress", store.DBRoleAnonymous, w.a, `SELECT * FROM student_progress`, nil, rows(0)},
		rlsCase{"anonymous inserts progress", store.DBRoleAnonymous, uuid.Nil,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.a, w.l3}, refused},
		rlsCase{"anonymous updates progress", store.DBRoleAnonymous, uuid.Nil, `UPDATE student_progress SET completed = completed`, nil, refused},
		rlsCase{"anonymous deletes progress", store.DBRoleAnonymous, uuid.Nil, `DELETE FROM student_progress`, nil, refused},

		rlsCase{"volunteer reads own progress (none)", store.DBRoleVolunteer, w.vol, `SELECT * FROM student_progress WHERE student_id = $1`, []any{w.vol}, rows(0)},
		rlsCase{"volunteer inserts progress for a learner", store.DBRoleVolunteer, w.vol,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.a, w.l3}, refused},
		rlsCase{"volunteer updates a learner's progress", store.DBRoleVolunteer, w.vol,
			`UPDATE student_progress SET completed = false, completed_at = NULL WHERE id = $1`, []any{w.progA}, rows(0)},
		rlsCase{"admin reads all progress", store.DBRoleAdmin, w.admin, `SELECT * FROM student_progress`, nil, rows(3)},
		rlsCase{"admin updates a learner's progress", store.DBRoleAdmin, w.admin,
			`UPDATE student_progress SET completed = false, completed_at = NULL WHERE id = $1`, []any{w.progA}, rows(0)},
		rlsCase{"admin deletes a learner's progress", store.DBRoleAdmin, w.admin, `DELETE FROM student_progress WHERE id = $1`, []any{w.progA}, rows(0)},
	)

	// course_histogram: a course's learners by lessons completed, for its
	// dashboard: its editors and admins read it; nobody writes it (the
	// triggers do, as fieldbook_stats). Two courses have learners: course
	// (progress) and the world's quiz course (a's attempt makes a one of
	// its learners); the volunteer edits both.
	const histogram = `SELECT DISTINCT course_id FROM course_histogram`
	add(
		rlsCase{"editor reads the histograms of their courses", store.DBRoleVolunteer, w.vol, histogram, nil, rows(2)},
		rlsCase{"non-editor volunteer reads histograms", store.DBRoleVolunteer, w.a, histogram, nil, rows(0)},
		rlsCase{"admin reads histograms", store.DBRoleAdmin, w.admin, histogram, nil, rows(2)},
		rlsCase{"learner reads histograms", store.DBRoleLearner, w.a, histogram, nil, refused},
		rlsCase{"anonymous reads histograms", store.DBRoleAnonymous, uuid.Nil, histogram, nil, refused},
		rlsCase{"editor changes the histogram", store.DBRoleVolunteer, w.vol, `UPDATE course_histogram SET learners = 0`, nil, refused},
		rlsCase{"admin adds to the histogram", store.DBRoleAdmin, w.admin,
			`INSERT INTO course_histogram (course_id, shard, completed, learners) VALUES ($1, 0, 0, 1)`, []any{w.course}, refused},
		rlsCase{"admin deletes the histogram", store.DBRoleAdmin, w.admin, `DELETE FROM course_histogram`, nil, refused},
	)

	// progress_changes: the record of synced change ids. A learner adds only
	// their own, only for lessons they can see; no caller role changes or
	// removes one (only the retention purge does, as fieldbook_auth, which
	// no caller can become); anonymous has no access at all. (Reading own rows with seeded
	// records: TestRLSProgressChanges in sync_test.go.)
	const insertChange = `INSERT INTO progress_changes (id, student_id, lesson_id, completed, client_at, outcome)
		VALUES (gen_random_uuid(), $1, $2, true, now(), 'applied')`
	add(
		rlsCase{"learner A records own change", store.DBRoleLearner, w.a, insertChange, []any{w.a, w.l1}, rows(1)},
		rlsCase{"learner A records a change for B", store.DBRoleLearner, w.a, insertChange, []any{w.b, w.l1}, refused},
		rlsCase{"learner A records a change without a student", store.DBRoleLearner, w.a, insertChange, []any{nil, w.l1}, refused},
		rlsCase{"learner A records own change for a draft lesson", store.DBRoleLearner, w.a, insertChange, []any{w.a, w.l2}, refused},
		rlsCase{"learner A records own change for a lesson of a draft course", store.DBRoleLearner, w.a, insertChange, []any{w.a, w.l4}, refused},
		rlsCase{"learner without a user id records a change", store.DBRoleLearner, uuid.Nil, insertChange, []any{w.a, w.l1}, refused},
		rlsCase{"learner reads change records (none)", store.DBRoleLearner, w.a, `SELECT * FROM progress_changes`, nil, rows(0)},
		rlsCase{"volunteer records own change for a draft lesson it can see", store.DBRoleVolunteer, w.vol, insertChange, []any{w.vol, w.l2}, rows(1)},
		rlsCase{"volunteer records a change for a learner", store.DBRoleVolunteer, w.vol, insertChange, []any{w.a, w.l1}, refused},
		rlsCase{"admin records a change for a learner", store.DBRoleAdmin, w.admin, insertChange, []any{w.a, w.l1}, refused},
		rlsCase{"anonymous reads change records", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM progress_changes`, nil, refused},
		rlsCase{"anonymous records a change", store.DBRoleAnonymous, uuid.Nil, insertChange, []any{w.a, w.l1}, refused},
	)
	for _, r := range []struct {
		role string
		user uuid.UUID
	}{{store.DBRoleAnonymous, uuid.Nil}, {store.DBRoleLearner, w.a}, {store.DBRoleVolunteer, w.vol}, {store.DBRoleAdmin, w.admin}} {
		add(
			rlsCase{r.role + " updates change records", r.role, r.user, `UPDATE progress_changes SET outcome = 'stale'`, nil, refused},
			rlsCase{r.role + " deletes change records", r.role, r.user, `DELETE FROM progress_changes`, nil, refused},
		)
	}
	add(
		rlsCase{"no role may update or delete change records", store.DBRoleLearner, w.a, `
			SELECT r FROM unnest(ARRAY['fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer',
			                           'fieldbook_admin', 'fieldbook_auth', 'fieldbook_app']) r
			WHERE has_table_privilege(r, 'progress_changes', 'UPDATE')
			   OR (has_table_privilege(r, 'progress_changes', 'DELETE') AND r <> 'fieldbook_auth')
			   OR has_table_privilege(r, 'progress_changes', 'TRUNCATE')`, nil, rows(0)},
		rlsCase{"change records have RLS enabled and forced", store.DBRoleLearner, w.a, `
			SELECT 1 FROM pg_class
			WHERE oid = 'progress_changes'::regclass AND relrowsecurity AND relforcerowsecurity`, nil, rows(1)},
		rlsCase{"change records are indexed on student_id", store.DBRoleLearner, w.a, `
			SELECT 1 FROM pg_index i
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
			WHERE i.indrelid = 'progress_changes'::regclass AND a.attname = 'student_id'`, nil, rows(1)},
	)

	// courses and lessons: published ones for everyone, drafts and writes
	// for admins and for the courses' editors: vol created both courses, so
	// a trigger made vol their editor. Volunteers who edit nothing are
	// refused: TestAuthoringRLSPolicies in authoring_test.go.
	for _, r := range []struct {
		role string
		user uuid.UUID
	}{{store.DBRoleAnonymous, uuid.Nil}, {store.DBRoleLearner, w.a}} {
		add(
			// The world's live published courses: not the draft, not the archived one.
			rlsCase{r.role + " reads courses", r.role, r.user, `SELECT * FROM courses`, nil, rows(3)},
			rlsCase{r.role + " reads the draft course", r.role, r.user, `SELECT * FROM courses WHERE id = $1`, []any{w.draftCourse}, rows(0)},
			rlsCase{r.role + " reads the archived course", r.role, r.user, `SELECT * FROM courses WHERE id = $1`, []any{w.ArchivedCourse.ID}, rows(0)},
			rlsCase{r.role + " reads the archived course's lesson", r.role, r.user, `SELECT * FROM lessons WHERE id = $1`, []any{w.ArchivedCourse.Lessons[0]}, rows(0)},
			rlsCase{r.role + " reads unpublished courses", r.role, r.user, `SELECT * FROM courses WHERE NOT published`, nil, rows(0)},
			// Their published lessons: 3 + 2 + 2.
			rlsCase{r.role + " reads lessons", r.role, r.user, `SELECT * FROM lessons`, nil, rows(7)},
			rlsCase{r.role + " reads the draft lesson", r.role, r.user, `SELECT * FROM lessons WHERE id = $1`, []any{w.l2}, rows(0)},
			rlsCase{r.role + " reads a lesson of the draft course", r.role, r.user, `SELECT * FROM lessons WHERE id = $1`, []any{w.l4}, rows(0)},
			rlsCase{r.role + " inserts a course", r.role, r.user, `INSERT INTO courses (title, published) VALUES ('x', true)`, nil, refused},
			rlsCase{r.role + " updates a course", r.role, r.user, `UPDATE courses SET title = 'x' WHERE id = $1`, []any{w.course}, refused},
			rlsCase{r.role + " publishes the draft course", r.role, r.user, `UPDATE courses SET published = true`, nil, refused},
			rlsCase{r.role + " deletes a course", r.role, r.user, `DELETE FROM courses WHERE id = $1`, []any{w.course}, refused},
			rlsCase{r.role + " inserts a lesson", r.role, r.user,
				`INSERT INTO lessons (course_id, position, title, published) VALUES ($1, 9, 'x', true)`, []any{w.course}, refused},
			rlsCase{r.role + " updates a lesson", r.role, r.user, `UPDATE lessons SET title = 'x' WHERE id = $1`, []any{w.l1}, refused},
			rlsCase{r.role + " deletes a lesson", r.role, r.user, `DELETE FROM lessons WHERE id = $1`, []any{w.l1}, refused},
		)
	}
	for _, r := range []struct {
		role string
		user uuid.UUID
	}{{store.DBRoleVolunteer, w.vol}, {store.DBRoleAdmin, w.admin}} {
		add(
			rlsCase{r.role + " reads courses", r.role, r.user, `SELECT * FROM courses`, nil, rows(5)},
			rlsCase{r.role + " reads the draft course", r.role, r.user, `SELECT * FROM courses WHERE id = $1`, []any{w.draftCourse}, rows(1)},
			rlsCase{r.role + " reads lessons", r.role, r.user, `SELECT * FROM lessons`, nil, rows(11)},
			rlsCase{r.role + " reads the draft lesson", r.role, r.user, `SELECT * FROM lessons WHERE id = $1`, []any{w.l2}, rows(1)},
			rlsCase{r.role + " inserts a course", r.role, r.user,
				`INSERT INTO courses (id, title, created_by) VALUES ($1, 'x', $2)`, []any{newID, r.user}, rows(1)},
			rlsCase{r.role + " updates the draft course", r.role, r.user, `UPDATE courses SET title = 'x' WHERE id = $1`, []any{w.draftCourse}, rows(1)},
			rlsCase{r.role + " deletes the draft course", r.role, r.user, `DELETE FROM courses WHERE id = $1`, []any{w.draftCourse}, rows(1)},
			rlsCase{r.role + " inserts a lesson", r.role, r.user,
				`INSERT INTO lessons (course_id, position, title) VALUES ($1, 9, 'x')`, []any{w.course}, rows(1)},
			rlsCase{r.role + " updates the draft lesson", r.role, r.user, `UPDATE lessons SET published = true WHERE id = $1`, []any{w.l2}, rows(1)},
			rlsCase{r.role + " deletes a lesson", r.role, r.user, `DELETE FROM lessons WHERE id = $1`, []any{w.l1}, rows(1)},
		)
	}

	// users: nobody reads a password hash; one's own row only, except admins.
	for _, r := range []struct {
		role string
		user uuid.UUID
	}{{store.DBRoleAnonymous, uuid.Nil}, {store.DBRoleLearner, w.a}, {store.DBRoleVolunteer, w.vol}, {store.DBRoleAdmin, w.admin}} {
		add(
			rlsCase{r.role + " reads own password_hash", r.role, r.user, `SELECT password_hash FROM users WHERE id = $1`, []any{r.user}, refused},
			rlsCase{r.role + " reads users with *", r.role, r.user, `SELECT * FROM users`, nil, refused},
			rlsCase{r.role + " finds users by password_hash", r.role, r.user, `SELECT id FROM users WHERE password_hash = $1`, []any{w.hashOf(t, w.a)}, refused},
		)
	}
	add(
		rlsCase{"anonymous reads users", store.DBRoleAnonymous, uuid.Nil, `SELECT id FROM users`, nil, refused},
		rlsCase{"anonymous inserts a user", store.DBRoleAnonymous, uuid.Nil,
			`INSERT INTO users (username, display_name, password_hash) VALUES ('mallory', 'M', 'h')`, nil, refused},
		rlsCase{"anonymous updates users", store.DBRoleAnonymous, uuid.Nil, `UPDATE users SET display_name = 'x'`, nil, refused},
		rlsCase{"anonymous deletes users", store.DBRoleAnonymous, uuid.Nil, `DELETE FROM users`, nil, refused},

		rlsCase{"learner A reads users", store.DBRoleLearner, w.a, `SELECT id, username, role FROM users`, nil, rows(1)},
		rlsCase{"learner A reads own user row", store.DBRoleLearner, w.a, `SELECT id, username FROM users WHERE id = $1`, []any{w.a}, rows(1)},
		rlsCase{"learner A reads B's user row", store.DBRoleLearner, w.a, `SELECT id, username FROM users WHERE id = $1`, []any{w.b}, rows(0)},
		rlsCase{"learner A renames self", store.DBRoleLearner, w.a, `UPDATE users SET display_name = 'Ada' WHERE id = $1`, []any{w.a}, rows(1)},
		rlsCase{"learner A renames B", store.DBRoleLearner, w.a, `UPDATE users SET display_name = 'x' WHERE id = $1`, []any{w.b}, rows(0)},
		rlsCase{"learner A makes self admin", store.DBRoleLearner, w.a, `UPDATE users SET role = 'admin' WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"learner inserts a user", store.DBRoleLearner, w.a,
			`INSERT INTO users (username, display_name, password_hash) VALUES ('mallory', 'M', 'h')`, nil, refused},
		rlsCase{"learner deletes own user row", store.DBRoleLearner, w.a, `DELETE FROM users WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"volunteer reads users", store.DBRoleVolunteer, w.vol, `SELECT id FROM users`, nil, rows(1)},
		rlsCase{"volunteer makes self admin", store.DBRoleVolunteer, w.vol, `UPDATE users SET role = 'admin' WHERE id = $1`, []any{w.vol}, refused},
		rlsCase{"volunteer inserts a user", store.DBRoleVolunteer, w.vol,
			`INSERT INTO users (username, display_name, password_hash, role) VALUES ('mallory', 'M', 'h', 'admin')`, nil, refused},
		rlsCase{"admin reads users", store.DBRoleAdmin, w.admin, `SELECT id, username, role FROM users`, nil, rows(5)},
		rlsCase{"admin inserts a volunteer", store.DBRoleAdmin, w.admin,
			`INSERT INTO users (username, display_name, password_hash, role) VALUES ('newvol', 'N', 'h', 'volunteer')`, nil, rows(1)},
		rlsCase{"admin changes a role", store.DBRoleAdmin, w.admin, `UPDATE users SET role = 'volunteer' WHERE id = $1`, []any{w.a}, rows(1)},
		rlsCase{"admin deletes a user", store.DBRoleAdmin, w.admin, `DELETE FROM users WHERE id = $1`, []any{w.b}, rows(1)},
		rlsCase{"admin updates a user's created_at", store.DBRoleAdmin, w.admin, `UPDATE users SET created_at = now()`, nil, refused},

		// users.lang (issue 13): learners and volunteers set their own
		// interface language, and that changes nothing else they may not.
		rlsCase{"learner A sets own language", store.DBRoleLearner, w.a, `UPDATE users SET lang = 'sw' WHERE id = $1`, []any{w.a}, rows(1)},
		rlsCase{"learner A reads own language", store.DBRoleLearner, w.a, `SELECT lang FROM users WHERE id = $1`, []any{w.a}, rows(1)},
		rlsCase{"learner A sets B's language", store.DBRoleLearner, w.a, `UPDATE users SET lang = 'sw' WHERE id = $1`, []any{w.b}, rows(0)},
		rlsCase{"learner A sets everyone's language", store.DBRoleLearner, w.a, `UPDATE users SET lang = 'ar'`, nil, rows(1)},
		rlsCase{"learner A reads B's language", store.DBRoleLearner, w.a, `SELECT lang FROM users WHERE id = $1`, []any{w.b}, rows(0)},
		rlsCase{"learner A sets own language and role", store.DBRoleLearner, w.a,
			`UPDATE users SET lang = 'sw', role = 'admin' WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"learner A sets own language and password_hash", store.DBRoleLearner, w.a,
			`UPDATE users SET lang = 'sw', password_hash = 'x' WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"learner A changes own username", store.DBRoleLearner, w.a, `UPDATE users SET username = 'mallory' WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"learner A changes own disabled_at", store.DBRoleLearner, w.a, `UPDATE users SET disabled_at = NULL WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"learner A changes own created_at", store.DBRoleLearner, w.a, `UPDATE users SET created_at = now() WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"learner A changes own id", store.DBRoleLearner, w.a, `UPDATE users SET id = gen_random_uuid() WHERE id = $1`, []any{w.a}, refused},
		rlsCase{"learners and volunteers update only display_name, email and lang", store.DBRoleLearner, w.a, `
			SELECT r, a.attname FROM unnest(ARRAY['fieldbook_learner', 'fieldbook_volunteer']) r
			CROSS JOIN pg_attribute a
			WHERE a.attrelid = 'users'::regclass AND a.attnum > 0 AND NOT a.attisdropped
			  AND has_column_privilege(r, 'users', a.attname, 'UPDATE')
			  AND a.attname NOT IN ('display_name', 'email', 'lang')`, nil, rows(0)},
		rlsCase{"volunteer sets own language", store.DBRoleVolunteer, w.vol, `UPDATE users SET lang = 'fr' WHERE id = $1`, []any{w.vol}, rows(1)},
		rlsCase{"volunteer sets a learner's language", store.DBRoleVolunteer, w.vol, `UPDATE users SET lang = 'fr' WHERE id = $1`, []any{w.a}, rows(0)},
		rlsCase{"volunteer sets own language and role", store.DBRoleVolunteer, w.vol,
			`UPDATE users SET lang = 'fr', role = 'admin' WHERE id = $1`, []any{w.vol}, refused},
		rlsCase{"admin sets own language", store.DBRoleAdmin, w.admin, `UPDATE users SET lang = 'pt' WHERE id = $1`, []any{w.admin}, rows(1)},
		rlsCase{"anonymous sets a language", store.DBRoleAnonymous, uuid.Nil, `UPDATE users SET lang = 'fr'`, nil, refused},
		rlsCase{"anonymous claiming a user id sets their language", store.DBRoleAnonymous, w.a, `UPDATE users SET lang = 'fr' WHERE id = $1`, []any{w.a}, refused},

		// sessions belong to the login role alone.
		rlsCase{"learner reads sessions", store.DBRoleLearner, w.a, `SELECT * FROM sessions`, nil, refused},
		rlsCase{"admin reads sessions", store.DBRoleAdmin, w.admin, `SELECT * FROM sessions`, nil, refused},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
}

// TestRLSLoginRoleReachesNothing checks that fieldbook_app itself, outside a
// switched transaction, can read no user data (it is NOINHERIT), and that a
// switch does not outlive its transaction on a reused connection.
func TestRLSLoginRoleReachesNothing(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	ctx := t.Context()

	var super, inherit, bypass bool
	if err := w.app.QueryRow(ctx, `SELECT rolsuper, rolinherit, rolbypassrls FROM pg_roles WHERE rolname = current_user`).
		Scan(&super, &inherit, &bypass); err != nil {
		t.Fatal(err)
	}
	if super || inherit || bypass {
		t.Errorf("fieldbook_app: superuser=%v inherit=%v bypassrls=%v, want all false", super, inherit, bypass)
	}
	var callerBypass int
	if err := w.app.QueryRow(ctx, `SELECT count(*) FROM pg_roles WHERE rolname LIKE 'fieldbook\_%' AND (rolsuper OR rolbypassrls)`).
		Scan(&callerBypass); err != nil {
		t.Fatal(err)
	}
	if callerBypass != 0 {
		t.Errorf("%d fieldbook roles are superusers or bypass RLS", callerBypass)
	}

	for _, table := range []string{"users", "courses", "lessons", "student_progress"} {
		for _, sql := range []string{
			`SELECT count(*) FROM ` + table,
			`DELETE FROM ` + table,
		} {
			t.Run(sql, func(t *testing.T) {
				tx, err := w.app.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback(context.Background()) //nolint:errcheck
				_, err = tx.Exec(ctx, sql)
				if sqlState(err) != "42501" {
					t.Errorf("as fieldbook_app: %v (SQLSTATE %q), want 42501", err, sqlState(err))
				}
			})
		}
	}

	t.Run("switch is transaction-local", func(t *testing.T) {
		tx, err := w.app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, store.SwitchRoleSQL, store.DBRoleAdmin, w.admin.String()); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM student_progress`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("as admin: %d progress rows, %v; want 3", n, err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		var user, userID string
		if err := w.app.QueryRow(ctx, `SELECT current_user, coalesce(current_setting('fieldbook.user_id', true), '')`).
			Scan(&user, &userID); err != nil {
			t.Fatal(err)
		}
		if user != "fieldbook_app" || userID != "" {
			t.Errorf("after commit: current_user %q, fieldbook.user_id %q; want fieldbook_app and empty", user, userID)
		}
		_, err = w.app.Exec(ctx, `SELECT count(*) FROM student_progress`)
		if sqlState(err) != "42501" {
			t.Errorf("after commit: %v, want 42501", err)
		}
	})
}

// TestRLSStoreSwitchIsTransactionLocal checks store.InTx's own switch: after
// a committed or failed transaction, the pooled connection is back to the bare
// login role with no user id, so the next request cannot inherit it.
func TestRLSStoreSwitchIsTransactionLocal(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	cfg, err := pgxpool.ParseConfig(w.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1 // every transaction reuses the same connection
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := store.New(pool)
	learner := store.Caller{UserID: w.a, Role: store.RoleLearner}
	errFail := errors.New("fail")

	for _, tt := range []struct {
		name string
		run  func(context.Context, store.Caller, func(*store.Tx) error) error
		err  error
	}{
		{"InTx committed", s.InTx, nil},
		{"InTx rolled back", s.InTx, errFail},
		{"ReadTx", s.ReadTx, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t.Context(), learner, func(tx *store.Tx) error {
				p, err := tx.CourseProgress(t.Context(), w.course)
				if err != nil {
					return err
				}
				if p.Completed != 1 {
					t.Errorf("inside the transaction: %d completed, want 1", p.Completed)
				}
				return tt.err
			})
			if !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
			var user, userID string
			if err := pool.QueryRow(t.Context(),
				`SELECT current_user, coalesce(current_setting('fieldbook.user_id', true), '')`).Scan(&user, &userID); err != nil {
				t.Fatal(err)
			}
			if user != "fieldbook_app" || userID != "" {
				t.Errorf("next use of the connection: current_user %q, fieldbook.user_id %q; want fieldbook_app and empty", user, userID)
			}
			err = s.ReadTx(t.Context(), store.Anonymous, func(tx *store.Tx) error {
				p, err := tx.CourseProgress(t.Context(), w.course)
				if err == nil && p.Completed != 0 {
					t.Errorf("next anonymous transaction: %d completed, want 0", p.Completed)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRLSSuperuserSwitch checks that switching role drops a superuser's
// privileges: the owner connection then obeys the same policies.
func TestRLSSuperuserSwitch(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)

	var n int64
	if err := w.owner.QueryRow(t.Context(), `SELECT count(*) FROM student_progress`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("superuser without switch: %d rows, %v; want 3 (bypasses RLS)", n, err)
	}
	tests := []rlsCase{
		{"learner A reads progress", store.DBRoleLearner, w.a, `SELECT * FROM student_progress`, nil, rows(2)},
		{"learner A reads B's progress", store.DBRoleLearner, w.a, `SELECT * FROM student_progress WHERE student_id = $1`, []any{w.b}, rows(0)},
		{"learner A inserts for B", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.b, w.l3}, refused},
		{"learner A deletes B's progress", store.DBRoleLearner, w.a, `DELETE FROM student_progress WHERE student_id = $1`, []any{w.b}, rows(0)},
		{"learner reads the draft course", store.DBRoleLearner, w.a, `SELECT * FROM courses WHERE id = $1`, []any{w.draftCourse}, rows(0)},
		{"learner reads password hashes", store.DBRoleLearner, w.a, `SELECT password_hash FROM users`, nil, refused},
		{"learner is no longer superuser", store.DBRoleLearner, w.a, `SELECT 1 WHERE current_setting('is_superuser') = 'off' AND current_user = 'fieldbook_learner'`, nil, rows(1)},
		{"anonymous reads progress", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM student_progress`, nil, rows(0)},
		{"anonymous deletes users", store.DBRoleAnonymous, uuid.Nil, `DELETE FROM users`, nil, refused},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.owner, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
}

// TestRLSEnabledAndForced checks the catalog: RLS on and forced, with
// policies, for every table with user data.
func TestRLSEnabledAndForced(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	for _, table := range []string{"users", "courses", "lessons", "student_progress", "course_editors",
		"quizzes", "quiz_versions", "quiz_questions", "quiz_keys", "quiz_attempts", "certificates", "phone_keys",
		"course_learners", "lesson_completions", "course_histogram", "progress_changes", "user_sessions"} {
		t.Run(table, func(t *testing.T) {
			var enabled, forced bool
			var policies int
			err := w.owner.QueryRow(t.Context(), `
				SELECT c.relrowsecurity, c.relforcerowsecurity,
				       (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname)::int
				FROM pg_class c
				WHERE c.oid = to_regclass('public.' || $1)`, table).Scan(&enabled, &forced, &policies)
			if err != nil {
				t.Fatal(err)
			}
			if !enabled || !forced {
				t.Errorf("relrowsecurity=%v relforcerowsecurity=%v, want both true", enabled, forced)
			}
			if policies == 0 {
				t.Error("no policies")
			}
		})
	}
}

// TestRLSPolicyColumnsIndexed checks that every column a policy filters on
// leads an index (or, for a flag, is an index's predicate), so policies
// never force a sequential scan.
func TestRLSPolicyColumnsIndexed(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	tests := []struct {
		table, column string
		predicate     bool // a partial index WHERE column also serves
	}{
		{"users", "id", false},
		{"courses", "id", false},
		{"courses", "published", false},
		{"lessons", "id", false},
		{"lessons", "course_id", false},
		{"lessons", "published", true},
		{"student_progress", "student_id", false},
		{"student_progress", "lesson_id", false},
		{"courses", "archived_at", false},
		{"course_editors", "course_id", false},
		{"course_editors", "user_id", false},
		{"quizzes", "lesson_id", false},
		{"quiz_versions", "lesson_id", false},
		{"quiz_questions", "lesson_id", false},
		{"quiz_keys", "lesson_id", false},
		{"quiz_attempts", "student_id", false},
		{"quiz_attempts", "lesson_id", false},
		{"certificates", "student_id", false},
		{"certificates", "course_id", false},
		{"phone_keys", "user_id", false},
	}
	for _, tt := range tests {
		t.Run(tt.table+"."+tt.column, func(t *testing.T) {
			rows, err := w.owner.Query(t.Context(), `
				SELECT x.indexname
				FROM pg_indexes x
				JOIN pg_class ic ON ic.relname = x.indexname AND ic.relnamespace = 'public'::regnamespace
				JOIN pg_index i ON i.indexrelid = ic.oid
				JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = $2
				WHERE x.schemaname = 'public' AND x.tablename = $1
				  AND (i.indkey[0] = a.attnum
				       OR ($3 AND pg_get_expr(i.indpred, i.indrelid) = quote_ident($2)))`,
				tt.table, tt.column, tt.predicate)
			if err != nil {
				t.Fatal(err)
			}
			indexes, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if len(indexes) == 0 {
				t.Errorf("no index on %s(%s…)", tt.table, tt.column)
			}
		})
	}
}

// TestRLSAuthFunctions checks that sign-in and sign-up work for the
// anonymous role only through the SECURITY DEFINER functions, and that
// sign-up can make nothing but a learner.
func TestRLSAuthFunctions(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	ctx := t.Context()

	inAnonTx := func(t *testing.T, fn func(pgx.Tx)) {
		t.Helper()
		tx, err := w.app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(context.Background()) //nolint:errcheck
		if _, err := tx.Exec(ctx, store.SwitchRoleSQL, store.DBRoleAnonymous, ""); err != nil {
			t.Fatal(err)
		}
		fn(tx)
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("sign-in lookup", func(t *testing.T) {
		for _, tt := range []struct {
			name, username string
			wantID         uuid.UUID
			wantHash       string
		}{
			{"exact", w.Learner.Username, w.a, w.hashOf(t, w.a)},
			{"case-insensitive", strings.ToUpper(w.Learner.Username), w.a, w.hashOf(t, w.a)},
			{"admin", w.Admin.Username, w.admin, w.hashOf(t, w.admin)},
			{"unknown", "nobody", uuid.Nil, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				inAnonTx(t, func(tx pgx.Tx) {
					rows, err := tx.Query(ctx, `SELECT id, password_hash FROM auth_user_by_username($1)`, tt.username)
					if err != nil {
						t.Fatal(err)
					}
					type row struct {
						ID   uuid.UUID
						Hash string
					}
					got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
					if err != nil {
						t.Fatal(err)
					}
					if tt.wantID == uuid.Nil {
						if len(got) != 0 {
							t.Errorf("got %v, want no rows", got)
						}
						return
					}
					if len(got) != 1 || got[0].ID != tt.wantID || got[0].Hash != tt.wantHash {
						t.Errorf("got %v, want [{%s %s}]", got, tt.wantID, tt.wantHash)
					}
				})
			})
		}
	})

	t.Run("sign-up makes learners only", func(t *testing.T) {
		var id *uuid.UUID
		inAnonTx(t, func(tx pgx.Tx) {
			if err := tx.QueryRow(ctx, `SELECT auth_sign_up('NewLearner', '  New  ', 'hash-n')`).Scan(&id); err != nil {
				t.Fatal(err)
			}
		})
		if id == nil {
			t.Fatal("auth_sign_up returned NULL for a free username")
		}
		var username, name, role, hash string
		if err := w.owner.QueryRow(ctx, `SELECT username, display_name, role, password_hash FROM users WHERE id = $1`, *id).
			Scan(&username, &name, &role, &hash); err != nil {
			t.Fatal(err)
		}
		if username != "newlearner" || name != "New" || role != "learner" || hash != "hash-n" {
			t.Errorf("signed up %q %q %q %q, want newlearner New learner hash-n", username, name, role, hash)
		}

		var again *uuid.UUID
		inAnonTx(t, func(tx pgx.Tx) {
			if err := tx.QueryRow(ctx, `SELECT auth_sign_up($1, 'Impostor', 'h')`, w.Admin.Username).Scan(&again); err != nil {
				t.Fatal(err)
			}
		})
		if again != nil {
			t.Errorf("auth_sign_up with a taken username returned %s, want NULL", *again)
		}

		var nArgs int
		if err := w.owner.QueryRow(ctx, `SELECT pronargs FROM pg_proc WHERE proname = 'auth_sign_up'`).Scan(&nArgs); err != nil {
			t.Fatal(err)
		}
		if nArgs != 3 {
			t.Errorf("auth_sign_up takes %d arguments, want 3 (no role)", nArgs)
		}
	})

	// Even if the function were changed to pass a role through, the
	// policy its owner runs under admits learners only. fieldbook_auth is
	// not granted to the login role, so this runs on the owner connection.
	tests := []rlsCase{
		{"auth role inserts a learner", store.DBRoleAuth, uuid.Nil,
			`INSERT INTO users (username, display_name, password_hash, role) VALUES ('l-new', 'L', 'h', 'learner')`, nil, rows(1)},
		{"auth role inserts a volunteer", store.DBRoleAuth, uuid.Nil,
			`INSERT INTO users (username, display_name, password_hash, role) VALUES ('v-new', 'V', 'h', 'volunteer')`, nil, refused},
		{"auth role inserts an admin", store.DBRoleAuth, uuid.Nil,
			`INSERT INTO users (username, display_name, password_hash, role) VALUES ('a-new', 'A', 'h', 'admin')`, nil, refused},
		{"auth role updates a role", store.DBRoleAuth, uuid.Nil, `UPDATE users SET role = 'admin'`, nil, refused},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.owner, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}

	for _, c := range []rlsCase{
		{"anonymous inserts a user directly", store.DBRoleAnonymous, uuid.Nil,
			`INSERT INTO users (username, display_name, password_hash, role) VALUES ('mallory', 'M', 'h', 'learner')`, nil, refused},
		{"anonymous reads password_hash directly", store.DBRoleAnonymous, uuid.Nil, `SELECT password_hash FROM users`, nil, refused},
	} {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
	t.Run("login role cannot switch to the auth role", func(t *testing.T) {
		tx, err := w.app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(context.Background()) //nolint:errcheck
		_, err = tx.Exec(ctx, store.SwitchRoleSQL, store.DBRoleAuth, "")
		if sqlState(err) != "42501" {
			t.Errorf("switch to fieldbook_auth: %v (SQLSTATE %q), want 42501", err, sqlState(err))
		}
	})
}

// TestRLSConcurrentLearners has learners write and read progress for the
// same lessons at once over a small shared pool, so connections carry one
// learner's transaction after another's: nobody ever sees another's rows.
func TestRLSConcurrentLearners(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	const (
		nLearners = 8
		rounds    = 10
	)
	learners := make([]uuid.UUID, nLearners)
	for i := range learners {
		learners[i] = uuid.New()
		if _, err := w.owner.Exec(t.Context(),
			`INSERT INTO users (id, username, display_name, password_hash) VALUES ($1, $2, 'L', 'h')`,
			learners[i], fmt.Sprintf("concurrent-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	lessons := []uuid.UUID{w.l1, w.l3}

	cfg, err := pgxpool.ParseConfig(w.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 3 // fewer connections than learners: they are shared
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	inTx := func(ctx context.Context, learner uuid.UUID, fn func(pgx.Tx) error) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, store.SwitchRoleSQL, store.DBRoleLearner, learner.String()); err != nil {
				return err
			}
			return fn(tx)
		})
	}

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		leaks int
		reads int
	)
	for i, me := range learners {
		wg.Go(func() {
			ctx := t.Context()
			for r := range rounds {
				err := inTx(ctx, me, func(tx pgx.Tx) error {
					for _, l := range lessons {
						done := (i+r)%2 == 0
						_, err := tx.Exec(ctx, `
							INSERT INTO student_progress (student_id, lesson_id, completed, completed_at)
							VALUES ((SELECT current_user_id()), $1, $2, CASE WHEN $2 THEN now() END)
							ON CONFLICT (student_id, lesson_id) DO UPDATE
							SET completed = EXCLUDED.completed, completed_at = EXCLUDED.completed_at`, l, done)
						if err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Errorf("learner %d write: %v", i, err)
					return
				}
				var seen []uuid.UUID
				err = inTx(ctx, me, func(tx pgx.Tx) error {
					rows, err := tx.Query(ctx, `SELECT student_id FROM student_progress`)
					if err != nil {
						return err
					}
					seen, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
					return err
				})
				if err != nil {
					t.Errorf("learner %d read: %v", i, err)
					return
				}
				mu.Lock()
				reads++
				for _, s := range seen {
					if s != me {
						leaks++
					}
				}
				mu.Unlock()
				if len(seen) != len(lessons) {
					t.Errorf("learner %d round %d: sees %d rows, want %d", i, r, len(seen), len(lessons))
				}
			}
		})
	}
	wg.Wait()
	if leaks != 0 {
		t.Errorf("%d rows of other learners seen", leaks)
	}
	if reads != nLearners*rounds {
		t.Errorf("%d reads completed, want %d", reads, nLearners*rounds)
	}

	var total int
	if err := w.owner.QueryRow(t.Context(), `SELECT count(*) FROM student_progress WHERE student_id = ANY($1)`, learners).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != nLearners*len(lessons) {
		t.Errorf("%d progress rows in all, want %d", total, nLearners*len(lessons))
	}
}

// TestRLSPhoneKeys proves the phone_keys policies and grants, role ×
// operation, and the one way every caller (anonymous included) reaches a key
// for verification: phone_keys_live, which returns only live keys' owner,
// role, public key and last use.
func TestRLSPhoneKeys(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	var sessA, sessB, keyA, keyA2, keyArev, keyB, keyVol, keyAdmin uuid.UUID
	for _, id := range []*uuid.UUID{&sessA, &sessB, &keyA, &keyA2, &keyArev, &keyB, &keyVol, &keyAdmin} {
		*id = uuid.New()
	}
	pk := func(b byte) []byte { return append([]byte{4}, bytes.Repeat([]byte{b}, 64)...) }
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO user_sessions (id, token, user_id) VALUES ($1, 'token-a', $3), ($2, 'token-b', $4)`,
			[]any{sessA, sessB, w.a, w.b}},
		{`INSERT INTO phone_keys (id, user_id, public_key, session_id, revoked_at) VALUES
			($1, $7, $11, $13, NULL), ($2, $7, $12, NULL, NULL), ($3, $7, $14, NULL, now()),
			($4, $8, $15, $16, NULL), ($5, $9, $17, NULL, NULL), ($6, $10, $18, NULL, NULL)`,
			[]any{keyA, keyA2, keyArev, keyB, keyVol, keyAdmin, w.a, w.b, w.vol, w.admin,
				pk(1), pk(2), sessA, pk(3), pk(4), sessB, pk(5), pk(6)}},
	} {
		if _, err := w.owner.Exec(t.Context(), s.sql, s.args...); err != nil {
			t.Fatalf("seed: %v\n%s", err, s.sql)
		}
	}
	insertKey := `INSERT INTO phone_keys (user_id, public_key, label, session_id) VALUES ($1, $2, 'x', $3)`
	signedIn := []struct {
		role      string
		user, own uuid.UUID // own: a live key of that user
		owned     int64     // how many keys (live or not) that user has
	}{{store.DBRoleLearner, w.a, keyA, 3}, {store.DBRoleVolunteer, w.vol, keyVol, 1}, {store.DBRoleAdmin, w.admin, keyAdmin, 1}}

	var cases []rlsCase
	add := func(c ...rlsCase) { cases = append(cases, c...) }
	for _, r := range signedIn {
		add(
			rlsCase{r.role + " reads all keys", r.role, r.user, `SELECT * FROM phone_keys`, nil, rows(r.owned)},
			rlsCase{r.role + " reads B's key", r.role, r.user, `SELECT * FROM phone_keys WHERE id = $1`, []any{keyB}, rows(0)},
			rlsCase{r.role + " registers own key", r.role, r.user, insertKey, []any{r.user, pk(9), nil}, rows(1)},
			rlsCase{r.role + " registers a key for B", r.role, r.user, insertKey, []any{w.b, pk(9), nil}, refused},
			rlsCase{r.role + " registers a key without an owner", r.role, r.user, insertKey, []any{nil, pk(9), nil}, refused},
			rlsCase{r.role + " registers own key under B's session", r.role, r.user, insertKey, []any{r.user, pk(9), sessB}, refused},
			rlsCase{r.role + " registers a key already revoked", r.role, r.user,
				`INSERT INTO phone_keys (user_id, public_key, revoked_at) VALUES ($1, $2, now())`, []any{r.user, pk(9)}, refused},
			rlsCase{r.role + " registers a key with its own id", r.role, r.user,
				`INSERT INTO phone_keys (id, user_id, public_key) VALUES ($1, $2, $3)`, []any{uuid.New(), r.user, pk(9)}, refused},
			rlsCase{r.role + " registers a point of the wrong size", r.role, r.user, insertKey, []any{r.user, pk(9)[:33], nil}, outcome{refused: true, state: "23514"}},
			rlsCase{r.role + " revokes own key", r.role, r.user, `UPDATE phone_keys SET revoked_at = now() WHERE id = $1`, []any{r.own}, rows(1)},
			rlsCase{r.role + " touches own key", r.role, r.user, `UPDATE phone_keys SET last_used_at = now() WHERE id = $1`, []any{r.own}, rows(1)},
			rlsCase{r.role + " revokes B's key", r.role, r.user, `UPDATE phone_keys SET revoked_at = now() WHERE id = $1`, []any{keyB}, rows(0)},
			rlsCase{r.role + " revokes every key", r.role, r.user, `UPDATE phone_keys SET revoked_at = now()`, nil, rows(r.owned - map[bool]int64{true: 1, false: 0}[r.user == w.a])},
			rlsCase{r.role + " replaces own key's material", r.role, r.user, `UPDATE phone_keys SET public_key = $2 WHERE id = $1`, []any{r.own, pk(9)}, refused},
			rlsCase{r.role + " gives own key to B", r.role, r.user, `UPDATE phone_keys SET user_id = $2 WHERE id = $1`, []any{r.own, w.b}, refused},
			rlsCase{r.role + " relabels own key", r.role, r.user, `UPDATE phone_keys SET label = 'y' WHERE id = $1`, []any{r.own}, refused},
			rlsCase{r.role + " backdates own key", r.role, r.user, `UPDATE phone_keys SET created_at = now() WHERE id = $1`, []any{r.own}, refused},
			rlsCase{r.role + " deletes own key", r.role, r.user, `DELETE FROM phone_keys WHERE id = $1`, []any{r.own}, refused},
			rlsCase{r.role + " looks keys up", r.role, r.user,
				`SELECT * FROM phone_keys_live($1)`, []any{[]uuid.UUID{keyA, keyA2, keyArev, keyB, keyVol, uuid.New()}}, rows(4)},
		)
	}
	add(
		// A revoked key stays revoked: nobody brings it back or touches it.
		rlsCase{"learner A un-revokes own key", store.DBRoleLearner, w.a, `UPDATE phone_keys SET revoked_at = NULL WHERE id = $1`, []any{keyArev}, rows(0)},
		rlsCase{"learner A touches own revoked key", store.DBRoleLearner, w.a, `UPDATE phone_keys SET last_used_at = now() WHERE id = $1`, []any{keyArev}, rows(0)},
		rlsCase{"learner A reads own keys", store.DBRoleLearner, w.a, `SELECT * FROM phone_keys WHERE user_id = $1`, []any{w.a}, rows(3)},
		rlsCase{"learner A registers own key under own session", store.DBRoleLearner, w.a, insertKey, []any{w.a, pk(9), sessA}, rows(1)},
		rlsCase{"learner A registers B's public key", store.DBRoleLearner, w.a, insertKey, []any{w.a, pk(4), nil}, refusedUnique},
		rlsCase{"learner without a user id reads keys", store.DBRoleLearner, uuid.Nil, `SELECT * FROM phone_keys`, nil, rows(0)},
		rlsCase{"learner without a user id registers a key", store.DBRoleLearner, uuid.Nil, insertKey, []any{w.a, pk(9), nil}, refused},

		rlsCase{"anonymous reads keys", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM phone_keys`, nil, refused},
		rlsCase{"anonymous reads public keys", store.DBRoleAnonymous, uuid.Nil, `SELECT public_key FROM phone_keys WHERE id = $1`, []any{keyA}, refused},
		rlsCase{"anonymous registers a key", store.DBRoleAnonymous, uuid.Nil, insertKey, []any{w.a, pk(9), nil}, refused},
		rlsCase{"anonymous revokes keys", store.DBRoleAnonymous, uuid.Nil, `UPDATE phone_keys SET revoked_at = now()`, nil, refused},
		rlsCase{"anonymous deletes keys", store.DBRoleAnonymous, uuid.Nil, `DELETE FROM phone_keys`, nil, refused},
		rlsCase{"anonymous looks keys up", store.DBRoleAnonymous, uuid.Nil,
			`SELECT * FROM phone_keys_live($1)`, []any{[]uuid.UUID{keyA, keyA2, keyArev, keyB, keyVol, keyAdmin}}, rows(5)},
		rlsCase{"anonymous looks up a revoked key", store.DBRoleAnonymous, uuid.Nil,
			`SELECT * FROM phone_keys_live($1)`, []any{[]uuid.UUID{keyArev}}, rows(0)},
		rlsCase{"anonymous looks up no keys", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM phone_keys_live('{}')`, nil, rows(0)},
		rlsCase{"anonymous upgrades a password hash", store.DBRoleAnonymous, uuid.Nil, `SELECT auth_upgrade_own_password_hash('h')`, nil, refused},

		// The function hands out these columns and nothing else (no label,
		// no session, no revocation time).
		rlsCase{"the lookup returns only owner, role, key and last use", store.DBRoleAnonymous, uuid.Nil, `
			SELECT 1 FROM pg_proc
			WHERE proname = 'phone_keys_live'
			  AND proargnames = ARRAY['p_ids', 'key_id', 'user_id', 'user_role', 'public_key', 'last_used_at']`, nil, rows(1)},
		rlsCase{"the lookup is a definer function owned by fieldbook_keys with a pinned search_path", store.DBRoleAnonymous, uuid.Nil, `
			SELECT 1 FROM pg_proc
			WHERE proname = 'phone_keys_live' AND prosecdef AND proowner = 'fieldbook_keys'::regrole
			  AND proconfig = ARRAY['search_path=public, pg_temp']`, nil, rows(1)},
		rlsCase{"exactly the caller roles may run the lookup", store.DBRoleAnonymous, uuid.Nil, `
			SELECT r FROM unnest(ARRAY['fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer', 'fieldbook_admin',
			                           'fieldbook_auth', 'fieldbook_app', 'fieldbook_stats']) r
			WHERE (r IN ('fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer', 'fieldbook_admin'))
			   <> has_function_privilege(r, 'phone_keys_live(uuid[])', 'EXECUTE')`, nil, rows(0)},
		rlsCase{"PUBLIC may run none of the key functions", store.DBRoleAnonymous, uuid.Nil, `
			SELECT 1 FROM pg_proc p LEFT JOIN LATERAL aclexplode(p.proacl) a ON true
			WHERE p.proname IN ('phone_keys_live', 'phone_keys_revoke_on_user_change', 'auth_upgrade_own_password_hash')
			  AND (p.proacl IS NULL OR a.grantee = 0)`, nil, rows(0)},
		rlsCase{"no role may change a key's material or owner, or delete a key", store.DBRoleAnonymous, uuid.Nil, `
			SELECT r FROM unnest(ARRAY['fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer',
			                           'fieldbook_admin', 'fieldbook_auth', 'fieldbook_keys', 'fieldbook_app']) r
			WHERE has_column_privilege(r, 'phone_keys', 'public_key', 'UPDATE')
			   OR has_column_privilege(r, 'phone_keys', 'user_id', 'UPDATE')
			   OR has_table_privilege(r, 'phone_keys', 'DELETE')
			   OR has_table_privilege(r, 'phone_keys', 'TRUNCATE')`, nil, rows(0)},
		rlsCase{"the anonymous role has no privilege on the keys table", store.DBRoleAnonymous, uuid.Nil, `
			SELECT 1 WHERE has_table_privilege('fieldbook_anon', 'phone_keys', 'SELECT, INSERT, UPDATE, DELETE')
			            OR has_any_column_privilege('fieldbook_anon', 'phone_keys', 'SELECT, INSERT, UPDATE')`, nil, rows(0)},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}

	t.Run("the lookup's answer", func(t *testing.T) {
		tx, err := w.app.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(context.Background()) //nolint:errcheck
		if _, err := tx.Exec(t.Context(), store.SwitchRoleSQL, store.DBRoleAnonymous, ""); err != nil {
			t.Fatal(err)
		}
		var user uuid.UUID
		var role string
		var key []byte
		if err := tx.QueryRow(t.Context(), `SELECT user_id, user_role, public_key FROM phone_keys_live($1)`,
			[]uuid.UUID{keyVol}).Scan(&user, &role, &key); err != nil {
			t.Fatal(err)
		}
		if user != w.vol || role != "volunteer" || !bytes.Equal(key, pk(5)) {
			t.Errorf("lookup = %s %s %x, want the volunteer's key", user, role, key)
		}
	})
	t.Run("login role cannot switch to the keys role", func(t *testing.T) {
		tx, err := w.app.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(context.Background()) //nolint:errcheck
		if _, err := tx.Exec(t.Context(), store.SwitchRoleSQL, "fieldbook_keys", ""); sqlState(err) != "42501" {
			t.Errorf("switch to fieldbook_keys: %v (SQLSTATE %q), want 42501", err, sqlState(err))
		}
	})
}
