package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"fieldbook/internal/quiz"
)

// ErrTooManyQuestions is returned when a quiz already has quiz.MaxQuestions.
var ErrTooManyQuestions = errors.New("store: quiz has the most questions allowed")

// QuizQuestion is one question of a lesson's quiz as learners and editors
// see it. Answer and ExplanationHTML are set only where the key may be
// shown: practice mode for learners, always for editors.
type QuizQuestion struct {
	ID         uuid.UUID
	Kind       quiz.Kind
	PromptHTML string
	Choices    []string
	// Answer is the key in the API's shape (quiz.Key's JSON), nil if hidden.
	Answer          json.RawMessage
	ExplanationHTML string
}

// LessonQuiz is the current version of a lesson's quiz as it travels to
// the phone: inside the lesson page and from GET /api/lessons/{id}/quiz.
type LessonQuiz struct {
	LessonID  uuid.UUID
	Version   int
	Mode      quiz.Mode
	PassMark  int
	Questions []QuizQuestion
}

// PublishedLessonQuiz returns the quiz of a published lesson of a live
// course, whoever asks: with its keys and explanations in practice mode,
// never in check mode (those are not even read; learners and the anonymous
// role could not read them anyway). ErrNotFound when the lesson is not
// visible or has no questions.
func (t *Tx) PublishedLessonQuiz(ctx context.Context, lessonID uuid.UUID) (LessonQuiz, error) {
	var lq LessonQuiz
	if err := lessonQuiz(ctx, t, lessonID, &lq); err != nil {
		return LessonQuiz{}, err
	}
	if len(lq.Questions) == 0 {
		return LessonQuiz{}, fmt.Errorf("store: lesson quiz: %w", ErrNotFound)
	}
	return lq, nil
}

// PublishedLessonQuiz queues Tx.PublishedLessonQuiz into *out; a lesson
// without a quiz (or not visible) leaves it without questions.
func (b *Batch) PublishedLessonQuiz(lessonID uuid.UUID, out *LessonQuiz) {
	_ = lessonQuiz(context.Background(), b, lessonID, out)
}

// lessonQuiz reads a published lesson's current quiz version into *lq.
func lessonQuiz(ctx context.Context, r reader, lessonID uuid.UUID, lq *LessonQuiz) error {
	return r.query(ctx, `
		SELECT v.version, v.mode, v.pass_mark, q.id, q.kind, q.prompt_html, q.choices,
		       k.answer, coalesce(k.explanation_html, '')
		FROM quizzes z
		JOIN lessons l ON l.id = z.lesson_id AND l.published
		JOIN courses c ON c.id = l.course_id AND c.published AND c.archived_at IS NULL
		JOIN quiz_versions v ON v.lesson_id = z.lesson_id AND v.version = z.version
		JOIN quiz_questions q ON q.lesson_id = v.lesson_id AND q.version = v.version
		LEFT JOIN quiz_keys k ON v.mode = 'practice'
		     AND k.lesson_id = q.lesson_id AND k.version = q.version AND k.question_id = q.id
		WHERE z.lesson_id = $1
		ORDER BY q.position`, []any{lessonID}, func(rows pgx.Rows) error {
		*lq = LessonQuiz{LessonID: lessonID}
		for rows.Next() {
			var q QuizQuestion
			if err := rows.Scan(&lq.Version, &lq.Mode, &lq.PassMark, &q.ID, &q.Kind, &q.PromptHTML, &q.Choices,
				&q.Answer, &q.ExplanationHTML); err != nil {
				return fmt.Errorf("store: lesson quiz: %w", err)
			}
			if q.Answer != nil {
				var buf bytes.Buffer
				if err := json.Compact(&buf, q.Answer); err == nil {
					q.Answer = buf.Bytes()
				}
			}
			lq.Questions = append(lq.Questions, q)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: lesson quiz: %w", mapErr(err))
		}
		if lq.Mode == quiz.Check {
			for i := range lq.Questions {
				lq.Questions[i].Answer, lq.Questions[i].ExplanationHTML = nil, ""
			}
		}
		return nil
	})
}

// EditQuestion is one question of the current version as its form shows it.
type EditQuestion struct {
	ID       uuid.UUID
	LessonID uuid.UUID
	Position int
	// Revision counts saves of this question: the form's "version".
	Revision int
	quiz.Authored
	PromptHTML      string
	ExplanationHTML string
	UpdatedAt       time.Time
	UpdatedBy       *string
}

