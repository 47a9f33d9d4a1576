package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"fieldbook/internal/quiz"
)

// AttemptResult is the server's answer for one attempt of a sync batch.
type AttemptResult struct {
	// Status is OutcomeApplied, OutcomeDuplicate or OutcomeRejected.
	Status Outcome
	// Reason says why an attempt was rejected.
	Reason quiz.Reason
	// Score and Passed are the server's grade: of this attempt when
	// applied, of the stored attempt when a duplicate.
	Score  int
	Passed bool
}

// attemptNamespace makes the id of the completion a passing attempt
// writes: a UUID derived from the attempt's, so a replayed attempt is also
// a replayed completion.
var attemptNamespace = uuid.MustParse("6f0c4b6e-2a53-4a4e-9d1b-8f3c7f7a1e21")

// versionKey names one version of one lesson's quiz.
type versionKey struct {
	lesson  uuid.UUID
	version int
}

// attemptInfo is what the caller may see about one attempt's target.
type attemptInfo struct {
	lessonOK bool
	// version is nil when the lesson has no served quiz of that version.
	version *quiz.Version
	// stored is the caller's own attempt with this id, if there is one.
	stored *AttemptResult
	// since is when the caller's account was made: no attempt is older.
	since time.Time
}

// attemptInfos reads, as the caller, every attempt's lesson, version (its
// questions without keys) and the caller's own attempt with the same id:
// one query for the batch.
func (t *Tx) attemptInfos(ctx context.Context, attempts []quiz.Attempt) ([]attemptInfo, error) {
	ids, lessons, versions := make([]uuid.UUID, len(attempts)), make([]uuid.UUID, len(attempts)), make([]int32, len(attempts))
	for i, a := range attempts {
		ids[i], lessons[i], versions[i] = a.ID, a.LessonID, int32(a.Version)
	}
	// A version's questions come once, with its first attempt: a batch
	// is mostly a few quizzes taken again and again.
	rows, err := t.tx.Query(ctx, `
		WITH i AS (
			SELECT i.*, row_number() OVER (PARTITION BY i.lesson_id, i.version ORDER BY i.ord) AS nth
			FROM unnest($1::uuid[], $2::uuid[], $3::int[]) WITH ORDINALITY AS i(id, lesson_id, version, ord)
		)
		SELECT EXISTS (SELECT 1 FROM lessons l
		               JOIN courses c ON c.id = l.course_id AND c.published AND c.archived_at IS NULL
		               WHERE l.id = i.lesson_id AND l.published),
		       v.pass_mark,
		       CASE WHEN i.nth = 1 THEN
		         (SELECT json_agg(json_build_object('id', q.id, 'kind', q.kind, 'choices', jsonb_array_length(q.choices))
		                          ORDER BY q.position)
		          FROM quiz_questions q WHERE q.lesson_id = v.lesson_id AND q.version = v.version) END,
		       a.score, a.passed, (SELECT created_at FROM users WHERE id = (SELECT current_user_id()))
		FROM i
		LEFT JOIN quiz_versions v ON v.lesson_id = i.lesson_id AND v.version = i.version AND v.served
		LEFT JOIN quiz_attempts a ON a.student_id = (SELECT current_user_id()) AND a.id = i.id
		ORDER BY i.ord`, ids, lessons, versions)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	cache := map[versionKey]*quiz.Version{}
	infos := make([]attemptInfo, 0, len(attempts))
	for i := 0; rows.Next(); i++ {
		var info attemptInfo
		var passMark, score *int
		var questions []quiz.Question
		var passed *bool
		if err := rows.Scan(&info.lessonOK, &passMark, &questions, &score, &passed, &info.since); err != nil {
			return nil, err
		}
		if score != nil && passed != nil {
			info.stored = &AttemptResult{Status: OutcomeDuplicate, Score: *score, Passed: *passed}
		}
		k := versionKey{attempts[i].LessonID, attempts[i].Version}
		if v, ok := cache[k]; ok {
			info.version = v
		} else if passMark != nil && len(questions) > 0 {
			info.version = &quiz.Version{PassMark: *passMark, Questions: questions}
			cache[k] = info.version
		}
		infos = append(infos, info)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if len(infos) != len(attempts) {
		return nil, fmt.Errorf("%d rows for %d attempts", len(infos), len(attempts))
	}
	return infos, nil
}

// switchRole changes the transaction's role; the user id stays.
func (t *Tx) switchRole(ctx context.Context, role string) error {
	_, err := t.tx.Exec(ctx, `SELECT set_config('role', $1, true)`, role)
	return mapErr(err)
}

// loadKeys reads, as fieldbook_grader, the keys of the versions to grade
// and puts them into those versions' questions.
func (t *Tx) loadKeys(ctx context.Context, versions map[versionKey]*quiz.Version) error {
	lessons, numbers := make([]uuid.UUID, 0, len(versions)), make([]int32, 0, len(versions))
	for k := range versions {
		lessons, numbers = append(lessons, k.lesson), append(numbers, int32(k.version))
	}
	rows, err := t.tx.Query(ctx, `
		SELECT k.lesson_id, k.version, k.question_id, k.answer
		FROM unnest($1::uuid[], $2::int[]) AS p(lesson_id, version)
		JOIN quiz_keys k ON k.lesson_id = p.lesson_id AND k.version = p.version`, lessons, numbers)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k versionKey
		var qid uuid.UUID
		var answer json.RawMessage
		if err := rows.Scan(&k.lesson, &k.version, &qid, &answer); err != nil {
			return err
		}
		v := versions[k]
		for i := range v.Questions {
			if q := &v.Questions[i]; q.ID == qid.String() {
				if q.Key, err = quiz.ParseKey(q.Kind, q.Choices, answer); err != nil {
					return fmt.Errorf("key of question %s: %w", qid, err)
				}
			}
		}
	}
	return mapErr(rows.Err())
}

