package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// quizFixture: a volunteer's published course of three published lessons
// (quizLesson gets the quiz), a learner, and a second learner.
type quizFixture struct {
	e                   *env
	vol, learner, other store.Caller
	course              uuid.UUID
	quizLesson, l2, l3  uuid.UUID
	draft               uuid.UUID // an unpublished lesson of the course
	q1, q2              uuid.UUID // single (key 1 of 3) and number (2.5 ± 0.5)
	base                time.Time
}

func newQuizFixture(t *testing.T) *quizFixture {
	t.Helper()
	e := newEnv(t)
	f := &quizFixture{e: e, base: time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)}
	f.vol = e.user(t, store.RoleVolunteer)
	f.learner = e.user(t, store.RoleLearner)
	f.other = e.user(t, store.RoleLearner)
	f.course = e.course(t, f.vol, "Water", true)
	f.quizLesson = e.lesson(t, f.vol, f.course, "Boiling", true)
	f.l2 = e.lesson(t, f.vol, f.course, "Filters", true)
	f.l3 = e.lesson(t, f.vol, f.course, "Storage", true)
	f.draft = e.lesson(t, f.vol, f.course, "Draft", false)
	f.q1 = f.addQuestion(t, f.quizLesson, quiz.Form{Kind: "single", Prompt: "Which?", Choices: "A\nB\nC", Answer: "2"})
	f.q2 = f.addQuestion(t, f.quizLesson, quiz.Form{Kind: "number", Prompt: "How long?", Answer: "2,5", Tolerance: "0.5",
		Explanation: "Two and a *half*."})
	return f
}

// change builds a question change from a plain form (Markdown as text).
func questionChange(t *testing.T, form quiz.Form) store.QuestionChange {
	t.Helper()
	q, probs := quiz.ParseForm(form)
	if len(probs) > 0 {
		t.Fatalf("form %+v: %v", form, probs)
	}
	return store.QuestionChange{Authored: q, PromptHTML: "<p>" + q.Prompt + "</p>", ExplanationHTML: "<p>" + q.Explanation + "</p>"}
}

func (f *quizFixture) addQuestion(t *testing.T, lesson uuid.UUID, form quiz.Form) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := f.e.s.InTx(t.Context(), f.vol, func(tx *store.Tx) (err error) {
		id, err = tx.AddQuestion(t.Context(), lesson, questionChange(t, form))
		return err
	})
	if err != nil {
		t.Fatalf("add question: %v", err)
	}
	return id
}

func (f *quizFixture) editQuiz(t *testing.T, lesson uuid.UUID) store.EditQuiz {
	t.Helper()
	var q store.EditQuiz
	err := f.e.s.ReadTx(t.Context(), f.vol, func(tx *store.Tx) (err error) {
		q, err = tx.QuizForEdit(t.Context(), lesson)
		return err
	})
	if err != nil {
		t.Fatalf("quiz for edit: %v", err)
	}
	return q
}

