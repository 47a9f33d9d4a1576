-- +goose Up
-- Fieldbook's first schema: accounts, courses, lessons and learner progress,
-- with row-level security enforced (and forced) by PostgreSQL itself.
--
-- Roles are cluster-wide, so they are created only when missing; several
-- databases in one cluster (tests, staging) share them.

-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_anon') THEN
        CREATE ROLE fieldbook_anon NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_learner') THEN
        CREATE ROLE fieldbook_learner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_volunteer') THEN
        CREATE ROLE fieldbook_volunteer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_admin') THEN
        CREATE ROLE fieldbook_admin NOLOGIN;
    END IF;
    -- Owns the narrow SECURITY DEFINER functions used to sign in and sign up,
    -- so that no caller role ever needs to read password hashes.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_auth') THEN
        CREATE ROLE fieldbook_auth NOLOGIN;
    END IF;
    -- The application's login role in production: owns nothing, may only
    -- switch into the caller roles. An operator gives it LOGIN and a password
    -- (docs/deploy.md); until then it is NOLOGIN and harmless.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_app') THEN
        CREATE ROLE fieldbook_app NOLOGIN NOINHERIT;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin TO fieldbook_app;
-- The migrating role must be able to switch too (a superuser always can), and
-- must be a member of fieldbook_auth to hand it the auth functions.
GRANT fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin, fieldbook_auth TO CURRENT_USER;

-- current_user_id is the signed-in user of this transaction, or NULL.
-- Set by store.InTx with set_config('fieldbook.user_id', …, true).
CREATE FUNCTION current_user_id() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('fieldbook.user_id', true), '')::uuid $$;

