-- +goose Up
-- Sessions keep only a hash of their token, and every change to a session or
-- to its user is announced, so each app instance can cache sessions
-- (store.SessionStore) and still drop a revoked one within a moment.

-- 1. sessions.token and user_sessions.token hold the SHA-256 of the cookie's
--    token in hex (store.SessionKey); a copy of these tables signs nobody
--    in. Live sessions keep working: their rows are rehashed here.
UPDATE sessions SET token = encode(sha256(convert_to(token, 'UTF8')), 'hex');
UPDATE user_sessions SET token = encode(sha256(convert_to(token, 'UTF8')), 'hex');
COMMENT ON COLUMN sessions.token IS 'SHA-256 of the session token, hex (store.SessionKey)';
COMMENT ON COLUMN user_sessions.token IS 'SHA-256 of the session token, hex (store.SessionKey)';

-- 2. A session changed or ended: "s:" and its key on fieldbook_sessions.
--    NOTIFY reaches any role that LISTENs, which is why the payload is the
--    hash and never a token.
-- +goose StatementBegin
CREATE FUNCTION sessions_notify() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM pg_notify('fieldbook_sessions', 's:' || OLD.token);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_notify();

-- 3. A user changed: "u:" and the user's id; each instance drops that user's
--    cached sessions and reads them again. Any column counts, so what a
--    session depends on now (role, disabled_at, password_hash) and later
--    (the interface language, users.lang) needs no change here.
-- +goose StatementBegin
CREATE FUNCTION users_notify_sessions() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM pg_notify('fieldbook_sessions', 'u:' || NEW.id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_sessions_changed AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION users_notify_sessions();

-- +goose Down
DROP TRIGGER IF EXISTS users_sessions_changed ON users;
DROP TRIGGER IF EXISTS sessions_changed ON sessions;
DROP FUNCTION IF EXISTS users_notify_sessions();
DROP FUNCTION IF EXISTS sessions_notify();
-- The hashes cannot be turned back into tokens: everyone signs in again.
DELETE FROM user_sessions;
DELETE FROM sessions;
COMMENT ON COLUMN sessions.token IS NULL;
COMMENT ON COLUMN user_sessions.token IS NULL;