// attempt is an attempt of the caller at base+at.
func (f *quizFixture) attempt(c store.Caller, lesson uuid.UUID, version int, at time.Duration, answers map[string]any) quiz.Attempt {
	raw := map[string]json.RawMessage{}
	for k, v := range answers {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	return quiz.Attempt{ID: uuid.New(), UserID: c.UserID, LessonID: lesson, Version: version, Answers: raw, At: f.base.Add(at)}
}

func (f *quizFixture) apply(t *testing.T, c store.Caller, attempts ...quiz.Attempt) []store.AttemptResult {
	t.Helper()
	var out []store.AttemptResult
	err := f.e.s.InTx(t.Context(), c, func(tx *store.Tx) (err error) {
		out, err = tx.ApplyAttempts(t.Context(), attempts)
		return err
	})
	if err != nil {
		t.Fatalf("ApplyAttempts: %v", err)
	}
	if len(out) != len(attempts) {
		t.Fatalf("%d results for %d attempts", len(out), len(attempts))
	}
	return out
}

func (f *quizFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.e.owner.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (f *quizFixture) right() map[string]any {
	return map[string]any{f.q1.String(): 1, f.q2.String(): 2.9}
}

func TestQuizVersioning(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	ctx := t.Context()
	// The lesson was published when its quiz was made: each save served
	// a version at once (two questions, two versions).
	q := f.editQuiz(t, f.quizLesson)
	if q.Version != 2 || len(q.Questions) != 2 || q.ActiveSince == nil || q.Mode != quiz.Practice || q.PassMark != 80 {
		t.Fatalf("quiz %+v", q)
	}
	if q.Questions[1].Key.Value != 2.5 || q.Questions[1].Key.Tolerance != 0.5 || q.Questions[0].Key.Index != 1 {
		t.Errorf("keys %+v %+v", q.Questions[0].Key, q.Questions[1].Key)
	}

	// A draft lesson's quiz changes in place: one version however many saves.
	f.addQuestion(t, f.draft, quiz.Form{Kind: "truefalse", Prompt: "Hot?", Answer: "true"})
	d2 := f.addQuestion(t, f.draft, quiz.Form{Kind: "text", Prompt: "Name it", Answer: "Kettle"})
	if dq := f.editQuiz(t, f.draft); dq.Version != 1 || len(dq.Questions) != 2 {
		t.Fatalf("draft quiz %+v", dq)
	}
	err := f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error {
		_, err := tx.MoveQuestion(ctx, d2, true)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if dq := f.editQuiz(t, f.draft); dq.Version != 1 || dq.Questions[0].ID != d2 {
		t.Fatalf("after move: %+v", dq)
	}
	// Publishing the lesson serves its current version: the next edit makes v2.
	f.e.ownerExec(t, `UPDATE lessons SET published = true WHERE id = $1`, f.draft)
	if n := f.count(t, `SELECT count(*) FROM quiz_versions WHERE lesson_id = $1 AND served`, f.draft); n != 1 {
		t.Fatalf("%d served versions after publishing, want 1", n)
	}

	// An edit at a stale revision is a conflict and makes no version.
	q1 := q.Questions[0]
	edit := questionChange(t, quiz.Form{Kind: "single", Prompt: "Which one?", Choices: "A\nB\nC\nD", Answer: "4"})
	err = f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error {
		_, err := tx.UpdateQuestion(ctx, q1.ID, q1.Revision+1, edit)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale edit: %v, want ErrConflict", err)
	}
	err = f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error {
		_, err := tx.UpdateQuestion(ctx, q1.ID, q1.Revision, edit)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	q = f.editQuiz(t, f.quizLesson)
	if q.Version != 3 || q.Questions[0].Prompt != "Which one?" || q.Questions[0].Revision != q1.Revision+1 || q.Questions[0].Key.Index != 3 {
		t.Fatalf("after edit: version %d, %+v", q.Version, q.Questions[0])
	}
	// Version 2 is as it was, and nobody can change it now.
	if n := f.count(t, `SELECT count(*) FROM quiz_questions WHERE lesson_id = $1 AND version = 2 AND prompt = 'Which?'`, f.quizLesson); n != 1 {
		t.Errorf("version 2 changed")
	}
	if _, err := f.e.owner.Exec(ctx, `UPDATE quiz_questions SET prompt = 'x' WHERE lesson_id = $1 AND version = 2`, f.quizLesson); err == nil {
		t.Error("the schema owner changed a served version")
	}
	if _, err := f.e.owner.Exec(ctx, `UPDATE quiz_keys SET answer = '0' WHERE lesson_id = $1 AND version = 2`, f.quizLesson); err == nil {
		t.Error("the schema owner changed a served key")
	}

	// Settings: unchanged is no new version; changed is one.
	setSettings := func(mode quiz.Mode, pass int) {
		t.Helper()
		if err := f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error { return tx.SetQuizSettings(ctx, f.quizLesson, mode, pass) }); err != nil {
			t.Fatal(err)
		}
	}
	setSettings(quiz.Practice, 80)
	if v := f.editQuiz(t, f.quizLesson).Version; v != 3 {
		t.Errorf("unchanged settings made version %d", v)
	}
	setSettings(quiz.Check, 50)
	if q := f.editQuiz(t, f.quizLesson); q.Version != 4 || q.Mode != quiz.Check || q.PassMark != 50 {
		t.Errorf("settings: %+v", q)
	}

	// Deleting every question removes the quiz; the versions stay.
	for _, qq := range f.editQuiz(t, f.quizLesson).Questions {
		if err := f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error { _, err := tx.DeleteQuestion(ctx, qq.ID); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if q := f.editQuiz(t, f.quizLesson); q.ActiveSince != nil || len(q.Questions) != 0 {
		t.Errorf("after deleting every question: %+v", q)
	}
	if n := f.count(t, `SELECT count(*) FROM quiz_versions WHERE lesson_id = $1`, f.quizLesson); n < 4 {
		t.Errorf("%d versions kept, want every one", n)
	}
}

func TestQuizEditsNeedAnEditor(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	ctx := t.Context()
	stranger := f.e.user(t, store.RoleVolunteer)
	for name, c := range map[string]store.Caller{"another volunteer": stranger, "a learner": f.learner} {
		err := f.e.s.InTx(ctx, c, func(tx *store.Tx) error {
			_, err := tx.AddQuestion(ctx, f.quizLesson, questionChange(t, quiz.Form{Kind: "truefalse", Prompt: "x", Answer: "true"}))
			return err
		})
		if !errors.Is(err, store.ErrForbidden) && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s added a question: %v", name, err)
		}
		err = f.e.s.InTx(ctx, c, func(tx *store.Tx) error { _, err := tx.DeleteQuestion(ctx, f.q1); return err })
		if !errors.Is(err, store.ErrForbidden) && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s deleted a question: %v", name, err)
		}
	}
	if n := len(f.editQuiz(t, f.quizLesson).Questions); n != 2 {
		t.Errorf("%d questions, want 2", n)
	}
	f.e.ownerExec(t, `UPDATE courses SET archived_at = now() WHERE id = $1`, f.course)
	err := f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error { _, err := tx.MoveQuestion(ctx, f.q2, true); return err })
	if !errors.Is(err, store.ErrArchived) {
		t.Errorf("move in an archived course: %v", err)
	}
}

func TestQuizQuestionLimit(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	for i := range quiz.MaxQuestions {
		f.addQuestion(t, f.draft, quiz.Form{Kind: "truefalse", Prompt: fmt.Sprint("Q", i), Answer: "true"})
	}
	err := f.e.s.InTx(t.Context(), f.vol, func(tx *store.Tx) error {
		_, err := tx.AddQuestion(t.Context(), f.draft, questionChange(t, quiz.Form{Kind: "truefalse", Prompt: "one more", Answer: "true"}))
		return err
	})
	if !errors.Is(err, store.ErrTooManyQuestions) {
		t.Fatalf("question %d: %v, want ErrTooManyQuestions", quiz.MaxQuestions+1, err)
	}
}

func TestPublishedLessonQuiz(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	ctx := t.Context()
	read := func(c store.Caller, lesson uuid.UUID) (store.LessonQuiz, error) {
		var q store.LessonQuiz
		err := f.e.s.ReadTx(ctx, c, func(tx *store.Tx) (err error) {
			q, err = tx.PublishedLessonQuiz(ctx, lesson)
			return err
		})
		return q, err
	}
	for _, c := range []store.Caller{store.Anonymous, f.learner, f.vol} {
		q, err := read(c, f.quizLesson)
		if err != nil || q.Mode != quiz.Practice || len(q.Questions) != 2 || string(q.Questions[0].Answer) != "1" ||
			string(q.Questions[1].Answer) != `{"value":2.5,"tolerance":0.5}` || q.Questions[1].ExplanationHTML == "" ||
			q.Questions[0].Choices[2] != "C" {
			t.Fatalf("%s: practice quiz %+v, %v", c.Role, q, err)
		}
	}
	if err := f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error { return tx.SetQuizSettings(ctx, f.quizLesson, quiz.Check, 80) }); err != nil {
		t.Fatal(err)
	}
	for _, c := range []store.Caller{store.Anonymous, f.learner, f.vol} {
		q, err := read(c, f.quizLesson)
		if err != nil || q.Mode != quiz.Check || len(q.Questions) != 2 {
			t.Fatalf("%s: check quiz %+v, %v", c.Role, q, err)
		}
		for _, qq := range q.Questions {
			if qq.Answer != nil || qq.ExplanationHTML != "" {
				t.Errorf("%s: check quiz carries a key: %+v", c.Role, qq)
			}
		}
	}
	f.addQuestion(t, f.draft, quiz.Form{Kind: "truefalse", Prompt: "Hot?", Answer: "true"})
	for _, lesson := range []uuid.UUID{f.draft, f.l2, uuid.New()} {
		if _, err := read(f.learner, lesson); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lesson %s: %v, want ErrNotFound", lesson, err)
		}
	}
}

