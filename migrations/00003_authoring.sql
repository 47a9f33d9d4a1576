-- +goose Up
-- Authoring (P2): a course has editors (its creator plus volunteers an editor
-- or admin adds); only its editors and admins may change it, and PostgreSQL
-- enforces that, not just the handlers. Courses and lessons get a version
-- (bumped by a trigger) for edit conflicts, updated_by for the audit line,
-- lessons their Markdown rendered to HTML at save time, courses an archive
-- mark.

-- Owns the SECURITY DEFINER helpers the policies call, so a policy can ask
-- "which courses does this user edit?" without reading course_editors
-- through its own policy (which would recurse). Never granted to the app.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_policy') THEN
        CREATE ROLE fieldbook_policy NOLOGIN;
    END IF;
END
$$;
-- +goose StatementEnd
GRANT fieldbook_policy TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO fieldbook_policy;
GRANT EXECUTE ON FUNCTION current_user_id() TO fieldbook_policy;

CREATE TABLE course_editors (
    course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, user_id)
);
-- The primary key serves course_id; this serves "courses of a user".
CREATE INDEX course_editors_user_idx ON course_editors (user_id);

ALTER TABLE courses
    ADD COLUMN updated_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN archived_at timestamptz,
    ADD COLUMN version     integer NOT NULL DEFAULT 1;
CREATE INDEX courses_archived_at_idx ON courses (archived_at);
CREATE INDEX courses_updated_by_idx ON courses (updated_by);

ALTER TABLE lessons
    ADD COLUMN created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN version    integer NOT NULL DEFAULT 1,
    -- The body rendered from Markdown and sanitised, once, when it is saved.
    -- Empty for rows written before this migration: rendered when read.
    ADD COLUMN body_html  text NOT NULL DEFAULT '';
CREATE INDEX lessons_created_by_idx ON lessons (created_by);
CREATE INDEX lessons_updated_by_idx ON lessons (updated_by);

-- Every course so far belongs to its creator.
INSERT INTO course_editors (course_id, user_id, added_by, added_at)
SELECT id, created_by, created_by, created_at FROM courses WHERE created_by IS NOT NULL
ON CONFLICT DO NOTHING;
UPDATE courses SET updated_by = created_by;

-- The version counts saves of what the edit forms show, so a form loaded at
-- version n cannot overwrite a save it never saw. Publishing a course,
-- archiving it or moving a lesson is not such a save: it leaves the version
-- alone, so it never makes someone's open form stale. updated_by is whoever
-- changed the row last, in any way.
-- +goose StatementBegin
CREATE FUNCTION courses_before_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.version := OLD.version;
    IF (NEW.title, NEW.description) IS DISTINCT FROM (OLD.title, OLD.description) THEN
        NEW.version := OLD.version + 1;
    END IF;
    NEW.updated_by := coalesce(current_user_id(), NEW.updated_by);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER courses_version BEFORE UPDATE ON courses
    FOR EACH ROW EXECUTE FUNCTION courses_before_update();

-- +goose StatementBegin
CREATE FUNCTION lessons_before_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.version := OLD.version;
    IF (NEW.title, NEW.body, NEW.content_url, NEW.duration_minutes, NEW.published)
       IS DISTINCT FROM (OLD.title, OLD.body, OLD.content_url, OLD.duration_minutes, OLD.published) THEN
        NEW.version := OLD.version + 1;
    END IF;
    NEW.updated_by := coalesce(current_user_id(), NEW.updated_by);
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER lessons_version BEFORE UPDATE ON lessons
    FOR EACH ROW EXECUTE FUNCTION lessons_before_update();

-- A new row starts at version 1, written by its creator.
-- +goose StatementBegin
CREATE FUNCTION authored_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.version := 1;
    NEW.updated_by := NEW.created_by;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER courses_insert BEFORE INSERT ON courses
    FOR EACH ROW EXECUTE FUNCTION authored_before_insert();