// EditQuiz is a lesson's quiz as its editors see it.
type EditQuiz struct {
	LessonID uuid.UUID
	// Version is the current version, 0 while the lesson has never had a
	// quiz.
	Version  int
	Mode     quiz.Mode
	PassMark int
	// ActiveSince is when the lesson got its first question, nil while it
	// has none.
	ActiveSince *time.Time
	// Attempts counts the attempts on every version.
	Attempts  int
	Questions []EditQuestion
}

// editQuestionSQL selects the current version's questions with their keys.
const editQuestionSQL = `
	SELECT q.id, q.lesson_id, q.position, q.revision, q.kind, q.prompt, q.prompt_html, q.choices,
	       k.answer, k.explanation, k.explanation_html, q.updated_at, u.display_name
	FROM quizzes z
	JOIN quiz_questions q ON q.lesson_id = z.lesson_id AND q.version = z.version
	JOIN quiz_keys k ON k.lesson_id = q.lesson_id AND k.version = q.version AND k.question_id = q.id
	LEFT JOIN users u ON u.id = q.updated_by`

// scanEditQuestions collects editQuestionSQL's rows.
func scanEditQuestions(rows pgx.Rows) ([]EditQuestion, error) {
	defer rows.Close()
	var list []EditQuestion
	for rows.Next() {
		var q EditQuestion
		var answer json.RawMessage
		if err := rows.Scan(&q.ID, &q.LessonID, &q.Position, &q.Revision, &q.Kind, &q.Prompt, &q.PromptHTML,
			&q.Choices, &answer, &q.Explanation, &q.ExplanationHTML, &q.UpdatedAt, &q.UpdatedBy); err != nil {
			return nil, err
		}
		key, err := quiz.ParseKey(q.Kind, len(q.Choices), answer)
		if err != nil {
			return nil, err
		}
		q.Key = key
		list = append(list, q)
	}
	return list, rows.Err()
}

// QuizForEdit returns the quiz of a lesson the caller edits (LessonForEdit
// has checked that), with every key. A lesson without one gets an empty
// practice quiz at the default pass mark.
func (t *Tx) QuizForEdit(ctx context.Context, lessonID uuid.UUID) (EditQuiz, error) {
	eq := EditQuiz{LessonID: lessonID, Mode: quiz.Practice, PassMark: quiz.DefaultPassMark}
	err := t.tx.QueryRow(ctx, `
		SELECT z.version, v.mode, v.pass_mark, z.active_since,
		       (SELECT count(*) FROM quiz_attempts a WHERE a.lesson_id = z.lesson_id)::int
		FROM quizzes z JOIN quiz_versions v ON v.lesson_id = z.lesson_id AND v.version = z.version
		WHERE z.lesson_id = $1`, lessonID).Scan(&eq.Version, &eq.Mode, &eq.PassMark, &eq.ActiveSince, &eq.Attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return eq, nil
	}
	if err != nil {
		return EditQuiz{}, fmt.Errorf("store: quiz for edit: %w", mapErr(err))
	}
	rows, err := t.tx.Query(ctx, editQuestionSQL+` WHERE z.lesson_id = $1 ORDER BY q.position`, lessonID)
	if err != nil {
		return EditQuiz{}, fmt.Errorf("store: quiz for edit: %w", mapErr(err))
	}
	if eq.Questions, err = scanEditQuestions(rows); err != nil {
		return EditQuiz{}, fmt.Errorf("store: quiz for edit: %w", mapErr(err))
	}
	return eq, nil
}

// QuestionForEdit returns a question of the current version of a quiz the
// caller can read; whether they may change it is LessonForEdit's to say.
func (t *Tx) QuestionForEdit(ctx context.Context, id uuid.UUID) (EditQuestion, error) {
	rows, err := t.tx.Query(ctx, editQuestionSQL+` WHERE q.id = $1`, id)
	if err != nil {
		return EditQuestion{}, fmt.Errorf("store: question for edit: %w", mapErr(err))
	}
	list, err := scanEditQuestions(rows)
	if err != nil {
		return EditQuestion{}, fmt.Errorf("store: question for edit: %w", mapErr(err))
	}
	if len(list) == 0 {
		return EditQuestion{}, fmt.Errorf("store: question for edit: %w", ErrNotFound)
	}
	return list[0], nil
}

