-- +goose Up
-- Quizzes, mastery and certificates (P2, issue 12).
--
-- A lesson may have a quiz: quizzes holds which version is current and since
-- when the lesson has had questions. Every version is kept: quiz_versions
-- (mode, pass mark, number of questions), quiz_questions (what a learner
-- sees) and quiz_keys (right answers and explanations, in their own
-- relation so row-level security can hide check-mode keys from learners and
-- the anonymous role). A version is "served" once a learner may have seen it
-- (its lesson was published while it was current); a served version, or one
-- with attempts, never changes again: the next edit makes a new version.
--
-- quiz_attempts are append-only, keyed by (learner, client UUID), and only
-- fieldbook_grader inserts them: the app switches to that role inside the
-- request's transaction, reads the keys, grades in Go (internal/quiz) and
-- inserts the grade; score and passed are computed here from the number of
-- right answers, in integers. No caller role may insert, update or delete an
-- attempt. A quiz lesson counts as complete only with a passing attempt
-- (a restrictive policy on student_progress), and a learner who completes
-- every published lesson of a course gets a certificate from a trigger, in
-- the same transaction.

-- +goose StatementBegin
DO $$
BEGIN
    -- Reads answer keys and records graded attempts; nothing else.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_grader') THEN
        CREATE ROLE fieldbook_grader NOLOGIN;
    END IF;
    -- Owns the certificate trigger and the verification function.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_certify') THEN
        CREATE ROLE fieldbook_certify NOLOGIN;
    END IF;
END
$$;
-- +goose StatementEnd
-- The app grades by switching to fieldbook_grader for a few statements.
GRANT fieldbook_grader TO fieldbook_app;
GRANT fieldbook_grader, fieldbook_certify TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO fieldbook_grader, fieldbook_certify;
GRANT EXECUTE ON FUNCTION current_user_id() TO fieldbook_grader, fieldbook_certify;

CREATE TABLE quizzes (
    lesson_id    uuid PRIMARY KEY REFERENCES lessons (id) ON DELETE CASCADE,
    -- The version learners get now.
    version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- Since when the lesson has had a quiz (at least one question); NULL
    -- while it has none. Completions made before it were made "before the
    -- quiz" and are kept.
    active_since timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX quizzes_updated_by_idx ON quizzes (updated_by);

CREATE TABLE quiz_versions (
    lesson_id  uuid NOT NULL REFERENCES quizzes (lesson_id) ON DELETE CASCADE,
    version    integer NOT NULL CHECK (version >= 1),
    mode       text NOT NULL DEFAULT 'practice' CHECK (mode IN ('practice', 'check')),
    pass_mark  integer NOT NULL DEFAULT 80 CHECK (pass_mark BETWEEN 1 AND 100),
    questions  integer NOT NULL DEFAULT 0 CHECK (questions BETWEEN 0 AND 50),
    -- A learner may have this version on their phone: it never changes.
    served     boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lesson_id, version),
    -- Attempts reference these, so the grade's inputs cannot change.
    CONSTRAINT quiz_versions_grade_key UNIQUE (lesson_id, version, pass_mark, questions)
);

CREATE TABLE quiz_questions (
    lesson_id   uuid NOT NULL,
    version     integer NOT NULL,
    -- Stable across versions: /questions/{id} and the answers' keys.
    id          uuid NOT NULL,
    position    integer NOT NULL CHECK (position >= 1),
    kind        text NOT NULL CHECK (kind IN ('single', 'multiple', 'truefalse', 'number', 'text')),
    prompt      text NOT NULL CHECK (length(prompt) BETWEEN 1 AND 5000),
    -- The prompt rendered from Markdown and sanitised when saved.
    prompt_html text NOT NULL,
    choices     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(choices) = 'array'),
    -- Saves of this question's form, for edit conflicts (the form's version).
    revision    integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (lesson_id, version, id),
    FOREIGN KEY (lesson_id, version) REFERENCES quiz_versions (lesson_id, version) ON DELETE CASCADE,
    -- Deferrable so a move can swap two positions in one statement.
    CONSTRAINT quiz_questions_position_key UNIQUE (lesson_id, version, position) DEFERRABLE INITIALLY IMMEDIATE,
    -- Choice kinds have 2–8 choices, the others none.
    CHECK ((kind IN ('single', 'multiple')) = (jsonb_array_length(choices) BETWEEN 2 AND 8)),
    CHECK (kind IN ('single', 'multiple') OR jsonb_array_length(choices) = 0)
);
CREATE INDEX quiz_questions_id_idx ON quiz_questions (id);
CREATE INDEX quiz_questions_updated_by_idx ON quiz_questions (updated_by);

