-- +goose Up
-- Shared phones (P1): a learner who opts in to offline use on a phone gets a
-- key pair made there by WebCrypto (ECDSA P-256, non-extractable). The
-- server keeps only the public key. A change the phone signs with it is
-- accepted by POST /api/progress for the key's owner, whoever is signed in
-- when it arrives (docs/offline.md, "Phone protocol").
--
-- The keys are read for verification only through phone_keys_live(), a
-- SECURITY DEFINER function owned by fieldbook_keys that returns the owner
-- and public key of live keys: the anonymous role (a replay with nobody
-- signed in) never reads the table itself.

-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fieldbook_keys') THEN
        CREATE ROLE fieldbook_keys NOLOGIN;
    END IF;
END
$$;
-- +goose StatementEnd
GRANT fieldbook_keys TO CURRENT_USER;
-- CREATE lets it own the functions below when a non-superuser migrates
-- (PostgreSQL requires it of a function's new owner); nobody logs in as it.
GRANT USAGE, CREATE ON SCHEMA public TO fieldbook_keys;

CREATE TABLE phone_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The uncompressed P-256 point 0x04 || X || Y; the app checks that it
    -- is on the curve before it stores it. A key is one (learner, phone).
    public_key   bytea NOT NULL UNIQUE CHECK (length(public_key) = 65 AND get_byte(public_key, 0) = 4),
    label        text NOT NULL DEFAULT '' CHECK (length(label) <= 60),
    -- The session that registered the key: "Sign out everywhere else" from
    -- that session keeps it (the phone also names its key in that form).
    session_id   uuid REFERENCES user_sessions (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Written at most once a day per key, not per synced item.
    last_used_at timestamptz,
    revoked_at   timestamptz
);
-- Policies filter on user_id; lookups by id use the primary key.
CREATE INDEX phone_keys_user_idx ON phone_keys (user_id);
-- For ON DELETE SET NULL when a session ends.
CREATE INDEX phone_keys_session_idx ON phone_keys (session_id) WHERE session_id IS NOT NULL;

REVOKE ALL ON phone_keys FROM PUBLIC;
-- Every signed-in role may also learn: each reads, registers and revokes its
-- own keys. Nobody may change a key's material, owner or time of creation,
-- nor delete one (a revoked key stays, as a record; users cascade).
GRANT SELECT, INSERT (user_id, public_key, label, session_id), UPDATE (revoked_at, last_used_at)
    ON phone_keys TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT SELECT (id, user_id, public_key, last_used_at, revoked_at), UPDATE (revoked_at)
    ON phone_keys TO fieldbook_keys;
GRANT SELECT (id, role, disabled_at) ON users TO fieldbook_keys;

ALTER TABLE phone_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE phone_keys FORCE ROW LEVEL SECURITY;

CREATE POLICY phone_keys_select_own ON phone_keys FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (user_id = (SELECT current_user_id()));
-- A key is registered for oneself, from one's own session (or none).
CREATE POLICY phone_keys_insert_own ON phone_keys FOR INSERT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    WITH CHECK (user_id = (SELECT current_user_id())
        AND (session_id IS NULL OR EXISTS (
            SELECT 1 FROM user_sessions s
            WHERE s.id = phone_keys.session_id AND s.user_id = (SELECT current_user_id()))));
-- Only live keys change (revoked, or touched): a revoked key stays revoked.
CREATE POLICY phone_keys_update_own ON phone_keys FOR UPDATE
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (user_id = (SELECT current_user_id()) AND revoked_at IS NULL)
    WITH CHECK (user_id = (SELECT current_user_id()));
-- fieldbook_keys is reachable only through the functions below, which say
-- which keys they read (a revoking UPDATE must also see the new, revoked row).
CREATE POLICY phone_keys_keys_select ON phone_keys FOR SELECT
    TO fieldbook_keys
    USING (true);
CREATE POLICY phone_keys_keys_revoke ON phone_keys FOR UPDATE
    TO fieldbook_keys
    USING (revoked_at IS NULL)
    WITH CHECK (revoked_at IS NOT NULL);
CREATE POLICY users_keys_select ON users FOR SELECT
    TO fieldbook_keys
    USING (true);

-- phone_keys_live returns the live keys among p_ids, with the owner, the
-- owner's role (the signed items are applied under it) and when the key
-- was last used (so the caller touches it at most once a day). A key of a
-- disabled account is not live.
CREATE FUNCTION phone_keys_live(p_ids uuid[])
    RETURNS TABLE (key_id uuid, user_id uuid, user_role text, public_key bytea, last_used_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT k.id, k.user_id, u.role, k.public_key, k.last_used_at
        FROM phone_keys k JOIN users u ON u.id = k.user_id
        WHERE k.id = ANY (p_ids) AND k.revoked_at IS NULL AND u.disabled_at IS NULL
    $$;

-- A password change (in the app, by the CLI or with a reset link), a role
-- change and disabling an account revoke the user's keys, whatever made the
-- change. The one exception is a sign-in upgrading the stored hash of the
-- same password (auth_upgrade_own_password_hash below).
-- +goose StatementBegin
CREATE FUNCTION phone_keys_revoke_on_user_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF OLD.role IS NOT DISTINCT FROM NEW.role
       AND NOT (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL)
       AND coalesce(current_setting('fieldbook.hash_upgrade', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE phone_keys SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_revoke_phone_keys AFTER UPDATE OF password_hash, role, disabled_at ON users
    FOR EACH ROW
    WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash OR OLD.role IS DISTINCT FROM NEW.role
          OR (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL))
    EXECUTE FUNCTION phone_keys_revoke_on_user_change();

-- auth_upgrade_own_password_hash stores a new hash of the password the
-- current user has just signed in with (newer Argon2id parameters). The
-- password is the same, so the user's phones keep their keys.
-- +goose StatementBegin
CREATE FUNCTION auth_upgrade_own_password_hash(p_hash text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM set_config('fieldbook.hash_upgrade', 'on', true);
    UPDATE users SET password_hash = p_hash WHERE id = current_user_id();
    PERFORM set_config('fieldbook.hash_upgrade', '', true);
END
$$;
-- +goose StatementEnd

ALTER FUNCTION phone_keys_live(uuid[]) OWNER TO fieldbook_keys;
ALTER FUNCTION phone_keys_revoke_on_user_change() OWNER TO fieldbook_keys;
ALTER FUNCTION auth_upgrade_own_password_hash(text) OWNER TO fieldbook_auth;
REVOKE EXECUTE ON FUNCTION phone_keys_live(uuid[]), phone_keys_revoke_on_user_change(),
    auth_upgrade_own_password_hash(text) FROM PUBLIC;
-- POST /api/progress looks keys up for whoever sends it, signed in or not.
GRANT EXECUTE ON FUNCTION phone_keys_live(uuid[])
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION auth_upgrade_own_password_hash(text)
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;

-- +goose Down
DROP FUNCTION IF EXISTS auth_upgrade_own_password_hash(text);
DROP TRIGGER IF EXISTS users_revoke_phone_keys ON users;
DROP FUNCTION IF EXISTS phone_keys_revoke_on_user_change();
DROP FUNCTION IF EXISTS phone_keys_live(uuid[]);
DROP POLICY IF EXISTS users_keys_select ON users;
REVOKE SELECT (id, role, disabled_at) ON users FROM fieldbook_keys;
DROP TABLE IF EXISTS phone_keys;
REVOKE CREATE ON SCHEMA public FROM fieldbook_keys;