func TestApplyAttempts(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	v := f.editQuiz(t, f.quizLesson).Version
	wrongOne := map[string]any{f.q1.String(): 0, f.q2.String(): 2.9}
	fail := f.attempt(f.learner, f.quizLesson, v, 0, wrongOne)
	pass := f.attempt(f.learner, f.quizLesson, v, time.Minute, f.right())
	bad := []quiz.Attempt{
		f.attempt(f.learner, f.quizLesson, v, 0, map[string]any{f.q1.String(): "1"}),
		f.attempt(f.learner, f.quizLesson, v, 0, map[string]any{uuid.NewString(): 1}),
		f.attempt(f.learner, f.quizLesson, v, 0, map[string]any{f.q1.String(): 7}),
		f.attempt(f.learner, f.quizLesson, 99, 0, f.right()),
		f.attempt(f.learner, f.quizLesson, 1, 0, f.right()), // v1 had one question: q2 is unknown to it
		f.attempt(f.learner, f.l2, 1, 0, f.right()),
		f.attempt(f.learner, f.draft, 1, 0, f.right()),
	}
	got := f.apply(t, f.learner, append([]quiz.Attempt{fail, pass, pass}, bad...)...)
	want := []store.AttemptResult{
		{Status: store.OutcomeApplied, Score: 50, Passed: false},
		{Status: store.OutcomeApplied, Score: 100, Passed: true},
		{Status: store.OutcomeDuplicate, Score: 100, Passed: true},
		{Status: store.OutcomeRejected, Reason: quiz.ReasonWrongType},
		{Status: store.OutcomeRejected, Reason: quiz.ReasonUnknownQuestion},
		{Status: store.OutcomeRejected, Reason: quiz.ReasonBadAnswer},
		{Status: store.OutcomeRejected, Reason: quiz.ReasonUnknownVersion},
		{Status: store.OutcomeRejected, Reason: quiz.ReasonUnknownQuestion},
		{Status: store.OutcomeRejected, Reason: quiz.ReasonUnknownVersion},
		{Status: store.OutcomeRejected, Reason: quiz.ReasonUnknownLesson},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("results\n got %v\nwant %v", got, want)
	}
	if n := f.count(t, `SELECT count(*) FROM quiz_attempts`); n != 2 {
		t.Fatalf("%d attempts stored, want 2", n)
	}
	var done bool
	var doneAt time.Time
	if err := f.e.owner.QueryRow(t.Context(), `SELECT completed, completed_at FROM student_progress WHERE student_id = $1 AND lesson_id = $2`,
		f.learner.UserID, f.quizLesson).Scan(&done, &doneAt); err != nil || !done || !doneAt.Equal(pass.At) {
		t.Fatalf("completion: %v at %v (%v), want complete at %v", done, doneAt, err, pass.At)
	}

	// A replay changes nothing and answers with the stored grade.
	before := f.e.dump(t)
	if got := f.apply(t, f.learner, fail, pass); got[0].Status != store.OutcomeDuplicate || got[0].Score != 50 || got[0].Passed ||
		got[1].Status != store.OutcomeDuplicate || !got[1].Passed {
		t.Errorf("replay: %v", got)
	}
	if after := f.e.dump(t); after != before {
		t.Errorf("replay changed the database:\n%s\n---\n%s", before, after)
	}

	// Another learner sending the same id learns nothing and changes nothing.
	stolen := pass
	stolen.UserID = f.other.UserID
	stolen.Answers = map[string]json.RawMessage{}
	if got := f.apply(t, f.other, stolen); fmt.Sprint(got) != fmt.Sprint([]store.AttemptResult{{Status: store.OutcomeRejected, Reason: quiz.ReasonIDTaken}}) {
		t.Errorf("another learner's id: %v", got)
	}
	if n := f.count(t, `SELECT count(*) FROM quiz_attempts WHERE student_id = $1`, f.other.UserID); n != 0 {
		t.Errorf("the other learner has %d attempts", n)
	}
	if n := f.count(t, `SELECT count(*) FROM student_progress WHERE student_id = $1`, f.other.UserID); n != 0 {
		t.Errorf("the other learner has %d progress rows", n)
	}
}

