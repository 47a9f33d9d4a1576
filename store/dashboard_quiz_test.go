package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// The dashboard's quiz numbers: the counters attempts keep, per learner
// summaries, each attempt with its answers, completions made before the
// quiz, and the CSV's best score and passed-at.
func TestDashboardQuizzes(t *testing.T) {
	t.Parallel()
	f := newQuizFixture(t)
	ctx := t.Context()
	v := f.editQuiz(t, f.quizLesson).Version
	q1, q2 := f.q1.String(), f.q2.String()
	// The learner completed l2 before it had a quiz; then it got one.
	if err := f.e.s.InTx(ctx, f.learner, func(tx *store.Tx) error {
		_, err := tx.SetLessonCompleted(ctx, f.l2, true, f.base)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.addQuestion(t, f.l2, quiz.Form{Kind: "truefalse", Prompt: "Sand filters?", Answer: "true"})

	// Learner: wrong choice 0 and a wrong number, then right. Other: choice
	// 0 wrong, number right, on the first try.
	f.apply(t, f.learner, f.attempt(f.learner, f.quizLesson, v, 0, map[string]any{q1: 0, q2: 9}),
		f.attempt(f.learner, f.quizLesson, v, time.Minute, f.right()))
	f.apply(t, f.other, f.attempt(f.other, f.quizLesson, v, 0, map[string]any{q1: 0, q2: 2.5}))

	var stats []store.QuestionStat
	var sums map[uuid.UUID]store.LearnerQuizSummary
	var attempts []store.AttemptDetail
	var lessons []store.LessonCompletion
	err := f.e.s.ReadTx(ctx, f.vol, func(tx *store.Tx) (err error) {
		if stats, err = tx.DashboardQuizQuestions(ctx, f.course); err != nil {
			return err
		}
		if sums, err = tx.LearnerQuizSummaries(ctx, f.course, []uuid.UUID{f.learner.UserID, f.other.UserID, f.vol.UserID}); err != nil {
			return err
		}
		if attempts, err = tx.LearnerAttempts(ctx, f.course, f.learner.UserID); err != nil {
			return err
		}
		lessons, err = tx.LearnerLessons(ctx, f.course, f.learner.UserID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, s := range stats {
		got += fmt.Sprintf("%d.%s first %d/%d all %d/%d wrong %s×%d; ", s.LessonNumber, s.Kind, s.FirstRight, s.First,
			s.Correct, s.Answers, s.Wrong, s.Chosen)
	}
	want := "1.single first 0/2 all 1/3 wrong 0×2; 1.number first 1/2 all 2/3 wrong 9×1; 2.truefalse first 0/0 all 0/0 wrong ×0; "
	if got != want {
		t.Errorf("question counters\n got %s\nwant %s", got, want)
	}
	if fmt.Sprint(sums) != fmt.Sprintf("map[%s:{2 100} %s:{1 50}]", f.learner.UserID, f.other.UserID) &&
		fmt.Sprint(sums) != fmt.Sprintf("map[%s:{1 50} %s:{2 100}]", f.other.UserID, f.learner.UserID) {
		t.Errorf("learner summaries: %v", sums)
	}
	if len(attempts) != 2 || attempts[0].Score != 0 || attempts[1].Score != 100 || len(attempts[0].Answers) != 2 ||
		string(attempts[0].Answers[0].Given) != "0" || attempts[0].Answers[0].Correct || attempts[0].Answers[0].Choices[1] != "B" ||
		!attempts[1].Answers[1].Correct {
		t.Errorf("learner attempts: %+v", attempts)
	}
	if len(lessons) != 3 || !lessons[1].BeforeQuiz || !lessons[1].Quiz || lessons[0].BeforeQuiz || *lessons[0].BestScore != 100 ||
		lessons[1].BestScore != nil || lessons[2].Quiz {
		t.Errorf("learner lessons: %+v", lessons)
	}

	// A learner sees none of it.
	err = f.e.s.ReadTx(ctx, f.other, func(tx *store.Tx) (err error) {
		stats, err = tx.DashboardQuizQuestions(ctx, f.course)
		return err
	})
	if err == nil && len(stats) > 0 && stats[0].Answers > 0 {
		t.Errorf("a learner reads the question counters: %+v", stats[0])
	}

	// The CSV: best score and first passed-at per quiz.
	var rows []store.ExportRow
	err = f.e.s.ReadTx(ctx, f.vol, func(tx *store.Tx) error {
		return tx.ExportLearners(ctx, f.course, nil, []uuid.UUID{f.quizLesson, f.l2}, func(r store.ExportRow) error {
			rows = append(rows, r)
			return nil
		})
	})
	if err != nil || len(rows) != 2 {
		t.Fatalf("export: %v, %d rows", err, len(rows))
	}
	for _, r := range rows {
		learner := r.PassedAt[0] != nil
		if learner && (*r.BestScore[0] != 100 || !r.PassedAt[0].Equal(f.base.Add(time.Minute)) || r.BestScore[1] != nil) ||
			!learner && (*r.BestScore[0] != 50 || r.PassedAt[1] != nil) {
			t.Errorf("export row %s: best %v passed %v", r.DisplayName, r.BestScore, r.PassedAt)
		}
	}
}