CREATE TRIGGER lessons_insert BEFORE INSERT ON lessons
    FOR EACH ROW EXECUTE FUNCTION authored_before_insert();

-- edited_course_ids is the courses the current user edits. Policies call it
-- as (SELECT edited_course_ids()), once per statement.
-- +goose StatementBegin
CREATE FUNCTION edited_course_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT coalesce(array_agg(e.course_id), '{}')
        FROM course_editors e WHERE e.user_id = current_user_id()
    $$;
-- +goose StatementEnd

-- is_staff: may this user be made an editor (a volunteer or an admin)?
-- +goose StatementBegin
CREATE FUNCTION is_staff(p_user uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = p_user AND u.role IN ('volunteer', 'admin'))
    $$;
-- +goose StatementEnd

-- staff_user_id finds a volunteer or admin by username, to add as an editor;
-- NULL for anyone else. Volunteers cannot read other users' rows.
-- +goose StatementBegin
CREATE FUNCTION staff_user_id(p_username text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT u.id FROM users u
        WHERE lower(u.username) = lower(p_username) AND u.role IN ('volunteer', 'admin')
    $$;
-- +goose StatementEnd

-- progress_course_ids is the courses in which the current user has progress
-- rows: an archived course stays visible to its learners (their progress
-- pages), though it leaves their course lists.
-- +goose StatementBegin
CREATE FUNCTION progress_course_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT coalesce(array_agg(DISTINCT l.course_id), '{}')
        FROM student_progress p JOIN lessons l ON l.id = p.lesson_id
        WHERE p.student_id = current_user_id()
    $$;
-- +goose StatementEnd

-- The creator of a course becomes its first editor, in the same statement.
-- +goose StatementBegin
CREATE FUNCTION course_creator_is_editor() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF NEW.created_by IS NOT NULL THEN
        INSERT INTO course_editors (course_id, user_id, added_by)
        VALUES (NEW.id, NEW.created_by, NEW.created_by)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER courses_creator_editor AFTER INSERT ON courses
    FOR EACH ROW EXECUTE FUNCTION course_creator_is_editor();

GRANT SELECT, INSERT ON course_editors TO fieldbook_policy;
GRANT SELECT (id, username, role) ON users TO fieldbook_policy;
GRANT SELECT (student_id, lesson_id) ON student_progress TO fieldbook_policy;
GRANT SELECT (id, course_id) ON lessons TO fieldbook_policy;
ALTER FUNCTION edited_course_ids() OWNER TO fieldbook_policy;
ALTER FUNCTION is_staff(uuid) OWNER TO fieldbook_policy;
ALTER FUNCTION staff_user_id(text) OWNER TO fieldbook_policy;
ALTER FUNCTION course_creator_is_editor() OWNER TO fieldbook_policy;
ALTER FUNCTION progress_course_ids() OWNER TO fieldbook_policy;
REVOKE EXECUTE ON FUNCTION progress_course_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION progress_course_ids() TO fieldbook_learner;
REVOKE EXECUTE ON FUNCTION edited_course_ids(), is_staff(uuid), staff_user_id(text), course_creator_is_editor() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION edited_course_ids(), is_staff(uuid), staff_user_id(text)
    TO fieldbook_volunteer, fieldbook_admin;
-- The trigger runs for whoever inserts a course.
GRANT EXECUTE ON FUNCTION course_creator_is_editor() TO fieldbook_volunteer, fieldbook_admin;

REVOKE ALL ON course_editors FROM PUBLIC;
GRANT SELECT, INSERT ON course_editors TO fieldbook_volunteer;
GRANT SELECT, INSERT, DELETE ON course_editors TO fieldbook_admin;
ALTER TABLE course_editors ENABLE ROW LEVEL SECURITY;
ALTER TABLE course_editors FORCE ROW LEVEL SECURITY;

-- course_editors: an editor sees the editors of their courses and may add a
-- volunteer or admin to them; admins do anything.
CREATE POLICY course_editors_select_own_courses ON course_editors FOR SELECT
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY course_editors_insert_own_courses ON course_editors FOR INSERT
    TO fieldbook_volunteer
    WITH CHECK (course_id = ANY ((SELECT edited_course_ids())::uuid[])
        AND added_by = (SELECT current_user_id())
        AND is_staff(user_id));
CREATE POLICY course_editors_admin_all ON course_editors FOR ALL
    TO fieldbook_admin
    USING (true) WITH CHECK (is_staff(user_id));
CREATE POLICY course_editors_policy_select ON course_editors FOR SELECT
    TO fieldbook_policy
    USING (true);
CREATE POLICY course_editors_policy_insert ON course_editors FOR INSERT
    TO fieldbook_policy
    WITH CHECK (true);

CREATE POLICY users_policy_select ON users FOR SELECT
    TO fieldbook_policy
    USING (true);
CREATE POLICY progress_policy_select ON student_progress FOR SELECT
    TO fieldbook_policy
    USING (true);
CREATE POLICY lessons_policy_select ON lessons FOR SELECT
    TO fieldbook_policy
    USING (true);
-- Editors see the names of the people they share a course with.
CREATE POLICY users_select_coeditors ON users FOR SELECT
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM course_editors e
                   WHERE e.user_id = users.id AND e.course_id = ANY ((SELECT edited_course_ids())::uuid[])));