CREATE TABLE quiz_keys (
    lesson_id        uuid NOT NULL,
    version          integer NOT NULL,
    question_id      uuid NOT NULL,
    -- The answer in the lesson quiz API's shape (internal/quiz.Key).
    answer           jsonb NOT NULL,
    explanation      text NOT NULL DEFAULT '' CHECK (length(explanation) <= 5000),
    explanation_html text NOT NULL DEFAULT '',
    PRIMARY KEY (lesson_id, version, question_id),
    FOREIGN KEY (lesson_id, version, question_id)
        REFERENCES quiz_questions (lesson_id, version, id) ON DELETE CASCADE
);

CREATE TABLE quiz_attempts (
    -- Made by the phone. Unique on its own, so a second learner sending an
    -- id already used is refused rather than hidden behind it.
    id          uuid NOT NULL,
    student_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id   uuid NOT NULL,
    version     integer NOT NULL,
    -- Copies of the version's, held equal by the foreign key below.
    pass_mark   integer NOT NULL,
    questions   integer NOT NULL CHECK (questions >= 1),
    -- question id → the value sent, as sent.
    answers     jsonb NOT NULL CHECK (jsonb_typeof(answers) = 'object'),
    -- question id → answered correctly, for every question of the version.
    results     jsonb NOT NULL CHECK (jsonb_typeof(results) = 'object'),
    correct     integer NOT NULL CHECK (correct BETWEEN 0 AND questions),
    -- The integer rule: ⌊100 × correct ÷ questions⌋, correct × 100 ≥ pass
    -- mark × questions. The server's grade; the phone's is a preview.
    score       integer NOT NULL GENERATED ALWAYS AS (100 * correct / questions) STORED,
    passed      boolean NOT NULL GENERATED ALWAYS AS (correct * 100 >= pass_mark * questions) STORED,
    client_at   timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (student_id, id),
    CONSTRAINT quiz_attempts_id_key UNIQUE (id),
    FOREIGN KEY (lesson_id, version, pass_mark, questions)
        REFERENCES quiz_versions (lesson_id, version, pass_mark, questions) ON DELETE CASCADE
);
-- The primary key serves student_id; these serve the dashboards and mastery.
CREATE INDEX quiz_attempts_version_idx ON quiz_attempts (lesson_id, version);
CREATE INDEX quiz_attempts_passed_idx ON quiz_attempts (student_id, lesson_id) WHERE passed;

-- quiz_guard_frozen keeps served versions (and versions with attempts) as
-- they are: no update, no delete, except when their lesson is deleted and
-- its quiz goes with it. The store makes a new version instead.
-- +goose StatementBegin
CREATE FUNCTION quiz_guard_frozen() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_served boolean;
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.id = OLD.lesson_id) THEN
        RETURN OLD;
    END IF;
    IF TG_TABLE_NAME = 'quiz_versions' THEN
        v_served := OLD.served;
    ELSE
        SELECT v.served INTO v_served FROM quiz_versions v
        WHERE v.lesson_id = OLD.lesson_id AND v.version = OLD.version;
    END IF;
    IF coalesce(v_served, false) OR EXISTS (SELECT 1 FROM quiz_attempts a
                                            WHERE a.lesson_id = OLD.lesson_id AND a.version = OLD.version) THEN
        RAISE EXCEPTION 'version % of the quiz of lesson % is frozen', OLD.version, OLD.lesson_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER quiz_versions_frozen BEFORE UPDATE OR DELETE ON quiz_versions
    FOR EACH ROW EXECUTE FUNCTION quiz_guard_frozen();