func TestAttemptsOfOldVersionsAndCheckMode(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	ctx := t.Context()
	old := f.editQuiz(t, f.quizLesson)
	// The editor changes the right answer and switches to check mode; a
	// phone still holding the old version sends an attempt for it.
	edit := questionChange(t, quiz.Form{Kind: "single", Prompt: "Which?", Choices: "A\nB\nC", Answer: "3"})
	err := f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error {
		if _, err := tx.UpdateQuestion(ctx, f.q1, old.Questions[0].Revision, edit); err != nil {
			return err
		}
		return tx.SetQuizSettings(ctx, f.quizLesson, quiz.Check, 100)
	})
	if err != nil {
		t.Fatal(err)
	}
	now := f.editQuiz(t, f.quizLesson)
	if now.Version <= old.Version || now.Mode != quiz.Check {
		t.Fatalf("versions %d → %d (%s)", old.Version, now.Version, now.Mode)
	}
	got := f.apply(t, f.learner, f.attempt(f.learner, f.quizLesson, old.Version, 0, f.right()))
	if got[0].Status != store.OutcomeApplied || got[0].Score != 100 || !got[0].Passed {
		t.Errorf("old version graded against its own key: %+v", got[0])
	}
	got = f.apply(t, f.other, f.attempt(f.other, f.quizLesson, now.Version, 0, f.right()),
		f.attempt(f.other, f.quizLesson, now.Version, time.Second, map[string]any{f.q1.String(): 2, f.q2.String(): 2.5}))
	if got[0].Score != 50 || got[0].Passed || got[1].Score != 100 || !got[1].Passed {
		t.Errorf("check mode, new key, pass mark 100: %+v", got)
	}
}

