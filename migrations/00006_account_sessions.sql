-- +goose Up
-- Each signed-in session, by owner, so a person can see where they are signed
-- in and end the others; a password change ends them too.
CREATE TABLE user_sessions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The scs token: as secret as sessions.token, never shown on a page.
    token      text NOT NULL UNIQUE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device     text NOT NULL DEFAULT '' CHECK (length(device) <= 120),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

REVOKE ALL ON user_sessions FROM PUBLIC;
GRANT SELECT, INSERT, DELETE, UPDATE (last_seen) ON user_sessions
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT SELECT, DELETE ON user_sessions TO fieldbook_auth;
GRANT SELECT (token), DELETE ON sessions TO fieldbook_auth;
GRANT UPDATE (password_hash) ON users TO fieldbook_auth;

ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY user_sessions_own ON user_sessions FOR ALL
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (user_id = (SELECT current_user_id()))
    WITH CHECK (user_id = (SELECT current_user_id()));
-- The session functions below run as fieldbook_auth, for the current user.
CREATE POLICY user_sessions_auth_own ON user_sessions FOR ALL
    TO fieldbook_auth
    USING (user_id = (SELECT current_user_id()));
CREATE POLICY users_auth_update_own ON users FOR UPDATE
    TO fieldbook_auth
    USING (id = (SELECT current_user_id()))
    WITH CHECK (id = (SELECT current_user_id()));

-- auth_end_other_sessions ends every session of the current user but the one
-- whose token is p_keep (NULL: all of them). Returns how many it ended.
-- +goose StatementBegin
CREATE FUNCTION auth_end_other_sessions(p_keep text) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    n integer;
BEGIN
    IF current_user_id() IS NULL THEN
        RAISE EXCEPTION 'not signed in' USING ERRCODE = '42501';
    END IF;
    DELETE FROM sessions s
    USING user_sessions us
    WHERE us.token = s.token AND us.user_id = current_user_id()
      AND (p_keep IS NULL OR us.token <> p_keep);
    DELETE FROM user_sessions
    WHERE user_id = current_user_id() AND (p_keep IS NULL OR token <> p_keep);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
-- +goose StatementEnd

-- auth_set_own_password replaces the current user's password hash; the
-- caller has checked the old password first.
CREATE FUNCTION auth_set_own_password(p_hash text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ UPDATE users SET password_hash = p_hash WHERE id = current_user_id() $$;

GRANT SELECT (id) ON users TO fieldbook_auth;
ALTER FUNCTION auth_end_other_sessions(text) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_set_own_password(text) OWNER TO fieldbook_auth;
REVOKE EXECUTE ON FUNCTION auth_end_other_sessions(text), auth_set_own_password(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_end_other_sessions(text), auth_set_own_password(text)
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;

-- /readyz, run as the app's login role, compares the schema version with
-- the binary's.
GRANT SELECT ON goose_db_version TO fieldbook_app;

-- +goose Down
REVOKE SELECT ON goose_db_version FROM fieldbook_app;
DROP FUNCTION IF EXISTS auth_set_own_password(text);
DROP FUNCTION IF EXISTS auth_end_other_sessions(text);
DROP POLICY IF EXISTS users_auth_update_own ON users;
REVOKE UPDATE (password_hash) ON users FROM fieldbook_auth;
REVOKE SELECT (token), DELETE ON sessions FROM fieldbook_auth;
DROP TABLE IF EXISTS user_sessions;