CREATE TRIGGER quiz_questions_frozen BEFORE UPDATE OR DELETE ON quiz_questions
    FOR EACH ROW EXECUTE FUNCTION quiz_guard_frozen();
CREATE TRIGGER quiz_keys_frozen BEFORE UPDATE OR DELETE ON quiz_keys
    FOR EACH ROW EXECUTE FUNCTION quiz_guard_frozen();

-- Publishing a lesson serves its current quiz version.
-- +goose StatementBegin
CREATE FUNCTION lessons_serve_quiz() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    UPDATE quiz_versions v SET served = true
    FROM quizzes z
    WHERE z.lesson_id = NEW.id AND v.lesson_id = z.lesson_id AND v.version = z.version AND NOT v.served;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER lessons_serve_quiz AFTER UPDATE OF published ON lessons
    FOR EACH ROW WHEN (NEW.published AND NOT OLD.published) EXECUTE FUNCTION lessons_serve_quiz();

GRANT SELECT ON quiz_versions, quiz_attempts TO fieldbook_policy;
GRANT UPDATE (served) ON quiz_versions TO fieldbook_policy;
GRANT SELECT (lesson_id, version) ON quizzes TO fieldbook_policy;
ALTER FUNCTION quiz_guard_frozen() OWNER TO fieldbook_policy;
ALTER FUNCTION lessons_serve_quiz() OWNER TO fieldbook_policy;
REVOKE EXECUTE ON FUNCTION quiz_guard_frozen(), lessons_serve_quiz() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION quiz_guard_frozen(), lessons_serve_quiz() TO fieldbook_volunteer, fieldbook_admin;

-- Privileges. Anyone reads the quizzes of lessons they can read; a course's
-- editors (and admins) write them; keys are further limited by policy.
REVOKE ALL ON quizzes, quiz_versions, quiz_questions, quiz_keys, quiz_attempts FROM PUBLIC;
GRANT SELECT ON quizzes, quiz_versions, quiz_questions, quiz_keys
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT INSERT, UPDATE ON quizzes TO fieldbook_volunteer, fieldbook_admin;
GRANT INSERT, UPDATE (mode, pass_mark, questions, served) ON quiz_versions TO fieldbook_volunteer, fieldbook_admin;
GRANT INSERT, UPDATE, DELETE ON quiz_questions, quiz_keys TO fieldbook_volunteer, fieldbook_admin;
-- Attempts: read by their learner (and the course's editors and admins);
-- written only by the grader, never changed by anyone.
GRANT SELECT ON quiz_attempts TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT SELECT ON quiz_keys, quiz_versions TO fieldbook_grader;
GRANT SELECT, INSERT (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
    ON quiz_attempts TO fieldbook_grader;

ALTER TABLE quizzes ENABLE ROW LEVEL SECURITY;
ALTER TABLE quizzes FORCE ROW LEVEL SECURITY;
ALTER TABLE quiz_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE quiz_versions FORCE ROW LEVEL SECURITY;
ALTER TABLE quiz_questions ENABLE ROW LEVEL SECURITY;
ALTER TABLE quiz_questions FORCE ROW LEVEL SECURITY;
ALTER TABLE quiz_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE quiz_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE quiz_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE quiz_attempts FORCE ROW LEVEL SECURITY;

-- Reading: a quiz is visible with its lesson (lessons' own policies decide:
-- published ones for everybody, every lesson of their courses for editors).
CREATE POLICY quizzes_select ON quizzes FOR SELECT
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quizzes.lesson_id));
CREATE POLICY quiz_versions_select ON quiz_versions FOR SELECT
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_versions.lesson_id));
CREATE POLICY quiz_questions_select ON quiz_questions FOR SELECT
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_questions.lesson_id));
-- Keys: practice-mode keys travel in the lesson page, so whoever reads the
-- lesson reads them; check-mode keys only the course's editors, admins and
-- the grader.
CREATE POLICY quiz_keys_select_practice ON quiz_keys FOR SELECT
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM quiz_versions v
                   WHERE v.lesson_id = quiz_keys.lesson_id AND v.version = quiz_keys.version
                     AND v.mode = 'practice'));