// QuestionChange is a question as saved: the checked form with its
// Markdown rendered and sanitised by the caller.
type QuestionChange struct {
	quiz.Authored
	PromptHTML      string
	ExplanationHTML string
}

// editableVersion locks the lesson's course (quiz edits, lesson edits and
// publishing in one course take turns), creates the lesson's quiz if it
// has none, and returns a version that may still change: the current one,
// or, when that is frozen (served or attempted), a new copy of it, which
// becomes current. Every caller ends with finishEdit. An archived course is
// ErrArchived; a lesson the caller does not edit ErrForbidden or ErrNotFound.
func (t *Tx) editableVersion(ctx context.Context, lessonID uuid.UUID) (int, error) {
	courseID, err := t.courseOfLesson(ctx, lessonID)
	if err != nil {
		return 0, err
	}
	if err := t.lockLiveCourse(ctx, courseID); err != nil {
		return 0, err
	}
	var version int
	var frozen bool
	err = t.tx.QueryRow(ctx, `
		WITH l AS (SELECT published FROM lessons WHERE id = $1),
		new_quiz AS (
			INSERT INTO quizzes (lesson_id, updated_by) VALUES ($1, (SELECT current_user_id()))
			ON CONFLICT (lesson_id) DO NOTHING RETURNING lesson_id
		), new_version AS (
			INSERT INTO quiz_versions (lesson_id, version) SELECT lesson_id, 1 FROM new_quiz
		)
		SELECT coalesce(z.version, 1), coalesce(v.served OR EXISTS (SELECT 1 FROM quiz_attempts a
		       WHERE a.lesson_id = z.lesson_id AND a.version = z.version), false)
		FROM l LEFT JOIN quizzes z ON z.lesson_id = $1
		LEFT JOIN quiz_versions v ON v.lesson_id = z.lesson_id AND v.version = z.version`, lessonID).
		Scan(&version, &frozen)
	if err != nil {
		return 0, mapErr(err)
	}
	if !frozen {
		return version, nil
	}
	_, err = t.tx.Exec(ctx, `
		WITH z AS (
			UPDATE quizzes SET version = version + 1, updated_at = now(), updated_by = (SELECT current_user_id())
			WHERE lesson_id = $1 RETURNING lesson_id, version
		), v AS (
			INSERT INTO quiz_versions (lesson_id, version, mode, pass_mark, questions)
			SELECT z.lesson_id, z.version, o.mode, o.pass_mark, o.questions
			FROM z JOIN quiz_versions o ON o.lesson_id = z.lesson_id AND o.version = $2
		), q AS (
			INSERT INTO quiz_questions (lesson_id, version, id, position, kind, prompt, prompt_html, choices,
			                            revision, updated_at, updated_by)
			SELECT z.lesson_id, z.version, o.id, o.position, o.kind, o.prompt, o.prompt_html, o.choices,
			       o.revision, o.updated_at, o.updated_by
			FROM z JOIN quiz_questions o ON o.lesson_id = z.lesson_id AND o.version = $2
		)
		INSERT INTO quiz_keys (lesson_id, version, question_id, answer, explanation, explanation_html)
		SELECT z.lesson_id, z.version, o.question_id, o.answer, o.explanation, o.explanation_html
		FROM z JOIN quiz_keys o ON o.lesson_id = z.lesson_id AND o.version = $2`, lessonID, version)
	if err != nil {
		return 0, mapErr(err)
	}
	return version + 1, nil
}

// finishEdit ends every change of a quiz version: its question count, the
// quiz's active_since, and whether it is served, which it is as soon as its
// lesson is published (the edit's transaction kept it to itself until now).
func (t *Tx) finishEdit(ctx context.Context, lessonID uuid.UUID, version int) error {
	_, err := t.tx.Exec(ctx, `
		WITH n AS (SELECT count(*)::int AS c FROM quiz_questions WHERE lesson_id = $1 AND version = $2),
		l AS (SELECT published FROM lessons WHERE id = $1),
		v AS (
			UPDATE quiz_versions v SET questions = n.c, served = l.published FROM n, l
			WHERE v.lesson_id = $1 AND v.version = $2
		)
		UPDATE quizzes z
		SET active_since = CASE WHEN n.c > 0 THEN coalesce(z.active_since, now()) END,
		    updated_at = now(), updated_by = (SELECT current_user_id())
		FROM n WHERE z.lesson_id = $1`, lessonID, version)
	return mapErr(err)
}

