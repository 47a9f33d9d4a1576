-- +goose Up
-- Invitations and user management (P2): admins invite volunteers with
-- single-use expiring links, hand out one-time password-reset links in
-- person (there may be no email), change roles and disable accounts.
--
-- Links are bearer secrets: only a SHA-256 of the random token is stored, so
-- a database dump hands out no working link. Accepting a link runs in a
-- SECURITY DEFINER function owned by fieldbook_auth, callable by the
-- anonymous role, which claims the link with one conditional UPDATE: two
-- concurrent accepts serialise on the row lock and only one finds it open.

ALTER TABLE users ADD COLUMN disabled_at timestamptz;

CREATE TABLE invites (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    role       text NOT NULL DEFAULT 'volunteer' CHECK (role = 'volunteer'),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    -- Set when the invite is claimed, just before the account is inserted
    -- (the policy on users checks it), hence deferred.
    used_by    uuid REFERENCES users (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    CHECK (used_by IS NULL OR used_at IS NOT NULL)
);
CREATE INDEX invites_open_idx ON invites (expires_at) WHERE used_at IS NULL;
CREATE INDEX invites_created_by_idx ON invites (created_by);
CREATE INDEX invites_used_by_idx ON invites (used_by);

CREATE TABLE password_resets (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
CREATE INDEX password_resets_created_by_idx ON password_resets (created_by);

REVOKE ALL ON invites, password_resets FROM PUBLIC;
-- Admins manage both; nobody else (not even a volunteer) reads them.
GRANT SELECT, INSERT (token_hash, created_by, expires_at), DELETE ON invites TO fieldbook_admin;
GRANT SELECT, INSERT (token_hash, user_id, created_by, expires_at), DELETE ON password_resets TO fieldbook_admin;
GRANT SELECT (disabled_at), UPDATE (disabled_at) ON users TO fieldbook_admin;
-- The accept functions' owner claims links, creates the invited volunteer
-- and sets the new password.
GRANT SELECT, UPDATE (used_at, used_by) ON invites TO fieldbook_auth;
GRANT SELECT, UPDATE (used_at) ON password_resets TO fieldbook_auth;
GRANT SELECT (disabled_at), INSERT (id) ON users TO fieldbook_auth;

ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE invites FORCE ROW LEVEL SECURITY;
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;

CREATE POLICY invites_admin_all ON invites FOR ALL
    TO fieldbook_admin USING (true) WITH CHECK (true);
CREATE POLICY password_resets_admin_all ON password_resets FOR ALL
    TO fieldbook_admin USING (true) WITH CHECK (true);
-- fieldbook_auth is reachable only through its definer functions, each of
-- which names the one link it claims.
CREATE POLICY invites_auth ON invites FOR ALL
    TO fieldbook_auth USING (true) WITH CHECK (true);
CREATE POLICY password_resets_auth ON password_resets FOR ALL
    TO fieldbook_auth USING (true) WITH CHECK (true);

-- fieldbook_auth may create a volunteer only for an invite claimed for that
-- very account id (sign-up stays learner-only: users_auth_insert).
CREATE POLICY users_auth_insert_invited ON users FOR INSERT
    TO fieldbook_auth
    WITH CHECK (role = 'volunteer' AND EXISTS (
        SELECT 1 FROM invites i WHERE i.used_by = users.id AND i.role = 'volunteer'));
-- … and may set the password only of a user whose reset link was claimed in
-- this very transaction (used_at = now(), the transaction's start).
CREATE POLICY users_auth_update_reset ON users FOR UPDATE
    TO fieldbook_auth
    USING (EXISTS (SELECT 1 FROM password_resets r WHERE r.user_id = users.id AND r.used_at = now()))
    WITH CHECK (EXISTS (SELECT 1 FROM password_resets r WHERE r.user_id = users.id AND r.used_at = now()));
-- Ending another user's sessions (role change, disable, reset) goes through
-- auth_end_sessions_of below, run as fieldbook_auth.
CREATE POLICY user_sessions_auth_end ON user_sessions FOR SELECT
    TO fieldbook_auth USING (true);
CREATE POLICY user_sessions_auth_end_delete ON user_sessions FOR DELETE
    TO fieldbook_auth USING (true);

-- A disabled account cannot sign in: the one function that hands out a
-- password hash no longer finds it.
CREATE OR REPLACE FUNCTION auth_user_by_username(p_username text)
    RETURNS TABLE (id uuid, username text, display_name text, role text, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT u.id, u.username, u.display_name, u.role, u.password_hash
        FROM users u WHERE lower(u.username) = lower(p_username) AND u.disabled_at IS NULL
    $$;

-- auth_end_sessions_of ends every session of one user (the scs rows and
-- their records). Internal: no caller role may execute it.
-- +goose StatementBegin
CREATE FUNCTION auth_end_sessions_of(p_user uuid) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM sessions s USING user_sessions us
    WHERE us.token = s.token AND us.user_id = p_user;
    DELETE FROM user_sessions us WHERE us.user_id = p_user;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
-- +goose StatementEnd

-- A role change or a disable ends the user's sessions, whoever makes it: the
-- session data holds the old role, and a disabled user must be out at once.
-- +goose StatementBegin
CREATE FUNCTION users_end_sessions_on_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM auth_end_sessions_of(NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_end_sessions AFTER UPDATE OF role, disabled_at ON users
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL))
    EXECUTE FUNCTION users_end_sessions_on_change();

-- auth_link_status says what happened to a link that cannot be used:
-- 'used', 'expired', or 'unknown'; 'open' when it can.
-- +goose StatementBegin
CREATE FUNCTION auth_invite_status(p_token_hash bytea) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT coalesce((
            SELECT CASE WHEN i.used_at IS NOT NULL THEN 'used'
                        WHEN i.expires_at <= now() THEN 'expired'
                        ELSE 'open' END
            FROM invites i WHERE i.token_hash = p_token_hash), 'unknown')
    $$;
-- +goose StatementEnd

-- auth_password_reset_status is the same for a reset link, with the
-- username it resets (NULL for an unknown link).
-- +goose StatementBegin
CREATE FUNCTION auth_password_reset_status(p_token_hash bytea)
    RETURNS TABLE (link_status text, link_username text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT coalesce(x.s, 'unknown'), x.u
        FROM (SELECT 1) one
        LEFT JOIN (
            SELECT CASE WHEN r.used_at IS NOT NULL THEN 'used'
                        WHEN r.expires_at <= now() THEN 'expired'
                        ELSE 'open' END AS s, u.username AS u
            FROM password_resets r JOIN users u ON u.id = r.user_id
            WHERE r.token_hash = p_token_hash) x ON true
    $$;
-- +goose StatementEnd

-- auth_accept_invite claims an open invite and creates its volunteer in one
-- transaction. Returns ('ok', id); ('taken', NULL) when the username is
-- taken (the invite stays open); or ('used'|'expired'|'unknown', NULL).
-- +goose StatementBegin
CREATE FUNCTION auth_accept_invite(p_token_hash bytea, p_username text, p_display_name text, p_password_hash text)
    RETURNS TABLE (result text, new_user uuid)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_invite uuid;
    v_user   uuid := gen_random_uuid();
    v_id     uuid;
BEGIN
    UPDATE invites SET used_at = now(), used_by = v_user
    WHERE token_hash = p_token_hash AND used_at IS NULL AND expires_at > now()
    RETURNING id INTO v_invite;
    IF v_invite IS NULL THEN
        RETURN QUERY SELECT auth_invite_status(p_token_hash), NULL::uuid;
        RETURN;
    END IF;
    INSERT INTO users (id, username, display_name, password_hash, role)
    VALUES (v_user, lower(p_username), btrim(p_display_name), p_password_hash, 'volunteer')
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        UPDATE invites SET used_at = NULL, used_by = NULL WHERE id = v_invite;
        RETURN QUERY SELECT 'taken'::text, NULL::uuid;
        RETURN;
    END IF;
    RETURN QUERY SELECT 'ok'::text, v_id;
END
$$;
-- +goose StatementEnd

-- auth_accept_password_reset claims an open reset link, sets the new
-- password, spends the user's other open reset links and ends all their
-- sessions. Returns ('ok', user id) or ('used'|'expired'|'unknown', NULL).
-- +goose StatementBegin
CREATE FUNCTION auth_accept_password_reset(p_token_hash bytea, p_password_hash text)
    RETURNS TABLE (result text, reset_user uuid)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_user uuid;
BEGIN
    UPDATE password_resets r SET used_at = now()
    WHERE r.token_hash = p_token_hash AND r.used_at IS NULL AND r.expires_at > now()
    RETURNING r.user_id INTO v_user;
    IF v_user IS NULL THEN
        RETURN QUERY SELECT s.link_status, NULL::uuid FROM auth_password_reset_status(p_token_hash) s;
        RETURN;
    END IF;
    UPDATE users u SET password_hash = p_password_hash WHERE u.id = v_user;
    UPDATE password_resets r SET used_at = now() WHERE r.user_id = v_user AND r.used_at IS NULL;
    PERFORM auth_end_sessions_of(v_user);
    RETURN QUERY SELECT 'ok'::text, v_user;
END
$$;
-- +goose StatementEnd

ALTER FUNCTION auth_end_sessions_of(uuid) OWNER TO fieldbook_auth;
ALTER FUNCTION users_end_sessions_on_change() OWNER TO fieldbook_auth;
ALTER FUNCTION auth_invite_status(bytea) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_password_reset_status(bytea) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_accept_invite(bytea, text, text, text) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_accept_password_reset(bytea, text) OWNER TO fieldbook_auth;
REVOKE EXECUTE ON FUNCTION auth_end_sessions_of(uuid), users_end_sessions_on_change(),
    auth_invite_status(bytea), auth_password_reset_status(bytea),
    auth_accept_invite(bytea, text, text, text), auth_accept_password_reset(bytea, text) FROM PUBLIC;
-- Following a link is for anyone, signed in or not (an admin may test one).
GRANT EXECUTE ON FUNCTION auth_invite_status(bytea), auth_password_reset_status(bytea),
    auth_accept_invite(bytea, text, text, text), auth_accept_password_reset(bytea, text)
    TO fieldbook_anon;

-- +goose Down
DROP TRIGGER IF EXISTS users_end_sessions ON users;
DROP FUNCTION IF EXISTS auth_accept_password_reset(bytea, text);
DROP FUNCTION IF EXISTS auth_accept_invite(bytea, text, text, text);
DROP FUNCTION IF EXISTS auth_password_reset_status(bytea);
DROP FUNCTION IF EXISTS auth_invite_status(bytea);
DROP FUNCTION IF EXISTS users_end_sessions_on_change();
DROP FUNCTION IF EXISTS auth_end_sessions_of(uuid);
CREATE OR REPLACE FUNCTION auth_user_by_username(p_username text)
    RETURNS TABLE (id uuid, username text, display_name text, role text, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT u.id, u.username, u.display_name, u.role, u.password_hash
        FROM users u WHERE lower(u.username) = lower(p_username)
    $$;
DROP POLICY IF EXISTS user_sessions_auth_end_delete ON user_sessions;
DROP POLICY IF EXISTS user_sessions_auth_end ON user_sessions;
DROP POLICY IF EXISTS users_auth_update_reset ON users;
DROP POLICY IF EXISTS users_auth_insert_invited ON users;
DROP TABLE IF EXISTS password_resets;
DROP TABLE IF EXISTS invites;
REVOKE INSERT (id) ON users FROM fieldbook_auth;
ALTER TABLE users DROP COLUMN IF EXISTS disabled_at;
