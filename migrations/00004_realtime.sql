-- +goose Up
-- Realtime and the volunteer dashboard (P4).
--
-- 1. Every change to student_progress sends a NOTIFY on fieldbook_progress
--    with the course, learner and lesson, so each app instance's LISTEN
--    connection can tell open dashboards over Server-Sent Events.
-- 2. course_learners keeps, per course and learner, the number of published
--    lessons completed and the last activity, maintained by the same trigger
--    in the writing transaction; lesson_completions keeps the number of
--    completions per lesson. The dashboard reads only these two small
--    tables, never the 5M-row progress table: see docs/dashboard.md for the
--    measurements behind this choice.

-- Owns the trigger functions that maintain the counters: a learner's
-- transaction must update them without any caller role being able to.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_stats') THEN
        CREATE ROLE fieldbook_stats NOLOGIN;
    END IF;
END
$$;
-- +goose StatementEnd
GRANT fieldbook_stats TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO fieldbook_stats;

CREATE TABLE course_learners (
    course_id        uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    student_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A copy of users.display_name (kept in step by a trigger): volunteers
    -- may not read learners' user rows, and sorting by name needs an index.
    display_name     text NOT NULL,
    -- Published lessons of the course this learner has completed.
    completed        integer NOT NULL DEFAULT 0 CHECK (completed >= 0),
    started_at       timestamptz NOT NULL DEFAULT now(),
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, student_id)
);
-- One index per sort order of the learner table, so a page of 50 is an index
-- range scan whatever the course's size; the primary key serves course_id.
CREATE INDEX course_learners_name_idx ON course_learners (course_id, lower(display_name), student_id);
CREATE INDEX course_learners_progress_idx ON course_learners (course_id, completed, lower(display_name), student_id);
CREATE INDEX course_learners_activity_idx ON course_learners (course_id, last_activity_at, student_id);
CREATE INDEX course_learners_student_idx ON course_learners (student_id);

CREATE TABLE lesson_completions (
    lesson_id uuid PRIMARY KEY REFERENCES lessons (id) ON DELETE CASCADE,
    course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    completed integer NOT NULL DEFAULT 0 CHECK (completed >= 0)
);
CREATE INDEX lesson_completions_course_idx ON lesson_completions (course_id);

