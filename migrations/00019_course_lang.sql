-- +goose Up
-- Each course's content language (issue 13), apart from the interface
-- language: a French course stays French on an Arabic page. One of the
-- interface languages (courses_lang_check, kept in step with internal/i18n
-- by TestCourseLangCheckMatchesLanguages). Courses written before this
-- were written in an English-only app: they start as English, and their
-- editors set the right language in the course form.
ALTER TABLE courses ADD COLUMN lang text NOT NULL DEFAULT 'en'
    CONSTRAINT courses_lang_check CHECK (lang IN ('en', 'fr', 'pt', 'es', 'sw', 'ar'));

-- A course made without a language is in its author's: their stored
-- choice, else English. Runs as the caller (their own row of users, which
-- every role may read).
-- +goose StatementBegin
CREATE FUNCTION current_user_lang() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce((SELECT lang FROM users WHERE id = current_user_id()), 'en') $$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION current_user_lang() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION current_user_lang() TO fieldbook_volunteer, fieldbook_admin;
ALTER TABLE courses ALTER COLUMN lang SET DEFAULT current_user_lang();

-- The learners' list filters and sorts by it.
CREATE INDEX courses_lang_idx ON courses (lang);

-- The language is a field of the course form: changing it is a save that
-- makes other open forms stale, like the title and the description.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION courses_before_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.version := OLD.version;
    IF (NEW.title, NEW.description, NEW.lang) IS DISTINCT FROM (OLD.title, OLD.description, OLD.lang) THEN
        NEW.version := OLD.version + 1;
    END IF;
    NEW.updated_by := coalesce(current_user_id(), NEW.updated_by);
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- A session's owner's interface language as it is now (users.lang), for
-- the session store to read with the session on a cache miss: the language
-- kept in a session's data is the one it had at sign-in, and a change on
-- another phone must reach this one (issue 13). The caller knows the
-- session's key already and reads its data, which names the same language.
-- Owned by fieldbook_auth, whose policies already let it read every
-- user_sessions row and users row (to end sessions, to sign in); it gains
-- only the lang column.
-- +goose StatementBegin
CREATE FUNCTION session_lang(session_key text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
    SELECT u.lang FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token = session_key
$$;
-- +goose StatementEnd
GRANT SELECT (lang) ON users TO fieldbook_auth;
ALTER FUNCTION session_lang(text) OWNER TO fieldbook_auth;
REVOKE EXECUTE ON FUNCTION session_lang(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_lang(text) TO fieldbook_app;

-- +goose Down
DROP FUNCTION IF EXISTS session_lang(text);
REVOKE SELECT (lang) ON users FROM fieldbook_auth;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION courses_before_update() RETURNS trigger
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
DROP INDEX IF EXISTS courses_lang_idx;
ALTER TABLE courses DROP COLUMN IF EXISTS lang;
DROP FUNCTION IF EXISTS current_user_lang();
