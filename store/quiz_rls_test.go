package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
)

// quizRLSWorld is rlsWorld seen from the world's QuizCourse: l1 is the
// practice-quiz lesson, l3 the check-quiz lesson, l2 the draft lesson whose
// quiz was never served; learner A has passed l1's quiz and completed it,
// learner B completed it without passing (as if before the quiz was
// added; both rows written by the owner); A holds the course's certificate; vol2 is
// a volunteer who edits no course.
type quizRLSWorld struct {
	*rlsWorld
	l1, l2, l3     uuid.UUID
	progA, progB   uuid.UUID // a and b on l1, both completed
	vol2           uuid.UUID
	qPractice      uuid.UUID
	qCheck, qDraft uuid.UUID
	attemptA       uuid.UUID
	code           string
}

func newQuizRLSWorld(t *testing.T) *quizRLSWorld {
	t.Helper()
	r := newRLSWorld(t)
	w := &quizRLSWorld{rlsWorld: r, l1: r.PracticeLesson(), l2: r.DraftQuizLesson(), l3: r.CheckLesson(),
		vol2: r.OtherVolunteer.ID(), qPractice: r.PracticeQuestion, qCheck: r.CheckQuestion, qDraft: r.DraftQuestion,
		attemptA: r.Progress.Attempt, code: r.Progress.Certificate}
	for _, learner := range []uuid.UUID{w.a, w.b} {
		r.Exec(t, `INSERT INTO student_progress (student_id, lesson_id, completed, completed_at) VALUES ($1, $2, true, now())`, learner, w.l1)
	}
	w.progA, w.progB = r.ProgressID(t, w.a, w.l1), r.ProgressID(t, w.b, w.l1)
	return w
}