// ApplyAttempts records a batch of the caller's quiz attempts in the
// caller's transaction and answers each, in input order: applied (graded
// and recorded now), duplicate (recorded before, by this learner: its
// stored grade comes back), or rejected with a reason (an unknown or
// unpublished lesson, an unknown version, answers the rule cannot grade,
// an id another learner used). The lesson and version are read as the
// caller; the keys are read and the attempts inserted as fieldbook_grader,
// which the transaction switches to and back from; each passing attempt
// then completes its lesson through ApplyChanges, like any completion.
func (t *Tx) ApplyAttempts(ctx context.Context, attempts []quiz.Attempt) ([]AttemptResult, error) {
	if len(attempts) == 0 {
		return nil, nil
	}
	infos, err := t.attemptInfos(ctx, attempts)
	if err != nil {
		return nil, fmt.Errorf("store: apply attempts: %w", err)
	}
	results := make([]AttemptResult, len(attempts))
	toGrade := map[versionKey]*quiz.Version{}
	// A time before the account existed (a phone whose clock reset) is
	// its creation, as for changes; one in the future is clamped on insert.
	attempts = slices.Clone(attempts)
	for i, info := range infos {
		if attempts[i].At.Before(info.since) {
			attempts[i].At = info.since
		}
	}
	for i, info := range infos {
		switch {
		case info.stored != nil:
			results[i] = *info.stored
		case !info.lessonOK:
			results[i] = AttemptResult{Status: OutcomeRejected, Reason: quiz.ReasonUnknownLesson}
		case info.version == nil:
			results[i] = AttemptResult{Status: OutcomeRejected, Reason: quiz.ReasonUnknownVersion}
		default:
			toGrade[versionKey{attempts[i].LessonID, attempts[i].Version}] = info.version
		}
	}
	if len(toGrade) > 0 {
		if err := t.gradeAndRecord(ctx, attempts, infos, toGrade, results); err != nil {
			return nil, fmt.Errorf("store: apply attempts: %w", err)
		}
	}
	return results, nil
}

