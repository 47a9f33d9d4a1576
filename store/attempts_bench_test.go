package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// BenchmarkApplyAttempts is the sync of quiz attempts: one transaction of
// ApplyAttempts per request, as POST /api/progress runs it under the
// learner's role, for batches of 50 (what the phone's worker sends) and 200
// (the most a request may carry). The first course of benchWorld gets a
// ten-question practice quiz (two questions of each kind) on each of its 25
// lessons; half the attempts pass, so half write a completion. Learners
// take turns, so each batch lands on a learner with history. It reports
// attempts per second.
func BenchmarkApplyAttempts(b *testing.B) {
	st, owner, _, course := benchWorld(b)
	ctx := context.Background()
	quizzes := benchQuizzes(b, owner, course)
	// Throughput, not the per-learner budget, is measured here.
	st.SetSyncLimit(store.SyncLimit{Burst: 1 << 30, PerHour: 1 << 30}, nil)
	learners := make([]store.Caller, 16)
	for i := range learners {
		learners[i] = store.Caller{UserID: uuid.New(), Role: store.RoleLearner}
		if _, err := owner.Exec(ctx, `INSERT INTO users (id, username, display_name, password_hash) VALUES ($1, $2, 'B', 'h')`,
			learners[i].UserID, fmt.Sprintf("benchattempts%02d", i)); err != nil {
			b.Fatal(err)
		}
	}
	for _, n := range []int{50, 200} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			batches := 0
			for b.Loop() {
				who := learners[batches%len(learners)]
				attempts := make([]quiz.Attempt, n)
				for i := range attempts {
					q := quizzes[i%len(quizzes)]
					answers := q.right
					if i%2 == 1 {
						answers = q.wrong
					}
					attempts[i] = quiz.Attempt{ID: uuid.New(), UserID: who.UserID, LessonID: q.lesson, Version: 1,
						Answers: answers, At: time.Now().Add(-time.Minute)}
				}
				err := st.InTx(ctx, who, func(tx *store.Tx) error {
					out, err := tx.ApplyAttempts(ctx, attempts)
					if err == nil && (out[0].Status != store.OutcomeApplied || !out[0].Passed || out[1].Passed) {
						err = fmt.Errorf("unexpected grades: %+v %+v", out[0], out[1])
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				batches++
			}
			b.ReportMetric(float64(batches*n)/b.Elapsed().Seconds(), "attempts/s")
		})
	}
}

// benchQuiz is one lesson's quiz with a right and a wrong set of answers.
type benchQuiz struct {
	lesson       uuid.UUID
	right, wrong map[string]json.RawMessage
}

// benchQuizzes gives every lesson of the course a served ten-question
// practice quiz, as the owner (no RLS, a few set-based statements).
func benchQuizzes(b *testing.B, owner *pgx.Conn, course uuid.UUID) []benchQuiz {
	b.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO quizzes (lesson_id, active_since) SELECT id, now() FROM lessons WHERE course_id = $1`,
		`INSERT INTO quiz_versions (lesson_id, version, questions, served)
		 SELECT id, 1, 10, true FROM lessons WHERE course_id = $1`,
		`INSERT INTO quiz_questions (lesson_id, version, id, position, kind, prompt, prompt_html, choices)
		 SELECT l.id, 1, gen_random_uuid(), g, k.kind, 'Question ' || g, '<p>Question ' || g || '</p>',
		        CASE WHEN k.kind IN ('single', 'multiple') THEN '["A","B","C","D"]'::jsonb ELSE '[]'::jsonb END
		 FROM lessons l, generate_series(1, 10) g,
		      LATERAL (SELECT (ARRAY['single','multiple','truefalse','number','text'])[(g - 1) % 5 + 1] AS kind) k
		 WHERE l.course_id = $1`,
		`INSERT INTO quiz_keys (lesson_id, version, question_id, answer)
		 SELECT q.lesson_id, 1, q.id, CASE q.kind WHEN 'single' THEN '2' WHEN 'multiple' THEN '[0,1]'
		        WHEN 'truefalse' THEN 'true' WHEN 'number' THEN '{"value":37.5,"tolerance":0.5}'
		        ELSE '["ors","oral rehydration salts"]' END::jsonb
		 FROM quiz_questions q JOIN lessons l ON l.id = q.lesson_id WHERE l.course_id = $1`,
	} {
		if _, err := owner.Exec(ctx, sql, course); err != nil {
			b.Fatal(err)
		}
	}
	rows, err := owner.Query(ctx, `
		SELECT q.lesson_id, q.id::text, q.kind FROM quiz_questions q JOIN lessons l ON l.id = q.lesson_id
		WHERE l.course_id = $1 ORDER BY l.position, q.position`, course)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	right := map[string]string{"single": "2", "multiple": "[1,0]", "truefalse": "true", "number": "37.9", "text": `"ORS"`}
	wrong := map[string]string{"single": "0", "multiple": "[0]", "truefalse": "false", "number": "40", "text": `"water"`}
	var out []benchQuiz
	for rows.Next() {
		var lesson uuid.UUID
		var id, kind string
		if err := rows.Scan(&lesson, &id, &kind); err != nil {
			b.Fatal(err)
		}
		if len(out) == 0 || out[len(out)-1].lesson != lesson {
			out = append(out, benchQuiz{lesson: lesson, right: map[string]json.RawMessage{}, wrong: map[string]json.RawMessage{}})
		}
		q := &out[len(out)-1]
		q.right[id], q.wrong[id] = json.RawMessage(right[kind]), json.RawMessage(wrong[kind])
	}
	if rows.Err() != nil || len(out) != 25 {
		b.Fatalf("quizzes: %v (%d)", rows.Err(), len(out))
	}
	return out
}
