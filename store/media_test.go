package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
)

func newMedia(course, lesson uuid.UUID, data string) store.NewMedia {
	sum := sha256.Sum256([]byte(data))
	return store.NewMedia{CourseID: course, LessonID: lesson, SHA256: hex.EncodeToString(sum[:]),
		Name: "f.pdf", ContentType: "application/pdf", Data: []byte(data)}
}

func (w *authoringWorld) addMedia(t *testing.T, c store.Caller, m store.NewMedia) error {
	ctx := t.Context()
	return w.s.InTx(ctx, c, func(tx *store.Tx) error { _, err := tx.AddMedia(ctx, m); return err })
}

func (w *authoringWorld) mediaByHash(t *testing.T, c store.Caller, hash string) (store.Media, error) {
	ctx := t.Context()
	var m store.Media
	err := w.s.ReadTx(ctx, c, func(tx *store.Tx) (err error) { m, err = tx.MediaByHash(ctx, hash); return err })
	return m, err
}

func (w *authoringWorld) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := w.owner.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMediaUnderRLS: the store holds no permission checks for media;
// PostgreSQL lets a course's editors and admins add files, refuses everyone
// else, shows the files of published, live courses to anyone and those of a
// draft to its editors only, and deletes them with their course.
func TestMediaUnderRLS(t *testing.T) {
	t.Parallel()
	w := newAuthoringWorld(t)
	var rlsForced bool
	if err := w.owner.QueryRow(t.Context(), `SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'media'::regclass`).Scan(&rlsForced); err != nil || !rlsForced {
		t.Fatalf("media: RLS enabled and forced = %v (%v)", rlsForced, err)
	}

	pub := newMedia(w.pub, w.pubLessons[0], "%PDF-published")
	draft := newMedia(w.draft, w.draftLessons[0], "%PDF-draft")
	before := w.snapshot(t)
	for name, c := range map[string]store.Caller{"non-editor volunteer": w.other, "learner": w.learner, "anonymous": store.Anonymous} {
		for _, m := range []store.NewMedia{pub, draft} {
			if err := w.addMedia(t, c, m); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%s adds media to %s: %v, want ErrForbidden", name, m.CourseID, err)
			}
		}
	}
	// An editor cannot file media under a lesson of another course.
	cross := newMedia(w.pub, w.draftLessons[0], "%PDF-cross")
	if err := w.addMedia(t, w.editor, cross); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("media for another course's lesson: %v, want ErrForbidden", err)
	}
	if n := w.count(t, `SELECT count(*) FROM media`); n != 0 || w.snapshot(t) != before {
		t.Fatalf("refused inserts left %d rows", n)
	}
	if err := w.addMedia(t, w.editor, pub); err != nil {
		t.Fatalf("editor: %v", err)
	}
	if err := w.addMedia(t, w.admin, draft); err != nil {
		t.Fatalf("admin: %v", err)
	}

	for _, tt := range []struct {
		name   string
		caller store.Caller
		m      store.NewMedia
		found  bool
	}{
		{"anonymous, published", store.Anonymous, pub, true},
		{"learner, published", w.learner, pub, true},
		{"stranger, published", w.other, pub, true},
		{"anonymous, draft", store.Anonymous, draft, false},
		{"learner, draft", w.learner, draft, false},
		{"stranger, draft", w.other, draft, false},
		{"editor, draft", w.editor, draft, true},
		{"admin, draft", w.admin, draft, true},
	} {
		m, err := w.mediaByHash(t, tt.caller, tt.m.SHA256)
		switch {
		case tt.found && (err != nil || string(m.Data) != string(tt.m.Data) || m.Public != (tt.m.CourseID == w.pub)):
			t.Errorf("%s: %v %q public=%v", tt.name, err, m.Data, m.Public)
		case !tt.found && !errors.Is(err, store.ErrNotFound):
			t.Errorf("%s: %v, want ErrNotFound", tt.name, err)
		}
	}

	// Only editors delete; deleting a lesson keeps its files with the
	// course; deleting the course takes them.
	for _, tt := range []struct {
		name string
		role string
		user uuid.UUID
		sql  string
		want outcome
	}{
		{"stranger deletes", store.DBRoleVolunteer, w.other.UserID, `DELETE FROM media`, rows(0)},
		{"learner deletes", store.DBRoleLearner, w.learner.UserID, `DELETE FROM media`, refused},
		{"editor deletes (edits both courses)", store.DBRoleVolunteer, w.editor.UserID, `DELETE FROM media`, rows(2)},
		{"admin deletes", store.DBRoleAdmin, w.admin.UserID, `DELETE FROM media`, rows(2)},
		{"editor rewrites a file", store.DBRoleVolunteer, w.editor.UserID, `UPDATE media SET data = 'x', size = 1`, refused},
		{"learner reads", store.DBRoleLearner, w.learner.UserID, `SELECT 1 FROM media`, rows(1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tag, err := runAs(t, w.owner, tt.role, tt.user, tt.sql)
			checkOutcome(t, tag, err, tt.want)
		})
	}
	w.ownerExec(t, `DELETE FROM lessons WHERE id = $1`, w.pubLessons[0])
	if n := w.count(t, `SELECT count(*) FROM media WHERE course_id = $1 AND lesson_id IS NULL`, w.pub); n != 1 {
		t.Errorf("after deleting its lesson: %d unattached rows, want 1", n)
	}
	if err := w.s.InTx(t.Context(), w.editor, func(tx *store.Tx) error { return tx.DeleteCourse(t.Context(), w.draft) }); err != nil {
		t.Fatal(err)
	}
	if n := w.count(t, `SELECT count(*) FROM media WHERE course_id = $1`, w.draft); n != 0 {
		t.Errorf("deleting the course left %d media rows", n)
	}
}