-- courses: anyone reads published, live (not archived) courses; a volunteer
-- also reads and writes the courses they edit, and creates courses as
-- themselves; admins do anything. P1's courses_staff_all let every volunteer
-- write every course.
DROP POLICY courses_select_published ON courses;
DROP POLICY courses_staff_all ON courses;
CREATE POLICY courses_select_live ON courses FOR SELECT
    TO fieldbook_anon, fieldbook_learner
    USING (published AND archived_at IS NULL);
-- A learner still reads an archived course they have progress in (the
-- lookup runs only for archived rows). Its lessons stay hidden, so that
-- progress is read-only.
CREATE POLICY courses_learner_select_archived ON courses FOR SELECT
    TO fieldbook_learner
    USING (published AND archived_at IS NOT NULL
        AND id = ANY ((SELECT progress_course_ids())::uuid[]));
-- (created_by: INSERT … ON CONFLICT checks the new row against the select
-- policy before the trigger has made its creator an editor.)
CREATE POLICY courses_volunteer_select ON courses FOR SELECT
    TO fieldbook_volunteer
    USING ((published AND archived_at IS NULL) OR id = ANY ((SELECT edited_course_ids())::uuid[])
        OR created_by = (SELECT current_user_id()));
CREATE POLICY courses_volunteer_insert ON courses FOR INSERT
    TO fieldbook_volunteer
    WITH CHECK (created_by = (SELECT current_user_id()));
CREATE POLICY courses_volunteer_update ON courses FOR UPDATE
    TO fieldbook_volunteer
    USING (id = ANY ((SELECT edited_course_ids())::uuid[]))
    WITH CHECK (id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY courses_volunteer_delete ON courses FOR DELETE
    TO fieldbook_volunteer
    USING (id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY courses_admin_all ON courses FOR ALL
    TO fieldbook_admin
    USING (true) WITH CHECK (true);

-- lessons: public when it and its course are published and the course is
-- live; a volunteer reads and writes every lesson of the courses they edit.
DROP POLICY lessons_select_published ON lessons;
DROP POLICY lessons_staff_all ON lessons;
CREATE POLICY lessons_select_published ON lessons FOR SELECT
    TO fieldbook_anon, fieldbook_learner
    USING (published AND EXISTS (
        SELECT 1 FROM courses c
        WHERE c.id = lessons.course_id AND c.published AND c.archived_at IS NULL));
CREATE POLICY lessons_volunteer_select ON lessons FOR SELECT
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[])
        OR (published AND EXISTS (
            SELECT 1 FROM courses c
            WHERE c.id = lessons.course_id AND c.published AND c.archived_at IS NULL)));
