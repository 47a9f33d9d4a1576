-- +goose Up
-- Quizzes, wave 2 (issue 12): what the volunteers' dashboard shows of them,
-- kept as counters so a dashboard read costs a few rows per question
-- whatever the number of attempts (the dashboard is re-read on every live
-- event), and live events for every attempt.
--
-- quiz_question_stats: per lesson and question (question ids are stable
-- across a quiz's versions), how many answers were given and how many were
-- right, overall and on learners' first attempt at the lesson (the first
-- the server recorded; a phone replays its queue oldest first).
-- quiz_wrong_answers: per question, how often each wrong answer was given
-- (choice sets sorted; texts of at most 200 characters, the longest an
-- accepted answer may be), for "the most chosen wrong answer".
-- Both are kept by a statement trigger on quiz_attempts, which also puts the
-- learner in the course's learner table (an attempt is activity, even a
-- failed one) and sends the progress notification the dashboards listen to.

CREATE TABLE quiz_question_stats (
    lesson_id   uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    question_id uuid NOT NULL,
    answers     integer NOT NULL DEFAULT 0 CHECK (answers >= 0),
    correct     integer NOT NULL DEFAULT 0 CHECK (correct BETWEEN 0 AND answers),
    first       integer NOT NULL DEFAULT 0 CHECK (first >= 0),
    first_right integer NOT NULL DEFAULT 0 CHECK (first_right BETWEEN 0 AND first),
    PRIMARY KEY (lesson_id, question_id)
);

CREATE TABLE quiz_wrong_answers (
    lesson_id   uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    question_id uuid NOT NULL,
    answer      jsonb NOT NULL,
    chosen      integer NOT NULL CHECK (chosen >= 1),
    PRIMARY KEY (lesson_id, question_id, answer)
);
-- The most chosen wrong answer of a question is the first entry here.
CREATE INDEX quiz_wrong_answers_top_idx ON quiz_wrong_answers (lesson_id, question_id, chosen DESC);

-- A learner's attempts at one lesson: whether an attempt is their first
-- (the counters below), their best score (the dashboard, the CSV).
CREATE INDEX quiz_attempts_student_lesson_idx ON quiz_attempts (student_id, lesson_id);

