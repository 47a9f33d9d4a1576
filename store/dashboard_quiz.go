package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"fieldbook/internal/quiz"
)

// Quizzes on the volunteers' dashboard (issue 12): per question, how often
// it is answered right (on the first try and overall) and the most chosen
// wrong answer, read from the counters the attempts keep (migration 00016),
// so a read costs a few rows per question however many attempts there
// are; per learner, their attempts and best scores; on a learner's page,
// each attempt with its answers. Under RLS only a course's editors and
// admins read any of it.

// quizLessonsSQL numbers a course's published lessons as the pages do.
const quizLessonsSQL = `
	SELECT id, title, position, (row_number() OVER (ORDER BY position))::int AS number
	FROM lessons WHERE course_id = $1 AND published`

// QuestionStat is one question of a course's quizzes with how it was
// answered.
type QuestionStat struct {
	LessonID     uuid.UUID `db:"lesson_id"`
	LessonNumber int       `db:"lesson_number"`
	LessonTitle  string    `db:"lesson_title"`
	QuestionID   uuid.UUID `db:"question_id"`
	Kind         quiz.Kind `db:"kind"`
	// Prompt is the question's Markdown source.
	Prompt  string   `db:"prompt"`
	Choices []string `db:"choices"`
	// Answers and Correct count every answer given; First and FirstRight
	// those of learners' first attempts at the lesson.
	Answers    int `db:"answers"`
	Correct    int `db:"correct"`
	First      int `db:"first"`
	FirstRight int `db:"first_right"`
	// Wrong is the most chosen wrong answer (a choice index or a sorted
	// list of them, a boolean, a number, a text), nil when none; Chosen is
	// how often it was given.
	Wrong  json.RawMessage `db:"wrong"`
	Chosen int             `db:"chosen"`
}

// DashboardQuizQuestions lists the questions of the current version of
// every quiz of a course's published lessons, in lesson and question order,
// with their counters: one query, an index lookup per question.
func (t *Tx) DashboardQuizQuestions(ctx context.Context, courseID uuid.UUID) ([]QuestionStat, error) {
	rows, err := t.tx.Query(ctx, `
		WITH l AS (`+quizLessonsSQL+`)
		SELECT l.id AS lesson_id, l.number AS lesson_number, l.title AS lesson_title,
		       q.id AS question_id, q.kind, q.prompt, q.choices,
		       coalesce(s.answers, 0) AS answers, coalesce(s.correct, 0) AS correct,
		       coalesce(s.first, 0) AS first, coalesce(s.first_right, 0) AS first_right,
		       w.answer AS wrong, coalesce(w.chosen, 0) AS chosen
		FROM l
		JOIN quizzes z ON z.lesson_id = l.id AND z.active_since IS NOT NULL
		JOIN quiz_questions q ON q.lesson_id = z.lesson_id AND q.version = z.version
		LEFT JOIN quiz_question_stats s ON s.lesson_id = q.lesson_id AND s.question_id = q.id
		LEFT JOIN LATERAL (
			SELECT answer, chosen FROM quiz_wrong_answers w
			WHERE w.lesson_id = q.lesson_id AND w.question_id = q.id
			ORDER BY chosen DESC, answer LIMIT 1) w ON true
		ORDER BY l.position, q.position`, courseID)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard quiz questions: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[QuestionStat])
	if err != nil {
		return nil, fmt.Errorf("store: dashboard quiz questions: %w", mapErr(err))
	}
	return list, nil
}

// LearnerQuizSummary is a learner's quiz work in a course: how many
// attempts, and their best score in each quiz they took, averaged over
// those quizzes (the best score itself for a course with one quiz).
type LearnerQuizSummary struct {
	Attempts int
	Best     int
}

// LearnerQuizSummaries gives the summary of each of students (one page of
// the learner table) in a course's published lessons: one grouped query on
// the attempts' primary key (student first).
func (t *Tx) LearnerQuizSummaries(ctx context.Context, courseID uuid.UUID, students []uuid.UUID) (map[uuid.UUID]LearnerQuizSummary, error) {
	out := map[uuid.UUID]LearnerQuizSummary{}
	if len(students) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `
		SELECT student_id, sum(n)::int, floor(avg(best))::int
		FROM (SELECT a.student_id, a.lesson_id, count(*) AS n, max(a.score) AS best
		      FROM quiz_attempts a
		      JOIN lessons l ON l.id = a.lesson_id AND l.course_id = $1 AND l.published
		      WHERE a.student_id = ANY($2)
		      GROUP BY 1, 2) per_quiz
		GROUP BY student_id`, courseID, students)
	if err != nil {
		return nil, fmt.Errorf("store: learner quiz summaries: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var s LearnerQuizSummary
		if err := rows.Scan(&id, &s.Attempts, &s.Best); err != nil {
			return nil, fmt.Errorf("store: learner quiz summaries: %w", err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: learner quiz summaries: %w", mapErr(err))
	}
	return out, nil
}

// AttemptDetail is one attempt of a learner as their dashboard page lists
// it: the lesson, when it was made, the grade and every answer.
type AttemptDetail struct {
	ID           uuid.UUID
	LessonID     uuid.UUID
	LessonNumber int
	LessonTitle  string
	At           time.Time
	Score        int
	Passed       bool
	// Answers are the version's questions in order, with what was given.
	Answers []AnswerDetail
}

// AnswerDetail is one question of an attempt and the answer given to it.
type AnswerDetail struct {
	Kind    quiz.Kind
	Prompt  string
	Choices []string
	// Given is the answer as sent, nil when the question was left out.
	Given   json.RawMessage
	Correct bool
}

// LearnerAttempts lists a learner's attempts at a course's published
// lessons, by lesson then time, each with the questions of the version it
// answered: one query.
func (t *Tx) LearnerAttempts(ctx context.Context, courseID, studentID uuid.UUID) ([]AttemptDetail, error) {
	rows, err := t.tx.Query(ctx, `
		WITH l AS (`+quizLessonsSQL+`)
		SELECT a.id, l.id, l.number, l.title, a.client_at, a.score, a.passed,
		       q.kind, q.prompt, q.choices, a.answers -> q.id::text, coalesce((a.results ->> q.id::text)::boolean, false)
		FROM quiz_attempts a
		JOIN l ON l.id = a.lesson_id
		JOIN quiz_questions q ON q.lesson_id = a.lesson_id AND q.version = a.version
		WHERE a.student_id = $2
		ORDER BY l.position, a.client_at, a.id, q.position`, courseID, studentID)
	if err != nil {
		return nil, fmt.Errorf("store: learner attempts: %w", mapErr(err))
	}
	defer rows.Close()
	var list []AttemptDetail
	for rows.Next() {
		var a AttemptDetail
		var ans AnswerDetail
		if err := rows.Scan(&a.ID, &a.LessonID, &a.LessonNumber, &a.LessonTitle, &a.At, &a.Score, &a.Passed,
			&ans.Kind, &ans.Prompt, &ans.Choices, &ans.Given, &ans.Correct); err != nil {
			return nil, fmt.Errorf("store: learner attempts: %w", err)
		}
		if n := len(list); n == 0 || list[n-1].ID != a.ID {
			list = append(list, a)
		}
		last := &list[len(list)-1]
		last.Answers = append(last.Answers, ans)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: learner attempts: %w", mapErr(err))
	}
	return list, nil
}