CREATE POLICY lessons_volunteer_write ON lessons FOR ALL
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]))
    WITH CHECK (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY lessons_admin_all ON lessons FOR ALL
    TO fieldbook_admin
    USING (true) WITH CHECK (true);

-- Editors read the progress of learners in the courses they edit (the
-- delete confirmation counts it; the P4 dashboard shows it).
CREATE POLICY progress_select_editor ON student_progress FOR SELECT
    TO fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM lessons l
                   WHERE l.id = student_progress.lesson_id
                     AND l.course_id = ANY ((SELECT edited_course_ids())::uuid[])));

-- +goose Down
DROP POLICY IF EXISTS progress_select_editor ON student_progress;
DROP POLICY IF EXISTS lessons_admin_all ON lessons;
DROP POLICY IF EXISTS lessons_volunteer_write ON lessons;
DROP POLICY IF EXISTS lessons_volunteer_select ON lessons;
DROP POLICY IF EXISTS lessons_select_published ON lessons;
CREATE POLICY lessons_select_published ON lessons FOR SELECT
    TO fieldbook_anon, fieldbook_learner
    USING (published AND EXISTS (
        SELECT 1 FROM courses c WHERE c.id = lessons.course_id AND c.published));
CREATE POLICY lessons_staff_all ON lessons FOR ALL
    TO fieldbook_volunteer, fieldbook_admin
    USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS courses_admin_all ON courses;
DROP POLICY IF EXISTS courses_volunteer_delete ON courses;
DROP POLICY IF EXISTS courses_volunteer_update ON courses;
DROP POLICY IF EXISTS courses_volunteer_insert ON courses;
DROP POLICY IF EXISTS courses_volunteer_select ON courses;
DROP POLICY IF EXISTS courses_learner_select_archived ON courses;
DROP POLICY IF EXISTS courses_select_live ON courses;
CREATE POLICY courses_select_published ON courses FOR SELECT
    TO fieldbook_anon, fieldbook_learner
    USING (published);
CREATE POLICY courses_staff_all ON courses FOR ALL
    TO fieldbook_volunteer, fieldbook_admin
    USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS users_select_coeditors ON users;
DROP POLICY IF EXISTS users_policy_select ON users;
DROP POLICY IF EXISTS progress_policy_select ON student_progress;
DROP POLICY IF EXISTS lessons_policy_select ON lessons;
DROP TABLE IF EXISTS course_editors;
DROP TRIGGER IF EXISTS courses_creator_editor ON courses;
DROP TRIGGER IF EXISTS courses_insert ON courses;
DROP TRIGGER IF EXISTS lessons_insert ON lessons;
DROP TRIGGER IF EXISTS courses_version ON courses;
DROP TRIGGER IF EXISTS lessons_version ON lessons;
DROP FUNCTION IF EXISTS course_creator_is_editor();
DROP FUNCTION IF EXISTS progress_course_ids();
DROP FUNCTION IF EXISTS staff_user_id(text);
DROP FUNCTION IF EXISTS is_staff(uuid);
DROP FUNCTION IF EXISTS edited_course_ids();
DROP FUNCTION IF EXISTS authored_before_insert();
DROP FUNCTION IF EXISTS lessons_before_update();
DROP FUNCTION IF EXISTS courses_before_update();
REVOKE SELECT (id, username, role) ON users FROM fieldbook_policy;
REVOKE SELECT (student_id, lesson_id) ON student_progress FROM fieldbook_policy;
REVOKE SELECT (id, course_id) ON lessons FROM fieldbook_policy;
ALTER TABLE lessons DROP COLUMN IF EXISTS body_html, DROP COLUMN IF EXISTS version,
    DROP COLUMN IF EXISTS updated_by, DROP COLUMN IF EXISTS created_by;
ALTER TABLE courses DROP COLUMN IF EXISTS version, DROP COLUMN IF EXISTS archived_at,
    DROP COLUMN IF EXISTS updated_by;