// TestRLSQuizzes proves the quiz tables' policies and grants, role × table
// × operation: check keys stay hidden from learners and the anonymous
// role, attempts are written only by the grader, for its own user, and
// never changed by anyone; certificates are read, never written.
func TestRLSQuizzes(t *testing.T) {
	t.Parallel()
	w := newQuizRLSWorld(t)
	var cases []rlsCase
	add := func(c ...rlsCase) { cases = append(cases, c...) }

	for _, r := range []struct {
		role string
		user uuid.UUID
	}{{store.DBRoleAnonymous, uuid.Nil}, {store.DBRoleLearner, w.a}} {
		add(
			rlsCase{r.role + " reads quizzes of published lessons", r.role, r.user, `SELECT * FROM quizzes`, nil, rows(2)},
			rlsCase{r.role + " reads quiz versions", r.role, r.user, `SELECT * FROM quiz_versions`, nil, rows(2)},
			rlsCase{r.role + " reads questions", r.role, r.user, `SELECT * FROM quiz_questions`, nil, rows(2)},
			rlsCase{r.role + " reads the draft lesson's questions", r.role, r.user, `SELECT * FROM quiz_questions WHERE lesson_id = $1`, []any{w.l2}, rows(0)},
			rlsCase{r.role + " reads keys (practice only)", r.role, r.user, `SELECT * FROM quiz_keys`, nil, rows(1)},
			rlsCase{r.role + " reads a check-mode key", r.role, r.user, `SELECT answer FROM quiz_keys WHERE question_id = $1`, []any{w.qCheck}, rows(0)},
			rlsCase{r.role + " inserts a key", r.role, r.user, `INSERT INTO quiz_keys (lesson_id, version, question_id, answer) VALUES ($1, 1, $2, 'true')`, []any{w.l3, uuid.New()}, refused},
			rlsCase{r.role + " changes a key", r.role, r.user, `UPDATE quiz_keys SET answer = 'true'`, nil, refused},
			rlsCase{r.role + " deletes keys", r.role, r.user, `DELETE FROM quiz_keys`, nil, refused},
			rlsCase{r.role + " changes a question", r.role, r.user, `UPDATE quiz_questions SET prompt = 'x'`, nil, refused},
			rlsCase{r.role + " switches a quiz to practice", r.role, r.user, `UPDATE quiz_versions SET mode = 'practice'`, nil, refused},
			rlsCase{r.role + " inserts a quiz", r.role, r.user, `INSERT INTO quizzes (lesson_id) VALUES ($1)`, []any{w.l4}, refused},
			rlsCase{r.role + " inserts an attempt", r.role, r.user, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
				VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 1, now())`, []any{w.a, w.l3}, refused},
			rlsCase{r.role + " updates attempts", r.role, r.user, `UPDATE quiz_attempts SET correct = 1`, nil, refused},
			rlsCase{r.role + " deletes attempts", r.role, r.user, `DELETE FROM quiz_attempts`, nil, refused},
			rlsCase{r.role + " inserts a certificate", r.role, r.user, `INSERT INTO certificates (code, student_id, course_id, display_name, course_title, completed_at)
				VALUES ('QQQQQQQQQQQQQ', $1, $2, 'A', 'x', now())`, []any{w.a, w.draftCourse}, refused},
			rlsCase{r.role + " verifies a certificate by code", r.role, r.user, `SELECT * FROM certificate_by_code($1)`, []any{w.code}, rows(1)},
			rlsCase{r.role + " verifies an unknown code", r.role, r.user, `SELECT * FROM certificate_by_code('AAAAAAAAAAAAA')`, nil, rows(0)},
			rlsCase{r.role + " mints a code", r.role, r.user, `SELECT certificate_code()`, nil, refused},
		)
	}
	add(
		rlsCase{"anonymous reads attempts", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM quiz_attempts`, nil, refused},
		rlsCase{"anonymous reads certificates", store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM certificates`, nil, refused},
		rlsCase{"anonymous reads users (verify goes through the function)", store.DBRoleAnonymous, uuid.Nil, `SELECT display_name FROM users`, nil, refused},
		rlsCase{"learner A reads own attempts", store.DBRoleLearner, w.a, `SELECT * FROM quiz_attempts`, nil, rows(1)},
		rlsCase{"learner B reads attempts", store.DBRoleLearner, w.b, `SELECT * FROM quiz_attempts`, nil, rows(0)},
		rlsCase{"learner A reads own certificate", store.DBRoleLearner, w.a, `SELECT * FROM certificates`, nil, rows(1)},
		rlsCase{"learner B reads certificates", store.DBRoleLearner, w.b, `SELECT * FROM certificates`, nil, rows(0)},
		rlsCase{"learner A updates own certificate", store.DBRoleLearner, w.a, `UPDATE certificates SET display_name = 'x'`, nil, refused},
		rlsCase{"learner A deletes own certificate", store.DBRoleLearner, w.a, `DELETE FROM certificates`, nil, refused},

		// Editors read every key and attempt of their courses; other
		// volunteers only what learners read.
		rlsCase{"editor reads every key", store.DBRoleVolunteer, w.vol, `SELECT * FROM quiz_keys`, nil, rows(3)},
		rlsCase{"editor reads attempts of the course", store.DBRoleVolunteer, w.vol, `SELECT * FROM quiz_attempts`, nil, rows(1)},
		rlsCase{"editor reads certificates of the course", store.DBRoleVolunteer, w.vol, `SELECT * FROM certificates`, nil, rows(1)},
		rlsCase{"other volunteer reads keys (practice only)", store.DBRoleVolunteer, w.vol2, `SELECT * FROM quiz_keys`, nil, rows(1)},
		rlsCase{"other volunteer reads attempts", store.DBRoleVolunteer, w.vol2, `SELECT * FROM quiz_attempts`, nil, rows(0)},
		rlsCase{"other volunteer changes a question", store.DBRoleVolunteer, w.vol2, `UPDATE quiz_questions SET prompt = 'x' WHERE id = $1`, []any{w.qDraft}, rows(0)},
		rlsCase{"other volunteer adds a question", store.DBRoleVolunteer, w.vol2, `INSERT INTO quiz_questions (lesson_id, version, id, position, kind, prompt, prompt_html)
			VALUES ($1, 1, gen_random_uuid(), 2, 'truefalse', 'x', 'x')`, []any{w.l2}, refused},
		rlsCase{"editor changes an unserved question", store.DBRoleVolunteer, w.vol, `UPDATE quiz_questions SET prompt = 'x' WHERE id = $1`, []any{w.qDraft}, rows(1)},
		rlsCase{"editor inserts an attempt", store.DBRoleVolunteer, w.vol, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
			VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 1, now())`, []any{w.vol, w.l1}, refused},
		rlsCase{"editor deletes attempts", store.DBRoleVolunteer, w.vol, `DELETE FROM quiz_attempts`, nil, refused},
		rlsCase{"admin reads every key", store.DBRoleAdmin, w.admin, `SELECT * FROM quiz_keys`, nil, rows(3)},
		rlsCase{"admin inserts an attempt", store.DBRoleAdmin, w.admin, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
			VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 1, now())`, []any{w.a, w.l1}, refused},
		rlsCase{"admin updates attempts", store.DBRoleAdmin, w.admin, `UPDATE quiz_attempts SET correct = 0`, nil, refused},
		rlsCase{"admin deletes attempts", store.DBRoleAdmin, w.admin, `DELETE FROM quiz_attempts`, nil, refused},
		rlsCase{"admin inserts a certificate", store.DBRoleAdmin, w.admin, `INSERT INTO certificates (code, student_id, course_id, display_name, course_title, completed_at)
			VALUES ('QQQQQQQQQQQQQ', $1, $2, 'A', 'x', now())`, []any{w.b, w.course}, refused},

		// The grader (the app switches into it): reads keys, inserts
		// attempts for the transaction's user on served versions, nothing else.
		rlsCase{"grader reads every key", store.DBRoleGrader, w.b, `SELECT * FROM quiz_keys`, nil, rows(3)},
		rlsCase{"grader records an attempt of its user", store.DBRoleGrader, w.b, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
			VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 0, now())`, []any{w.b, w.l3}, rows(1)},
		rlsCase{"grader records an attempt of another user", store.DBRoleGrader, w.b, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
			VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 1, now())`, []any{w.a, w.l3}, refused},
		rlsCase{"grader records an attempt of an unserved version", store.DBRoleGrader, w.b, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
			VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 1, now())`, []any{w.b, w.l2}, refused},
		rlsCase{"grader sets received_at", store.DBRoleGrader, w.b, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at, received_at)
			VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 0, now(), now())`, []any{w.b, w.l3}, refused},
		rlsCase{"grader updates attempts", store.DBRoleGrader, w.a, `UPDATE quiz_attempts SET correct = 0`, nil, refused},
		rlsCase{"grader deletes attempts", store.DBRoleGrader, w.a, `DELETE FROM quiz_attempts`, nil, refused},
		rlsCase{"grader reads users", store.DBRoleGrader, w.a, `SELECT id FROM users`, nil, refused},
		rlsCase{"grader reads progress", store.DBRoleGrader, w.a, `SELECT * FROM student_progress`, nil, refused},
		rlsCase{"grader writes progress", store.DBRoleGrader, w.a, `INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.a, w.l3}, refused},
		rlsCase{"grader changes a key", store.DBRoleGrader, w.a, `UPDATE quiz_keys SET answer = 'true'`, nil, refused},
		rlsCase{"grader inserts a certificate", store.DBRoleGrader, w.a, `INSERT INTO certificates (code, student_id, course_id, display_name, course_title, completed_at)
			VALUES ('QQQQQQQQQQQQQ', $1, $2, 'A', 'x', now())`, []any{w.a, w.draftCourse}, refused},

		// Mastery: a quiz lesson is completed only with a passing attempt.
		rlsCase{"learner B completes the practice-quiz lesson without passing", store.DBRoleLearner, w.b,
			`UPDATE student_progress SET completed = true, completed_at = now() WHERE id = $1`, []any{w.progB}, refused},
		rlsCase{"learner B un-completes it", store.DBRoleLearner, w.b,
			`UPDATE student_progress SET completed = false, completed_at = NULL WHERE id = $1`, []any{w.progB}, rows(1)},
		rlsCase{"learner A (passed) completes it", store.DBRoleLearner, w.a,
			`UPDATE student_progress SET completed = true, completed_at = now() WHERE id = $1`, []any{w.progA}, rows(1)},
		rlsCase{"learner inserts a completion of the check-quiz lesson", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id, completed, completed_at) VALUES ($1, $2, true, now())`, []any{w.a, w.l3}, refused},
		rlsCase{"learner inserts an open row of the check-quiz lesson", store.DBRoleLearner, w.a,
			`INSERT INTO student_progress (student_id, lesson_id) VALUES ($1, $2)`, []any{w.a, w.l3}, rows(1)},
		rlsCase{"admin completes a quiz lesson for itself without passing", store.DBRoleAdmin, w.admin,
			`INSERT INTO student_progress (student_id, lesson_id, completed, completed_at) VALUES ($1, $2, true, now())`, []any{w.admin, w.l3}, refused},

		// Catalogue facts.
		rlsCase{"no role may update, delete or truncate attempts", store.DBRoleLearner, w.a, `
			SELECT r FROM unnest(ARRAY['fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer', 'fieldbook_admin',
			                           'fieldbook_grader', 'fieldbook_auth', 'fieldbook_app', 'fieldbook_policy', 'fieldbook_certify']) r
			WHERE has_table_privilege(r, 'quiz_attempts', 'UPDATE') OR has_table_privilege(r, 'quiz_attempts', 'DELETE')
			   OR has_table_privilege(r, 'quiz_attempts', 'TRUNCATE')`, nil, rows(0)},
		rlsCase{"only the grader inserts attempts", store.DBRoleLearner, w.a, `
			SELECT r FROM unnest(ARRAY['fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer', 'fieldbook_admin',
			                           'fieldbook_grader', 'fieldbook_auth', 'fieldbook_app']) r
			WHERE has_any_column_privilege(r, 'quiz_attempts', 'INSERT')`, nil, rows(1)},
		rlsCase{"no caller role writes certificates", store.DBRoleLearner, w.a, `
			SELECT r FROM unnest(ARRAY['fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer', 'fieldbook_admin',
			                           'fieldbook_grader', 'fieldbook_auth', 'fieldbook_app']) r
			WHERE has_any_column_privilege(r, 'certificates', 'INSERT') OR has_any_column_privilege(r, 'certificates', 'UPDATE')
			   OR has_table_privilege(r, 'certificates', 'DELETE')`, nil, rows(0)},
		rlsCase{"verification returns name, course and date only", store.DBRoleLearner, w.a, `
			SELECT 1 FROM pg_proc WHERE proname = 'certificate_by_code' AND prosecdef
			   AND proargnames = ARRAY['p_code', 'display_name', 'course_title', 'completed_at']`, nil, rows(1)},
		rlsCase{"no function hands out keys to a caller role", store.DBRoleLearner, w.a, `
			SELECT p.proname FROM pg_proc p
			WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
			  AND (p.prosrc ILIKE '%quiz_keys%' OR pg_get_function_result(p.oid) ILIKE '%answer%')`, nil, rows(0)},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
	// Score and passed are computed by the database from correct: nobody,
	// not even the grader, writes them.
	t.Run("grader sets a score", func(t *testing.T) {
		_, err := runAs(t, w.app, store.DBRoleGrader, w.b, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark,
			questions, answers, results, correct, client_at, score, passed)
			VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, '{}', '{}', 0, now(), 100, true)`, w.b, w.l3)
		if sqlState(err) != "428C9" {
			t.Errorf("%v (SQLSTATE %q), want 428C9 (generated column)", err, sqlState(err))
		}
	})
}