CREATE POLICY quiz_keys_select_editor ON quiz_keys FOR SELECT
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_keys.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quiz_keys_select_grader ON quiz_keys FOR SELECT
    TO fieldbook_grader USING (true);
CREATE POLICY quiz_versions_select_grader ON quiz_versions FOR SELECT
    TO fieldbook_grader USING (true);

-- Writing: a course's editors, for its lessons; admins, any. Frozen
-- versions are refused by quiz_guard_frozen whoever writes.
CREATE POLICY quizzes_editor_write ON quizzes FOR ALL
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quizzes.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])))
    WITH CHECK (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quizzes.lesson_id
                        AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quiz_versions_editor_write ON quiz_versions FOR ALL
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_versions.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])))
    WITH CHECK (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_versions.lesson_id
                        AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quiz_questions_editor_write ON quiz_questions FOR ALL
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_questions.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])))
    WITH CHECK (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_questions.lesson_id
                        AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quiz_keys_editor_write ON quiz_keys FOR ALL
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_keys.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])))
    WITH CHECK (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_keys.lesson_id
                        AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quizzes_admin_all ON quizzes FOR ALL TO fieldbook_admin USING (true) WITH CHECK (true);
CREATE POLICY quiz_versions_admin_all ON quiz_versions FOR ALL TO fieldbook_admin USING (true) WITH CHECK (true);
CREATE POLICY quiz_questions_admin_all ON quiz_questions FOR ALL TO fieldbook_admin USING (true) WITH CHECK (true);
CREATE POLICY quiz_keys_admin_all ON quiz_keys FOR ALL TO fieldbook_admin USING (true) WITH CHECK (true);
-- The definer functions above.
CREATE POLICY quiz_versions_policy_all ON quiz_versions FOR ALL TO fieldbook_policy USING (true) WITH CHECK (true);
CREATE POLICY quizzes_policy_select ON quizzes FOR SELECT TO fieldbook_policy USING (true);
CREATE POLICY quiz_attempts_policy_select ON quiz_attempts FOR SELECT TO fieldbook_policy USING (true);

-- Attempts: each learner reads their own; a course's editors read its
-- attempts (the dashboard); admins all. The grader inserts only for the
-- transaction's own user, only for a served version, and reads those rows
-- back (RETURNING).
CREATE POLICY quiz_attempts_select_own ON quiz_attempts FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin, fieldbook_grader
    USING (student_id = (SELECT current_user_id()));
CREATE POLICY quiz_attempts_select_editor ON quiz_attempts FOR SELECT
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l WHERE l.id = quiz_attempts.lesson_id
                   AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));
CREATE POLICY quiz_attempts_select_admin ON quiz_attempts FOR SELECT
    TO fieldbook_admin USING (true);
CREATE POLICY quiz_attempts_grader_insert ON quiz_attempts FOR INSERT
    TO fieldbook_grader
    WITH CHECK (student_id = (SELECT current_user_id())
        AND EXISTS (SELECT 1 FROM quiz_versions v
                    WHERE v.lesson_id = quiz_attempts.lesson_id AND v.version = quiz_attempts.version AND v.served));

-- Mastery: nobody marks a quiz lesson complete without a passing attempt
-- (completions made before the quiz stay as they are; un-completing is the
-- store's to refuse). Restrictive: it narrows the policies above.
CREATE POLICY progress_quiz_mastery_insert ON student_progress AS RESTRICTIVE FOR INSERT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    WITH CHECK (NOT completed
        OR NOT EXISTS (SELECT 1 FROM quizzes z WHERE z.lesson_id = student_progress.lesson_id AND z.active_since IS NOT NULL)
        OR EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.student_id = student_progress.student_id
                   AND a.lesson_id = student_progress.lesson_id AND a.passed));