-- progress_changed keeps the counters and sends the notification. It runs as
-- fieldbook_stats for whoever writes progress. A lesson being deleted is
-- gone by the time its progress rows cascade: lessons_recount handles that.
-- +goose StatementBegin
CREATE FUNCTION progress_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_student   uuid;
    v_lesson    uuid;
    v_course    uuid;
    v_published boolean;
    v_delta     integer := 0;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_student := OLD.student_id; v_lesson := OLD.lesson_id;
    ELSE
        v_student := NEW.student_id; v_lesson := NEW.lesson_id;
    END IF;
    SELECT l.course_id, l.published INTO v_course, v_published FROM lessons l WHERE l.id = v_lesson;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_delta := (CASE WHEN TG_OP <> 'DELETE' AND NEW.completed THEN 1 ELSE 0 END)
             - (CASE WHEN TG_OP <> 'INSERT' AND OLD.completed THEN 1 ELSE 0 END);
    IF v_delta <> 0 THEN
        INSERT INTO lesson_completions AS lc (lesson_id, course_id, completed)
        VALUES (v_lesson, v_course, greatest(v_delta, 0))
        ON CONFLICT (lesson_id) DO UPDATE SET completed = greatest(lc.completed + v_delta, 0);
    END IF;
    IF NOT v_published THEN
        v_delta := 0;
    END IF;
    IF TG_OP = 'DELETE' THEN
        UPDATE course_learners SET completed = greatest(completed + v_delta, 0), last_activity_at = now()
        WHERE course_id = v_course AND student_id = v_student;
    ELSE
        INSERT INTO course_learners AS cl (course_id, student_id, display_name, completed)
        SELECT v_course, u.id, u.display_name, greatest(v_delta, 0) FROM users u WHERE u.id = v_student
        ON CONFLICT (course_id, student_id) DO UPDATE
        SET completed = greatest(cl.completed + v_delta, 0),
            last_activity_at = greatest(cl.last_activity_at, EXCLUDED.last_activity_at);
    END IF;
    PERFORM pg_notify('fieldbook_progress', json_build_object(
        'course_id', v_course, 'student_id', v_student, 'lesson_id', v_lesson)::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER student_progress_changed AFTER INSERT OR UPDATE OR DELETE ON student_progress
    FOR EACH ROW EXECUTE FUNCTION progress_changed();

-- recount_course recomputes a course's counters from student_progress: after
-- a lesson is published, unpublished, moved or deleted, and after a bulk
-- load (fieldbook bench-data) that ran without the row trigger.
-- +goose StatementBegin
CREATE FUNCTION recount_course(p_course uuid) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        UPDATE course_learners cl
        SET completed = (SELECT count(*) FROM student_progress sp
                         JOIN lessons l ON l.id = sp.lesson_id
                         WHERE sp.student_id = cl.student_id AND l.course_id = cl.course_id
                           AND l.published AND sp.completed)
        WHERE cl.course_id = p_course;
        DELETE FROM lesson_completions lc
        WHERE lc.course_id = p_course
          AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.id = lc.lesson_id AND l.course_id = p_course);
        INSERT INTO lesson_completions AS lc (lesson_id, course_id, completed)
        SELECT l.id, l.course_id, (SELECT count(*) FROM student_progress sp
                                   WHERE sp.lesson_id = l.id AND sp.completed)
        FROM lessons l WHERE l.course_id = p_course
        ON CONFLICT (lesson_id) DO UPDATE SET course_id = EXCLUDED.course_id, completed = EXCLUDED.completed;
    $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION lessons_recount() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM recount_course(OLD.course_id);
    ELSIF OLD.published IS DISTINCT FROM NEW.published OR OLD.course_id IS DISTINCT FROM NEW.course_id THEN
        PERFORM recount_course(NEW.course_id);
        IF OLD.course_id IS DISTINCT FROM NEW.course_id THEN
            PERFORM recount_course(OLD.course_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER lessons_recount AFTER UPDATE OF published, course_id OR DELETE ON lessons
    FOR EACH ROW EXECUTE FUNCTION lessons_recount();

-- A learner who renames themselves is renamed on every dashboard.
-- +goose StatementBegin
CREATE FUNCTION users_rename_learner() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
        UPDATE course_learners SET display_name = NEW.display_name WHERE student_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_rename_learner AFTER UPDATE OF display_name ON users
    FOR EACH ROW EXECUTE FUNCTION users_rename_learner();

-- What fieldbook_stats may touch, and nothing more.
REVOKE ALL ON course_learners, lesson_completions FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON course_learners, lesson_completions TO fieldbook_stats;
GRANT SELECT ON lessons, student_progress TO fieldbook_stats;
GRANT SELECT (id, display_name) ON users TO fieldbook_stats;
CREATE POLICY course_learners_stats_all ON course_learners FOR ALL
    TO fieldbook_stats USING (true) WITH CHECK (true);
CREATE POLICY lesson_completions_stats_all ON lesson_completions FOR ALL
    TO fieldbook_stats USING (true) WITH CHECK (true);
CREATE POLICY lessons_stats_select ON lessons FOR SELECT
    TO fieldbook_stats USING (true);
CREATE POLICY progress_stats_select ON student_progress FOR SELECT
    TO fieldbook_stats USING (true);
CREATE POLICY users_stats_select ON users FOR SELECT
    TO fieldbook_stats USING (true);
ALTER FUNCTION progress_changed() OWNER TO fieldbook_stats;
ALTER FUNCTION recount_course(uuid) OWNER TO fieldbook_stats;
ALTER FUNCTION lessons_recount() OWNER TO fieldbook_stats;
ALTER FUNCTION users_rename_learner() OWNER TO fieldbook_stats;
REVOKE EXECUTE ON FUNCTION progress_changed(), recount_course(uuid), lessons_recount(), users_rename_learner() FROM PUBLIC;
-- Trigger functions run for whoever writes the table.
GRANT EXECUTE ON FUNCTION progress_changed() TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION lessons_recount() TO fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION users_rename_learner() TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION recount_course(uuid) TO fieldbook_stats;

-- Who reads the counters: a course's editors and admins (its dashboard), and
-- each learner their own rows.
ALTER TABLE course_learners ENABLE ROW LEVEL SECURITY;
ALTER TABLE course_learners FORCE ROW LEVEL SECURITY;
ALTER TABLE lesson_completions ENABLE ROW LEVEL SECURITY;
ALTER TABLE lesson_completions FORCE ROW LEVEL SECURITY;
GRANT SELECT ON course_learners TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT SELECT ON lesson_completions TO fieldbook_volunteer, fieldbook_admin;
CREATE POLICY course_learners_select_editor ON course_learners FOR SELECT
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY course_learners_select_own ON course_learners FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer
    USING (student_id = (SELECT current_user_id()));
CREATE POLICY course_learners_admin_select ON course_learners FOR SELECT
    TO fieldbook_admin USING (true);
CREATE POLICY lesson_completions_select_editor ON lesson_completions FOR SELECT
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY lesson_completions_admin_select ON lesson_completions FOR SELECT
    TO fieldbook_admin USING (true);

-- The completion times of one learner in one course (learner detail, CSV).
CREATE INDEX student_progress_lesson_done_idx ON student_progress (lesson_id, student_id)
    INCLUDE (completed_at) WHERE completed;

-- rebuild_dashboard_counters recomputes both counter tables from
-- student_progress, set-based: here for progress recorded before this
-- migration, and after a bulk load that bypassed the trigger
-- (store.RebuildDashboardCounters). Only the schema owner may run it.
-- +goose StatementBegin
CREATE FUNCTION rebuild_dashboard_counters() RETURNS void
    LANGUAGE sql
    AS $$
        TRUNCATE course_learners, lesson_completions;
        INSERT INTO course_learners (course_id, student_id, display_name, completed, started_at, last_activity_at)
        SELECT l.course_id, sp.student_id, u.display_name,
               count(*) FILTER (WHERE l.published AND sp.completed),
               min(sp.updated_at), max(sp.updated_at)
        FROM student_progress sp
        JOIN lessons l ON l.id = sp.lesson_id
        JOIN users u ON u.id = sp.student_id
        GROUP BY l.course_id, sp.student_id, u.display_name;
        INSERT INTO lesson_completions (lesson_id, course_id, completed)
        SELECT l.id, l.course_id, count(sp.lesson_id)
        FROM lessons l LEFT JOIN student_progress sp ON sp.lesson_id = l.id AND sp.completed
        GROUP BY l.id, l.course_id;
    $$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION rebuild_dashboard_counters() FROM PUBLIC;
SELECT rebuild_dashboard_counters();

-- +goose Down
DROP FUNCTION IF EXISTS rebuild_dashboard_counters();
DROP INDEX IF EXISTS student_progress_lesson_done_idx;
DROP TRIGGER IF EXISTS users_rename_learner ON users;
DROP TRIGGER IF EXISTS lessons_recount ON lessons;
DROP TRIGGER IF EXISTS student_progress_changed ON student_progress;
DROP POLICY IF EXISTS users_stats_select ON users;
DROP POLICY IF EXISTS progress_stats_select ON student_progress;
DROP POLICY IF EXISTS lessons_stats_select ON lessons;
DROP TABLE IF EXISTS lesson_completions;
DROP TABLE IF EXISTS course_learners;
DROP FUNCTION IF EXISTS users_rename_learner();
DROP FUNCTION IF EXISTS lessons_recount();
DROP FUNCTION IF EXISTS recount_course(uuid);
DROP FUNCTION IF EXISTS progress_changed();
REVOKE SELECT (id, display_name) ON users FROM fieldbook_stats;
REVOKE SELECT ON lessons, student_progress FROM fieldbook_stats;