// TestRLSFrozenQuizVersions: a served version refuses every change, from
// its editor and even from the schema owner, while its lesson lives.
func TestRLSFrozenQuizVersions(t *testing.T) {
	t.Parallel()
	w := newQuizRLSWorld(t)
	for _, c := range []rlsCase{
		{"editor changes a served question", store.DBRoleVolunteer, w.vol, `UPDATE quiz_questions SET prompt = 'x' WHERE id = $1`, []any{w.qPractice}, refused},
		{"editor changes a served key", store.DBRoleVolunteer, w.vol, `UPDATE quiz_keys SET answer = 'false' WHERE question_id = $1`, []any{w.qCheck}, refused},
		{"editor deletes a served question", store.DBRoleVolunteer, w.vol, `DELETE FROM quiz_questions WHERE id = $1`, []any{w.qPractice}, refused},
		{"editor changes a served pass mark", store.DBRoleVolunteer, w.vol, `UPDATE quiz_versions SET pass_mark = 10 WHERE lesson_id = $1`, []any{w.l1}, refused},
		{"editor unserves a version", store.DBRoleVolunteer, w.vol, `UPDATE quiz_versions SET served = false WHERE lesson_id = $1`, []any{w.l1}, refused},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			if sqlState(err) != "23000" {
				t.Errorf("%v (SQLSTATE %q), want the frozen-version error 23000", err, sqlState(err))
			}
		})
	}
	if _, err := w.owner.Exec(t.Context(), `DELETE FROM quiz_versions WHERE lesson_id = $1`, w.l1); sqlState(err) != "23000" {
		t.Errorf("owner deletes a served version: %v", err)
	}
	// Deleting the lesson takes its quiz, versions and attempts with it.
	if _, err := w.owner.Exec(t.Context(), `DELETE FROM lessons WHERE id = $1`, w.l1); err != nil {
		t.Fatalf("delete a lesson with a served quiz: %v", err)
	}
	var n int
	if err := w.owner.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM quiz_versions WHERE lesson_id = $1) + (SELECT count(*) FROM quiz_attempts WHERE lesson_id = $1)`, w.l1).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows left of the deleted lesson's quiz (%v)", n, err)
	}
}

// TestRLSGraderRoleSwitch: the login role may switch into the grader (it
// grades inside a request's transaction) but not into the roles that own
// definer functions.
func TestRLSGraderRoleSwitch(t *testing.T) {
	t.Parallel()
	w := newQuizRLSWorld(t)
	for role, ok := range map[string]bool{store.DBRoleGrader: true, store.DBRoleCertify: false, "fieldbook_policy": false} {
		t.Run(role, func(t *testing.T) {
			tx, err := w.app.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(context.Background()) //nolint:errcheck
			_, err = tx.Exec(t.Context(), store.SwitchRoleSQL, role, w.a.String())
			if ok && err != nil || !ok && sqlState(err) != "42501" {
				t.Errorf("switch to %s: %v, want allowed=%v", role, err, ok)
			}
		})
	}
}

// TestRLSQuizInsight proves the dashboard's quiz counters (migration
// 00016), role × table × operation: a course's editors and admins read
// them, nobody else; no caller role writes them, not even the grader that
// inserts the attempts they count; the counting functions run only as the
// trigger.
func TestRLSQuizInsight(t *testing.T) {
	t.Parallel()
	w := newQuizRLSWorld(t)
	// B answers the practice question wrong: a counter row and a wrong answer.
	if _, err := w.owner.Exec(t.Context(), `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions,
		answers, results, correct, client_at) VALUES (gen_random_uuid(), $1, $2, 1, 80, 1, $3, $4, 0, now())`,
		w.b, w.l1, `{"`+w.qPractice.String()+`": false}`, `{"`+w.qPractice.String()+`": false}`); err != nil {
		t.Fatal(err)
	}
	var cases []rlsCase
	for _, table := range []string{"quiz_question_stats", "quiz_wrong_answers"} {
		cases = append(cases,
			rlsCase{"anonymous reads " + table, store.DBRoleAnonymous, uuid.Nil, `SELECT * FROM ` + table, nil, refused},
			rlsCase{"learner B reads " + table, store.DBRoleLearner, w.b, `SELECT * FROM ` + table, nil, refused},
			rlsCase{"editor reads " + table, store.DBRoleVolunteer, w.vol, `SELECT * FROM ` + table, nil, rows(1)},
			rlsCase{"other volunteer reads " + table, store.DBRoleVolunteer, w.vol2, `SELECT * FROM ` + table, nil, rows(0)},
			rlsCase{"admin reads " + table, store.DBRoleAdmin, w.admin, `SELECT * FROM ` + table, nil, rows(1)},
			rlsCase{"editor changes " + table, store.DBRoleVolunteer, w.vol, `UPDATE ` + table + ` SET lesson_id = lesson_id`, nil, refused},
			rlsCase{"admin deletes " + table, store.DBRoleAdmin, w.admin, `DELETE FROM ` + table, nil, refused},
			rlsCase{"grader changes " + table, store.DBRoleGrader, w.b, `UPDATE ` + table + ` SET lesson_id = lesson_id`, nil, refused},
			rlsCase{"learner inserts into " + table, store.DBRoleLearner, w.b, `INSERT INTO ` + table + ` (lesson_id, question_id) VALUES ($1, $2)`,
				[]any{w.l1, uuid.New()}, refused},
		)
	}
	cases = append(cases,
		rlsCase{"the counters are right", store.DBRoleVolunteer, w.vol, `SELECT 1 FROM quiz_question_stats
			WHERE answers = 1 AND correct = 0 AND first = 1 AND first_right = 0`, nil, rows(1)},
		rlsCase{"the grader counts answers itself", store.DBRoleGrader, w.b, `SELECT quiz_attempts_count('{}')`, nil, refused},
		rlsCase{"a learner counts answers", store.DBRoleLearner, w.b, `SELECT quiz_attempts_count('{}')`, nil, refused},
		rlsCase{"only fieldbook_stats writes the counters", store.DBRoleLearner, w.a, `
			SELECT r FROM unnest(ARRAY['fieldbook_anon', 'fieldbook_learner', 'fieldbook_volunteer', 'fieldbook_admin',
			                           'fieldbook_grader', 'fieldbook_auth', 'fieldbook_app', 'fieldbook_stats']) r
			WHERE has_any_column_privilege(r, 'quiz_question_stats', 'INSERT') OR has_any_column_privilege(r, 'quiz_wrong_answers', 'UPDATE')
			   OR has_table_privilege(r, 'quiz_question_stats', 'DELETE') OR has_table_privilege(r, 'quiz_wrong_answers', 'DELETE')`, nil, rows(1)},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tag, err := runAs(t, w.app, c.role, c.user, c.sql, c.args...)
			checkOutcome(t, tag, err, c.want)
		})
	}
}