CREATE POLICY progress_quiz_mastery_update ON student_progress AS RESTRICTIVE FOR UPDATE
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (true)
    WITH CHECK (NOT completed
        OR NOT EXISTS (SELECT 1 FROM quizzes z WHERE z.lesson_id = student_progress.lesson_id AND z.active_since IS NOT NULL)
        OR EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.student_id = student_progress.student_id
                   AND a.lesson_id = student_progress.lesson_id AND a.passed));

-- Certificates: issued by the database, never by a caller role.
CREATE TABLE certificates (
    -- 13 base32 characters: 65 random bits. The /verify/{code} address.
    code         text PRIMARY KEY CHECK (code ~ '^[A-Z2-7]{13}$'),
    student_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL once the course is deleted: the certificate stays valid.
    course_id    uuid REFERENCES courses (id) ON DELETE SET NULL,
    -- As they were when it was issued.
    display_name text NOT NULL,
    course_title text NOT NULL,
    -- The latest completion among the course's lessons.
    completed_at timestamptz NOT NULL,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT certificates_student_course_key UNIQUE (student_id, course_id)
);
CREATE INDEX certificates_course_idx ON certificates (course_id);

-- certificate_code is 65 bits of gen_random_uuid()'s strong randomness
-- (only bytes that are random in a version-4 UUID) in base32.
-- +goose StatementBegin
CREATE FUNCTION certificate_code() RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = public, pg_temp
    AS $$
DECLARE
    b        bytea := substring(uuid_send(gen_random_uuid()) FROM 10 FOR 7)
                   || substring(uuid_send(gen_random_uuid()) FROM 1 FOR 2);
    alphabet text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    code     text := '';
    v        integer;
BEGIN
    FOR i IN 0..12 LOOP
        v := 0;
        FOR j IN 0..4 LOOP
            v := v * 2 + get_bit(b, i * 5 + j);
        END LOOP;
        code := code || substr(alphabet, v + 1, 1);
    END LOOP;
    RETURN code;
END
$$;
-- +goose StatementEnd

-- progress_certify runs once per statement that writes progress: for each
-- learner and course touched by a completion, if every published lesson of
-- the published course is now complete, it issues the certificate (once).
-- +goose StatementBegin
CREATE FUNCTION progress_certify() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    INSERT INTO certificates (code, student_id, course_id, display_name, course_title, completed_at)
    SELECT certificate_code(), cand.student_id, cand.course_id, u.display_name, c.title, s.done_at
    FROM (SELECT DISTINCT n.student_id, l.course_id
          FROM new_progress n JOIN lessons l ON l.id = n.lesson_id AND l.published
          WHERE n.completed) cand
    JOIN courses c ON c.id = cand.course_id AND c.published
    JOIN users u ON u.id = cand.student_id
    CROSS JOIN LATERAL (
        SELECT count(*) AS total, count(*) FILTER (WHERE sp.completed) AS done, max(sp.completed_at) AS done_at
        FROM lessons l
        LEFT JOIN student_progress sp ON sp.lesson_id = l.id AND sp.student_id = cand.student_id
        WHERE l.course_id = cand.course_id AND l.published) s
    WHERE s.total > 0 AND s.done = s.total
      AND NOT EXISTS (SELECT 1 FROM certificates x
                      WHERE x.student_id = cand.student_id AND x.course_id = cand.course_id)
    ON CONFLICT (student_id, course_id) DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER student_progress_certify_insert AFTER INSERT ON student_progress
    REFERENCING NEW TABLE AS new_progress FOR EACH STATEMENT EXECUTE FUNCTION progress_certify();
CREATE TRIGGER student_progress_certify_update AFTER UPDATE ON student_progress
    REFERENCING NEW TABLE AS new_progress FOR EACH STATEMENT EXECUTE FUNCTION progress_certify();

