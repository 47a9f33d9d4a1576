package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Change is one completion change a device made, possibly offline.
type Change struct {
	// ID is made by the client; a replay of the same ID changes nothing.
	ID        uuid.UUID
	LessonID  uuid.UUID
	Completed bool
	// At is the device's time of the change.
	At time.Time
	// mastery marks the completion a passing quiz attempt writes
	// (ApplyAttempts): the only change a quiz lesson takes.
	mastery bool
}

// Outcome is what became of one change.
type Outcome string

// The outcomes of a change.
const (
	// OutcomeApplied: the change won and is now the learner's state.
	OutcomeApplied Outcome = "applied"
	// OutcomeStale: a change with a later client time had already won.
	OutcomeStale Outcome = "stale"
	// OutcomeDuplicate: this change id was received before.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeRejected: the lesson is unknown or not published.
	OutcomeRejected Outcome = "rejected"
	// OutcomeQuizLesson: rejected because the lesson has a quiz, which
	// alone completes it (mastery). Handlers answer status "rejected" with
	// reason "quiz_lesson".
	OutcomeQuizLesson Outcome = "quiz_lesson"
)

// SyncLimit is the budget of new changes each learner may send: a bucket of
// Burst changes, refilled at PerHour. Every new change id is a row kept for
// the retention period, so the budget bounds how fast one learner can grow
// the database; a phone back from weeks offline carries far fewer.
type SyncLimit struct {
	Burst, PerHour int
}

// DefaultSyncLimit is the budget unless SetSyncLimit says otherwise.
var DefaultSyncLimit = SyncLimit{Burst: 5000, PerHour: 20000}

// ErrRateLimited is what a RateLimitError wraps.
var ErrRateLimited = errors.New("store: rate limited")

// RateLimitError refuses a batch of changes over the learner's budget;
// nothing of it was applied. Until is when the batch would fit.
type RateLimitError struct {
	Until time.Time
}

func (e *RateLimitError) Error() string {
	return "store: sync budget spent until " + e.Until.UTC().Format(time.RFC3339)
}

// Unwrap makes errors.Is(err, ErrRateLimited) work.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// ApplyChanges applies a batch of the caller's changes with one set-based
// statement: it skips change ids already seen, picks per lesson the change
// with the latest client time (clamping times more than FutureSkew ahead to
// the server's, and times before the account existed up to its creation),
// upserts it unless the stored row is newer, and records every new change id
// with its outcome. A change to a lesson with a quiz is OutcomeQuizLesson and
// changes nothing: only a passing attempt completes such a lesson. Outcomes
// come back in input order. The new change ids are charged to the caller's
// sync budget (the owner of the changes, whoever sent them); over it, the
// result is a *RateLimitError and the caller's transaction must roll back.
func (t *Tx) ApplyChanges(ctx context.Context, changes []Change) ([]Outcome, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(changes))
	lessons := make([]uuid.UUID, len(changes))
	completed := make([]bool, len(changes))
	ats := make([]time.Time, len(changes))
	mastery := make([]bool, len(changes))
	for i, c := range changes {
		ids[i], lessons[i], completed[i], ats[i], mastery[i] = c.ID, c.LessonID, c.Completed, c.At, c.mastery
	}
	lim := t.store.syncLimit
	rows, err := t.tx.Query(ctx, `
		WITH me AS (
			SELECT created_at FROM users WHERE id = (SELECT current_user_id())
		), c AS (
			SELECT i.change_id, i.lesson_id, i.completed, i.ord,
			       CASE WHEN i.at > now() + $5::interval THEN now()
			            ELSE greatest(i.at, (SELECT created_at FROM me)) END AS at,
			       EXISTS (SELECT 1 FROM lessons l
			               JOIN courses co ON co.id = l.course_id AND co.published
			               WHERE l.id = i.lesson_id AND l.published) AS valid,
			       EXISTS (SELECT 1 FROM progress_changes pc WHERE pc.id = i.change_id) AS seen,
			       NOT i.mastery AND EXISTS (SELECT 1 FROM quizzes z
			                                 WHERE z.lesson_id = i.lesson_id AND z.active_since IS NOT NULL) AS quiz
			FROM unnest($1::uuid[], $2::uuid[], $3::bool[], $4::timestamptz[], $6::bool[])
			     WITH ORDINALITY AS i(change_id, lesson_id, completed, at, mastery, ord)
		), fresh AS (
			-- new, valid changes; an id repeated inside the batch counts once
			SELECT DISTINCT ON (change_id) * FROM c
			WHERE valid AND NOT quiz AND NOT seen
			ORDER BY change_id, ord
		), winners AS (
			-- per lesson, the change with the latest client time
			SELECT DISTINCT ON (lesson_id) * FROM fresh
			ORDER BY lesson_id, at DESC, ord DESC
		), up AS (
			INSERT INTO student_progress AS sp (student_id, lesson_id, completed, completed_at, client_updated_at)
			SELECT (SELECT current_user_id()), w.lesson_id, w.completed,
			       CASE WHEN w.completed THEN w.at END, w.at
			FROM winners w
			ON CONFLICT (student_id, lesson_id) DO UPDATE
			SET completed = EXCLUDED.completed,
			    completed_at = CASE WHEN EXCLUDED.completed
			                        THEN coalesce(sp.completed_at, EXCLUDED.completed_at) END,
			    client_updated_at = EXCLUDED.client_updated_at
			WHERE sp.client_updated_at <= EXCLUDED.client_updated_at
			RETURNING sp.lesson_id
		), outcomes AS (
			SELECT f.change_id, f.lesson_id, f.completed, f.at, f.ord,
			       CASE WHEN EXISTS (SELECT 1 FROM winners w WHERE w.change_id = f.change_id)
			                 AND EXISTS (SELECT 1 FROM up WHERE up.lesson_id = f.lesson_id)
			            THEN 'applied' ELSE 'stale' END AS outcome
			FROM fresh f
		), recorded AS (
			INSERT INTO progress_changes (id, student_id, lesson_id, completed, client_at, outcome)
			SELECT change_id, (SELECT current_user_id()), lesson_id, completed, at, outcome
			FROM outcomes
			ON CONFLICT (student_id, id) DO NOTHING
			RETURNING id
		), budget AS (
			-- every new change id is charged to the caller's sync budget
			SELECT sync_take((SELECT count(*) FROM recorded)::int, $7, $8, $9) AS until
		)
		SELECT CASE WHEN NOT c.valid THEN 'rejected'
		            WHEN c.quiz THEN 'quiz_lesson'
		            WHEN c.seen OR o.ord IS NULL THEN 'duplicate'
		            ELSE o.outcome END,
		       (SELECT until FROM budget)
		FROM c LEFT JOIN outcomes o ON o.ord = c.ord
		ORDER BY c.ord`,
		ids, lessons, completed, ats, fmt.Sprintf("%d seconds", int(FutureSkew.Seconds())), mastery,
		lim.Burst, lim.PerHour, t.store.now())
	if err != nil {
		return nil, fmt.Errorf("store: apply changes: %w", mapErr(err))
	}
	return collectOutcomes(rows, len(changes))
}