// gradeAndRecord grades the attempts whose results are still empty and
// records them: as the grader, then back as the caller for the duplicates
// found on insert and for the completions.
func (t *Tx) gradeAndRecord(ctx context.Context, attempts []quiz.Attempt, infos []attemptInfo,
	toGrade map[versionKey]*quiz.Version, results []AttemptResult) error {
	if err := t.switchRole(ctx, DBRoleGrader); err != nil {
		return err
	}
	if err := t.loadKeys(ctx, toGrade); err != nil {
		return err
	}
	var batch attemptBatch
	for i, a := range attempts {
		if results[i].Status != "" {
			continue
		}
		res, reason := quiz.Grade(*infos[i].version, a.Answers)
		if reason != "" {
			results[i] = AttemptResult{Status: OutcomeRejected, Reason: reason}
			continue
		}
		batch.add(i, a, *infos[i].version, res)
	}
	inserted, err := batch.insert(ctx, t)
	if err != nil {
		return err
	}
	role, err := t.caller.Role.dbRole()
	if err != nil {
		return err
	}
	if err := t.switchRole(ctx, role); err != nil {
		return err
	}
	return t.settleAttempts(ctx, attempts, &batch, inserted, results)
}

// attemptBatch is the graded attempts of a batch, as insert parameters.
type attemptBatch struct {
	index                  []int
	ids, lessons           []uuid.UUID
	versions, passMarks    []int32
	questions, correct     []int32
	answers, gradedResults []string
	ats                    []time.Time
	seen                   map[uuid.UUID]int
}

func (b *attemptBatch) add(i int, a quiz.Attempt, v quiz.Version, res quiz.Result) {
	if b.seen == nil {
		b.seen = map[uuid.UUID]int{}
	}
	if _, dup := b.seen[a.ID]; dup {
		return // the same id twice in one batch: the first one counts
	}
	b.seen[a.ID] = i
	answers, _ := json.Marshal(a.Answers)
	graded := make(map[string]bool, len(v.Questions))
	for j, q := range v.Questions {
		graded[q.ID] = res.Correct[j]
	}
	gradedJSON, _ := json.Marshal(graded)
	b.index = append(b.index, i)
	b.ids, b.lessons = append(b.ids, a.ID), append(b.lessons, a.LessonID)
	b.versions, b.passMarks = append(b.versions, int32(a.Version)), append(b.passMarks, int32(v.PassMark))
	b.questions, b.correct = append(b.questions, int32(len(v.Questions))), append(b.correct, int32(res.Right))
	b.answers, b.gradedResults = append(b.answers, string(answers)), append(b.gradedResults, string(gradedJSON))
	b.ats = append(b.ats, a.At)
}

// recorded is an attempt inserted now: its grade and its (clamped) time.
type recorded struct {
	AttemptResult
	at time.Time
}

// insert records the batch in one statement (as the grader) and returns
// the attempts inserted now, by id; an id already recorded (by this learner
// meanwhile, or by another) is not among them.
func (b *attemptBatch) insert(ctx context.Context, t *Tx) (map[uuid.UUID]recorded, error) {
	out := map[uuid.UUID]recorded{}
	if len(b.ids) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `
		INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
		SELECT i.id, (SELECT current_user_id()), i.lesson_id, i.version, i.pass_mark, i.questions,
		       i.answers::jsonb, i.results::jsonb, i.correct,
		       CASE WHEN i.at > now() + $10::interval THEN now() ELSE i.at END
		FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::int[], $9::timestamptz[])
		     AS i(id, lesson_id, version, pass_mark, questions, answers, results, correct, at)
		ON CONFLICT DO NOTHING
		RETURNING id, score, passed, client_at`,
		b.ids, b.lessons, b.versions, b.passMarks, b.questions, b.answers, b.gradedResults, b.correct, b.ats,
		fmt.Sprintf("%d seconds", int(FutureSkew.Seconds())))
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		r := recorded{AttemptResult: AttemptResult{Status: OutcomeApplied}}
		if err := rows.Scan(&id, &r.Score, &r.Passed, &r.at); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, mapErr(rows.Err())
}