-- certificate_by_code is how /verify/{code} reads a certificate: only the
-- name, course and date, and nothing of the users table.
-- +goose StatementBegin
CREATE FUNCTION certificate_by_code(p_code text)
    RETURNS TABLE (display_name text, course_title text, completed_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT c.display_name, c.course_title, c.completed_at FROM certificates c WHERE c.code = p_code
    $$;
-- +goose StatementEnd

REVOKE ALL ON certificates FROM PUBLIC;
GRANT SELECT ON certificates TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT SELECT, INSERT ON certificates TO fieldbook_certify;
GRANT SELECT (id, course_id, published) ON lessons TO fieldbook_certify;
GRANT SELECT (id, title, published) ON courses TO fieldbook_certify;
GRANT SELECT (student_id, lesson_id, completed, completed_at) ON student_progress TO fieldbook_certify;
GRANT SELECT (id, display_name) ON users TO fieldbook_certify;
ALTER TABLE certificates ENABLE ROW LEVEL SECURITY;
ALTER TABLE certificates FORCE ROW LEVEL SECURITY;
CREATE POLICY certificates_select_own ON certificates FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (student_id = (SELECT current_user_id()));
CREATE POLICY certificates_select_editor ON certificates FOR SELECT
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY certificates_select_admin ON certificates FOR SELECT
    TO fieldbook_admin USING (true);
CREATE POLICY certificates_certify_all ON certificates FOR ALL
    TO fieldbook_certify USING (true) WITH CHECK (true);
CREATE POLICY lessons_certify_select ON lessons FOR SELECT TO fieldbook_certify USING (true);
CREATE POLICY courses_certify_select ON courses FOR SELECT TO fieldbook_certify USING (true);
CREATE POLICY progress_certify_select ON student_progress FOR SELECT TO fieldbook_certify USING (true);
CREATE POLICY users_certify_select ON users FOR SELECT TO fieldbook_certify USING (true);

ALTER FUNCTION certificate_code() OWNER TO fieldbook_certify;
ALTER FUNCTION progress_certify() OWNER TO fieldbook_certify;
ALTER FUNCTION certificate_by_code(text) OWNER TO fieldbook_certify;
REVOKE EXECUTE ON FUNCTION certificate_code(), progress_certify(), certificate_by_code(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION certificate_code() TO fieldbook_certify;
-- Trigger functions run for whoever writes progress.
GRANT EXECUTE ON FUNCTION progress_certify() TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION certificate_by_code(text)
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin;

-- +goose Down
DROP TRIGGER IF EXISTS student_progress_certify_update ON student_progress;
DROP TRIGGER IF EXISTS student_progress_certify_insert ON student_progress;
DROP TRIGGER IF EXISTS lessons_serve_quiz ON lessons;
DROP POLICY IF EXISTS progress_quiz_mastery_update ON student_progress;
DROP POLICY IF EXISTS progress_quiz_mastery_insert ON student_progress;
DROP POLICY IF EXISTS users_certify_select ON users;
DROP POLICY IF EXISTS progress_certify_select ON student_progress;
DROP POLICY IF EXISTS courses_certify_select ON courses;
DROP POLICY IF EXISTS lessons_certify_select ON lessons;
DROP TABLE IF EXISTS certificates;
DROP TABLE IF EXISTS quiz_attempts;
DROP TABLE IF EXISTS quiz_keys;
DROP TABLE IF EXISTS quiz_questions;
DROP TABLE IF EXISTS quiz_versions;
DROP TABLE IF EXISTS quizzes;
DROP FUNCTION IF EXISTS certificate_by_code(text);
DROP FUNCTION IF EXISTS progress_certify();
DROP FUNCTION IF EXISTS certificate_code();
DROP FUNCTION IF EXISTS lessons_serve_quiz();
DROP FUNCTION IF EXISTS quiz_guard_frozen();
REVOKE SELECT (id, course_id, published) ON lessons FROM fieldbook_certify;
REVOKE SELECT (id, title, published) ON courses FROM fieldbook_certify;
REVOKE SELECT (student_id, lesson_id, completed, completed_at) ON student_progress FROM fieldbook_certify;
REVOKE SELECT (id, display_name) ON users FROM fieldbook_certify;