// progressEverywhere reads the learner's standing in the course through
// every progress query there is, and the dashboards' through theirs.
func (f *quizFixture) progressEverywhere(t *testing.T, c store.Caller) map[string]int {
	t.Helper()
	ctx := t.Context()
	out := map[string]int{}
	err := f.e.s.ReadTx(ctx, c, func(tx *store.Tx) error {
		list, err := tx.ListCoursesWithProgress(ctx, "")
		if err != nil {
			return err
		}
		for _, cs := range list {
			if cs.ID == f.course {
				out["course list"] = cs.Completed
			}
		}
		p, err := tx.CourseProgress(ctx, f.course)
		out["course progress"] = p.Completed
		if err != nil {
			return err
		}
		lessons, err := tx.PublishedLessons(ctx, f.course)
		for _, l := range lessons {
			if l.Completed {
				out["course page"]++
			}
		}
		if err != nil {
			return err
		}
		l, err := tx.PublishedLesson(ctx, f.quizLesson)
		if l.Completed {
			out["lesson page"] = 1
		}
		if err != nil {
			return err
		}
		mine, err := tx.MyCourses(ctx)
		for _, m := range mine {
			out["my progress"] += m.Completed
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = f.e.s.ReadTx(ctx, f.vol, func(tx *store.Tx) error {
		tot, err := tx.DashboardTotals(ctx, f.course, 3)
		out["dashboard finished"] = tot.Finished
		if err != nil {
			return err
		}
		rows, err := tx.DashboardLearners(ctx, f.course, store.LearnerQuery{Limit: 10})
		for _, r := range rows {
			if r.StudentID == c.UserID {
				out["dashboard learners"] = r.Completed
			}
		}
		if err != nil {
			return err
		}
		stats, err := tx.DashboardLessons(ctx, f.course)
		for _, s := range stats {
			if s.ID == f.quizLesson {
				out["dashboard chart"] = s.Completed
			}
		}
		if err != nil {
			return err
		}
		detail, err := tx.LearnerLessons(ctx, f.course, c.UserID)
		for _, d := range detail {
			if d.CompletedAt != nil {
				out["learner detail"]++
			}
		}
		if err != nil {
			return err
		}
		return tx.ExportLearners(ctx, f.course, []uuid.UUID{f.quizLesson, f.l2, f.l3}, nil, func(r store.ExportRow) error {
			for _, at := range r.CompletedAt {
				if at != nil {
					out["csv"]++
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMasteryInEveryProgressQuery(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	v := f.editQuiz(t, f.quizLesson).Version
	f.e.mustSetCompleted(t, f.learner, f.l2, true, f.base)
	f.e.mustSetCompleted(t, f.learner, f.l3, true, f.base)
	// Marking the quiz lesson complete by hand is refused, offline or online.
	if _, err := f.e.setCompleted(f.learner, f.quizLesson, true, f.base); !errors.Is(err, store.ErrQuizLesson) {
		t.Fatalf("online completion of a quiz lesson: %v, want ErrQuizLesson", err)
	}
	if out := f.e.mustApply(t, f.learner, change(f.quizLesson, true, f.base, 0)); out[0] != store.OutcomeQuizLesson {
		t.Fatalf("offline completion of a quiz lesson: %v", out)
	}
	f.apply(t, f.learner, f.attempt(f.learner, f.quizLesson, v, 0, map[string]any{}))
	wantTwo := map[string]int{"course list": 2, "course progress": 2, "course page": 2, "my progress": 2,
		"dashboard learners": 2, "learner detail": 2, "csv": 2}
	got := f.progressEverywhere(t, f.learner)
	for k, n := range wantTwo {
		if got[k] != n {
			t.Errorf("after a failing attempt, %s: %d, want %d", k, got[k], n)
		}
	}
	if got["lesson page"] != 0 || got["dashboard finished"] != 0 || got["dashboard chart"] != 0 {
		t.Errorf("after a failing attempt: %v", got)
	}

	f.apply(t, f.learner, f.attempt(f.learner, f.quizLesson, v, time.Minute, f.right()))
	got = f.progressEverywhere(t, f.learner)
	for k := range wantTwo {
		if got[k] != 3 {
			t.Errorf("after passing, %s: %d, want 3", k, got[k])
		}
	}
	if got["lesson page"] != 1 || got["dashboard finished"] != 1 || got["dashboard chart"] != 1 {
		t.Errorf("after passing: %v", got)
	}
	// Un-completing a mastered lesson is refused too.
	if _, err := f.e.setCompleted(f.learner, f.quizLesson, false, f.base.Add(time.Hour)); !errors.Is(err, store.ErrQuizLesson) {
		t.Errorf("un-completing: %v", err)
	}
}

func TestQuizKeepsEarlierCompletions(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	ctx := t.Context()
	// l2 is completed by hand, then un-completed later (a change made
	// before l2 had a quiz), then gets a quiz.
	f.e.mustSetCompleted(t, f.learner, f.l2, true, f.base)
	f.e.mustSetCompleted(t, f.other, f.l2, true, f.base)
	f.e.mustSetCompleted(t, f.other, f.l2, false, f.base.Add(2*time.Hour))
	before := time.Now()
	qid := f.addQuestion(t, f.l2, quiz.Form{Kind: "truefalse", Prompt: "Clean?", Answer: "true"})
	eq := f.editQuiz(t, f.l2)
	if eq.ActiveSince == nil || eq.ActiveSince.Before(before.Add(-time.Second)) {
		t.Fatalf("active since %v", eq.ActiveSince)
	}
	var doneAt time.Time
	if err := f.e.owner.QueryRow(ctx, `SELECT completed_at FROM student_progress WHERE student_id = $1 AND lesson_id = $2 AND completed`,
		f.learner.UserID, f.l2).Scan(&doneAt); err != nil || !doneAt.Before(*eq.ActiveSince) {
		t.Fatalf("the earlier completion: %v (%v): it must stay, dated before the quiz (%v)", doneAt, err, eq.ActiveSince)
	}
	// The other learner passes with a phone whose clock is behind their
	// last (pre-quiz) change: the lesson is complete all the same.
	f.apply(t, f.other, f.attempt(f.other, f.l2, eq.Version, 0, map[string]any{qid.String(): true}))
	if n := f.count(t, `SELECT count(*) FROM student_progress WHERE student_id = $1 AND lesson_id = $2 AND completed`, f.other.UserID, f.l2); n != 1 {
		t.Errorf("a passing attempt older than the learner's last change left the lesson incomplete")
	}
	// Removing the quiz keeps every completion; the lesson is manual again.
	if err := f.e.s.InTx(ctx, f.vol, func(tx *store.Tx) error { _, err := tx.DeleteQuestion(ctx, qid); return err }); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM student_progress WHERE lesson_id = $1 AND completed`, f.l2); n != 2 {
		t.Errorf("%d completions after removing the quiz, want 2", n)
	}
	f.e.mustSetCompleted(t, f.learner, f.l2, false, f.base.Add(3*time.Hour))
}

var codeRE = regexp.MustCompile(`^[A-Z2-7]{13}$`)

func TestCertificates(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	ctx := t.Context()
	v := f.editQuiz(t, f.quizLesson).Version
	myCert := func(c store.Caller) (store.Certificate, error) {
		var cert store.Certificate
		err := f.e.s.ReadTx(ctx, c, func(tx *store.Tx) (err error) {
			cert, err = tx.MyCertificate(ctx, f.course)
			return err
		})
		return cert, err
	}
	f.e.mustSetCompleted(t, f.learner, f.l2, true, f.base)
	f.e.mustSetCompleted(t, f.learner, f.l3, true, f.base.Add(time.Minute))
	if _, err := myCert(f.learner); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("certificate before the quiz is passed: %v", err)
	}
	// The completing change is the passing attempt: the certificate comes
	// in the same transaction, with the name the learner has now.
	passAt := 5 * time.Minute
	f.apply(t, f.learner, f.attempt(f.learner, f.quizLesson, v, passAt, f.right()))
	cert, err := myCert(f.learner)
	if err != nil || !codeRE.MatchString(cert.Code) || cert.CourseTitle != "Water" || !cert.CompletedAt.Equal(f.base.Add(passAt)) {
		t.Fatalf("certificate %+v, %v", cert, err)
	}
	var name string
	if err := f.e.owner.QueryRow(ctx, `SELECT display_name FROM users WHERE id = $1`, f.learner.UserID).Scan(&name); err != nil || cert.DisplayName != name {
		t.Fatalf("certificate name %q, learner %q (%v)", cert.DisplayName, name, err)
	}
	if _, err := myCert(f.other); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another learner reads it: %v", err)
	}
	// A rename, a new lesson, a course title change: the certificate stays
	// as issued, and is issued once.
	f.e.ownerExec(t, `UPDATE users SET display_name = 'Someone Else' WHERE id = $1`, f.learner.UserID)
	f.e.lesson(t, f.vol, f.course, "Later", true)
	f.e.ownerExec(t, `UPDATE courses SET title = 'Water, revised' WHERE id = $1`, f.course)
	f.e.mustSetCompleted(t, f.learner, f.l2, false, f.base.Add(time.Hour))
	f.e.mustSetCompleted(t, f.learner, f.l2, true, f.base.Add(2*time.Hour))
	verify := func(code string) (store.CertificateProof, error) {
		var p store.CertificateProof
		err := f.e.s.ReadTx(ctx, store.Anonymous, func(tx *store.Tx) (err error) {
			p, err = tx.VerifyCertificate(ctx, code)
			return err
		})
		return p, err
	}
	proof, err := verify(cert.Code[:4] + "-" + cert.Code[4:8] + " " + cert.Code[8:])
	if err != nil || proof.DisplayName != name || proof.CourseTitle != "Water" || !proof.CompletedAt.Equal(cert.CompletedAt) {
		t.Errorf("verify: %+v, %v", proof, err)
	}
	if n := f.count(t, `SELECT count(*) FROM certificates`); n != 1 {
		t.Errorf("%d certificates, want 1", n)
	}
	if _, err := verify("AAAAAAAAAAAAA"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
	// Deleting the course keeps the certificate verifiable.
	f.e.ownerExec(t, `DELETE FROM courses WHERE id = $1`, f.course)
	if _, err := verify(cert.Code); err != nil {
		t.Errorf("after the course was deleted: %v", err)
	}
}

func TestCertificateCodesAreRandom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seen := map[string]bool{}
	rows, err := e.owner.Query(t.Context(), `SELECT certificate_code() FROM generate_series(1, 2000)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	counts := map[byte]int{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		if !codeRE.MatchString(c) || seen[c] {
			t.Fatalf("code %q malformed or repeated", c)
		}
		seen[c] = true
		for i := range len(c) {
			counts[c[i]]++
		}
	}
	// 26 000 characters over 32 letters: each about 812; a stuck bit would
	// leave half of them unused.
	if len(counts) != 32 {
		t.Errorf("%d distinct characters in 2000 codes, want all 32", len(counts))
	}
	for ch, n := range counts {
		if n < 600 || n > 1050 {
			t.Errorf("character %c appears %d times in 26000", ch, n)
		}
	}
}

// Attempts follow the sync rules of changes: each new one spends the
// owner's sync budget (over it the batch is refused whole), and a time from
// before the account existed is the account's creation.
func TestApplyAttemptsBudgetAndClamp(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	v := f.editQuiz(t, f.quizLesson).Version
	created := time.Now().Add(-72 * time.Hour).UTC().Truncate(time.Microsecond)
	f.e.ownerExec(t, `UPDATE users SET created_at = $2 WHERE id = $1`, f.learner.UserID, created)
	old := f.attempt(f.learner, f.quizLesson, v, 0, map[string]any{f.q1.String(): 0})
	old.At = time.Unix(0, 0)
	if got := f.apply(t, f.learner, old); got[0].Status != store.OutcomeApplied {
		t.Fatalf("an attempt dated 1970: %v", got)
	}
	var at time.Time
	if err := f.e.owner.QueryRow(t.Context(), `SELECT client_at FROM quiz_attempts WHERE id = $1`, old.ID).Scan(&at); err != nil || !at.Equal(created) {
		t.Fatalf("stored at %v (%v), want the account's creation %v", at, err, created)
	}

	now := time.Now()
	f.e.s.SetSyncLimit(store.SyncLimit{Burst: 3, PerHour: 36}, func() time.Time { return now })
	// The first passing attempt costs two: itself and its completion.
	f.apply(t, f.learner, f.attempt(f.learner, f.quizLesson, v, time.Minute, f.right()))
	before := f.e.dump(t) + f.e.dumpTable(t, "quiz_attempts")
	err := f.e.s.InTx(t.Context(), f.learner, func(tx *store.Tx) error {
		_, err := tx.ApplyAttempts(t.Context(), []quiz.Attempt{
			f.attempt(f.learner, f.quizLesson, v, 2*time.Minute, f.right()),
			f.attempt(f.learner, f.quizLesson, v, 3*time.Minute, f.right())})
		return err
	})
	var rl *store.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("over the budget: %v, want a RateLimitError", err)
	}
	if f.e.dump(t)+f.e.dumpTable(t, "quiz_attempts") != before {
		t.Error("a refused batch of attempts changed the database")
	}
	now = now.Add(10 * time.Minute)
	f.apply(t, f.learner, f.attempt(f.learner, f.quizLesson, v, 4*time.Minute, f.right()))
}