// AddQuestion appends a question to a lesson's quiz (making the quiz, or a
// new version of it, as needed) and returns its id. A full quiz is
// ErrTooManyQuestions.
func (t *Tx) AddQuestion(ctx context.Context, lessonID uuid.UUID, q QuestionChange) (uuid.UUID, error) {
	version, err := t.editableVersion(ctx, lessonID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: add question: %w", err)
	}
	id := uuid.New()
	key, err := json.Marshal(q.Key)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: add question: %w", err)
	}
	var n int
	err = t.tx.QueryRow(ctx, `
		WITH q AS (
			INSERT INTO quiz_questions (lesson_id, version, id, position, kind, prompt, prompt_html, choices, updated_by)
			SELECT $1, $2, $3, coalesce(max(position), 0) + 1, $4, $5, $6, $7::jsonb, (SELECT current_user_id())
			FROM quiz_questions WHERE lesson_id = $1 AND version = $2
			HAVING count(*) < $11
			RETURNING lesson_id, version, id
		), k AS (
			INSERT INTO quiz_keys (lesson_id, version, question_id, answer, explanation, explanation_html)
			SELECT lesson_id, version, id, $8::jsonb, $9, $10 FROM q
		)
		SELECT count(*)::int FROM q`,
		lessonID, version, id, q.Kind, q.Prompt, q.PromptHTML, choicesJSON(q.Choices), string(key), q.Explanation,
		q.ExplanationHTML, quiz.MaxQuestions).Scan(&n)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: add question: %w", mapErr(err))
	}
	if n == 0 {
		return uuid.Nil, fmt.Errorf("store: add question: %w", ErrTooManyQuestions)
	}
	if err := t.finishEdit(ctx, lessonID, version); err != nil {
		return uuid.Nil, fmt.Errorf("store: add question: %w", err)
	}
	return id, nil
}

// choicesJSON is a question's choices as stored: a JSON array, never
// null. JSON texts go as strings cast in SQL (::jsonb), which every exec
// mode sends as they are (PgBouncer's too); a []byte would go as bytea.
func choicesJSON(c []string) string {
	if c == nil {
		c = []string{}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// currentQuestion finds a question in the current version of its quiz:
// its lesson and revision.
func (t *Tx) currentQuestion(ctx context.Context, id uuid.UUID) (lessonID uuid.UUID, revision int, err error) {
	err = t.tx.QueryRow(ctx, `
		SELECT q.lesson_id, q.revision FROM quiz_questions q
		JOIN quizzes z ON z.lesson_id = q.lesson_id AND z.version = q.version
		WHERE q.id = $1`, id).Scan(&lessonID, &revision)
	return lessonID, revision, mapErr(err)
}

// UpdateQuestion saves a question's form if nobody saved the question since
// the form was loaded at revision; otherwise ErrConflict, and nothing
// changes. It returns the question's lesson.
func (t *Tx) UpdateQuestion(ctx context.Context, id uuid.UUID, revision int, q QuestionChange) (uuid.UUID, error) {
	lessonID, current, err := t.currentQuestion(ctx, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: update question: %w", err)
	}
	if current != revision {
		return uuid.Nil, fmt.Errorf("store: update question: %w: at revision %d, not %d", ErrConflict, current, revision)
	}
	version, err := t.editableVersion(ctx, lessonID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: update question: %w", err)
	}
	key, err := json.Marshal(q.Key)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: update question: %w", err)
	}
	_, err = t.tx.Exec(ctx, `
		WITH q AS (
			UPDATE quiz_questions
			SET kind = $4, prompt = $5, prompt_html = $6, choices = $7::jsonb, revision = revision + 1,
			    updated_at = now(), updated_by = (SELECT current_user_id())
			WHERE lesson_id = $1 AND version = $2 AND id = $3
		)
		UPDATE quiz_keys SET answer = $8::jsonb, explanation = $9, explanation_html = $10
		WHERE lesson_id = $1 AND version = $2 AND question_id = $3`,
		lessonID, version, id, q.Kind, q.Prompt, q.PromptHTML, choicesJSON(q.Choices), string(key), q.Explanation, q.ExplanationHTML)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: update question: %w", mapErr(err))
	}
	if err := t.finishEdit(ctx, lessonID, version); err != nil {
		return uuid.Nil, fmt.Errorf("store: update question: %w", err)
	}
	return lessonID, nil
}