// collectOutcomes reads ApplyChanges' rows: an outcome per change, in
// order, or a RateLimitError when the batch overdrew the caller's budget.
func collectOutcomes(rows pgx.Rows, n int) ([]Outcome, error) {
	defer rows.Close()
	out := make([]Outcome, 0, n)
	var until *time.Time
	for rows.Next() {
		var o string
		if err := rows.Scan(&o, &until); err != nil {
			return nil, fmt.Errorf("store: apply changes: %w", err)
		}
		out = append(out, Outcome(o))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: apply changes: %w", mapErr(err))
	}
	if len(out) != n {
		return nil, fmt.Errorf("store: apply changes: %d outcomes for %d changes", len(out), n)
	}
	if until != nil {
		return nil, &RateLimitError{Until: *until}
	}
	return out, nil
}

// DeferProgressHints makes the progress hints of this transaction's
// changes (the NOTIFY open dashboards follow) wait for the commit: a
// transaction that notifies holds a database-wide lock through its commit's
// WAL flush, so concurrent syncs that notified committed one at a time.
// Read them with ProgressHints before the commit, and send them with
// SendProgressHints after it.
func (t *Tx) DeferProgressHints(ctx context.Context) error {
	if _, err := t.tx.Exec(ctx, `SELECT set_config('fieldbook.defer_hints', 'on', true)`); err != nil {
		return fmt.Errorf("store: defer progress hints: %w", mapErr(err))
	}
	return nil
}

// ProgressHints are the hints this transaction's progress changes kept
// since DeferProgressHints, one per learner and course.
func (t *Tx) ProgressHints(ctx context.Context) ([]string, error) {
	var all string
	err := t.tx.QueryRow(ctx, `SELECT coalesce(current_setting('fieldbook.progress_hints', true), '')`).Scan(&all)
	if err != nil || all == "" {
		return nil, mapErr(err)
	}
	return strings.Split(all, "\n"), nil
}

// SendProgressHints notifies every instance of committed progress changes
// (the payloads ProgressHints returned), in one round trip. The
// transaction writes nothing durable, so it commits without waiting for
// the WAL flush: it holds the notification lock for no more than the
// NOTIFY itself.
func (s *Store) SendProgressHints(ctx context.Context, hints []string) error {
	if len(hints) == 0 {
		return nil
	}
	var b pgx.Batch
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	b.Queue(`SELECT pg_notify('fieldbook_progress', h) FROM unnest($1::text[]) AS h`, hints)
	if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("store: send progress hints: %w", mapErr(err))
	}
	return nil
}