// settleAttempts, back as the caller, answers the graded attempts: applied
// when inserted now; otherwise a duplicate of the caller's own stored
// attempt (another tab got there first) or, when the id is someone else's,
// rejected without a word about their attempt. Repeats within the batch
// answer like their first. Passing attempts then complete their lessons.
func (t *Tx) settleAttempts(ctx context.Context, attempts []quiz.Attempt, b *attemptBatch,
	inserted map[uuid.UUID]recorded, results []AttemptResult) error {
	var missing []uuid.UUID
	for _, i := range b.index {
		if r, ok := inserted[attempts[i].ID]; ok {
			results[i] = r.AttemptResult
		} else {
			missing = append(missing, attempts[i].ID)
		}
	}
	if len(missing) > 0 {
		stored := map[uuid.UUID]AttemptResult{}
		rows, err := t.tx.Query(ctx, `
			SELECT id, score, passed FROM quiz_attempts
			WHERE student_id = (SELECT current_user_id()) AND id = ANY($1)`, missing)
		if err != nil {
			return mapErr(err)
		}
		for rows.Next() {
			var id uuid.UUID
			r := AttemptResult{Status: OutcomeDuplicate}
			if err := rows.Scan(&id, &r.Score, &r.Passed); err != nil {
				rows.Close()
				return err
			}
			stored[id] = r
		}
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		for _, i := range b.index {
			if _, ok := inserted[attempts[i].ID]; !ok {
				r, own := stored[attempts[i].ID]
				if !own {
					r = AttemptResult{Status: OutcomeRejected, Reason: quiz.ReasonIDTaken}
				}
				results[i] = r
			}
		}
	}
	for i, a := range attempts {
		if first, ok := b.seen[a.ID]; ok && first != i && results[i].Status == "" {
			results[i] = results[first]
			if results[i].Status == OutcomeApplied {
				results[i].Status = OutcomeDuplicate
			}
		}
	}
	if err := t.chargeSync(ctx, len(inserted)); err != nil {
		return err
	}
	return t.completeMastered(ctx, attempts, b, inserted)
}

// chargeSync spends n of the caller's sync budget (SyncLimit), as every
// new change does: an attempt is a row kept for good. Over the budget it is
// a *RateLimitError, and the transaction must roll back.
func (t *Tx) chargeSync(ctx context.Context, n int) error {
	if n == 0 {
		return nil
	}
	lim := t.store.syncLimit
	var until *time.Time
	if err := t.tx.QueryRow(ctx, `SELECT sync_take($1, $2, $3, $4)`, n, lim.Burst, lim.PerHour, t.store.now()).Scan(&until); err != nil {
		return mapErr(err)
	}
	if until != nil {
		return &RateLimitError{Until: *until}
	}
	return nil
}

// completeMastered writes, through ApplyChanges, the completion of each
// lesson passed by an attempt recorded now. Its time is the attempt's,
// unless the stored progress row is newer and not complete (a change made
// before the lesson had a quiz): then the row's own time, so the later-wins
// rule cannot leave a mastered lesson incomplete.
func (t *Tx) completeMastered(ctx context.Context, attempts []quiz.Attempt, b *attemptBatch, inserted map[uuid.UUID]recorded) error {
	var changes []Change
	var lessons []uuid.UUID
	for _, i := range b.index {
		if r, ok := inserted[attempts[i].ID]; ok && r.Passed {
			changes = append(changes, Change{ID: uuid.NewSHA1(attemptNamespace, attempts[i].ID[:]),
				LessonID: attempts[i].LessonID, Completed: true, At: r.at, mastery: true})
			lessons = append(lessons, attempts[i].LessonID)
		}
	}
	if len(changes) == 0 {
		return nil
	}
	rows, err := t.tx.Query(ctx, `
		SELECT lesson_id, client_updated_at FROM student_progress
		WHERE student_id = (SELECT current_user_id()) AND lesson_id = ANY($1) AND NOT completed`, lessons)
	if err != nil {
		return mapErr(err)
	}
	newer := map[uuid.UUID]time.Time{}
	for rows.Next() {
		var l uuid.UUID
		var at time.Time
		if err := rows.Scan(&l, &at); err != nil {
			rows.Close()
			return err
		}
		newer[l] = at
	}
	if err := rows.Err(); err != nil {
		return mapErr(err)
	}
	for i, c := range changes {
		if at, ok := newer[c.LessonID]; ok && at.After(c.At) {
			changes[i].At = at
		}
	}
	_, err = t.ApplyChanges(ctx, changes)
	return err
}
