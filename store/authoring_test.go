package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"fieldbook/store"
)

// authoringWorld: an editor with a draft course (three lessons) and a
// published course (three published lessons, one completed by a learner);
// a second volunteer who edits neither; a learner; an admin.
type authoringWorld struct {
	*env
	editor, other, learner, admin store.Caller
	draft, pub                    uuid.UUID
	draftLessons, pubLessons      []uuid.UUID
}

func newAuthoringWorld(t *testing.T) *authoringWorld {
	t.Helper()
	w := &authoringWorld{env: newEnv(t)}
	w.editor = w.user(t, store.RoleVolunteer)
	w.other = w.user(t, store.RoleVolunteer)
	w.learner = w.user(t, store.RoleLearner)
	w.admin = w.user(t, store.RoleAdmin)
	w.draft = w.course(t, w.editor, "Draft course", false)
	w.pub = w.course(t, w.editor, "Published course", true)
	for i := range 3 {
		w.draftLessons = append(w.draftLessons, w.lesson(t, w.editor, w.draft, fmt.Sprintf("D%d", i+1), i != 1))
		w.pubLessons = append(w.pubLessons, w.lesson(t, w.editor, w.pub, fmt.Sprintf("P%d", i+1), true))
	}
	w.mustSetCompleted(t, w.learner, w.pubLessons[0], true, time.Now())
	return w
}

// snapshot digests every table authoring touches, read as the owner.
func (w *authoringWorld) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"courses", "lessons", "course_editors", "student_progress"} {
		var digest string
		if err := w.owner.QueryRow(t.Context(),
			`SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM `+table+` x`).Scan(&digest); err != nil {
			t.Fatal(err)
		}
		b.WriteString(table + ":" + digest + ";")
	}
	return b.String()
}