-- quiz_answer_key is an answer as counted: a choice set sorted (order does
-- not matter to the grade), a text or number as given; NULL when not worth
-- a counter (too long to be a real answer).
-- +goose StatementBegin
CREATE FUNCTION quiz_answer_key(p jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = public, pg_temp
    AS $$
        SELECT CASE
            WHEN p IS NULL OR length(p::text) > 210 THEN NULL
            WHEN jsonb_typeof(p) = 'array' THEN coalesce((SELECT jsonb_agg(x ORDER BY x) FROM jsonb_array_elements(p) x), '[]')
            ELSE p END
    $$;
-- +goose StatementEnd

-- quiz_attempts_count adds the attempts p_ids (new ones, or every one
-- when the counters are first made) to the counters.
-- +goose StatementBegin
CREATE FUNCTION quiz_attempts_count(p_ids uuid[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    -- Each answer of each attempt, and whether it was the learner's first
    -- attempt at the lesson (none of theirs outside p_ids, and the
    -- earliest in it).
    WITH n AS (
        SELECT r.student_id, r.lesson_id, r.answers, r.results,
               row_number() OVER (PARTITION BY r.student_id, r.lesson_id ORDER BY r.client_at, r.id) = 1
               AND NOT EXISTS (SELECT 1 FROM quiz_attempts o
                               WHERE o.student_id = r.student_id AND o.lesson_id = r.lesson_id
                                 AND o.id <> ALL (p_ids)) AS first
        FROM quiz_attempts r WHERE r.id = ANY (p_ids)
    ), a AS (
        SELECT n.lesson_id, q.key::uuid AS question_id, q.value = 'true'::jsonb AS correct, n.first,
               quiz_answer_key(n.answers -> q.key) AS answer
        FROM n, jsonb_each(n.results) q
    ), s AS (
        INSERT INTO quiz_question_stats AS st (lesson_id, question_id, answers, correct, first, first_right)
        SELECT lesson_id, question_id, count(*), count(*) FILTER (WHERE correct),
               count(*) FILTER (WHERE first), count(*) FILTER (WHERE first AND correct)
        FROM a GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (lesson_id, question_id) DO UPDATE
        SET answers = st.answers + EXCLUDED.answers, correct = st.correct + EXCLUDED.correct,
            first = st.first + EXCLUDED.first, first_right = st.first_right + EXCLUDED.first_right
    )
    INSERT INTO quiz_wrong_answers AS w (lesson_id, question_id, answer, chosen)
    SELECT lesson_id, question_id, answer, count(*) FROM a
    WHERE NOT correct AND answer IS NOT NULL
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (lesson_id, question_id, answer) DO UPDATE SET chosen = w.chosen + EXCLUDED.chosen;

    -- The learners: in their course's learner table, with this activity;
    -- and one hint per learner and course to the dashboards listening
    -- (events are hints: readers re-read).
    INSERT INTO course_learners AS cl (course_id, student_id, display_name, completed)
    SELECT DISTINCT l.course_id, u.id, u.display_name, 0
    FROM quiz_attempts r
    JOIN lessons l ON l.id = r.lesson_id
    JOIN users u ON u.id = r.student_id
    WHERE r.id = ANY (p_ids)
    ORDER BY 1, 2
    ON CONFLICT (course_id, student_id) DO UPDATE
    SET last_activity_at = greatest(cl.last_activity_at, EXCLUDED.last_activity_at);
    PERFORM pg_notify('fieldbook_progress', json_build_object(
        'course_id', n.course_id, 'student_id', n.student_id, 'lesson_id', n.lesson_id)::text)
    FROM (SELECT DISTINCT ON (l.course_id, r.student_id) l.course_id, r.student_id, r.lesson_id
          FROM quiz_attempts r JOIN lessons l ON l.id = r.lesson_id
          WHERE r.id = ANY (p_ids)
          ORDER BY l.course_id, r.student_id, r.lesson_id) n;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION quiz_attempts_recorded() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM quiz_attempts_count(ARRAY(SELECT id FROM new_attempts));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER quiz_attempts_recorded AFTER INSERT ON quiz_attempts
    REFERENCING NEW TABLE AS new_attempts FOR EACH STATEMENT EXECUTE FUNCTION quiz_attempts_recorded();

-- Privileges: fieldbook_stats keeps the counters (it already keeps the
-- learner table); a course's editors and admins read them.
REVOKE ALL ON quiz_question_stats, quiz_wrong_answers FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON quiz_question_stats, quiz_wrong_answers TO fieldbook_stats;
GRANT SELECT (id, student_id, lesson_id, client_at, answers, results) ON quiz_attempts TO fieldbook_stats;
GRANT SELECT ON quiz_question_stats, quiz_wrong_answers TO fieldbook_volunteer, fieldbook_admin;
ALTER TABLE quiz_question_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE quiz_question_stats FORCE ROW LEVEL SECURITY;
ALTER TABLE quiz_wrong_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE quiz_wrong_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY quiz_question_stats_stats_all ON quiz_question_stats FOR ALL
    TO fieldbook_stats USING (true) WITH CHECK (true);
CREATE POLICY quiz_wrong_answers_stats_all ON quiz_wrong_answers FOR ALL
    TO fieldbook_stats USING (true) WITH CHECK (true);
CREATE POLICY quiz_attempts_stats_select ON quiz_attempts FOR SELECT
    TO fieldbook_stats USING (true);
CREATE POLICY quiz_question_stats_select_editor ON quiz_question_stats FOR SELECT
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_question_stats.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quiz_wrong_answers_select_editor ON quiz_wrong_answers FOR SELECT
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_wrong_answers.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quiz_question_stats_select_admin ON quiz_question_stats FOR SELECT
    TO fieldbook_admin USING (true);
CREATE POLICY quiz_wrong_answers_select_admin ON quiz_wrong_answers FOR SELECT
    TO fieldbook_admin USING (true);
-- Both run as fieldbook_stats, and only as a trigger: no caller role (not
-- even the grader, which inserts the attempts) may call them, so nobody
-- can count an answer that was not given.
ALTER FUNCTION quiz_attempts_count(uuid[]) OWNER TO fieldbook_stats;
ALTER FUNCTION quiz_attempts_recorded() OWNER TO fieldbook_stats;
REVOKE EXECUTE ON FUNCTION quiz_attempts_count(uuid[]), quiz_attempts_recorded() FROM PUBLIC;

-- The counters of the attempts recorded before: the schema owner lists
-- them (RLS is forced on it too, so that is lifted inside this migration's
-- transaction) and fieldbook_stats counts them.
ALTER TABLE quiz_attempts NO FORCE ROW LEVEL SECURITY;
SELECT quiz_attempts_count(ARRAY(SELECT id FROM quiz_attempts)) WHERE EXISTS (SELECT 1 FROM quiz_attempts);
ALTER TABLE quiz_attempts FORCE ROW LEVEL SECURITY;

-- +goose Down
DROP TRIGGER IF EXISTS quiz_attempts_recorded ON quiz_attempts;
DROP FUNCTION IF EXISTS quiz_attempts_recorded();
DROP FUNCTION IF EXISTS quiz_attempts_count(uuid[]);
DROP FUNCTION IF EXISTS quiz_answer_key(jsonb);
DROP POLICY IF EXISTS quiz_attempts_stats_select ON quiz_attempts;
REVOKE SELECT (id, student_id, lesson_id, client_at, answers, results) ON quiz_attempts FROM fieldbook_stats;
DROP TABLE IF EXISTS quiz_wrong_answers;
DROP TABLE IF EXISTS quiz_question_stats;
DROP INDEX IF EXISTS quiz_attempts_student_lesson_idx;