// MoveQuestion swaps a question with its neighbour above (up) or below; at
// either end it changes nothing. It returns the question's lesson.
func (t *Tx) MoveQuestion(ctx context.Context, id uuid.UUID, up bool) (uuid.UUID, error) {
	lessonID, _, err := t.currentQuestion(ctx, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: move question: %w", err)
	}
	version, err := t.editableVersion(ctx, lessonID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: move question: %w", err)
	}
	_, err = t.tx.Exec(ctx, `
		WITH me AS (
			SELECT position FROM quiz_questions WHERE lesson_id = $1 AND version = $2 AND id = $3
		), other AS (
			SELECT q.id, q.position FROM quiz_questions q, me
			WHERE q.lesson_id = $1 AND q.version = $2
			  AND CASE WHEN $4 THEN q.position < me.position ELSE q.position > me.position END
			ORDER BY CASE WHEN $4 THEN -q.position ELSE q.position END
			LIMIT 1
		)
		UPDATE quiz_questions q
		SET position = CASE WHEN q.id = $3 THEN other.position ELSE me.position END
		FROM me, other
		WHERE q.lesson_id = $1 AND q.version = $2 AND q.id IN ($3, other.id)`, lessonID, version, id, up)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: move question: %w", mapErr(err))
	}
	if err := t.finishEdit(ctx, lessonID, version); err != nil {
		return uuid.Nil, fmt.Errorf("store: move question: %w", err)
	}
	return lessonID, nil
}

// DeleteQuestion takes a question out of the quiz (older versions keep it)
// and closes the gap. Deleting the last question removes the quiz: the
// lesson is then completed by hand again, and every completion stays.
func (t *Tx) DeleteQuestion(ctx context.Context, id uuid.UUID) (uuid.UUID, error) {
	lessonID, _, err := t.currentQuestion(ctx, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: delete question: %w", err)
	}
	version, err := t.editableVersion(ctx, lessonID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: delete question: %w", err)
	}
	_, err = t.tx.Exec(ctx, `
		WITH gone AS (
			DELETE FROM quiz_questions WHERE lesson_id = $1 AND version = $2 AND id = $3 RETURNING position
		)
		UPDATE quiz_questions q SET position = q.position - 1
		FROM gone WHERE q.lesson_id = $1 AND q.version = $2 AND q.position > gone.position`, lessonID, version, id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: delete question: %w", mapErr(err))
	}
	if err := t.finishEdit(ctx, lessonID, version); err != nil {
		return uuid.Nil, fmt.Errorf("store: delete question: %w", err)
	}
	return lessonID, nil
}

// SetQuizSettings sets a lesson's quiz mode and pass mark (a new version
// when the current one is frozen; nothing at all when they are unchanged).
func (t *Tx) SetQuizSettings(ctx context.Context, lessonID uuid.UUID, mode quiz.Mode, passMark int) error {
	var same bool
	err := t.tx.QueryRow(ctx, `
		SELECT v.mode = $2 AND v.pass_mark = $3
		FROM quizzes z JOIN quiz_versions v ON v.lesson_id = z.lesson_id AND v.version = z.version
		WHERE z.lesson_id = $1`, lessonID, mode, passMark).Scan(&same)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("store: quiz settings: %w", mapErr(err))
	}
	if same {
		// Still check the caller may change the lesson: a no-op is no leak.
		if _, err := t.LessonForEdit(ctx, lessonID); err != nil {
			return fmt.Errorf("store: quiz settings: %w", err)
		}
		return nil
	}
	version, err := t.editableVersion(ctx, lessonID)
	if err != nil {
		return fmt.Errorf("store: quiz settings: %w", err)
	}
	if _, err := t.tx.Exec(ctx, `
		UPDATE quiz_versions SET mode = $3, pass_mark = $4 WHERE lesson_id = $1 AND version = $2`,
		lessonID, version, mode, passMark); err != nil {
		return fmt.Errorf("store: quiz settings: %w", mapErr(err))
	}
	if err := t.finishEdit(ctx, lessonID, version); err != nil {
		return fmt.Errorf("store: quiz settings: %w", err)
	}
	return nil
}