// positions are a course's lesson ids in order with their positions, read
// as the owner.
func (w *authoringWorld) positions(t *testing.T, course uuid.UUID) ([]uuid.UUID, []int) {
	t.Helper()
	rows, err := w.owner.Query(t.Context(), `SELECT id, position FROM lessons WHERE course_id = $1 ORDER BY position`, course)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	var pos []int
	for rows.Next() {
		var id uuid.UUID
		var p int
		if err := rows.Scan(&id, &p); err != nil {
			t.Fatal(err)
		}
		ids, pos = append(ids, id), append(pos, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids, pos
}

// checkDense fails unless positions are exactly 1…n.
func checkDense(t *testing.T, pos []int) {
	t.Helper()
	for i, p := range pos {
		if p != i+1 {
			t.Fatalf("positions %v, want 1…%d", pos, len(pos))
		}
	}
}

var errRollback = errors.New("roll back")

// TestAuthoringThroughStoreUnderRLS calls every authoring store function
// as each kind of caller. Editors and admins succeed; a volunteer who does
// not edit the course, a learner and anonymous are refused by PostgreSQL
// (the functions hold no permission checks of their own) and the database
// is left exactly as it was.
func TestAuthoringThroughStoreUnderRLS(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	ops := []struct {
		name string
		run  func(*store.Tx) error
	}{
		{"CourseForEdit draft", func(tx *store.Tx) error { _, err := tx.CourseForEdit(ctx, w.draft); return err }},
		{"CourseForEdit published", func(tx *store.Tx) error { _, err := tx.CourseForEdit(ctx, w.pub); return err }},
		{"LessonForEdit draft course", func(tx *store.Tx) error { _, err := tx.LessonForEdit(ctx, w.draftLessons[0]); return err }},
		{"LessonForEdit published", func(tx *store.Tx) error { _, err := tx.LessonForEdit(ctx, w.pubLessons[0]); return err }},
		{"UpdateCourse draft", func(tx *store.Tx) error {
			_, err := tx.UpdateCourse(ctx, w.draft, store.CourseChange{Title: "x", Version: 1})
			return err
		}},
		{"UpdateCourse published", func(tx *store.Tx) error {
			_, err := tx.UpdateCourse(ctx, w.pub, store.CourseChange{Title: "x", Version: 1})
			return err
		}},
		{"publish draft", func(tx *store.Tx) error { return tx.SetCoursePublished(ctx, w.draft, true) }},
		{"unpublish published", func(tx *store.Tx) error { return tx.SetCoursePublished(ctx, w.pub, false) }},
		{"archive published", func(tx *store.Tx) error { return tx.SetCourseArchived(ctx, w.pub, true) }},
		{"delete draft", func(tx *store.Tx) error { return tx.DeleteCourse(ctx, w.draft) }},
		{"delete published", func(tx *store.Tx) error { return tx.DeleteCourse(ctx, w.pub) }},
		{"create lesson in draft", func(tx *store.Tx) error {
			_, err := tx.CreateLesson(ctx, store.NewLesson{CourseID: w.draft, Title: "x"})
			return err
		}},
		{"create lesson in published", func(tx *store.Tx) error {
			_, err := tx.CreateLesson(ctx, store.NewLesson{CourseID: w.pub, Title: "x", Published: true})
			return err
		}},
		{"update published lesson", func(tx *store.Tx) error {
			_, err := tx.UpdateLesson(ctx, w.pubLessons[1], store.LessonChange{Title: "x", Published: true, Version: 1})
			return err
		}},
		{"delete published lesson", func(tx *store.Tx) error { _, err := tx.DeleteLesson(ctx, w.pubLessons[1]); return err }},
		{"move published lesson", func(tx *store.Tx) error { _, err := tx.MoveLesson(ctx, w.pubLessons[1], true); return err }},
		{"move draft-course lesson", func(tx *store.Tx) error { _, err := tx.MoveLesson(ctx, w.draftLessons[1], false); return err }},
		{"add editor", func(tx *store.Tx) error {
			u, _ := w.username(t, w.other)
			return tx.AddCourseEditor(ctx, w.pub, u)
		}},
	}
	callers := []struct {
		name  string
		c     store.Caller
		allow bool
	}{
		{"editor", w.editor, true},
		{"admin", w.admin, true},
		{"other volunteer", w.other, false},
		{"learner", w.learner, false},
		{"anonymous", store.Anonymous, false},
	}
	for _, cl := range callers {
		for _, op := range ops {
			if cl.c == w.admin && op.name == "add editor" {
				continue // the admin adds; covered by TestAddCourseEditor
			}
			t.Run(cl.name+"/"+op.name, func(t *testing.T) {
				before := w.snapshot(t)
				err := w.s.InTx(ctx, cl.c, func(tx *store.Tx) error {
					if err := op.run(tx); err != nil {
						return err
					}
					if cl.allow {
						return errRollback // keep the world for the next case
					}
					return nil // commit whatever a refused caller managed
				})
				if cl.allow {
					if !errors.Is(err, errRollback) {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				if !errors.Is(err, store.ErrForbidden) && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("got %v, want ErrForbidden or ErrNotFound", err)
				}
				if after := w.snapshot(t); after != before {
					t.Error("the database changed")
				}
			})
		}
	}
}

func (w *authoringWorld) username(t *testing.T, c store.Caller) (string, error) {
	t.Helper()
	var name string
	err := w.owner.QueryRow(t.Context(), `SELECT username FROM users WHERE id = $1`, c.UserID).Scan(&name)
	if err != nil {
		t.Fatal(err)
	}
	return name, nil
}

// TestAuthoringRLSPolicies proves the P2 policies statement by statement on
// the login role, as TestRLSPolicies does for P1.
func TestAuthoringRLSPolicies(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	app, err := pgx.Connect(t.Context(), w.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close(context.Background()) })
	ed, other, learner, admin := w.editor.UserID, w.other.UserID, w.learner.UserID, w.admin.UserID
	archived := w.course(t, w.editor, "Archived course", true)
	w.lesson(t, w.editor, archived, "A1", true)
	w.ownerExec(t, `UPDATE courses SET archived_at = now() WHERE id = $1`, archived)
	othersCourse := w.course(t, w.other, "The other volunteer's course", false)

	cases := []rlsCase{
		// A volunteer who edits nothing: published courses only, no writes.
		{"other reads the draft course", store.DBRoleVolunteer, other, `SELECT * FROM courses WHERE id = $1`, []any{w.draft}, rows(0)},
		{"other reads all courses", store.DBRoleVolunteer, other, `SELECT * FROM courses`, nil, rows(2)},
		{"other reads draft-course lessons", store.DBRoleVolunteer, other, `SELECT * FROM lessons WHERE course_id = $1`, []any{w.draft}, rows(0)},
		{"other updates the published course", store.DBRoleVolunteer, other, `UPDATE courses SET title = 'x' WHERE id = $1`, []any{w.pub}, rows(0)},
		{"other publishes the draft course", store.DBRoleVolunteer, other, `UPDATE courses SET published = true WHERE id = $1`, []any{w.draft}, rows(0)},
		{"other deletes the editor's courses", store.DBRoleVolunteer, other, `DELETE FROM courses WHERE created_by = $1`, []any{ed}, rows(0)},
		{"other updates own course", store.DBRoleVolunteer, other, `UPDATE courses SET title = 'x' WHERE id = $1`, []any{othersCourse}, rows(1)},
		{"other inserts a lesson into the published course", store.DBRoleVolunteer, other,
			`INSERT INTO lessons (course_id, position, title) VALUES ($1, 9, 'x')`, []any{w.pub}, refused},
		{"other updates published lessons", store.DBRoleVolunteer, other, `UPDATE lessons SET title = 'x'`, nil, rows(0)},
		{"other deletes published lessons", store.DBRoleVolunteer, other, `DELETE FROM lessons`, nil, rows(0)},
		{"other makes self an editor", store.DBRoleVolunteer, other,
			`INSERT INTO course_editors (course_id, user_id, added_by) VALUES ($1, $2, $2)`, []any{w.pub, other}, refused},
		{"other reads course_editors (own course only)", store.DBRoleVolunteer, other, `SELECT * FROM course_editors`, nil, rows(1)},
		{"other creates a course in the editor's name", store.DBRoleVolunteer, other,
			`INSERT INTO courses (title, created_by) VALUES ('x', $1)`, []any{ed}, refused},
		{"other creates a course without a creator", store.DBRoleVolunteer, other, `INSERT INTO courses (title) VALUES ('x')`, nil, refused},
		{"other creates own course", store.DBRoleVolunteer, other, `INSERT INTO courses (title, created_by) VALUES ('x', $1)`, []any{other}, rows(1)},
		{"other reads learners' progress", store.DBRoleVolunteer, other, `SELECT * FROM student_progress`, nil, rows(0)},
		{"other reads the editor's user row", store.DBRoleVolunteer, other, `SELECT id FROM users WHERE id = $1`, []any{ed}, rows(0)},
		{"other reads the archived course", store.DBRoleVolunteer, other, `SELECT * FROM courses WHERE id = $1`, []any{archived}, rows(0)},

		// The editor: drafts, writes, co-editors, their learners' progress.
		{"editor reads all courses", store.DBRoleVolunteer, ed, `SELECT * FROM courses`, nil, rows(3)},
		{"editor reads draft lessons", store.DBRoleVolunteer, ed, `SELECT * FROM lessons WHERE course_id = $1`, []any{w.draft}, rows(3)},
		{"editor updates the draft course", store.DBRoleVolunteer, ed, `UPDATE courses SET title = 'x' WHERE id = $1`, []any{w.draft}, rows(1)},
		{"editor reads course_editors", store.DBRoleVolunteer, ed, `SELECT * FROM course_editors`, nil, rows(3)},
		{"editor reads learners' progress in own course", store.DBRoleVolunteer, ed, `SELECT * FROM student_progress`, nil, rows(1)},
		{"editor updates a learner's progress", store.DBRoleVolunteer, ed, `UPDATE student_progress SET completed = completed`, nil, rows(0)},
		{"editor adds the other volunteer", store.DBRoleVolunteer, ed,
			`INSERT INTO course_editors (course_id, user_id, added_by) VALUES ($1, $2, $3)`, []any{w.pub, other, ed}, rows(1)},
		{"editor adds the other volunteer in their name", store.DBRoleVolunteer, ed,
			`INSERT INTO course_editors (course_id, user_id, added_by) VALUES ($1, $2, $2)`, []any{w.pub, other}, refused},
		{"editor adds a learner", store.DBRoleVolunteer, ed,
			`INSERT INTO course_editors (course_id, user_id, added_by) VALUES ($1, $2, $3)`, []any{w.pub, learner, ed}, refused},
		{"editor moves a lesson into a course they do not edit", store.DBRoleVolunteer, ed,
			`UPDATE lessons SET course_id = $2 WHERE id = $1`, []any{w.pubLessons[0], othersCourse}, refused},
		{"editor reads the other volunteer's draft course", store.DBRoleVolunteer, ed, `SELECT * FROM courses WHERE id = $1`, []any{othersCourse}, rows(0)},
		{"editor removes an editor", store.DBRoleVolunteer, ed, `DELETE FROM course_editors`, nil, refused},
		{"editor sets a version", store.DBRoleVolunteer, ed,
			`UPDATE courses SET version = 99 WHERE id = $1 AND version = 99`, []any{w.draft}, rows(0)},

		// Learners and anonymous: live published courses only, no editors.
		{"learner reads courses", store.DBRoleLearner, learner, `SELECT * FROM courses`, nil, rows(1)},
		{"learner reads the archived course", store.DBRoleLearner, learner, `SELECT * FROM courses WHERE id = $1`, []any{archived}, rows(0)},
		{"learner reads lessons of the archived course", store.DBRoleLearner, learner, `SELECT * FROM lessons WHERE course_id = $1`, []any{archived}, rows(0)},
		{"anonymous reads the archived course", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM courses WHERE id = $1`, []any{archived}, rows(0)},
		{"learner reads course_editors", store.DBRoleLearner, learner, `SELECT * FROM course_editors`, nil, refused},
		{"learner makes self an editor", store.DBRoleLearner, learner,
			`INSERT INTO course_editors (course_id, user_id, added_by) VALUES ($1, $2, $2)`, []any{w.pub, learner}, refused},
		{"learner calls edited_course_ids", store.DBRoleLearner, learner, `SELECT edited_course_ids()`, nil, refused},
		{"anonymous looks up staff", store.DBRoleAnonymous, uuid.Nil, `SELECT staff_user_id('admin')`, nil, refused},

		// Admins: everything.
		{"admin reads all courses", store.DBRoleAdmin, admin, `SELECT * FROM courses`, nil, rows(4)},
		{"admin updates the draft course", store.DBRoleAdmin, admin, `UPDATE courses SET title = 'x' WHERE id = $1`, []any{w.draft}, rows(1)},
		{"admin adds an editor", store.DBRoleAdmin, admin,
			`INSERT INTO course_editors (course_id, user_id, added_by) VALUES ($1, $2, $3)`, []any{w.draft, other, admin}, rows(1)},
		{"admin adds a learner as editor", store.DBRoleAdmin, admin,
			`INSERT INTO course_editors (course_id, user_id, added_by) VALUES ($1, $2, $3)`, []any{w.draft, learner, admin}, refused},
		{"admin removes an editor", store.DBRoleAdmin, admin, `DELETE FROM course_editors WHERE user_id = $1`, []any{ed}, rows(3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
}

// TestCourseCreatorBecomesEditor: creating a course is enough to edit it,
// in the same transaction, with no admin involved.
func TestCourseCreatorBecomesEditor(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	err := w.s.InTx(ctx, w.other, func(tx *store.Tx) error {
		id, _, err := tx.CreateCourse(ctx, store.NewCourse{Title: "Mine"})
		if err != nil {
			return err
		}
		if _, err := tx.CreateLesson(ctx, store.NewLesson{CourseID: id, Title: "First"}); err != nil {
			return err
		}
		c, err := tx.CourseForEdit(ctx, id)
		if err != nil {
			return err
		}
		if c.CreatedBy == nil || c.UpdatedBy == nil || *c.CreatedBy != *c.UpdatedBy || c.Version != 1 {
			t.Errorf("created_by %v updated_by %v version %d; want the creator twice, version 1", c.CreatedBy, c.UpdatedBy, c.Version)
		}
		list, err := tx.EditableCourses(ctx)
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].ID != id || list[0].Lessons != 1 || list[0].Drafts != 1 {
			t.Errorf("EditableCourses = %+v, want just the new course with one draft lesson", list)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var admins []store.StudioCourse
	if err := w.s.ReadTx(ctx, w.admin, func(tx *store.Tx) (err error) {
		admins, err = tx.EditableCourses(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(admins) != 3 {
		t.Errorf("admin's EditableCourses has %d courses, want all 3", len(admins))
	}
}

// TestMoveLesson: moves keep positions 1…n and move exactly one step.
func TestMoveLesson(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	l := w.draftLessons // order: 0 1 2
	tests := []struct {
		name string
		move uuid.UUID
		up   bool
		want []uuid.UUID
	}{
		{"last up", l[2], true, []uuid.UUID{l[0], l[2], l[1]}},
		{"first up (no-op)", l[0], true, []uuid.UUID{l[0], l[2], l[1]}},
		{"first down", l[0], false, []uuid.UUID{l[2], l[0], l[1]}},
		{"last down (no-op)", l[1], false, []uuid.UUID{l[2], l[0], l[1]}},
		{"middle up", l[0], true, []uuid.UUID{l[0], l[2], l[1]}},
		{"middle down", l[2], false, []uuid.UUID{l[0], l[1], l[2]}},
	}
	for _, tt := range tests {
		err := w.s.InTx(ctx, w.editor, func(tx *store.Tx) error {
			course, err := tx.MoveLesson(ctx, tt.move, tt.up)
			if err == nil && course != w.draft {
				t.Errorf("%s: MoveLesson returned course %s, want %s", tt.name, course, w.draft)
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		ids, pos := w.positions(t, w.draft)
		checkDense(t, pos)
		if !slices.Equal(ids, tt.want) {
			t.Fatalf("%s: order %v, want %v", tt.name, ids, tt.want)
		}
	}
	// Moving does not make anyone's open lesson form stale.
	var v int
	if err := w.owner.QueryRow(ctx, `SELECT max(version) FROM lessons WHERE course_id = $1`, w.draft).Scan(&v); err != nil || v != 1 {
		t.Errorf("after moves, lesson versions reach %d (%v), want 1", v, err)
	}
}

// TestMoveLessonConcurrent moves one lesson up twice and down twice from
// four transactions started together, for many rounds. Whatever order they
// run in, the lesson ends where it started and the others keep their order;
// moves that did not serialise on the course row would lose a step or
// collide. Positions stay 1…n throughout and no move fails.
func TestMoveLessonConcurrent(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	for range 5 {
		w.lesson(t, w.editor, w.pub, "more", true)
	}
	ids, _ := w.positions(t, w.pub) // 8 lessons
	const rounds = 20
	for r := range rounds {
		x := ids[2+r%4] // position 3…6: two steps either way stay inside
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				<-start
				errs[i] = w.s.InTx(ctx, w.editor, func(tx *store.Tx) error {
					_, err := tx.MoveLesson(ctx, x, i%2 == 0)
					return err
				})
			})
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", r, err)
			}
		}
		got, pos := w.positions(t, w.pub)
		checkDense(t, pos)
		if !slices.Equal(got, ids) {
			t.Fatalf("round %d: order %v, want %v", r, got, ids)
		}
	}
}

// TestDeleteLessonKeepsPositionsDense deletes from the middle, the start and
// the end.
func TestDeleteLessonKeepsPositionsDense(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	for range 3 {
		w.lesson(t, w.editor, w.pub, "more", true)
	}
	ids, _ := w.positions(t, w.pub)
	for _, victim := range []uuid.UUID{ids[2], ids[0], ids[5]} {
		err := w.s.InTx(ctx, w.editor, func(tx *store.Tx) error {
			_, err := tx.DeleteLesson(ctx, victim)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, pos := w.positions(t, w.pub)
		checkDense(t, pos)
		want := slices.DeleteFunc(slices.Clone(ids), func(id uuid.UUID) bool { return id == victim })
		if !slices.Equal(got, want) {
			t.Fatalf("after deleting %s: %v, want %v", victim, got, want)
		}
		ids = got
	}
	// The learner's progress on the deleted first lesson went with it.
	var n int
	if err := w.owner.QueryRow(ctx, `SELECT count(*) FROM student_progress`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d progress rows left (%v), want 0", n, err)
	}
}

// TestEditConflicts: two editors load version 1; the first save wins and
// bumps the version; the second is ErrConflict and changes nothing; saving
// again on the new version works.
func TestEditConflicts(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	save := func(c store.Caller, fn func(*store.Tx) (int, error)) (int, error) {
		var v int
		err := w.s.InTx(ctx, c, func(tx *store.Tx) (err error) {
			v, err = fn(tx)
			return err
		})
		return v, err
	}
	course := func(title string, version int) func(*store.Tx) (int, error) {
		return func(tx *store.Tx) (int, error) {
			return tx.UpdateCourse(ctx, w.pub, store.CourseChange{Title: title, Version: version})
		}
	}
	lesson := func(title string, version int) func(*store.Tx) (int, error) {
		return func(tx *store.Tx) (int, error) {
			return tx.UpdateLesson(ctx, w.pubLessons[0], store.LessonChange{Title: title, Body: "b", BodyHTML: "<p>b</p>", Published: true, Version: version})
		}
	}
	steps := []struct {
		name    string
		by      store.Caller
		fn      func(*store.Tx) (int, error)
		wantV   int
		wantErr error
	}{
		{"course: first save", w.editor, course("First", 1), 2, nil},
		{"course: second save on version 1", w.admin, course("Second", 1), 0, store.ErrConflict},
		{"course: second save on version 2", w.admin, course("Second", 2), 3, nil},
		{"course: same title again", w.editor, course("Second", 3), 3, nil},
		{"lesson: first save", w.editor, lesson("First", 1), 2, nil},
		{"lesson: second save on version 1", w.admin, lesson("Second", 1), 0, store.ErrConflict},
		{"lesson: second save on version 2", w.admin, lesson("Second", 2), 3, nil},
	}
	for _, s := range steps {
		v, err := save(s.by, s.fn)
		if !errors.Is(err, s.wantErr) || v != s.wantV {
			t.Fatalf("%s: version %d, error %v; want %d, %v", s.name, v, err, s.wantV, s.wantErr)
		}
	}
	var ct, lt, lh string
	var updater uuid.UUID
	if err := w.owner.QueryRow(ctx, `SELECT c.title, l.title, l.body_html, l.updated_by FROM courses c JOIN lessons l ON l.course_id = c.id WHERE l.id = $1`,
		w.pubLessons[0]).Scan(&ct, &lt, &lh, &updater); err != nil {
		t.Fatal(err)
	}
	if ct != "Second" || lt != "Second" || lh != "<p>b</p>" || updater != w.admin.UserID {
		t.Errorf("stored course %q, lesson %q %q by %s; want Second, Second <p>b</p> by the admin", ct, lt, lh, updater)
	}
	// Publishing does not bump the course version (no form is made stale).
	if err := w.s.InTx(ctx, w.editor, func(tx *store.Tx) error { return tx.SetCoursePublished(ctx, w.pub, false) }); err != nil {
		t.Fatal(err)
	}
	if _, err := save(w.editor, course("Third", 3)); err != nil {
		t.Errorf("save after unpublishing: %v", err)
	}
}

// TestArchivedCourseIsReadOnly: archiving hides the course from learners
// and the home list, keeps progress, refuses every change but restore and
// delete; restoring brings it all back.
func TestArchivedCourseIsReadOnly(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	in := func(c store.Caller, fn func(*store.Tx) error) error { return w.s.InTx(ctx, c, fn) }
	if err := in(w.editor, func(tx *store.Tx) error { return tx.SetCourseArchived(ctx, w.pub, true) }); err != nil {
		t.Fatal(err)
	}
	for _, op := range []struct {
		name string
		fn   func(*store.Tx) error
	}{
		{"update", func(tx *store.Tx) error {
			_, err := tx.UpdateCourse(ctx, w.pub, store.CourseChange{Title: "x", Version: 1})
			return err
		}},
		{"publish", func(tx *store.Tx) error { return tx.SetCoursePublished(ctx, w.pub, true) }},
		{"add lesson", func(tx *store.Tx) error {
			_, err := tx.CreateLesson(ctx, store.NewLesson{CourseID: w.pub, Title: "x"})
			return err
		}},
		{"edit lesson", func(tx *store.Tx) error {
			_, err := tx.UpdateLesson(ctx, w.pubLessons[0], store.LessonChange{Title: "x", Version: 1})
			return err
		}},
		{"move lesson", func(tx *store.Tx) error { _, err := tx.MoveLesson(ctx, w.pubLessons[0], false); return err }},
		{"delete lesson", func(tx *store.Tx) error { _, err := tx.DeleteLesson(ctx, w.pubLessons[0]); return err }},
	} {
		if err := in(w.editor, op.fn); !errors.Is(err, store.ErrArchived) {
			t.Errorf("%s on an archived course: %v, want ErrArchived", op.name, err)
		}
	}
	if got := w.listCourses(t, w.learner); len(got) != 0 {
		t.Errorf("learner's course list has %d courses, want none (archived)", len(got))
	}
	if got := w.listCourses(t, w.editor); len(got) != 0 {
		t.Errorf("editor's home list has %d courses, want none (archived)", len(got))
	}
	var kept int
	if err := w.owner.QueryRow(ctx, `SELECT count(*) FROM student_progress`).Scan(&kept); err != nil || kept != 1 {
		t.Errorf("%d progress rows (%v), want the learner's 1 kept", kept, err)
	}
	if err := in(w.editor, func(tx *store.Tx) error { return tx.SetCourseArchived(ctx, w.pub, false) }); err != nil {
		t.Fatal(err)
	}
	if got := w.listCourses(t, w.learner); len(got) != 1 || got[0].Completed != 1 {
		t.Errorf("after restore the learner's list is %+v, want the course with 1 completed", got)
	}
}

// TestAddCourseEditor: only volunteers and admins can be added, once; the
// new editor can then edit and sees the others' names.
func TestAddCourseEditor(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	name := func(c store.Caller) string { n, _ := w.username(t, c); return n }
	tests := []struct {
		name     string
		by       store.Caller
		username string
		want     error
	}{
		{"learner", w.editor, name(w.learner), store.ErrNotStaff},
		{"unknown", w.editor, "nobody-here", store.ErrNotStaff},
		{"self again", w.editor, name(w.editor), store.ErrConflict},
		{"by a non-editor", w.other, name(w.other), store.ErrForbidden},
		{"the other volunteer, upper case", w.editor, strings.ToUpper(name(w.other)), nil},
		{"the other volunteer again", w.admin, name(w.other), store.ErrConflict},
		{"the admin, by the admin", w.admin, name(w.admin), nil},
	}
	for _, tt := range tests {
		err := w.s.InTx(ctx, tt.by, func(tx *store.Tx) error { return tx.AddCourseEditor(ctx, w.pub, tt.username) })
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	err := w.s.InTx(ctx, w.other, func(tx *store.Tx) error {
		if _, err := tx.UpdateCourse(ctx, w.pub, store.CourseChange{Title: "Now mine too", Version: 1}); err != nil {
			return err
		}
		eds, err := tx.CourseEditors(ctx, w.pub)
		if err != nil {
			return err
		}
		var names []string
		for _, e := range eds {
			names = append(names, e.Username)
		}
		if want := []string{name(w.editor), name(w.other), name(w.admin)}; !slices.Equal(names, want) {
			t.Errorf("editors %v, want %v", names, want)
		}
		c, err := tx.CourseForEdit(ctx, w.pub)
		if err != nil {
			return err
		}
		if c.CreatedBy == nil {
			t.Error("a co-editor cannot see the creator's name")
		}
		// Still no access to the editor's other (draft) course.
		if _, err := tx.CourseForEdit(ctx, w.draft); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CourseForEdit of the draft course: %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCourseDeleteImpact counts lessons and progress, as editor and admin.
func TestCourseDeleteImpact(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	ctx := t.Context()
	for _, c := range []store.Caller{w.editor, w.admin} {
		var d store.DeleteImpact
		err := w.s.ReadTx(ctx, c, func(tx *store.Tx) (err error) {
			d, err = tx.CourseDeleteImpact(ctx, w.pub)
			return err
		})
		if err != nil || d != (store.DeleteImpact{Lessons: 3, Progress: 1}) {
			t.Errorf("%s: %+v, %v; want 3 lessons, 1 progress record", c.Role, d, err)
		}
	}
}

// TestLearnerKeepsArchivedCourse: after archiving, a learner with progress
// in the course still reads the course row (for progress pages) and their
// progress, but not its lessons, and cannot change that progress; others
// do not see the course at all.
func TestLearnerKeepsArchivedCourse(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	stranger := w.user(t, store.RoleLearner)
	if err := w.s.InTx(t.Context(), w.editor, func(tx *store.Tx) error { return tx.SetCourseArchived(t.Context(), w.pub, true) }); err != nil {
		t.Fatal(err)
	}
	app, err := pgx.Connect(t.Context(), w.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close(context.Background()) })
	learner := w.learner.UserID
	for _, c := range []rlsCase{
		{"learner with progress reads the archived course", store.DBRoleLearner, learner, `SELECT * FROM courses WHERE id = $1`, []any{w.pub}, rows(1)},
		{"learner with progress reads its lessons", store.DBRoleLearner, learner, `SELECT * FROM lessons WHERE course_id = $1`, []any{w.pub}, rows(0)},
		{"learner with progress reads the progress", store.DBRoleLearner, learner, `SELECT * FROM student_progress`, nil, rows(1)},
		{"learner with progress changes it", store.DBRoleLearner, learner, `UPDATE student_progress SET completed = false, completed_at = NULL`, nil, refused},
		{"learner with progress adds more", store.DBRoleLearner, learner,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{learner, w.pubLessons[1]}, refused},
		{"learner without progress reads the archived course", store.DBRoleLearner, stranger.UserID, `SELECT * FROM courses WHERE id = $1`, []any{w.pub}, rows(0)},
		{"anonymous reads the archived course", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM courses WHERE id = $1`, []any{w.pub}, rows(0)},
		{"learner calls progress_course_ids", store.DBRoleLearner, learner, `SELECT 1 WHERE progress_course_ids() = ARRAY[$1::uuid]`, []any{w.pub}, rows(1)},
		{"volunteer calls progress_course_ids", store.DBRoleVolunteer, w.other.UserID, `SELECT progress_course_ids()`, nil, refused},
	} {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
	// The learner-facing store functions leave it out.
	if got := w.listCourses(t, w.learner); len(got) != 0 {
		t.Errorf("course list %+v, want empty", got)
	}
	err = w.s.ReadTx(t.Context(), w.learner, func(tx *store.Tx) error {
		_, err := tx.PublishedCourse(t.Context(), w.pub)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PublishedCourse of the archived course: %v, want ErrNotFound", err)
	}
}