-- +goose StatementBegin
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,31}$'),
    display_name  text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
    email         text CHECK (email IS NULL OR position('@' IN email) > 1),
    password_hash text NOT NULL,
    role          text NOT NULL DEFAULT 'learner' CHECK (role IN ('learner', 'volunteer', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Usernames are stored lower-case (the CHECK above); the index on lower()
-- keeps them unique case-insensitively even if that rule is ever relaxed.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- The scs pgxstore table. Kept outside RLS: only the login role touches it,
-- never a caller role.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE courses (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title       text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    published   boolean NOT NULL DEFAULT false,
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courses_published_idx ON courses (published);
CREATE INDEX courses_created_by_idx ON courses (created_by);
CREATE TRIGGER courses_updated_at BEFORE UPDATE ON courses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE lessons (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id        uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    position         integer NOT NULL CHECK (position >= 1),
    title            text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    body             text NOT NULL DEFAULT '',
    content_url      text NOT NULL DEFAULT '' CHECK (content_url = '' OR content_url ~* '^https?://'),
    duration_minutes integer NOT NULL DEFAULT 0 CHECK (duration_minutes BETWEEN 0 AND 1440),
    published        boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Deferrable so a reorder can swap two positions inside one transaction.
    CONSTRAINT lessons_course_position_key UNIQUE (course_id, position) DEFERRABLE INITIALLY IMMEDIATE
);
-- (course_id, position) above also serves the course_id foreign key.
CREATE INDEX lessons_published_idx ON lessons (course_id) WHERE published;
CREATE TRIGGER lessons_updated_at BEFORE UPDATE ON lessons
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE student_progress (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    student_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id         uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    completed         boolean NOT NULL DEFAULT false,
    completed_at      timestamptz,
    -- The time of the change on the learner's device (clamped to server time
    -- when far in the future); the later change wins.
    client_updated_at timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT student_progress_student_lesson_key UNIQUE (student_id, lesson_id),
    CHECK (completed = (completed_at IS NOT NULL))
);
-- (student_id, lesson_id) above serves student_id lookups and the policy.
CREATE INDEX student_progress_lesson_idx ON student_progress (lesson_id);
CREATE TRIGGER student_progress_updated_at BEFORE UPDATE ON student_progress
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Privileges: nothing by default, then exactly what each caller needs.
REVOKE ALL ON users, courses, lessons, student_progress, sessions FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION current_user_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION current_user_id() TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin, fieldbook_auth;
GRANT USAGE ON SCHEMA public TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin, fieldbook_auth, fieldbook_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO fieldbook_app;

-- password_hash is never readable by a caller role, not even for one's own
-- row: sign-in goes through auth_user_by_username below.
GRANT SELECT (id, username, display_name, email, role, created_at) ON users
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT INSERT (username, display_name, email, password_hash, role),
      UPDATE (display_name, email, password_hash, role),
      DELETE ON users TO fieldbook_admin;
-- Not password_hash: changing a password will go through a function that
-- checks the old one.
GRANT UPDATE (display_name, email) ON users TO fieldbook_learner, fieldbook_volunteer;

GRANT SELECT ON courses, lessons TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT INSERT, UPDATE, DELETE ON courses, lessons TO fieldbook_volunteer, fieldbook_admin;

GRANT SELECT, INSERT, UPDATE, DELETE ON student_progress TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
-- Anonymous may run the same joined queries; with no policy for it, it sees
-- no progress rows at all.
GRANT SELECT ON student_progress TO fieldbook_anon;

-- Row-level security: enabled and forced, so even the table owner obeys it.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE courses ENABLE ROW LEVEL SECURITY;
ALTER TABLE courses FORCE ROW LEVEL SECURITY;
ALTER TABLE lessons ENABLE ROW LEVEL SECURITY;
ALTER TABLE lessons FORCE ROW LEVEL SECURITY;
ALTER TABLE student_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE student_progress FORCE ROW LEVEL SECURITY;

-- users
CREATE POLICY users_select_own ON users FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer
    USING (id = (SELECT current_user_id()));
CREATE POLICY users_update_own ON users FOR UPDATE
    TO fieldbook_learner, fieldbook_volunteer
    USING (id = (SELECT current_user_id()))
    WITH CHECK (id = (SELECT current_user_id()));
CREATE POLICY users_admin_all ON users FOR ALL
    TO fieldbook_admin
    USING (true) WITH CHECK (true);
-- The auth functions' owner looks users up by name and creates learners.
CREATE POLICY users_auth_select ON users FOR SELECT
    TO fieldbook_auth
    USING (true);
CREATE POLICY users_auth_insert ON users FOR INSERT
    TO fieldbook_auth
    WITH CHECK (role = 'learner');

-- courses: anyone reads published ones; volunteers and admins read and write all.
CREATE POLICY courses_select_published ON courses FOR SELECT
    TO fieldbook_anon, fieldbook_learner
    USING (published);
CREATE POLICY courses_staff_all ON courses FOR ALL
    TO fieldbook_volunteer, fieldbook_admin
    USING (true) WITH CHECK (true);

-- lessons: a lesson is public when it and its course are published.
CREATE POLICY lessons_select_published ON lessons FOR SELECT
    TO fieldbook_anon, fieldbook_learner
    USING (published AND EXISTS (
        SELECT 1 FROM courses c WHERE c.id = lessons.course_id AND c.published));
CREATE POLICY lessons_staff_all ON lessons FOR ALL
    TO fieldbook_volunteer, fieldbook_admin
    USING (true) WITH CHECK (true);

-- student_progress: every signed-in user reads and writes only their own
-- rows, and only for lessons they can see; admins read everyone's.
CREATE POLICY progress_select_own ON student_progress FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (student_id = (SELECT current_user_id()));
CREATE POLICY progress_insert_own ON student_progress FOR INSERT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    WITH CHECK (student_id = (SELECT current_user_id())
        AND EXISTS (SELECT 1 FROM lessons l WHERE l.id = student_progress.lesson_id));
CREATE POLICY progress_update_own ON student_progress FOR UPDATE
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (student_id = (SELECT current_user_id()))
    WITH CHECK (student_id = (SELECT current_user_id())
        AND EXISTS (SELECT 1 FROM lessons l WHERE l.id = student_progress.lesson_id));
CREATE POLICY progress_delete_own ON student_progress FOR DELETE
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (student_id = (SELECT current_user_id()));
CREATE POLICY progress_admin_select ON student_progress FOR SELECT
    TO fieldbook_admin
    USING (true);

-- Sign-in: the one place a password hash leaves the database. Callable by the
-- anonymous role only through this function, which returns one user by name.
CREATE FUNCTION auth_user_by_username(p_username text)
    RETURNS TABLE (id uuid, username text, display_name text, role text, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT u.id, u.username, u.display_name, u.role, u.password_hash
        FROM users u WHERE lower(u.username) = lower(p_username)
    $$;

-- Sign-up: creates a learner, nothing else (the policy above refuses any
-- other role). Returns NULL when the username is taken.
CREATE FUNCTION auth_sign_up(p_username text, p_display_name text, p_password_hash text)
    RETURNS uuid
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        INSERT INTO users (username, display_name, password_hash, role)
        VALUES (lower(p_username), btrim(p_display_name), p_password_hash, 'learner')
        ON CONFLICT DO NOTHING
        RETURNING id
    $$;

GRANT SELECT (id, username, display_name, role, password_hash), INSERT (username, display_name, password_hash, role)
    ON users TO fieldbook_auth;
ALTER FUNCTION auth_user_by_username(text) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_sign_up(text, text, text) OWNER TO fieldbook_auth;
REVOKE EXECUTE ON FUNCTION auth_user_by_username(text), auth_sign_up(text, text, text) FROM PUBLIC;
-- Only signed-out callers sign in or sign up.
GRANT EXECUTE ON FUNCTION auth_user_by_username(text), auth_sign_up(text, text, text)
    TO fieldbook_anon;

-- +goose Down
-- Roles are cluster-wide and may serve other databases: they stay.
DROP FUNCTION IF EXISTS auth_sign_up(text, text, text);
DROP FUNCTION IF EXISTS auth_user_by_username(text);
DROP TABLE IF EXISTS student_progress;
DROP TABLE IF EXISTS lessons;
DROP TABLE IF EXISTS courses;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS users;
DROP FUNCTION IF EXISTS set_updated_at();
DROP FUNCTION IF EXISTS current_user_id();
